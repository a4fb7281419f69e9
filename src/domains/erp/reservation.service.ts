import { assertOwnership } from '../../kernel/ownership.js';
import { ErpErrors } from './errors.js';
import { actor, type ErpDeps, type LedgerService, type Page, retryingRace } from './ledger.service.js';
import type { PostResult } from './ledger.types.js';
import type { createLedgerWriter } from './ledger.writer.js';
import type { ErpReservationRow } from './schema.js';
import { lockSkus, tryTaskLock } from './sql.js';

/**
 * Reservations: stock promised to an order line before it is allocated to a fulfillment. Keyed by
 * the caller's reference (the order line), so a reservation delivered twice is applied once. Each
 * change is a ledger movement with a reference derived from the key (`<key>:release`,
 * `<key>:allocate`, `<key>:expired`), so retries of any of them are no-ops too.
 *
 * A reservation lapses at `expiresAt` (if it has one): the sweep, run by the module's background
 * task and callable, releases what lapsed reservations still hold. Time comes from the Clock port.
 */

export interface Reservation {
  key: string;
  sku: string;
  location: string;
  /** Units reserved at first. */
  quantity: number;
  /** Units still reserved (held in the `reserved` bucket). */
  remaining: number;
  /** Units converted to allocations. */
  allocated: number;
  /** Units given back (released or expired). */
  released: number;
  status: 'active' | 'released' | 'expired' | 'allocated';
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ReserveInput {
  /** The reservation's key and its movement's reference: e.g. `order:ord_1:line:2`. */
  reference: string;
  sku: string;
  location: string;
  quantity: number;
  expiresAt?: string;
  ttlSeconds?: number;
}

const SWEEP_TASK = 2;

function toReservation(r: ErpReservationRow): Reservation {
  const quantity = Number(r.quantity);
  const remaining = Number(r.remaining);
  const allocated = Number(r.allocated);
  return {
    key: r.key,
    sku: r.sku,
    location: r.location,
    quantity,
    remaining,
    allocated,
    released: quantity - remaining - allocated,
    status: r.status as Reservation['status'],
    expiresAt: r.expires_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createReservationService(
  deps: ErpDeps,
  ledger: LedgerService,
  writer: ReturnType<typeof createLedgerWriter>,
  options: { sweepBatchSize: number },
) {
  const { store, clock } = deps;

  async function get(key: string): Promise<Reservation> {
    const row = await store.db
      .selectFrom('erp_reservations')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) throw ErpErrors.RESERVATION_NOT_FOUND.create(`no reservation "${key}"`, { key });
    return toReservation(row as ErpReservationRow);
  }

  return {
    get,

    /** Reserve stock for an order line. The same reference again returns the reservation as it is. */
    async reserve(input: ReserveInput): Promise<{ reservation: Reservation; movement: PostResult }> {
      const movement = await ledger.postOne({ type: 'reservation', ...input, reservation: input.reference });
      return { reservation: await get(input.reference), movement };
    },

    /**
     * Give back what the reservation still holds (an order line cancelled). Releasing one that is
     * already released or expired changes nothing; one fully allocated is refused (409).
     */
    async release(key: string, o: { reason?: string } = {}): Promise<Reservation> {
      const r = await get(key);
      if (r.status !== 'active') {
        await assertOwnership(deps, 'erp', `reservation:${key}`, ['status']);
        if (r.status === 'allocated')
          throw ErpErrors.RESERVATION_STATE.create(
            `reservation "${key}" is allocated: nothing left to release`,
            { key },
          );
        return r;
      }
      await ledger.postOne({
        type: 'release',
        reference: `${key}:release`,
        reservation: key,
        sku: r.sku,
        location: r.location,
        ...(o.reason ? { reason: o.reason } : {}),
      });
      return get(key);
    },

    /** Convert the reservation into an allocation: all it holds, or `quantity` of it. */
    async allocate(key: string, o: { quantity?: number; reference?: string } = {}): Promise<Reservation> {
      const r = await get(key);
      if (r.status === 'released' || r.status === 'expired')
        throw ErpErrors.RESERVATION_STATE.create(`reservation "${key}" is ${r.status}: nothing to allocate`, {
          key,
        });
      await ledger.postOne({
        type: 'allocation',
        reference: o.reference ?? `${key}:allocate`,
        reservation: key,
        sku: r.sku,
        location: r.location,
        ...(o.quantity !== undefined ? { quantity: o.quantity } : {}),
      });
      return get(key);
    },

    async list(
      q: {
        status?: Reservation['status'];
        sku?: string;
        location?: string;
        after?: string;
        limit?: number;
      } = {},
    ): Promise<Page<Reservation>> {
      const limit = q.limit ?? 100;
      let sel = store.db.selectFrom('erp_reservations').selectAll();
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.location) sel = sel.where('location', '=', q.location);
      if (q.after) sel = sel.where('key', '>', q.after);
      const rows = (await sel
        .orderBy('key')
        .limit(limit + 1)
        .execute()) as ErpReservationRow[];
      const items = rows.slice(0, limit).map(toReservation);
      return rows.length > limit ? { items, next: items.at(-1)!.key } : { items };
    },

    /**
     * Release reservations whose time is up, up to one batch; returns how many (a full batch means
     * more may be due). The due ones are re-read under their SKUs' locks, so one allocated in the
     * meantime is left alone; two sweepers never release one twice (one runs at a time, and the
     * release's reference is the same).
     */
    async sweepExpired(): Promise<number> {
      const now = clock.now().toISOString();
      const due = (db: typeof store.db) =>
        db
          .selectFrom('erp_reservations')
          .select(['key', 'sku'])
          .where('status', '=', 'active')
          .where('expires_at', '<=', now)
          .orderBy('expires_at')
          .limit(options.sweepBatchSize);
      await assertOwnership(deps, 'erp', 'reservations', ['status']);
      if ((await due(store.db).execute()).length === 0) return 0;
      return retryingRace(() =>
        store.tx(async (tx) => {
          if (!(await tryTaskLock(tx, store.dialect, SWEEP_TASK))) return 0;
          const candidates = await due(tx).execute();
          if (candidates.length === 0) return 0;
          await lockSkus(tx, store.dialect, [...new Set(candidates.map((c) => c.sku as string))]);
          const rows = (await tx
            .selectFrom('erp_reservations')
            .selectAll()
            .where(
              'key',
              'in',
              candidates.map((c) => c.key as string),
            )
            .where('status', '=', 'active')
            .where('expires_at', '<=', now)
            .execute()) as ErpReservationRow[];
          if (rows.length === 0) return 0;
          await writer.post(
            tx,
            rows.map((r) => ({
              type: 'release' as const,
              reference: `${r.key}:expired`,
              reservation: r.key,
              sku: r.sku,
              location: r.location,
              quantity: Number(r.remaining),
              reason: 'expired',
            })),
            { now, actor: actor() },
          );
          return rows.length;
        }),
      );
    },
  };
}

export type ReservationService = ReturnType<typeof createReservationService>;

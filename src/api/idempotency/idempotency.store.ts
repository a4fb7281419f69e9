import { randomBytes } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { Store, Tx } from '../../kernel/ports/store.js';

export type Reservation =
  | { kind: 'reserved'; token: string }
  | { kind: 'replay'; status: number; body: string }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

interface Row {
  principal: string;
  idem_key: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  token: string;
  response_status: number | null;
  response_body: string | null;
  created_at: string;
  locked_until: string;
  expires_at: string;
}

export interface IdempotencyStoreOptions {
  store: Store;
  clock: Clock;
  /** How long a completed response is replayed. */
  ttlMs?: number;
  /** After this long an unfinished reservation counts as abandoned (its request died) and may be taken over. */
  lockMs?: number;
}

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/**
 * Records of `keel_idempotency`, keyed by (caller, Idempotency-Key). A request first reserves its key
 * in a short transaction of its own (so a concurrent duplicate sees the reservation and gets 409),
 * then stores its response, ideally in the handler's own transaction (`complete(tx, …)`), so the
 * response is kept exactly when the effects are.
 */
export function createIdempotencyStore({
  store,
  clock,
  ttlMs = IDEMPOTENCY_TTL_MS,
  lockMs = 300_000,
}: IdempotencyStoreOptions) {
  const key = (principal: string, idemKey: string) => ({ principal, idem_key: idemKey });

  return {
    reserve(principal: string, idemKey: string, requestHash: string): Promise<Reservation> {
      return store.tx(async (tx) => {
        const now = clock.now();
        const nowIso = now.toISOString();
        const where = key(principal, idemKey);
        await tx
          .deleteFrom('keel_idempotency')
          .where('principal', '=', principal)
          .where('idem_key', '=', idemKey)
          .where('expires_at', '<=', nowIso)
          .execute();
        const existing = (await tx
          .selectFrom('keel_idempotency')
          .selectAll()
          .where('principal', '=', principal)
          .where('idem_key', '=', idemKey)
          .executeTakeFirst()) as Row | undefined;
        const token = randomBytes(12).toString('hex');
        const lockedUntil = new Date(now.getTime() + lockMs).toISOString();
        if (existing) {
          if (existing.request_hash !== requestHash) return { kind: 'mismatch' };
          if (existing.state === 'completed') {
            return {
              kind: 'replay',
              status: existing.response_status ?? 200,
              body: existing.response_body ?? '',
            };
          }
          if (existing.locked_until > nowIso) return { kind: 'in_progress' };
          // Abandoned: its request died before finishing. Take it over under a new token; the old
          // request, should it still be alive, can then no longer complete (see `complete`).
          const taken = await tx
            .updateTable('keel_idempotency')
            .set({ token, locked_until: lockedUntil })
            .where('principal', '=', principal)
            .where('idem_key', '=', idemKey)
            .where('token', '=', existing.token)
            .executeTakeFirst();
          return Number(taken.numUpdatedRows) === 1 ? { kind: 'reserved', token } : { kind: 'in_progress' };
        }
        const inserted = await tx
          .insertInto('keel_idempotency')
          .values({
            ...where,
            request_hash: requestHash,
            state: 'in_progress',
            token,
            response_status: null,
            response_body: null,
            created_at: nowIso,
            locked_until: lockedUntil,
            expires_at: new Date(now.getTime() + ttlMs).toISOString(),
          })
          // PostgreSQL: a concurrent duplicate waits on the key, then inserts nothing.
          .onConflict((oc) => oc.columns(['principal', 'idem_key']).doNothing())
          .executeTakeFirst();
        return Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1
          ? { kind: 'reserved', token }
          : { kind: 'in_progress' };
      });
    },

    /**
     * Store the response of the reservation `token` in `tx`. Throws IDEMPOTENCY_IN_PROGRESS (rolling
     * the caller's transaction back) if the reservation is no longer this request's.
     */
    async complete(tx: Tx, principal: string, idemKey: string, token: string, status: number, body: string) {
      const r = await tx
        .updateTable('keel_idempotency')
        .set({ state: 'completed', response_status: status, response_body: body })
        .where('principal', '=', principal)
        .where('idem_key', '=', idemKey)
        .where('token', '=', token)
        .where('state', '=', 'in_progress')
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) {
        throw KernelErrors.IDEMPOTENCY_IN_PROGRESS.create('this request no longer holds its Idempotency-Key');
      }
    },

    /** Give the key back (the request failed in a way a retry may fix). */
    async release(principal: string, idemKey: string, token: string): Promise<void> {
      await store.tx((tx) =>
        tx
          .deleteFrom('keel_idempotency')
          .where('principal', '=', principal)
          .where('idem_key', '=', idemKey)
          .where('token', '=', token)
          .where('state', '=', 'in_progress')
          .execute(),
      );
    },

    /** Delete expired records; returns how many. */
    async purgeExpired(): Promise<number> {
      const r = await store.tx((tx) =>
        tx
          .deleteFrom('keel_idempotency')
          .where('expires_at', '<=', clock.now().toISOString())
          .executeTakeFirst(),
      );
      return Number(r.numDeletedRows);
    },
  };
}

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

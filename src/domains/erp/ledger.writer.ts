import { newId } from '../../kernel/ids.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { insertRows } from '../../kernel/sql.js';
import type { CostedMovement, CostingWriter } from './costing.writer.js';
import { ErpErrors, type FieldError } from './errors.js';
import { selectIn, selectPairs, toMovement, touchedPairs, withEntries } from './ledger.read.js';
import {
  applyEffect,
  type Effect,
  type InboundState,
  type LedgerState,
  levelKey,
  planMovement,
  type ReservationState,
  zeroQuantities,
} from './ledger.rules.js';
import { BUCKETS, type Bucket, type MovementInput, PHYSICAL, type PostResult } from './ledger.types.js';
import { checkMovement, contentHash } from './ledger.validate.js';
import type { ErpInboundRow, ErpLevelRow, ErpMovementRow, ErpReservationRow } from './schema.js';
import { greatest, lockSkus } from './sql.js';

/**
 * The one write path of the inventory ledger, set-based: a batch of movements is checked whole,
 * then written with one multi-row insert per table (movements, postings) and one upsert each for
 * levels, reservations, inbound and the publisher's dirty marks — never a statement per movement.
 *
 * A batch is atomic: if any movement is refused, nothing of the batch is written, and the error
 * lists every refused movement. Movements apply in order; each sees the effect of those before it.
 */

export interface WriteContext {
  now: string;
  actor: string;
}

const MOVEMENT_COLUMNS = [
  'id',
  'reference',
  'type',
  'sku',
  'location',
  'quantity',
  'details',
  'content_hash',
  'actor',
  'occurred_at',
  'recorded_at',
] as const;
const LEVEL_COLUMNS = [...BUCKETS, 'on_hand'] as const;

interface Planned {
  id: string;
  m: MovementInput;
  hash: string;
  effect: Effect;
  path: string;
}

/** `costing` values what moves (weighted average cost, COGS to the journal) in the same transaction. */
export function createLedgerWriter(dialect: Dialect, costing: CostingWriter) {
  const levelUpsert =
    `on conflict ("sku", "location") do update set ${LEVEL_COLUMNS.map((c) => `"${c}" = "erp_levels"."${c}" + excluded."${c}"`).join(', ')}, ` +
    `"last_seq" = ${greatest(dialect, '"erp_levels"."last_seq"', 'excluded."last_seq"')}, "updated_at" = excluded."updated_at"`;
  // A mark re-dirtied while the publisher holds it gets a different seq, so the publisher's
  // compare-and-delete keeps it (see level.publisher.ts).
  const dirtyUpsert = `on conflict ("sku") do update set "seq" = ${greatest(dialect, '"erp_dirty_skus"."seq" + 1', 'excluded."seq"')}`;

  async function loadState(tx: Tx, movements: readonly MovementInput[], now: string): Promise<LedgerState> {
    const skus = movements.map((m) => m.sku);
    const codes = movements.flatMap((m) =>
      [m.location, m.toLocation, m.fromLocation].filter((c): c is string => !!c),
    );
    const locations = await selectIn<{ code: string }>(tx, dialect, 'erp_locations', 'code', codes);
    const items = await selectIn<{ sku: string }>(tx, dialect, 'erp_items', 'sku', skus);
    const levels = await selectPairs<ErpLevelRow>(tx, dialect, 'erp_levels', touchedPairs(movements));
    const reservations = await selectIn<ErpReservationRow>(
      tx,
      dialect,
      'erp_reservations',
      'key',
      movements.flatMap((m) => (m.reservation ? [m.reservation] : [])),
    );
    const inbound = await selectIn<ErpInboundRow>(
      tx,
      dialect,
      'erp_inbound',
      'reference',
      movements.flatMap((m) => (m.inbound ? [m.inbound] : m.type === 'expect_inbound' ? [m.reference] : [])),
    );
    return {
      now,
      locations: new Set(locations.map((l) => l.code)),
      items: new Set(items.map((i) => i.sku)),
      levels: new Map(
        levels.map((r) => {
          const q = zeroQuantities();
          for (const b of BUCKETS) q[b] = Number(r[b]);
          const state = {
            q,
            safetyStock: Number(r.safety_stock),
            allowBackorder: Number(r.allow_backorder) === 1,
          };
          return [levelKey(r.sku, r.location), state];
        }),
      ),
      reservations: new Map(
        reservations.map((r) => [
          r.key,
          {
            key: r.key,
            sku: r.sku,
            location: r.location,
            quantity: Number(r.quantity),
            remaining: Number(r.remaining),
            allocated: Number(r.allocated),
            status: r.status as ReservationState['status'],
            expiresAt: r.expires_at,
            createdAt: r.created_at,
            isNew: false,
          },
        ]),
      ),
      inbound: new Map(
        inbound.map((r) => [
          r.reference,
          {
            ...r,
            quantity: Number(r.quantity),
            remaining: Number(r.remaining),
            createdAt: r.created_at,
            isNew: false,
          },
        ]),
      ),
    };
  }

  async function write(tx: Tx, planned: readonly Planned[], ctx: WriteContext): Promise<Map<string, number>> {
    const inserted = await insertRows<{ seq: number; reference: string }>(
      tx,
      dialect,
      'erp_movements',
      MOVEMENT_COLUMNS,
      planned.map(({ id, m, hash, effect }) => [
        id,
        m.reference,
        m.type,
        m.sku,
        m.location,
        effect.quantity,
        JSON.stringify(effect.details),
        hash,
        ctx.actor,
        m.occurredAt ?? ctx.now,
        ctx.now,
      ]),
      'returning "seq", "reference"',
    );
    const seqOf = new Map(inserted.map((r) => [r.reference, Number(r.seq)]));
    const postings: unknown[][] = [];
    const deltas = new Map<
      string,
      { sku: string; location: string; d: Record<Bucket | 'on_hand', number>; seq: number }
    >();
    const dirty = new Map<string, number>();
    const reservations = new Map<string, ReservationState>();
    const inbound = new Map<string, InboundState>();
    const counts: unknown[][] = [];
    const items = new Map<string, string>();
    for (const { m, effect } of planned) {
      const seq = seqOf.get(m.reference)!;
      effect.entries.forEach((x, n) => {
        postings.push([seq, n, m.sku, x.location, x.account, x.quantity]);
        if (!(BUCKETS as readonly string[]).includes(x.account)) return;
        const key = levelKey(m.sku, x.location);
        const row = deltas.get(key) ?? {
          sku: m.sku,
          location: x.location,
          d: Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, 0])) as Record<Bucket | 'on_hand', number>,
          seq,
        };
        row.d[x.account as Bucket] += x.quantity;
        if (PHYSICAL.includes(x.account as Bucket)) row.d.on_hand += x.quantity;
        row.seq = seq;
        deltas.set(key, row);
      });
      if (effect.entries.length > 0) dirty.set(m.sku, seq);
      if (effect.reservation) reservations.set(effect.reservation.key, effect.reservation);
      if (effect.inbound) inbound.set(effect.inbound.reference, effect.inbound);
      if (effect.count)
        counts.push([
          seq,
          m.sku,
          m.location,
          effect.count.expected,
          effect.count.counted,
          effect.count.variance,
          m.occurredAt ?? ctx.now,
        ]);
      if (effect.registers && !items.has(m.sku)) items.set(m.sku, m.type);
    }
    await insertRows(
      tx,
      dialect,
      'erp_postings',
      ['movement_seq', 'n', 'sku', 'location', 'account', 'quantity'],
      postings,
    );
    await insertRows(
      tx,
      dialect,
      'erp_levels',
      [...LEVEL_COLUMNS, 'sku', 'location', 'safety_stock', 'allow_backorder', 'last_seq', 'updated_at'],
      [...deltas.values()].map((r) => [
        ...LEVEL_COLUMNS.map((c) => r.d[c]),
        r.sku,
        r.location,
        0,
        0,
        r.seq,
        ctx.now,
      ]),
      levelUpsert,
    );
    await insertRows(
      tx,
      dialect,
      'erp_reservations',
      [
        'key',
        'sku',
        'location',
        'quantity',
        'remaining',
        'allocated',
        'status',
        'expires_at',
        'created_at',
        'updated_at',
      ],
      [...reservations.values()].map((r) => [
        r.key,
        r.sku,
        r.location,
        r.quantity,
        r.remaining,
        r.allocated,
        r.status,
        r.expiresAt,
        r.createdAt,
        ctx.now,
      ]),
      'on conflict ("key") do update set "remaining" = excluded."remaining", "allocated" = excluded."allocated", "status" = excluded."status", "updated_at" = excluded."updated_at"',
    );
    await insertRows(
      tx,
      dialect,
      'erp_inbound',
      ['reference', 'sku', 'location', 'quantity', 'remaining', 'eta', 'created_at', 'updated_at'],
      [...inbound.values()].map((i) => [
        i.reference,
        i.sku,
        i.location,
        i.quantity,
        i.remaining,
        i.eta,
        i.createdAt,
        ctx.now,
      ]),
      'on conflict ("reference") do update set "remaining" = excluded."remaining", "updated_at" = excluded."updated_at"',
    );
    await insertRows(
      tx,
      dialect,
      'erp_counts',
      ['movement_seq', 'sku', 'location', 'expected', 'counted', 'variance', 'counted_at'],
      counts,
    );
    await insertRows(
      tx,
      dialect,
      'erp_items',
      ['sku', 'registered_by', 'created_at'],
      [...items].map(([sku, by]) => [sku, by, ctx.now]),
      'on conflict ("sku") do nothing',
    );
    await insertRows(tx, dialect, 'erp_dirty_skus', ['sku', 'seq'], [...dirty], dirtyUpsert);
    return seqOf;
  }

  return {
    /** Post a batch in `tx` (see the module comment). Results are in input order. */
    async post(tx: Tx, inputs: readonly MovementInput[], ctx: WriteContext): Promise<PostResult[]> {
      const checked = inputs.map((m, i) => checkMovement(m, `movements[${i}]`));
      const invalid = checked.flatMap((c) => c.errors);
      if (invalid.length > 0) throw refusal('invalid', invalid);
      const movements = checked.map((c) => c.movement!);
      const hashes = movements.map(contentHash);

      await lockSkus(tx, dialect, [...new Set(movements.map((m) => m.sku))]);
      const stored = new Map(
        (
          await selectIn<ErpMovementRow>(
            tx,
            dialect,
            'erp_movements',
            'reference',
            movements.map((m) => m.reference),
          )
        ).map((r) => [r.reference, r]),
      );
      const conflicts: FieldError[] = [];
      const firstInBatch = new Map<string, number>();
      const fresh: number[] = [];
      movements.forEach((m, i) => {
        const earlier = stored.get(m.reference)?.content_hash ?? hashes[firstInBatch.get(m.reference) ?? -1];
        if (earlier === undefined) {
          firstInBatch.set(m.reference, i);
          fresh.push(i);
        } else if (earlier !== hashes[i])
          conflicts.push({
            field: `movements[${i}].reference`,
            code: 'REFERENCE_CONFLICT',
            message: `reference "${m.reference}" was posted with different content`,
          });
      });
      if (conflicts.length > 0) throw refusal('conflict', conflicts);

      const state = await loadState(
        tx,
        fresh.map((i) => movements[i]!),
        ctx.now,
      );
      const planned: Planned[] = [];
      const problems: FieldError[] = [];
      const shortages: FieldError[] = [];
      for (const i of fresh) {
        const m = movements[i]!;
        const plan = planMovement(m, state, `movements[${i}]`);
        problems.push(...plan.invalid);
        shortages.push(...plan.shortages);
        if (!plan.effect) continue;
        applyEffect(m, plan.effect, state);
        planned.push({ id: newId('mov'), m, hash: hashes[i]!, effect: plan.effect, path: `movements[${i}]` });
      }
      if (problems.length > 0) throw refusal('invalid', problems);
      if (shortages.length > 0) throw refusal('shortage', shortages);
      const costed: CostedMovement[] = planned.map((p) => ({
        m: p.m,
        entries: p.effect.entries,
        path: p.path,
      }));
      const costs = planned.length > 0 ? await costing.plan(tx, costed) : undefined;
      if (costs && costs.problems.length > 0) throw refusal('invalid', costs.problems);

      const seqOf = planned.length > 0 ? await write(tx, planned, ctx) : new Map<string, number>();
      if (costs)
        await costing.write(
          tx,
          costed,
          costs,
          planned.map((p) => seqOf.get(p.m.reference)!),
          ctx.now,
        );
      const originals = new Map(
        (await withEntries(tx, [...stored.values()])).map((mv) => [mv.reference, mv]),
      );
      const written = new Map(
        planned.map(({ id, m, effect }) => {
          const row = {
            seq: seqOf.get(m.reference)!,
            id,
            reference: m.reference,
            type: m.type,
            sku: m.sku,
            location: m.location,
            quantity: effect.quantity,
            details: JSON.stringify(effect.details),
            content_hash: '',
            actor: ctx.actor,
            occurred_at: m.occurredAt ?? ctx.now,
            recorded_at: ctx.now,
          };
          return [m.reference, toMovement(row, effect.entries)];
        }),
      );
      return movements.map((m, i) => {
        const original = originals.get(m.reference);
        if (original) return { ...original, duplicate: true };
        const mv = written.get(m.reference)!;
        return { ...mv, duplicate: firstInBatch.get(m.reference) !== i };
      });
    },
  };
}

/** The error for a refused batch: every problem, under the code of the most telling kind. */
function refusal(kind: 'invalid' | 'conflict' | 'shortage', errors: FieldError[]) {
  const detail = errors
    .slice(0, 5)
    .map((e) => `${e.field}: ${e.message}`)
    .join('; ');
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : '';
  const spec =
    kind === 'invalid'
      ? ErpErrors.MOVEMENT_INVALID
      : kind === 'conflict'
        ? ErpErrors.REFERENCE_CONFLICT
        : ErpErrors.INSUFFICIENT_STOCK;
  return spec.create(`${detail}${more}; nothing was posted`, { errors });
}

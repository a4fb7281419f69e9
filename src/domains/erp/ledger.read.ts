import type { Kysely } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { inSeqBlocks, type SeqBlocks, seqBlocks } from '../../kernel/seq-blocks.js';
import { chunked, selectByKeys } from '../../kernel/sql.js';
import { MOVEMENT_SKU_INDEX } from './ledger.layout.schema.js';
import type { Entry, Level, Movement, MovementType } from './ledger.types.js';
import type { ErpLevelRow, ErpMovementRow } from './schema.js';

/** Row → API shape for the ledger's tables, and the set-based reads they share. */

export function toLevel(r: ErpLevelRow): Level {
  return {
    sku: r.sku,
    location: r.location,
    onHand: Number(r.on_hand),
    available: Number(r.available),
    reserved: Number(r.reserved),
    allocated: Number(r.allocated),
    picked: Number(r.picked),
    inbound: Number(r.inbound),
    inTransit: Number(r.in_transit),
    safetyStock: Number(r.safety_stock),
    allowBackorder: Number(r.allow_backorder) === 1,
    lastSeq: Number(r.last_seq),
    updatedAt: r.updated_at,
  };
}

export function toMovement(r: ErpMovementRow, entries: Entry[]): Movement {
  return {
    id: r.id,
    seq: Number(r.seq),
    reference: r.reference,
    type: r.type as MovementType,
    sku: r.sku,
    location: r.location,
    quantity: Number(r.quantity),
    details: JSON.parse(r.details),
    entries,
    actor: r.actor,
    occurredAt: r.occurred_at,
    recordedAt: r.recorded_at,
  };
}

/** The entries of some movements, by movement position, in entry order. */
export async function entriesOf(db: Tx, seqs: readonly number[]): Promise<Map<number, Entry[]>> {
  const out = new Map<number, Entry[]>();
  for (const part of chunked(seqs)) {
    const rows = await db
      .selectFrom('erp_postings')
      .select(['movement_seq', 'location', 'account', 'quantity'])
      .where('movement_seq', 'in', part)
      .orderBy('movement_seq')
      .orderBy('n')
      .execute();
    for (const r of rows) {
      const seq = Number(r.movement_seq);
      const list = out.get(seq) ?? [];
      list.push({ location: r.location, account: r.account, quantity: Number(r.quantity) });
      out.set(seq, list);
    }
  }
  return out;
}

/** Movement rows → movements with their entries (one query for all entries). */
export async function withEntries(db: Tx, rows: readonly ErpMovementRow[]): Promise<Movement[]> {
  const entries = await entriesOf(
    db,
    rows.map((r) => Number(r.seq)),
  );
  return rows.map((r) => toMovement(r, entries.get(Number(r.seq)) ?? []));
}

/** Rows of `table` whose `column` is one of `values` (index probes on both backends: kernel/sql.ts). */
export function selectIn<R>(
  db: Tx,
  dialect: Dialect,
  table: string,
  column: string,
  values: readonly string[],
): Promise<R[]> {
  return selectByKeys<R>(
    db,
    dialect,
    table,
    [column],
    values.map((v) => [v]),
  );
}

/**
 * Rows of a table keyed by (sku, location) for exactly these pairs: one indexed lookup per pair,
 * where selecting by SKU alone would read every location's row.
 */
export function selectPairs<R>(
  db: Tx,
  dialect: Dialect,
  table: string,
  pairs: readonly (readonly [string, string])[],
): Promise<R[]> {
  return selectByKeys<R>(db, dialect, table, ['sku', 'location'], pairs);
}

/** The SKU × location pairs a batch of movements can change: its locations and transfer targets. */
export function touchedPairs(
  movements: readonly { sku: string; location: string; toLocation?: string }[],
): [string, string][] {
  return movements.flatMap((m): [string, string][] =>
    m.toLocation
      ? [
          [m.sku, m.location],
          [m.sku, m.toLocation],
        ]
      : [[m.sku, m.location]],
  );
}

/**
 * Rows of a table keyed by `(movement_seq, n)` — postings, cost lines — joined to their
 * movements (`m`, the detail rows as `alias`), for filtering on `m.sku`: those tables carry the
 * movement's SKU but keep no SKU index (a random insert per movement, 011_ledger_sku_indexes), so
 * a SKU's rows are found through the movements' `(sku, seq)` index and the detail table's primary
 * key. On PostgreSQL the join is a LATERAL probe per movement, kept from being flattened with
 * `offset 0`: a plain join is planned from statistics, and without them PostgreSQL hashes the
 * whole detail table (see kernel/sql.ts, selectByKeys).
 */
export function throughMovements(db: Kysely<any>, dialect: Dialect, table: string, alias: string) {
  const movements = db.selectFrom('erp_movements as m');
  if (dialect !== 'postgres')
    return movements.innerJoin(`${table} as ${alias}`, `${alias}.movement_seq`, 'm.seq');
  return movements.innerJoinLateral(
    (eb) =>
      eb
        .selectFrom(`${table} as x`)
        .selectAll('x')
        .whereRef('x.movement_seq', '=', 'm.seq')
        .offset(0)
        .as(alias),
    (join) => join.onTrue(),
  );
}

/** The blocks of the movements' SKU index holding movements after seq `after` (kernel/seq-blocks.ts). */
export function skuBlocks(db: Kysely<any>, dialect: Dialect, after = 0): Promise<SeqBlocks> {
  return seqBlocks(db, dialect, MOVEMENT_SKU_INDEX, after);
}

/** Let a query over `erp_movements` that filters on its SKU use the SQLite SKU index. */
export function inSkuBlocks<Q extends { where: (...args: any[]) => any }>(
  query: Q,
  dialect: Dialect,
  blocks: SeqBlocks,
  seq = 'm.seq',
): Q {
  return inSeqBlocks(query, dialect, MOVEMENT_SKU_INDEX, blocks, seq);
}

import { type Kysely, sql } from 'kysely';
import type { Dialect } from './ports/store.js';

/**
 * Secondary indexes cut into blocks of a sequence, for append-mostly tables on SQLite.
 *
 * An index on `(key, seq)` — a SKU's movements, a subject's events, a product's workflow log —
 * takes each new row at a random place: on SQLite every commit then writes one page of that index
 * to the WAL per row. Indexed as `(seq / size, key, seq)` instead, a commit's rows all land in the
 * newest block's few pages, and a read by key names the blocks to probe (one index probe per
 * block: a few milliseconds for a hundred million rows in blocks of 65,536). PostgreSQL keeps the
 * plain `(key, seq)` index — its commits write whole pages once per checkpoint, not per commit —
 * so there the helpers leave the query alone.
 */

/** A range of blocks, `from` to `to`, inclusive. */
export interface SeqBlocks {
  from: number;
  to: number;
}

/** Where a table's blocked index is: the table, its integer sequence column and the block size. */
export interface BlockedIndex {
  table: string;
  seq: string;
  size: number;
}

/**
 * The blocks holding rows after seq `after` (all of them without it). PostgreSQL has no blocks:
 * nothing is read.
 */
export async function seqBlocks(
  db: Kysely<any>,
  dialect: Dialect,
  index: BlockedIndex,
  after = 0,
): Promise<SeqBlocks> {
  const from = Math.floor(after / index.size);
  if (dialect !== 'sqlite') return { from, to: from };
  const r = await db
    .selectFrom(index.table)
    .select((eb) => eb.fn.max(index.seq).as('max'))
    .executeTakeFirst();
  return { from, to: Math.floor(Number(r?.max ?? 0) / index.size) };
}

/**
 * Let a query that filters on the key use the blocked index on SQLite: name the blocks to look in
 * (`seq / size in (…)`, written as the index is, so SQLite matches it, and as literals, so a long
 * table needs no parameter per block). `seqRef` is the sequence column as the query names it
 * (e.g. `m.seq` under an alias). On PostgreSQL the query is returned as it is.
 */
export function inSeqBlocks<Q extends { where: (...args: any[]) => any }>(
  query: Q,
  dialect: Dialect,
  index: BlockedIndex,
  blocks: SeqBlocks,
  seqRef: string = index.seq,
): Q {
  if (dialect !== 'sqlite') return query;
  const list = Array.from({ length: Math.max(0, blocks.to - blocks.from + 1) }, (_, i) =>
    sql.lit(blocks.from + i),
  );
  return query.where(
    sql<boolean>`${sql.ref(seqRef)} / ${sql.lit(index.size)} in (${list.length > 0 ? sql.join(list) : sql.lit(null)})`,
  );
}

/**
 * A page of one key's rows in seq order, read a window of blocks at a time, each window twice as
 * wide as the last, until `limit` rows are found: the rows of a busy key are sorted a block at a
 * time rather than all at once, and a rare key costs a few windows of probes. `run` reads the
 * window it is given (with `inSeqBlocks`), in order, at most `want` rows. PostgreSQL reads once.
 */
export async function pageBySeqBlocks<R>(
  dialect: Dialect,
  blocks: SeqBlocks,
  limit: number,
  run: (window: SeqBlocks, want: number) => Promise<R[]>,
): Promise<R[]> {
  if (dialect !== 'sqlite') return run(blocks, limit);
  const out: R[] = [];
  let width = 1;
  for (let from = blocks.from; from <= blocks.to && out.length < limit; from += width, width *= 2) {
    const to = Math.min(blocks.to, from + width - 1);
    out.push(...(await run({ from, to }, limit - out.length)));
  }
  return out;
}

/** The SQLite DDL of a blocked index on `(seq / size, key, seq)`. */
export function blockedIndexDdl(name: string, index: BlockedIndex, key: string): string {
  return `create index "${name}" on "${index.table}" ("${index.seq}" / ${index.size}, "${key}", "${index.seq}")`;
}

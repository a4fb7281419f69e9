import { CompiledQuery, sql } from 'kysely';
import type { Dialect, Tx } from './ports/store.js';

/** Split a list for statements with many parameters (SQLite and PostgreSQL both cap them). */
export function chunked<T>(items: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Parameters per statement: under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMS = 30_000;
/** Beyond a few hundred rows a statement gets no faster, and its text costs more to prepare. */
const ROWS_PER_STATEMENT = 500;
const texts = new Map<string, string>();

function insertText(
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: number,
  tail: string,
): string {
  const key = `${dialect}|${table}|${columns.join(',')}|${rows}|${tail}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const tuple = () => `(${columns.map(() => (dialect === 'postgres' ? `$${++n}` : '?')).join(',')})`;
    const values = Array.from({ length: rows }, tuple).join(',');
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(',')}) values ${values}${tail ? ` ${tail}` : ''}`;
    // Row counts repeat (full chunks and a remainder), so the cache stays small.
    if (texts.size > 256) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/**
 * Multi-row INSERT of rows given as arrays in `columns` order, as one compiled statement per
 * chunk. The bulk paths write millions of rows: building them through the query builder (a node
 * per value) cost more than SQLite took to store them. `tail` is trusted SQL (an ON CONFLICT
 * clause written in code, or RETURNING), never input. Returns what a RETURNING tail returned.
 */
export async function insertRows<R = Record<string, unknown>>(
  tx: Tx,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly unknown[][],
  tail = '',
): Promise<R[]> {
  const out: R[] = [];
  const perChunk = Math.max(1, Math.min(ROWS_PER_STATEMENT, Math.floor(MAX_PARAMS / columns.length)));
  for (let i = 0; i < rows.length; i += perChunk) {
    const part = rows.slice(i, i + perChunk);
    const params: unknown[] = [];
    for (const r of part) for (const v of r) params.push(v);
    const res = await tx.executeQuery<R>(
      CompiledQuery.raw(insertText(dialect, table, columns, part.length, tail), params),
    );
    out.push(...res.rows);
  }
  return out;
}

/** A unique-key violation (a concurrent writer inserted the same key first), on either backend. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  return e?.code === '23505' || /UNIQUE constraint failed/.test(String(e?.message ?? ''));
}

const lookupTexts = new Map<string, string>();

function lookupText(
  dialect: Dialect,
  table: string,
  keyColumns: readonly string[],
  columns: readonly string[] | '*',
  n: number,
): string {
  const list = columns === '*' ? '*' : columns.map((c) => `"${c}"`).join(', ');
  const cacheKey = `${dialect}|${table}|${keyColumns.join(',')}|${list}|${dialect === 'postgres' ? 0 : n}`;
  let text = lookupTexts.get(cacheKey);
  if (text === undefined) {
    const cols = keyColumns.map((c) => `"${c}"`);
    if (dialect === 'postgres') {
      const arrays = keyColumns.map((_, i) => `$${i + 1}::text[]`).join(', ');
      const match = keyColumns.map((c, i) => `t."${c}" = k.c${i}`).join(' and ');
      const names = keyColumns.map((_, i) => `c${i}`).join(', ');
      text =
        `select t.* from unnest(${arrays}) as k(${names}) ` +
        `cross join lateral (select ${list} from "${table}" as t where ${match} offset 0) as t`;
    } else {
      const tuple = keyColumns.length === 1 ? '?' : `(${keyColumns.map(() => '?').join(',')})`;
      const keys = Array.from({ length: n }, () => tuple).join(',');
      text =
        keyColumns.length === 1
          ? `select ${list} from "${table}" where ${cols[0]} in (${keys})`
          : `select ${list} from "${table}" where (${cols.join(',')}) in (values ${keys})`;
    }
    if (lookupTexts.size > 256) lookupTexts.clear();
    lookupTexts.set(cacheKey, text);
  }
  return text;
}

/**
 * The rows (`columns` of them, or all) of `table` whose text key columns equal one of `keys` (each
 * a tuple in `keyColumns` order; duplicates are looked up once), in no particular order.
 *
 * On PostgreSQL this is one statement whatever the number of keys, shaped so that its plan does
 * not depend on the planner's statistics: a lookup per key (`unnest` of one array per column,
 * a LATERAL subquery kept from being flattened by `offset 0`), i.e. index probes. The plain
 * `where sku in (…)` is planned from statistics, and with none (autovacuum off, a table filled
 * since its last ANALYZE) PostgreSQL reads the whole table for each batch: a 1,000,000-row level
 * table took 84 ms per 500 SKUs that way, 4 ms probed (docs/decisions.md). SQLite plans key
 * lookups by index without statistics; there it is `in (…)` in chunks of 500 parameters.
 */
export async function selectByKeys<R>(
  db: Tx,
  dialect: Dialect,
  table: string,
  keyColumns: readonly string[],
  keys: readonly (readonly string[])[],
  columns: readonly string[] | '*' = '*',
): Promise<R[]> {
  const unique = [...new Map(keys.map((k) => [k.join('\u0000'), k])).values()];
  if (unique.length === 0) return [];
  if (dialect === 'postgres') {
    const arrays = keyColumns.map((_, i) => unique.map((k) => k[i]));
    const res = await db.executeQuery<R>(
      CompiledQuery.raw(lookupText(dialect, table, keyColumns, columns, 0), arrays),
    );
    return [...res.rows];
  }
  const out: R[] = [];
  for (const part of chunked(unique, Math.floor(500 / keyColumns.length))) {
    const res = await db.executeQuery<R>(
      CompiledQuery.raw(lookupText(dialect, table, keyColumns, columns, part.length), part.flat()),
    );
    out.push(...res.rows);
  }
  return out;
}

/**
 * SQLite only: rebuild a table as `WITHOUT ROWID`, so that its primary key is the table itself.
 * A rowid table keyed by something else keeps two b-trees (the rows by rowid, and the key's
 * index): an update found by key dirties a page in each. For a table updated at random places
 * (a level per SKU × location), that is two pages written to the WAL per row instead of one.
 * Indexes are recreated as they were; a table already without rowid is left alone.
 */
export async function rebuildWithoutRowid(db: Tx, table: string): Promise<void> {
  const def = (
    await sql<{
      sql: string;
    }>`select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db)
  ).rows[0];
  if (!def) throw new Error(`no table ${table}`);
  if (/without\s+rowid\s*$/i.test(def.sql)) return;
  const indexes = (
    await sql<{ sql: string }>`select sql from sqlite_master
      where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db)
  ).rows;
  const old = `${table}__rowid`;
  await sql.raw(`alter table "${table}" rename to "${old}"`).execute(db);
  await sql.raw(`${def.sql} without rowid`).execute(db);
  await sql.raw(`insert into "${table}" select * from "${old}"`).execute(db);
  await sql.raw(`drop table "${old}"`).execute(db);
  for (const i of indexes) await sql.raw(i.sql).execute(db);
}

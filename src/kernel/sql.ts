import { CompiledQuery } from 'kysely';
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

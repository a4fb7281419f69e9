import { sql } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';

/** The ERP's SQL helpers beyond the kernel's (src/kernel/sql.ts): dialect functions and locks. */

/** `max(a, b)` of two SQL expressions in the dialect (SQLite's scalar max, PostgreSQL's greatest). */
export const greatest = (dialect: Dialect, a: string, b: string) =>
  dialect === 'postgres' ? `greatest(${a}, ${b})` : `max(${a}, ${b})`;

/** Two-key advisory locks live apart from the bus's one-key locks on partition keys. */
const SKU_LOCK_SPACE = 0x65727031; // 'erp1'
const TASK_LOCK_SPACE = 0x65727032; // 'erp2'

/**
 * Serialize writers of the same SKUs until the transaction ends (PostgreSQL; SQLite runs one
 * writer at a time already). Locks are taken in hash order, so two writers of overlapping SKU sets
 * can never wait on each other in a cycle. Reads after this see every earlier writer's commit.
 */
export async function lockSkus(tx: Tx, dialect: Dialect, skus: readonly string[]): Promise<void> {
  if (dialect !== 'postgres' || skus.length === 0) return;
  await sql`select count(*) from (
      select pg_advisory_xact_lock(${SKU_LOCK_SPACE}, h) from (
        select distinct hashtext(s) as h from unnest(${[...skus]}::text[]) as s order by h
      ) as keys
    ) as locked`.execute(tx);
}

/**
 * Whether this transaction became the one runner of a background task across processes
 * (PostgreSQL); others skip their turn instead of waiting. Always true on SQLite.
 */
export async function tryTaskLock(tx: Tx, dialect: Dialect, task: number): Promise<boolean> {
  if (dialect !== 'postgres') return true;
  const r = await sql<{
    ok: boolean;
  }>`select pg_try_advisory_xact_lock(${TASK_LOCK_SPACE}, ${task}) as ok`.execute(tx);
  return r.rows[0]?.ok === true;
}

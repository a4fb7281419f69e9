import { sql } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows } from '../../kernel/sql.js';

/**
 * Dirty marks for the level publisher (level.publisher.ts): one row per SKU whose levels or ATP
 * changed since it was last published, written in the changing transaction. A mark that exists
 * gets its `seq` bumped, so the publisher's compare-and-delete never drops a newer change.
 */

/** Mark SKUs (their ATP changed without a posting: safety stock, backorders). */
export async function markSkusDirty(tx: Tx, dialect: Dialect, skus: readonly string[]): Promise<void> {
  await insertRows(
    tx,
    dialect,
    'erp_dirty_skus',
    ['sku', 'seq'],
    [...new Set(skus)].map((s) => [s, 0]),
    'on conflict ("sku") do update set "seq" = "erp_dirty_skus"."seq" + 1',
  );
}

/** Mark every SKU held at some locations (channel sources or a location's status changed). */
export async function markLocationsDirty(
  tx: Tx,
  dialect: Dialect,
  locations: readonly string[],
): Promise<void> {
  for (const part of chunked(locations)) {
    // `where … and true` lets SQLite parse an upsert whose source is a SELECT.
    await sql`insert into erp_dirty_skus (sku, seq)
      select distinct sku, 0 from erp_levels where location in (${sql.join(part)}) and ${sql.raw(dialect === 'postgres' ? 'true' : '1')}
      on conflict (sku) do update set seq = erp_dirty_skus.seq + 1`.execute(tx);
  }
}

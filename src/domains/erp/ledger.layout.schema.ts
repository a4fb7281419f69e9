import { sql } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { type BlockedIndex, blockedIndexDdl } from '../../kernel/seq-blocks.js';
import { rebuildWithoutRowid } from '../../kernel/sql.js';

/**
 * The ledger's hot tables, laid out for a write path that touches them at random places.
 *
 * Every movement updates a level (and a cost pool, and its SKU's dirty mark) somewhere in a table
 * of a million rows, and on SQLite each such row costs a page written to the WAL at the commit for
 * every b-tree it lives in. As rowid tables keyed by `(sku, location)` or `sku`, each lived in two
 * (the rows, and the key's index); the marks in three (their `seq` index too). Now the key is the
 * table (`WITHOUT ROWID`), and the marks are drained in key order (level.publisher.ts), so their
 * `seq` index is gone on both backends.
 *
 * The movements' SKU index on SQLite: `(sku, seq)` took an entry at a random place for every
 * movement, about a fifth of the embedded ledger's throughput. It is now cut into blocks of
 * `SKU_BLOCK` movements by seq, `(seq / SKU_BLOCK, sku, seq)`: a commit's entries all land in the
 * newest block's few hundred pages. A read by SKU looks in each block (ledger.read.ts,
 * `inSkuBlocks`), a probe per block — a few milliseconds for a ledger of a hundred million
 * movements. PostgreSQL logs an index insert as a small WAL record, not a page per commit: it keeps `(sku, seq)`.
 */
export const SKU_BLOCK = 65_536;

/** The movements' SKU index on SQLite: `(seq / SKU_BLOCK, sku, seq)` (kernel/seq-blocks.ts). */
export const MOVEMENT_SKU_INDEX: BlockedIndex = { table: 'erp_movements', seq: 'seq', size: SKU_BLOCK };

export const ledgerLayoutMigration: Migration = {
  id: '013_ledger_layout',
  up: async (db, dialect) => {
    await db.schema.dropIndex('erp_dirty_skus_seq').ifExists().execute();
    if (dialect !== 'sqlite') return;
    for (const table of ['erp_levels', 'erp_costs', 'erp_dirty_skus']) await rebuildWithoutRowid(db, table);
    await db.schema.dropIndex('erp_movements_sku').ifExists().execute();
    await sql.raw(blockedIndexDdl('erp_movements_sku_block', MOVEMENT_SKU_INDEX, 'sku')).execute(db);
  },
};

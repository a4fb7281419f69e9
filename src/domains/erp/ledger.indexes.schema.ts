import type { Migration } from '../../kernel/ports/store.js';

/**
 * Two SKU indexes off the ledger's write path. Every movement inserted an entry at a random place
 * in `erp_postings_sku` and `erp_cost_lines_sku_location`, and on SQLite each such entry dirties
 * its own page of a large b-tree, written to the WAL at every commit: the two cost about a
 * quarter of the embedded ledger's throughput (docs/benchmarks.md). Postings and cost lines always
 * carry their movement's SKU, so the reads by SKU — verification, a SKU's cost lines — find them
 * through the movements' `(sku, seq)` index and the tables' primary keys (`movement_seq`, `n`):
 * `throughMovements` in ledger.read.ts.
 */
export const ledgerIndexesMigration: Migration = {
  id: '011_ledger_sku_indexes',
  up: async (db) => {
    await db.schema.dropIndex('erp_postings_sku').ifExists().execute();
    await db.schema.dropIndex('erp_cost_lines_sku_location').ifExists().execute();
  },
};

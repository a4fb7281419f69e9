import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Replenishment's table: one policy per SKU × location, stored whole as JSON (the shape of
 * ReplenishmentPolicyInput in replenishment.schemas.ts) beside the columns the suggestion run
 * filters on. `version` counts replacements: it is the policy's ETag.
 */

export interface ErpReplenishmentPolicyRow {
  sku: string;
  location: string;
  kind: string;
  supplier: string | null;
  document: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export const replenishmentMigration: Migration = {
  id: '007_replenishment',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_replenishment_policies')
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('supplier', 'text')
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      // (sku, location) first: the list pages in this order and the run filters by SKU.
      .addPrimaryKeyConstraint('erp_replenishment_policies_pk', ['sku', 'location'])
      .execute();
    await db.schema
      .createIndex('erp_replenishment_policies_location')
      .on('erp_replenishment_policies')
      .columns(['location', 'sku'])
      .execute();
    await db.schema
      .createIndex('erp_replenishment_policies_supplier')
      .on('erp_replenishment_policies')
      .columns(['supplier', 'sku'])
      .execute();
  },
};

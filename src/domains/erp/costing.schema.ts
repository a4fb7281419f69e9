import type { ColumnDataType } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Costing's tables: the weighted-average cost pool of each SKU × location (`erp_costs`, kept in
 * the ledger's transaction like the levels) and the cost lines every stock-moving movement made
 * (`erp_cost_lines`): the audit trail of the valuation, the cost of each shipment, and, with the
 * sale price a shipment may carry, the margin of each order line.
 */

export interface ErpCostRow {
  sku: string;
  location: string;
  currency: string | null;
  quantity: number;
  value: number;
  transit_quantity: number;
  transit_value: number;
  last_unit_cost: number | null;
  last_seq: number;
  updated_at: string;
}

export interface ErpCostLineRow {
  movement_seq: number;
  n: number;
  movement_type: string;
  sku: string;
  location: string;
  bucket: string;
  quantity: number;
  value: number;
  currency: string | null;
  basis: string;
  order_line: string | null;
  revenue: number | null;
  revenue_currency: string | null;
  journal_entry: string | null;
  occurred_at: string;
}

const float = (dialect: string): ColumnDataType => (dialect === 'postgres' ? 'double precision' : 'real');

export const costingMigration: Migration = {
  id: '008_costing',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_costs')
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('currency', 'text')
      .addColumn('quantity', t.bigint, (c) => c.notNull())
      .addColumn('value', t.bigint, (c) => c.notNull())
      .addColumn('transit_quantity', t.bigint, (c) => c.notNull())
      .addColumn('transit_value', t.bigint, (c) => c.notNull())
      .addColumn('last_unit_cost', float(dialect))
      .addColumn('last_seq', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_costs_pk', ['sku', 'location'])
      .execute();
    await db.schema
      .createTable('erp_cost_lines')
      .addColumn('movement_seq', t.bigint, (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('movement_type', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('location', 'text', (c) => c.notNull())
      .addColumn('bucket', 'text', (c) => c.notNull())
      .addColumn('quantity', t.bigint, (c) => c.notNull())
      .addColumn('value', t.bigint, (c) => c.notNull())
      .addColumn('currency', 'text')
      .addColumn('basis', 'text', (c) => c.notNull())
      .addColumn('order_line', 'text')
      .addColumn('revenue', t.bigint)
      .addColumn('revenue_currency', 'text')
      .addColumn('journal_entry', 'text')
      .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_cost_lines_pk', ['movement_seq', 'n'])
      .execute();
    await db.schema
      .createIndex('erp_cost_lines_order_line')
      .on('erp_cost_lines')
      .columns(['order_line'])
      .where('order_line', 'is not', null)
      .execute();
    // Dropped again by 011_ledger_sku_indexes: a SKU's lines are found through its movements.
    await db.schema
      .createIndex('erp_cost_lines_sku_location')
      .on('erp_cost_lines')
      .columns(['sku', 'location', 'movement_seq'])
      .execute();
  },
};

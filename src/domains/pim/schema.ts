import type { MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

export interface PimProductRow {
  id: string;
  sku: string;
  title: string;
  price_amount: number;
  price_currency: string;
  status: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export const pimMigrations: MigrationSet = {
  domain: 'pim',
  migrations: [
    {
      id: '001_products',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('pim_products')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull().unique())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('price_amount', t.bigint, (c) => c.notNull())
          .addColumn('price_currency', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
      },
    },
  ],
};

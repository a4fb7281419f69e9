import type { MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

export interface OmsOrderRow {
  id: string;
  channel_id: string;
  channel_order_id: string;
  status: string;
  currency: string;
  total_amount: number;
  lines: string;
  correlation_id: string;
  placed_at: string;
  accepted_at: string;
}

export const omsMigrations: MigrationSet = {
  domain: 'oms',
  migrations: [
    {
      id: '001_orders',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('oms_orders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('channel_order_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('total_amount', t.bigint, (c) => c.notNull())
          .addColumn('lines', t.json, (c) => c.notNull())
          .addColumn('correlation_id', 'text', (c) => c.notNull())
          .addColumn('placed_at', t.timestamp, (c) => c.notNull())
          .addColumn('accepted_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('oms_orders_corr').on('oms_orders').column('correlation_id').execute();
      },
    },
  ],
};

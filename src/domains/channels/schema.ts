import { newId } from '../../kernel/ids.js';
import type { MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

export interface ChannelRow {
  id: string;
  code: string;
  name: string;
  currency: string;
  created_at: string;
}

export interface CatalogRow {
  channel_id: string;
  sku: string;
  product_id: string;
  title: string;
  price_amount: number;
  price_currency: string;
  version: number;
  updated_at: string;
}

export interface ChannelOrderRow {
  id: string;
  channel_id: string;
  channel_order_id: string;
  content_hash: string;
  currency: string;
  total_amount: number;
  lines: string;
  correlation_id: string;
  created_at: string;
}

export const channelsMigrations: MigrationSet = {
  domain: 'channels',
  migrations: [
    {
      id: '001_registry_catalog_orders',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('channels_channels')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('code', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('channels_catalog')
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('price_amount', t.bigint, (c) => c.notNull())
          .addColumn('price_currency', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('channels_catalog_pk', ['channel_id', 'sku'])
          .execute();
        await db.schema
          .createTable('channels_orders')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('channel_id', 'text', (c) => c.notNull())
          .addColumn('channel_order_id', 'text', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('currency', 'text', (c) => c.notNull())
          .addColumn('total_amount', t.bigint, (c) => c.notNull())
          .addColumn('lines', t.json, (c) => c.notNull())
          .addColumn('correlation_id', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addUniqueConstraint('channels_orders_channel_order', ['channel_id', 'channel_order_id'])
          .execute();
        // Until the channel registry has its own API, every installation starts with a web storefront.
        await db
          .insertInto('channels_channels')
          .values({
            id: newId('chn'),
            code: 'web',
            name: 'Web storefront',
            currency: 'USD',
            created_at: new Date().toISOString(),
          })
          .execute();
      },
    },
  ],
};

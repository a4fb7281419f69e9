import { type ColumnDataType, sql } from 'kysely';
import type { Dialect, MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import { costingMigration } from './costing.schema.js';
import { invoiceMigration } from './invoice.schema.js';
import { journalMigration } from './journal.schema.js';
import { ledgerIndexesMigration } from './ledger.indexes.schema.js';
import { ledgerLayoutMigration } from './ledger.layout.schema.js';
import { priceMigration } from './price.schema.js';
import { supplierInvoiceBookingMigration } from './procurement.booking.schema.js';
import { procurementMigration } from './procurement.schema.js';
import { reconciliationMigration, reconciliationStreaksMigration } from './reconciliation.schema.js';
import { replenishmentMigration } from './replenishment.schema.js';
import { taxMigration } from './tax.schema.js';

/**
 * The ERP's tables (inventory part). The ledger (`erp_movements` + `erp_postings`) is append-only;
 * `erp_levels` is its running balance per SKU × location, written in the same transaction and
 * checkable against it at any time (verifyLevels). Quantities are integers; JSON is text.
 */

export interface ErpLocationRow {
  id: string;
  code: string;
  name: string;
  type: string;
  status: string;
  address: string | null;
  latitude: number | null;
  longitude: number | null;
  capabilities: string;
  timezone: string;
  calendar: string;
  holidays: string;
  order_cutoff: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ErpMovementRow {
  seq: number;
  id: string;
  reference: string;
  type: string;
  sku: string;
  location: string;
  quantity: number;
  details: string;
  content_hash: string;
  actor: string;
  occurred_at: string;
  recorded_at: string;
}

export interface ErpLevelRow {
  sku: string;
  location: string;
  available: number;
  reserved: number;
  allocated: number;
  picked: number;
  inbound: number;
  in_transit: number;
  on_hand: number;
  safety_stock: number;
  allow_backorder: number;
  last_seq: number;
  updated_at: string;
}

export interface ErpReservationRow {
  key: string;
  sku: string;
  location: string;
  quantity: number;
  remaining: number;
  allocated: number;
  status: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ErpInboundRow {
  reference: string;
  sku: string;
  location: string;
  quantity: number;
  remaining: number;
  eta: string;
  created_at: string;
  updated_at: string;
}

const float = (dialect: Dialect): ColumnDataType => (dialect === 'postgres' ? 'double precision' : 'real');

export const erpMigrations: MigrationSet = {
  domain: 'erp',
  migrations: [
    {
      id: '001_inventory',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('erp_locations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('code', 'text', (c) => c.notNull().unique())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('address', t.json)
          .addColumn('latitude', float(dialect))
          .addColumn('longitude', float(dialect))
          .addColumn('capabilities', t.json, (c) => c.notNull())
          .addColumn('timezone', 'text', (c) => c.notNull())
          .addColumn('calendar', t.json, (c) => c.notNull())
          .addColumn('holidays', t.json, (c) => c.notNull())
          .addColumn('order_cutoff', 'text')
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();

        // SKUs the ERP knows (it does not own products): registered explicitly or by a receipt.
        await db.schema
          .createTable('erp_items')
          .addColumn('sku', 'text', (c) => c.primaryKey())
          .addColumn('registered_by', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('erp_movements')
          .addColumn('seq', t.serial, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('reference', 'text', (c) => c.notNull().unique())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('quantity', t.bigint, (c) => c.notNull())
          .addColumn('details', t.json, (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('occurred_at', t.timestamp, (c) => c.notNull())
          .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
          .execute();
        // The movement list's filters, each in ledger order.
        await db.schema
          .createIndex('erp_movements_sku')
          .on('erp_movements')
          .columns(['sku', 'seq'])
          .execute();
        await db.schema
          .createIndex('erp_movements_location')
          .on('erp_movements')
          .columns(['location', 'seq'])
          .execute();

        await db.schema
          .createTable('erp_postings')
          .addColumn('movement_seq', t.bigint, (c) => c.notNull())
          .addColumn('n', 'integer', (c) => c.notNull())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('account', 'text', (c) => c.notNull())
          .addColumn('quantity', t.bigint, (c) => c.notNull())
          .addPrimaryKeyConstraint('erp_postings_pk', ['movement_seq', 'n'])
          .execute();
        // Dropped again by 011_ledger_sku_indexes: postings are found through their movements.
        await db.schema
          .createIndex('erp_postings_sku')
          .on('erp_postings')
          .columns(['sku', 'location', 'account'])
          .execute();

        await db.schema
          .createTable('erp_levels')
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('available', t.bigint, (c) => c.notNull())
          .addColumn('reserved', t.bigint, (c) => c.notNull())
          .addColumn('allocated', t.bigint, (c) => c.notNull())
          .addColumn('picked', t.bigint, (c) => c.notNull())
          .addColumn('inbound', t.bigint, (c) => c.notNull())
          .addColumn('in_transit', t.bigint, (c) => c.notNull())
          .addColumn('on_hand', t.bigint, (c) => c.notNull())
          // Settings, not balances: set through the settings API, never by postings.
          .addColumn('safety_stock', t.bigint, (c) => c.notNull())
          .addColumn('allow_backorder', t.bool, (c) => c.notNull())
          .addColumn('last_seq', t.bigint, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          // (sku, location) first: ATP and the write path read a SKU's rows by this key.
          .addPrimaryKeyConstraint('erp_levels_pk', ['sku', 'location'])
          .execute();
        await db.schema
          .createIndex('erp_levels_location')
          .on('erp_levels')
          .columns(['location', 'sku'])
          .execute();

        await db.schema
          .createTable('erp_reservations')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('quantity', t.bigint, (c) => c.notNull())
          .addColumn('remaining', t.bigint, (c) => c.notNull())
          .addColumn('allocated', t.bigint, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('expires_at', t.timestamp)
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        // The expiry sweep reads only active reservations with a deadline, soonest first.
        await db.schema
          .createIndex('erp_reservations_expiry')
          .on('erp_reservations')
          .column('expires_at')
          .where(sql.ref('status'), '=', 'active')
          .execute();
        await db.schema
          .createIndex('erp_reservations_sku')
          .on('erp_reservations')
          .columns(['sku', 'location'])
          .execute();

        await db.schema
          .createTable('erp_inbound')
          .addColumn('reference', 'text', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('quantity', t.bigint, (c) => c.notNull())
          .addColumn('remaining', t.bigint, (c) => c.notNull())
          .addColumn('eta', t.timestamp, (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        // ATP sums what is still expected at a SKU's locations before the horizon.
        await db.schema
          .createIndex('erp_inbound_open')
          .on('erp_inbound')
          .columns(['sku', 'location', 'eta'])
          .where(sql.ref('remaining'), '>', 0)
          .execute();

        // Cycle counts, kept for inventory-accuracy KPIs: what the ledger expected, what was found.
        await db.schema
          .createTable('erp_counts')
          .addColumn('movement_seq', t.bigint, (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('expected', t.bigint, (c) => c.notNull())
          .addColumn('counted', t.bigint, (c) => c.notNull())
          .addColumn('variance', t.bigint, (c) => c.notNull())
          .addColumn('counted_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('erp_counts_location')
          .on('erp_counts')
          .columns(['location', 'counted_at'])
          .execute();

        await db.schema
          .createTable('erp_channels')
          .addColumn('channel', 'text', (c) => c.primaryKey())
          .addColumn('inbound_horizon_days', 'integer', (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('erp_channel_sources')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('erp_channel_sources_pk', ['channel', 'location'])
          .execute();
        await db.schema
          .createIndex('erp_channel_sources_location')
          .on('erp_channel_sources')
          .column('location')
          .execute();

        // SKUs whose levels changed since the publisher last emitted them (coalescing marks).
        await db.schema
          .createTable('erp_dirty_skus')
          .addColumn('sku', 'text', (c) => c.primaryKey())
          .addColumn('seq', t.bigint, (c) => c.notNull())
          .execute();
        // (Dropped by 013_ledger_layout: the publisher drains in key order.)
        await db.schema.createIndex('erp_dirty_skus_seq').on('erp_dirty_skus').column('seq').execute();
      },
    },
    journalMigration,
    taxMigration,
    priceMigration,
    invoiceMigration,
    procurementMigration,
    replenishmentMigration,
    costingMigration,
    reconciliationMigration,
    supplierInvoiceBookingMigration,
    ledgerIndexesMigration,
    reconciliationStreaksMigration,
    ledgerLayoutMigration,
  ],
};

import type { ColumnDataType } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Stored price lists. One row per list: the whole list as JSON in `body` (the truth, returned by
 * GET as it was PUT), beside header columns copied from it for listing and for the inheritance
 * check on delete (`parent_code`).
 *
 * Why a JSON body and not a row per entry: prices are never looked up row by row in SQL. A request
 * resolves up to thousands of lines, each against every list that could apply (contract beats
 * public, priority, inheritance with adjustments, breaks and effective dates), which the in-memory
 * `PriceIndex` answers in microseconds a line and SQL could not without a join per rule. So the
 * query pattern is "load every list when one changed", which one row per list serves best (no
 * per-entry rows to read, insert or delete when a list of 50,000 entries is replaced).
 *
 * `erp_price_revision` is one row counting changes to any list, bumped in the writer's
 * transaction. Each process caches its index tagged with the revision it was built at and checks
 * the counter (a primary-key read) before resolving, so a change made by any process is seen by
 * the next resolution everywhere, without a message bus. The bump also serializes writers of price
 * lists (a row lock on PostgreSQL), so checks across lists (cycles, children) see a stable set.
 */

export interface ErpPriceListRow {
  code: string;
  name: string;
  currency: string;
  /** JSON array of channel codes. */
  channels: string;
  customer_group: string | null;
  priority: number;
  /** 1 or 0. */
  prices_include_tax: number;
  valid_from: string | null;
  valid_to: string | null;
  parent_code: string | null;
  parent_adjustment: number | null;
  entry_count: number;
  /** The list as stored (JSON). */
  body: string;
  content_hash: string;
  version: number;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

export interface ErpPriceRevisionRow {
  id: number;
  revision: number;
  updated_at: string;
}

/** The id of the revision counter's one row. */
export const PRICE_REVISION_ID = 1;

export const priceMigration: Migration = {
  id: '004_prices',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    const float: ColumnDataType = dialect === 'postgres' ? 'double precision' : 'real';
    await db.schema
      .createTable('erp_price_lists')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('channels', t.json, (c) => c.notNull())
      .addColumn('customer_group', 'text')
      .addColumn('priority', t.bigint, (c) => c.notNull())
      .addColumn('prices_include_tax', t.bool, (c) => c.notNull())
      .addColumn('valid_from', t.timestamp)
      .addColumn('valid_to', t.timestamp)
      .addColumn('parent_code', 'text')
      .addColumn('parent_adjustment', float)
      .addColumn('entry_count', 'integer', (c) => c.notNull())
      .addColumn('body', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .execute();
    // Delete refuses while a child inherits: found through this index.
    await db.schema
      .createIndex('erp_price_lists_parent')
      .on('erp_price_lists')
      .column('parent_code')
      .execute();

    await db.schema
      .createTable('erp_price_revision')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('revision', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db
      .insertInto('erp_price_revision')
      .values({ id: PRICE_REVISION_ID, revision: 0, updated_at: new Date(0).toISOString() })
      .execute();
  },
};

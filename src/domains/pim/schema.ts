import type { MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import { searchMigration } from './search.schema.js';
import { workflowLogBlocksMigration } from './workflow-log.schema.js';

/**
 * The PIM's tables. JSON documents (labels, values, requirements) are text on both engines and
 * parsed by the PIM; what is filtered on has its own column or table.
 */

export interface PimChannelRow {
  code: string;
  labels: string;
  locales: string;
  currencies: string;
  category_tree: string | null;
  updated_at: string;
}

export interface PimAttributeRow {
  code: string;
  type: string;
  labels: string;
  localizable: number;
  scopable: number;
  is_unique: number;
  searchable: number;
  /** The type-specific settings: maxLength, pattern, bounds, units, options, mediaKinds. */
  config: string;
  updated_at: string;
}

export interface PimFamilyRow {
  code: string;
  labels: string;
  attributes: string;
  label_attribute: string | null;
  requirements: string;
  updated_at: string;
}

export interface PimCategoryRow {
  code: string;
  parent: string | null;
  labels: string;
  /** `/root/child/…/code/`: descendants of X are the rows whose path starts with X's path. */
  path: string;
  updated_at: string;
}

export interface PimModelRow {
  code: string;
  family: string;
  axes: string;
  categories: string;
  values: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface PimProductRow {
  id: string;
  sku: string;
  family: string;
  parent: string | null;
  /** Canonical text of the variant's axis values, unique among the model's variants. */
  axis_key: string | null;
  categories: string;
  values: string;
  status: string;
  version: number;
  /** SHA-256 of the canonical content: an unchanged re-import is detected without a diff. */
  content_hash: string;
  created_at: string;
  updated_at: string;
}

export const pimMigrations: MigrationSet = {
  domain: 'pim',
  migrations: [
    {
      id: '001_products',
      // The walking skeleton's table; superseded by 002 (dropped there).
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
    {
      id: '002_catalog',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema.dropTable('pim_products').execute();
        await db.schema
          .createTable('pim_channels')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('labels', t.json, (c) => c.notNull())
          .addColumn('locales', t.json, (c) => c.notNull())
          .addColumn('currencies', t.json, (c) => c.notNull())
          .addColumn('category_tree', 'text')
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pim_attributes')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('labels', t.json, (c) => c.notNull())
          .addColumn('localizable', t.bool, (c) => c.notNull())
          .addColumn('scopable', t.bool, (c) => c.notNull())
          .addColumn('is_unique', t.bool, (c) => c.notNull())
          .addColumn('searchable', t.bool, (c) => c.notNull())
          .addColumn('config', t.json, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pim_families')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('labels', t.json, (c) => c.notNull())
          .addColumn('attributes', t.json, (c) => c.notNull())
          .addColumn('label_attribute', 'text')
          .addColumn('requirements', t.json, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pim_categories')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('parent', 'text')
          .addColumn('labels', t.json, (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pim_categories_path').on('pim_categories').column('path').execute();
        await db.schema
          .createTable('pim_models')
          .addColumn('code', 'text', (c) => c.primaryKey())
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('axes', t.json, (c) => c.notNull())
          .addColumn('categories', t.json, (c) => c.notNull())
          .addColumn('values', t.json, (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('pim_products')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('sku', 'text', (c) => c.notNull().unique())
          .addColumn('family', 'text', (c) => c.notNull())
          .addColumn('parent', 'text')
          .addColumn('axis_key', 'text')
          .addColumn('categories', t.json, (c) => c.notNull())
          .addColumn('values', t.json, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('content_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('pim_products_variant_axes')
          .on('pim_products')
          .columns(['parent', 'axis_key'])
          .unique()
          .execute();
        await db.schema
          .createIndex('pim_products_family')
          .on('pim_products')
          .columns(['family', 'id'])
          .execute();
        await db.schema
          .createIndex('pim_products_status')
          .on('pim_products')
          .columns(['status', 'id'])
          .execute();
        await db.schema
          .createTable('pim_product_categories')
          .addColumn('category', 'text', (c) => c.notNull())
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('pim_product_categories_pk', ['category', 'product_id'])
          .execute();
        // A product's rows are replaced when its categories change: found by product, not by category.
        await db.schema
          .createIndex('pim_product_categories_product')
          .on('pim_product_categories')
          .column('product_id')
          .execute();
        await db.schema
          .createTable('pim_unique_values')
          .addColumn('attribute', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('product_id', 'text', (c) => c.notNull())
          // Value first: lookups are "these values of one attribute", and the attribute alone selects everything.
          .addPrimaryKeyConstraint('pim_unique_values_pk', ['value', 'attribute'])
          .execute();
        await db.schema
          .createIndex('pim_unique_values_product')
          .on('pim_unique_values')
          .column('product_id')
          .execute();
        await db.schema
          .createTable('pim_versions')
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .addColumn('reason', 'text', (c) => c.notNull())
          .addColumn('diff', t.json, (c) => c.notNull())
          .addPrimaryKeyConstraint('pim_versions_pk', ['subject', 'version'])
          .execute();
        await db.schema
          .createTable('pim_completeness')
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('required', 'integer', (c) => c.notNull())
          .addColumn('missing_count', 'integer', (c) => c.notNull())
          .addColumn('ratio', 'integer', (c) => c.notNull())
          .addColumn('missing', t.json, (c) => c.notNull())
          .addPrimaryKeyConstraint('pim_completeness_pk', ['product_id', 'channel', 'locale'])
          .execute();
        await db.schema
          .createIndex('pim_completeness_ratio')
          .on('pim_completeness')
          .columns(['channel', 'locale', 'ratio'])
          .execute();
        await db.schema
          .createTable('pim_workflow_log')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('from_status', 'text', (c) => c.notNull())
          .addColumn('to_status', 'text', (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('comment', 'text')
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('pim_workflow_log_product')
          .on('pim_workflow_log')
          .columns(['product_id', 'id'])
          .execute();
        await db.schema
          .createTable('pim_comments')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('pim_comments_product')
          .on('pim_comments')
          .columns(['product_id', 'id'])
          .execute();
        await db.schema
          .createTable('pim_channel_rules')
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull())
          .addColumn('rules', t.json, (c) => c.notNull())
          .addColumn('author', 'text', (c) => c.notNull())
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('pim_channel_rules_pk', ['channel', 'version'])
          .execute();
        await db.schema
          .createTable('pim_listings')
          .addColumn('product_id', 'text', (c) => c.notNull())
          .addColumn('channel', 'text', (c) => c.notNull())
          .addColumn('locale', 'text', (c) => c.notNull())
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('product_version', 'integer', (c) => c.notNull())
          .addColumn('rules_version', 'integer', (c) => c.notNull())
          .addColumn('payload', t.json, (c) => c.notNull())
          .addColumn('published_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('pim_listings_pk', ['channel', 'locale', 'product_id'])
          .execute();
        await db.schema.createIndex('pim_listings_product').on('pim_listings').column('product_id').execute();
      },
    },
    {
      id: '003_assets',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('pim_assets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('blob_key', 'text', (c) => c.notNull())
          .addColumn('filename', 'text', (c) => c.notNull())
          .addColumn('mime', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('size', t.bigint, (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pim_assets_blob').on('pim_assets').column('blob_key').execute();
      },
    },
    searchMigration,
    workflowLogBlocksMigration,
  ],
};

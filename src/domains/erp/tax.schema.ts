import { digest } from '../../kernel/json.js';
import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import { BUILTIN_TAX_RULE_SETS } from './tax.rulesets.js';

/**
 * Stored tax rule sets: every version kept (an invoice names the version it was taxed by, and must
 * be explainable years later), the latest per id in force. Seeded with the built-in US, EU and UK
 * sets so a fresh Keel can quote tax; a company replaces the seller part and the rates it needs.
 */

export interface ErpTaxRuleSetRow {
  seq: number;
  id: string;
  version: string;
  name: string;
  body: string;
  content_hash: string;
  actor: string;
  created_at: string;
}

export const taxMigration: Migration = {
  id: '003_tax',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_tax_rule_sets')
      .addColumn('seq', t.serial, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('body', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('erp_tax_rule_sets_version')
      .on('erp_tax_rule_sets')
      .columns(['id', 'version'])
      .unique()
      .execute();
    await db
      .insertInto('erp_tax_rule_sets')
      .values(
        BUILTIN_TAX_RULE_SETS.map((rs) => ({
          id: rs.id,
          version: rs.version,
          name: rs.name,
          body: JSON.stringify(rs),
          content_hash: digest(rs),
          actor: 'system:migration',
          created_at: new Date(0).toISOString(),
        })),
      )
      .execute();
  },
};

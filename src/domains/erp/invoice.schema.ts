import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Invoices and credit notes. A series hands out numbers in the issuing transaction (its counter row
 * is updated there), so a rolled-back issue returns its number: the numbering has no gaps, as tax
 * authorities require. An issued document is never updated; a correction is a credit note.
 */

export interface ErpInvoiceSeriesRow {
  code: string;
  prefix: string;
  padding: number;
  next_number: number;
  seller: string;
  created_at: string;
  updated_at: string;
}

export interface ErpInvoiceRow {
  id: string;
  kind: string;
  series: string;
  number: string;
  sequence: number;
  reference: string;
  issue_date: string;
  currency: string;
  net: number;
  tax: number;
  gross: number;
  credits: string | null;
  tax_rule_set: string;
  tax_rule_version: string;
  document: string;
  tax_result: string;
  request: string;
  content_hash: string;
  journal_entry: string;
  actor: string;
  issued_at: string;
}

export const invoiceMigration: Migration = {
  id: '005_invoices',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_invoice_series')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('padding', 'integer', (c) => c.notNull())
      .addColumn('next_number', t.bigint, (c) => c.notNull())
      .addColumn('seller', t.json, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('erp_invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('series', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull().unique())
      .addColumn('sequence', t.bigint, (c) => c.notNull())
      // What the document bills (an order, a return): issuing the same reference again is a no-op.
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('issue_date', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('net', t.bigint, (c) => c.notNull())
      .addColumn('tax', t.bigint, (c) => c.notNull())
      .addColumn('gross', t.bigint, (c) => c.notNull())
      .addColumn('credits', 'text')
      .addColumn('tax_rule_set', 'text', (c) => c.notNull())
      .addColumn('tax_rule_version', 'text', (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('tax_result', t.json, (c) => c.notNull())
      .addColumn('request', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('journal_entry', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('issued_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('erp_invoices_reference')
      .on('erp_invoices')
      .columns(['kind', 'reference'])
      .unique()
      .execute();
    await db.schema
      .createIndex('erp_invoices_series')
      .on('erp_invoices')
      .columns(['series', 'sequence'])
      .unique()
      .execute();
    await db.schema.createIndex('erp_invoices_credits').on('erp_invoices').column('credits').execute();
  },
};

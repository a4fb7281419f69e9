import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import { DEFAULT_CHART } from './journal.chart.js';

/**
 * The general journal's tables. Entries and their lines are append-only (a correction is a
 * reversing entry); `erp_account_balances` is their running sum per account × currency × period,
 * written in the same transaction so the trial balance never scans the journal.
 */

export interface ErpAccountRow {
  code: string;
  name: string;
  type: string;
  /** 1 or 0 (booleans are integers on both backends). */
  active: number;
  created_at: string;
  updated_at: string;
}

export interface ErpJournalEntryRow {
  seq: number;
  id: string;
  source: string;
  reference: string;
  posting_date: string;
  period: string;
  currency: string;
  memo: string;
  reverses: string | null;
  content_hash: string;
  actor: string;
  recorded_at: string;
}

export interface ErpJournalLineRow {
  entry_id: string;
  line_no: number;
  account: string;
  debit: number;
  credit: number;
  memo: string | null;
  dimensions: string;
}

export interface ErpAccountBalanceRow {
  account: string;
  currency: string;
  period: string;
  debit: number;
  credit: number;
}

export interface ErpPeriodRow {
  period: string;
  status: string;
  closed_at: string | null;
  closed_by: string | null;
  note: string | null;
}

export const journalMigration: Migration = {
  id: '002_journal',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_accounts')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('active', t.bool, (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('erp_journal_entries')
      .addColumn('seq', t.serial, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('reference', 'text', (c) => c.notNull())
      .addColumn('posting_date', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('memo', 'text', (c) => c.notNull())
      // A reversal names the entry it reverses; unique, so nothing is reversed twice.
      .addColumn('reverses', 'text', (c) => c.unique())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
      .execute();
    // Idempotency: one entry per business fact (an invoice's sale, a shipment's COGS …).
    await db.schema
      .createIndex('erp_journal_entries_ref')
      .on('erp_journal_entries')
      .columns(['source', 'reference'])
      .unique()
      .execute();
    await db.schema
      .createIndex('erp_journal_entries_period')
      .on('erp_journal_entries')
      .columns(['period', 'seq'])
      .execute();
    await db.schema
      .createTable('erp_journal_lines')
      .addColumn('entry_id', 'text', (c) => c.notNull())
      .addColumn('line_no', 'integer', (c) => c.notNull())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('debit', t.bigint, (c) => c.notNull())
      .addColumn('credit', t.bigint, (c) => c.notNull())
      .addColumn('memo', 'text')
      .addColumn('dimensions', t.json, (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_journal_lines_pk', ['entry_id', 'line_no'])
      .execute();
    await db.schema
      .createIndex('erp_journal_lines_account')
      .on('erp_journal_lines')
      .columns(['account', 'entry_id'])
      .execute();
    await db.schema
      .createTable('erp_account_balances')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('debit', t.bigint, (c) => c.notNull())
      .addColumn('credit', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_account_balances_pk', ['account', 'currency', 'period'])
      .execute();
    await db.schema
      .createTable('erp_periods')
      .addColumn('period', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('closed_at', t.timestamp)
      .addColumn('closed_by', 'text')
      .addColumn('note', 'text')
      .execute();
    // The default chart: what the posting templates use; renamed or extended through the API.
    const now = new Date(0).toISOString();
    await db
      .insertInto('erp_accounts')
      .values(
        DEFAULT_CHART.map((a) => ({
          code: a.code,
          name: a.name,
          type: a.type,
          active: 1,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
  },
};

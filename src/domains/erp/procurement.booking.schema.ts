import type { ColumnDataType } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Supplier invoices in the books: the journal entry an accepted invoice posted, and the operator's
 * decision on a held one (released or rejected: by whom, when, why). Columns added to
 * `erp_supplier_invoices` (006) rather than a table of their own: an invoice has at most one
 * booking and one decision, and every read of an invoice wants them.
 *
 * Invoices stored before this migration keep null columns: a matched one was never posted to the
 * journal and is not back-posted (it shows as booked without an entry, and not among payables).
 */

export interface ErpSupplierInvoiceBookingColumns {
  /** The entry the invoice posted (Dr GRNI / PPV / input tax, Cr payables); null when none. */
  journal_entry: string | null;
  /** `released` or `rejected` for a held invoice an operator decided on; null otherwise. */
  resolution: string | null;
  resolution_reason: string | null;
  resolved_by: string | null;
  resolved_at: string | null;
}

export const supplierInvoiceBookingMigration: Migration = {
  id: '010_supplier_invoice_booking',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    const add = (name: string, type: ColumnDataType) =>
      db.schema.alterTable('erp_supplier_invoices').addColumn(name, type).execute();
    await add('journal_entry', 'text');
    await add('resolution', 'text');
    await add('resolution_reason', 'text');
    await add('resolved_by', 'text');
    await add('resolved_at', t.timestamp);
    // The payables view sums booked invoices per supplier and currency.
    await db.schema
      .createIndex('erp_supplier_invoices_payables')
      .on('erp_supplier_invoices')
      .columns(['supplier', 'currency'])
      .execute();
  },
};

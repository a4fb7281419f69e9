import type { Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import type { ErpSupplierInvoiceBookingColumns } from './procurement.booking.schema.js';

/**
 * Procurement's tables. Documents (supplier, PO, receipt, ASN, supplier invoice) are stored whole as
 * JSON, in the shapes of procurement.types.ts, beside the columns queries filter on. Received
 * quantities are never stored: they are derived from the receipts (in `seq` order), as the pure
 * lifecycle derives them.
 */

export interface ErpSupplierRow {
  code: string;
  name: string;
  currency: string;
  document: string;
  /** ProcurementTolerances JSON, or null for the default. */
  tolerances: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ErpPurchaseOrderRow {
  number: string;
  supplier: string;
  ship_to: string;
  currency: string;
  status: string;
  document: string;
  content_hash: string;
  sent_at: string | null;
  cancelled_at: string | null;
  cancel_reason: string | null;
  closed_at: string | null;
  close_reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ErpPoReceiptRow {
  seq: number;
  id: string;
  po_number: string;
  asn_id: string | null;
  received_at: string;
  document: string;
  cost: number;
  journal_entry: string | null;
  asn_report: string | null;
  actor: string;
  recorded_at: string;
}

export interface ErpAsnRow {
  id: string;
  po_number: string;
  expected_arrival: string;
  document: string;
  content_hash: string;
  created_at: string;
}

/** With the booking columns of migration 010 (procurement.booking.schema.ts). */
export interface ErpSupplierInvoiceRow extends ErpSupplierInvoiceBookingColumns {
  id: string;
  supplier: string;
  number: string;
  number_key: string;
  po_number: string;
  status: string;
  currency: string;
  total: number;
  document: string;
  match: string;
  content_hash: string;
  actor: string;
  created_at: string;
}

export const procurementMigration: Migration = {
  id: '006_procurement',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_suppliers')
      .addColumn('code', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('tolerances', t.json)
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('erp_purchase_orders')
      .addColumn('number', 'text', (c) => c.primaryKey())
      .addColumn('supplier', 'text', (c) => c.notNull())
      .addColumn('ship_to', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('sent_at', t.timestamp)
      .addColumn('cancelled_at', t.timestamp)
      .addColumn('cancel_reason', 'text')
      .addColumn('closed_at', t.timestamp)
      .addColumn('close_reason', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('erp_purchase_orders_supplier')
      .on('erp_purchase_orders')
      .columns(['supplier', 'number'])
      .execute();
    await db.schema
      .createTable('erp_po_receipts')
      .addColumn('seq', t.serial, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('po_number', 'text', (c) => c.notNull())
      .addColumn('asn_id', 'text')
      .addColumn('received_at', t.timestamp, (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('cost', t.bigint, (c) => c.notNull())
      .addColumn('journal_entry', 'text')
      .addColumn('asn_report', t.json)
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('recorded_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('erp_po_receipts_po')
      .on('erp_po_receipts')
      .columns(['po_number', 'seq'])
      .execute();
    await db.schema
      .createTable('erp_asns')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('po_number', 'text', (c) => c.notNull())
      .addColumn('expected_arrival', 'text', (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('erp_asns_po').on('erp_asns').columns(['po_number', 'id']).execute();
    await db.schema
      .createTable('erp_supplier_invoices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('supplier', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull())
      // The number without case or punctuation: `INV-001` and `inv 001` are one invoice.
      .addColumn('number_key', 'text', (c) => c.notNull())
      .addColumn('po_number', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('total', t.bigint, (c) => c.notNull())
      .addColumn('document', t.json, (c) => c.notNull())
      .addColumn('match', t.json, (c) => c.notNull())
      .addColumn('content_hash', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('created_at', t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('erp_supplier_invoices_number')
      .on('erp_supplier_invoices')
      .columns(['supplier', 'number_key'])
      .unique()
      .execute();
    await db.schema
      .createIndex('erp_supplier_invoices_po')
      .on('erp_supplier_invoices')
      .columns(['po_number', 'id'])
      .execute();
  },
};

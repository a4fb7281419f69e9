import { SupplierInvoiceStateChanged } from './events.js';
import type { StoredSupplierInvoice } from './procurement.views.js';

/**
 * The event of a supplier invoice's new state, built from the invoice as stored: one shape whether
 * it was just recorded (booked or held) or decided by an operator (released → booked, rejected).
 */
export function supplierInvoiceStateChanged(
  invoice: StoredSupplierInvoice,
  previousState: 'held' | null,
  actor: string,
  at: string,
) {
  return SupplierInvoiceStateChanged.input(invoice.id, {
    invoiceId: invoice.id,
    number: invoice.number,
    supplier: invoice.supplier,
    poNumber: invoice.poNumber,
    currency: invoice.currency,
    total: invoice.total,
    matchStatus: invoice.status,
    state: invoice.state,
    previousState,
    journalEntry: invoice.journalEntry,
    discrepancies: invoice.match.discrepancies.map((d) => ({
      kind: d.kind,
      line: d.line,
      sku: d.sku,
      expected: d.expected,
      actual: d.actual,
      withinTolerance: d.withinTolerance,
    })),
    reason: invoice.resolution?.reason ?? null,
    actor,
    at,
  });
}

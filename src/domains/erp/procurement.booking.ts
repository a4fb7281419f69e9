import { ProcurementErrors } from './procurement.errors.js';
import type { MatchResult, MatchStatus } from './procurement.types.js';

/**
 * Supplier invoices and the books, as pure rules: which invoices are accepted for payment, and
 * what an accepted one posts to the journal (journal.templates.ts `supplierInvoiceEntry` turns
 * these figures into the entry).
 *
 * An invoice matched (exactly or within tolerance) is accepted when it is stored; an exception is
 * held — nothing posted, nothing owed — until an operator releases it (then it is accepted as
 * invoiced) or rejects it (it never is).
 */

export const SUPPLIER_INVOICE_STATES = ['booked', 'held', 'rejected'] as const;
export type SupplierInvoiceState = (typeof SUPPLIER_INVOICE_STATES)[number];

export const SUPPLIER_INVOICE_RESOLUTIONS = ['released', 'rejected'] as const;
export type SupplierInvoiceResolution = (typeof SUPPLIER_INVOICE_RESOLUTIONS)[number];

/** Where an invoice stands, from its match status and the operator's decision (if any). */
export function supplierInvoiceState(
  status: MatchStatus,
  resolution: SupplierInvoiceResolution | null,
): SupplierInvoiceState {
  if (resolution === 'rejected') return 'rejected';
  if (resolution === 'released' || status !== 'exception') return 'booked';
  return 'held';
}

/** An accepted invoice's figures for the journal, minor units of its currency. */
export interface InvoiceBooking {
  /** The invoiced units at PO cost: what they cleared from goods received not invoiced. */
  grni: number;
  /** Input tax on the invoice (recoverable VAT / sales tax). */
  tax: number;
  /** What the supplier is owed. */
  total: number;
}

/**
 * The figures an accepted invoice posts. GRNI is every invoiced unit that landed on a PO line, at
 * that line's cost — for a released exception too, since the operator accepts the invoice as it
 * stands, not only the lines the match approved. Units billed beyond receipts clear GRNI all the
 * same (it carries a debit until the goods arrive); the template makes everything between GRNI,
 * tax and the total (price differences, lines for SKUs not on the PO, a header that disagrees with
 * its lines) purchase price variance.
 */
export function invoiceBooking(match: MatchResult): InvoiceBooking {
  let grni = 0n;
  for (const l of match.lines) for (const p of l.portions) grni += BigInt(p.quantity) * BigInt(p.unitCost);
  if (grni > BigInt(Number.MAX_SAFE_INTEGER))
    throw ProcurementErrors.MATCH_AMOUNT_TOO_LARGE.create(
      'the invoiced units at PO cost exceed 2^53 minor units',
    );
  return { grni: Number(grni), tax: match.amounts.tax, total: match.amounts.invoiceTotal };
}

/** Nothing to post: an invoice for nothing at no cost (a journal entry needs a non-zero line). */
export const isEmptyBooking = (b: InvoiceBooking): boolean => b.grni === 0 && b.tax === 0 && b.total === 0;

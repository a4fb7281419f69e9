import { ACCOUNT_ROLES } from './journal.chart.js';
import type { JournalEntryInput, JournalLineInput } from './journal.types.js';

/**
 * The entries business facts make, as pure functions: invoicing, costing and the flows post
 * these, so a sale is booked the same way whichever path issued it. Zero amounts make no line
 * (a tax-free sale has no tax line); every template's entry balances by construction.
 */

type Dimensions = Record<string, string>;

function line(account: string, side: 'debit' | 'credit', amount: number, dimensions?: Dimensions) {
  const l: JournalLineInput = { account, [side]: amount };
  if (dimensions) l.dimensions = dimensions;
  return l;
}

function lines(...ls: (JournalLineInput | false)[]): JournalLineInput[] {
  return ls.filter((l): l is JournalLineInput => l !== false && ((l.debit ?? 0) > 0 || (l.credit ?? 0) > 0));
}

interface Base {
  date: string;
  currency: string;
  dimensions?: Dimensions;
}

/** An issued invoice: receivable for the gross; revenue, shipping and tax for their parts. */
export function saleEntry(
  f: Base & { invoice: string; net: number; shipping?: number; tax: number },
): JournalEntryInput {
  const shipping = f.shipping ?? 0;
  return {
    date: f.date,
    source: 'sale',
    reference: f.invoice,
    currency: f.currency,
    memo: `Invoice ${f.invoice}`,
    lines: lines(
      line(ACCOUNT_ROLES.receivables, 'debit', f.net + shipping + f.tax, f.dimensions),
      line(ACCOUNT_ROLES.sales, 'credit', f.net, f.dimensions),
      shipping > 0 && line(ACCOUNT_ROLES.shippingRevenue, 'credit', shipping, f.dimensions),
      f.tax > 0 && line(ACCOUNT_ROLES.outputTax, 'credit', f.tax, f.dimensions),
    ),
  };
}

/** Goods shipped: their cost leaves inventory for cost of goods sold. */
export function cogsEntry(f: Base & { shipment: string; cost: number }): JournalEntryInput {
  return {
    date: f.date,
    source: 'cogs',
    reference: f.shipment,
    currency: f.currency,
    memo: `Cost of goods shipped, ${f.shipment}`,
    lines: lines(
      line(ACCOUNT_ROLES.costOfGoodsSold, 'debit', f.cost, f.dimensions),
      line(ACCOUNT_ROLES.inventory, 'credit', f.cost, f.dimensions),
    ),
  };
}

/** A credit note for returned goods: revenue and tax reversed against the receivable. */
export function returnEntry(
  f: Base & { creditNote: string; net: number; shipping?: number; tax: number },
): JournalEntryInput {
  const shipping = f.shipping ?? 0;
  return {
    date: f.date,
    source: 'return',
    reference: f.creditNote,
    currency: f.currency,
    memo: `Credit note ${f.creditNote}`,
    lines: lines(
      line(ACCOUNT_ROLES.salesReturns, 'debit', f.net, f.dimensions),
      shipping > 0 && line(ACCOUNT_ROLES.shippingRevenue, 'debit', shipping, f.dimensions),
      f.tax > 0 && line(ACCOUNT_ROLES.outputTax, 'debit', f.tax, f.dimensions),
      line(ACCOUNT_ROLES.receivables, 'credit', f.net + shipping + f.tax, f.dimensions),
    ),
  };
}

/** Returned goods put back on the shelf at the cost they left with. */
export function restockEntry(f: Base & { receipt: string; cost: number }): JournalEntryInput {
  return {
    date: f.date,
    source: 'return',
    reference: `restock:${f.receipt}`,
    currency: f.currency,
    memo: `Return restocked, ${f.receipt}`,
    lines: lines(
      line(ACCOUNT_ROLES.inventory, 'debit', f.cost, f.dimensions),
      line(ACCOUNT_ROLES.costOfGoodsSold, 'credit', f.cost, f.dimensions),
    ),
  };
}

/** A customer's payment received. */
export function paymentEntry(f: Base & { payment: string; amount: number }): JournalEntryInput {
  return {
    date: f.date,
    source: 'payment',
    reference: f.payment,
    currency: f.currency,
    memo: `Payment ${f.payment}`,
    lines: lines(
      line(ACCOUNT_ROLES.cash, 'debit', f.amount, f.dimensions),
      line(ACCOUNT_ROLES.receivables, 'credit', f.amount, f.dimensions),
    ),
  };
}

/** Money paid back to a customer against their credit note. */
export function refundEntry(f: Base & { refund: string; amount: number }): JournalEntryInput {
  return {
    date: f.date,
    source: 'refund',
    reference: f.refund,
    currency: f.currency,
    memo: `Refund ${f.refund}`,
    lines: lines(
      line(ACCOUNT_ROLES.receivables, 'debit', f.amount, f.dimensions),
      line(ACCOUNT_ROLES.cash, 'credit', f.amount, f.dimensions),
    ),
  };
}

/** Goods received against a purchase order, at cost, before the supplier's invoice arrives. */
export function purchaseReceiptEntry(f: Base & { receipt: string; cost: number }): JournalEntryInput {
  return {
    date: f.date,
    source: 'purchase',
    reference: f.receipt,
    currency: f.currency,
    memo: `Goods received, ${f.receipt}`,
    lines: lines(
      line(ACCOUNT_ROLES.inventory, 'debit', f.cost, f.dimensions),
      line(ACCOUNT_ROLES.goodsReceivedNotInvoiced, 'credit', f.cost, f.dimensions),
    ),
  };
}

/** Stock counted or scrapped: the cost of the difference against adjustments (a gain is negative). */
export function adjustmentEntry(f: Base & { movement: string; costDelta: number }): JournalEntryInput {
  const gain = f.costDelta > 0;
  const amount = Math.abs(f.costDelta);
  return {
    date: f.date,
    source: 'adjustment',
    reference: f.movement,
    currency: f.currency,
    memo: `Inventory adjustment, ${f.movement}`,
    lines: lines(
      line(ACCOUNT_ROLES.inventory, gain ? 'debit' : 'credit', amount, f.dimensions),
      line(ACCOUNT_ROLES.inventoryAdjustments, gain ? 'credit' : 'debit', amount, f.dimensions),
    ),
  };
}

/**
 * A supplier invoice accepted for payment. It clears goods received not invoiced at PO cost of the
 * invoiced units (`grni`), books the recoverable tax, and owes the supplier the invoice total.
 * Whatever the supplier charged beyond PO cost (or below it: a credit) is purchase price
 * variance — price differences and a header that disagrees with its lines alike — so the variance
 * is derived, not passed, and the entry balances by construction.
 */
export function supplierInvoiceEntry(
  f: Base & { invoice: string; number: string; grni: number; tax: number; total: number },
): JournalEntryInput {
  const variance = f.total - f.grni - f.tax;
  return {
    date: f.date,
    source: 'purchase',
    // Receipts book under `purchase` too, by their id: a prefix keeps an invoice id from colliding.
    reference: `supplier-invoice:${f.invoice}`,
    currency: f.currency,
    memo: `Supplier invoice ${f.number}`,
    lines: lines(
      line(ACCOUNT_ROLES.goodsReceivedNotInvoiced, 'debit', f.grni, f.dimensions),
      line(
        ACCOUNT_ROLES.purchasePriceVariance,
        variance > 0 ? 'debit' : 'credit',
        Math.abs(variance),
        f.dimensions,
      ),
      line(ACCOUNT_ROLES.inputTax, 'debit', f.tax, f.dimensions),
      line(ACCOUNT_ROLES.payables, 'credit', f.total, f.dimensions),
    ),
  };
}

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../kernel/errors.js';
import { supplierInvoiceEntry } from './journal.templates.js';
import { invoiceBooking, isEmptyBooking, supplierInvoiceState } from './procurement.booking.js';
import { matchInvoice } from './procurement.match.js';
import type { MatchResult, PurchaseOrder, Receipt, SupplierInvoiceLine } from './procurement.types.js';

const po: PurchaseOrder = {
  number: 'PO-1',
  supplier: 'ACME',
  shipTo: 'WH1',
  currency: 'EUR',
  lines: [
    { lineNo: 1, sku: 'SKU-A', quantityOrdered: 100, unitCost: 250, expectedDate: '2026-03-10' },
    { lineNo: 2, sku: 'SKU-B', quantityOrdered: 10, unitCost: 1999, expectedDate: '2026-03-10' },
  ],
};
const receipts: Receipt[] = [
  {
    id: 'GRN-1',
    poNumber: 'PO-1',
    receivedAt: '2026-03-09T10:00:00Z',
    lines: [
      { sku: 'SKU-A', quantityReceived: 80 },
      { sku: 'SKU-B', quantityReceived: 10 },
    ],
  },
];
const match = (lines: SupplierInvoiceLine[], total?: number): MatchResult =>
  matchInvoice({
    po,
    receipts,
    invoice: {
      number: 'INV-1',
      supplier: 'ACME',
      poNumber: 'PO-1',
      currency: 'EUR',
      lines,
      ...(total ? { total } : {}),
    },
  });

describe('invoiceBooking', () => {
  it('is what the match cleared for a matched invoice', () => {
    const m = match([
      { lineNo: 1, sku: 'SKU-A', quantityInvoiced: 80, unitPrice: 250, tax: 4_000 },
      { lineNo: 2, sku: 'SKU-B', quantityInvoiced: 10, unitPrice: 1999, tax: 3_998 },
    ]);
    expect(m.status).toBe('matched');
    const b = invoiceBooking(m);
    expect(b).toEqual({ grni: 80 * 250 + 10 * 1999, tax: 7_998, total: 20_000 + 19_990 + 7_998 });
    expect(b.grni).toBe(m.amounts.grniCleared + m.amounts.quantityVariance);
  });

  it('takes every invoiced unit at PO cost for a held invoice, not only the approved lines', () => {
    // SKU-A at 300 (20 % over cost) is an exception; SKU-B matches.
    const m = match([
      { lineNo: 1, sku: 'SKU-A', quantityInvoiced: 80, unitPrice: 300, tax: 0 },
      { lineNo: 2, sku: 'SKU-B', quantityInvoiced: 10, unitPrice: 1999, tax: 0 },
    ]);
    expect(m.status).toBe('exception');
    // The total is beyond tolerance too, so the match approved (cleared) nothing.
    expect(m.amounts.grniCleared).toBe(0);
    const b = invoiceBooking(m);
    expect(b).toEqual({ grni: 39_990, tax: 0, total: 24_000 + 19_990 });
    // Released as it stands: the 4_000 over cost is price variance.
    const e = supplierInvoiceEntry({
      date: '2026-03-11',
      currency: 'EUR',
      invoice: 'sinv_1',
      number: 'INV-1',
      ...b,
    });
    expect(e.lines.map((l) => [l.account, l.debit ?? 0, l.credit ?? 0])).toEqual([
      ['2200', 39_990, 0],
      ['5200', 4_000, 0],
      ['2000', 0, 43_990],
    ]);
  });

  it('leaves a line for a SKU not on the PO out of GRNI (it becomes variance) and counts the header total', () => {
    const m = match(
      [
        { lineNo: 1, sku: 'SKU-A', quantityInvoiced: 10, unitPrice: 250, tax: 0 },
        { lineNo: 2, sku: 'SKU-Z', quantityInvoiced: 1, unitPrice: 700, tax: 0 },
      ],
      3_300,
    );
    expect(invoiceBooking(m)).toEqual({ grni: 2_500, tax: 0, total: 3_300 });
  });

  it('refuses figures beyond 2^53 minor units', () => {
    const m = match([{ lineNo: 1, sku: 'SKU-A', quantityInvoiced: 1, unitPrice: 250, tax: 0 }]);
    m.lines[0]!.portions = [{ poLineNo: 1, quantity: 2 ** 40, unitCost: 2 ** 20 }];
    expect(() => invoiceBooking(m)).toThrow(DomainError);
  });

  it('knows when there is nothing to post', () => {
    expect(isEmptyBooking({ grni: 0, tax: 0, total: 0 })).toBe(true);
    expect(isEmptyBooking({ grni: 0, tax: 0, total: 1 })).toBe(false);
    expect(isEmptyBooking({ grni: 1, tax: 0, total: 0 })).toBe(false);
  });
});

describe('supplierInvoiceState', () => {
  it('books matched invoices, holds exceptions until released, and rejected ones stay rejected', () => {
    expect(supplierInvoiceState('matched', null)).toBe('booked');
    expect(supplierInvoiceState('matched_within_tolerance', null)).toBe('booked');
    expect(supplierInvoiceState('exception', null)).toBe('held');
    expect(supplierInvoiceState('exception', 'released')).toBe('booked');
    expect(supplierInvoiceState('exception', 'rejected')).toBe('rejected');
  });
});

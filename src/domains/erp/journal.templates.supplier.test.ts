import { describe, expect, it } from 'vitest';
import { supplierInvoiceEntry } from './journal.templates.js';
import { validateEntry } from './journal.validate.js';

const base = { date: '2026-11-22', currency: 'EUR', invoice: 'sinv_1', number: 'ACME-1' };
const rows = (e: ReturnType<typeof supplierInvoiceEntry>) =>
  e.lines.map((l) => [l.account, l.debit ?? 0, l.credit ?? 0]);

describe('supplierInvoiceEntry', () => {
  it('clears GRNI at PO cost, books input tax and owes the total', () => {
    const e = supplierInvoiceEntry({ ...base, grni: 53_000, tax: 10_600, total: 63_600 });
    expect(e).toMatchObject({
      source: 'purchase',
      reference: 'supplier-invoice:sinv_1',
      memo: 'Supplier invoice ACME-1',
    });
    // No variance line when the supplier charged PO cost.
    expect(rows(e)).toEqual([
      ['2200', 53_000, 0],
      ['1300', 10_600, 0],
      ['2000', 0, 63_600],
    ]);
    expect(validateEntry(e)).toEqual([]);
  });

  it('debits purchase price variance when charged above PO cost', () => {
    const e = supplierInvoiceEntry({ ...base, grni: 50_000, tax: 1_100, total: 56_100 });
    expect(rows(e)).toEqual([
      ['2200', 50_000, 0],
      ['5200', 5_000, 0],
      ['1300', 1_100, 0],
      ['2000', 0, 56_100],
    ]);
    expect(validateEntry(e)).toEqual([]);
  });

  it('credits purchase price variance when charged below PO cost', () => {
    const e = supplierInvoiceEntry({
      ...base,
      grni: 50_000,
      tax: 0,
      total: 49_000,
      dimensions: { supplier: 'ACME' },
    });
    expect(rows(e)).toEqual([
      ['2200', 50_000, 0],
      ['5200', 0, 1_000],
      ['2000', 0, 49_000],
    ]);
    expect(e.lines.every((l) => l.dimensions?.supplier === 'ACME')).toBe(true);
    expect(validateEntry(e)).toEqual([]);
  });

  it('balances whatever the figures (the variance takes the difference)', () => {
    for (const [grni, tax, total] of [
      [0, 0, 1],
      [1, 0, 0],
      [7, 9, 3],
      [123_456, 789, 999_999],
    ] as const) {
      const e = supplierInvoiceEntry({ ...base, grni, tax, total });
      const debit = e.lines.reduce((a, l) => a + (l.debit ?? 0), 0);
      const credit = e.lines.reduce((a, l) => a + (l.credit ?? 0), 0);
      expect(debit).toBe(credit);
      expect(validateEntry(e)).toEqual([]);
    }
  });
});

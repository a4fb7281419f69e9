import { describe, expect, it } from 'vitest';
import { DomainError } from '../../kernel/errors.js';
import { type MatchInput, matchInvoice, normalizeInvoiceNumber } from './procurement.match.js';
import type { PurchaseOrder, Receipt, SupplierInvoice, SupplierInvoiceLine } from './procurement.types.js';

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
const received = (a = 100, b = 10): Receipt[] => [
  {
    id: 'GRN-1',
    poNumber: 'PO-1',
    receivedAt: '2026-03-09T10:00:00Z',
    lines: [
      { sku: 'SKU-A', quantityReceived: a },
      { sku: 'SKU-B', quantityReceived: b },
    ],
  },
];
const A: SupplierInvoiceLine = { lineNo: 1, sku: 'SKU-A', quantityInvoiced: 100, unitPrice: 250, tax: 5000 };
const B: SupplierInvoiceLine = { lineNo: 2, sku: 'SKU-B', quantityInvoiced: 10, unitPrice: 1999, tax: 3998 };
const invoice = (
  lines: SupplierInvoiceLine[] = [A, B],
  over: Partial<SupplierInvoice> = {},
): SupplierInvoice => ({
  number: 'INV-001',
  supplier: 'ACME',
  poNumber: 'PO-1',
  currency: 'EUR',
  invoiceDate: '2026-03-11',
  lines,
  ...over,
});
const match = (over: Partial<MatchInput> = {}) =>
  matchInvoice({ po, receipts: received(), invoice: invoice(), ...over });
const kinds = (r: ReturnType<typeof matchInvoice>) =>
  r.discrepancies.map((d) => `${d.kind}:${d.line}:${d.withinTolerance}`);
function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return e instanceof DomainError ? e.code : 'not a DomainError';
  }
  return 'no error';
}

describe('three-way match', () => {
  it('matches an invoice that bills exactly what was ordered and received', () => {
    const r = match({ invoice: invoice([A, B], { total: 53_988 }) });
    expect(r.status).toBe('matched');
    expect(r.discrepancies).toEqual([]);
    expect(r.amounts).toEqual({
      invoiceTotal: 53_988,
      linesNet: 44_990,
      tax: 8998,
      linesGross: 53_988,
      headerDifference: 0,
      expectedTotal: 53_988,
      grniCleared: 44_990,
      priceVariance: 0,
      quantityVariance: 0,
      approved: 53_988,
      held: 0,
    });
    expect(r.lines.map((l) => l.approved)).toEqual([true, true]);
  });

  it('accepts a price variance within tolerance and books it as purchase price variance', () => {
    // 2 % of 250 = 5 per unit (the absolute 10 is looser); the total drift 500 is within 1 % of 53 988.
    const r = match({
      invoice: invoice([{ ...A, unitPrice: 255 }, B]),
      tolerances: { price: { basisPoints: 200, absolute: 10 }, total: { basisPoints: 100 } },
    });
    expect(r.status).toBe('matched_within_tolerance');
    expect(r.discrepancies).toEqual([
      expect.objectContaining({
        kind: 'total',
        expected: 53_988,
        actual: 54_488,
        variance: 500,
        tolerance: 539,
      }),
      {
        kind: 'price',
        line: 1,
        invoiceLines: [1],
        sku: 'SKU-A',
        expected: 250,
        actual: 255,
        variance: 5,
        tolerance: 5,
        withinTolerance: true,
        message: expect.any(String),
      },
    ]);
    expect(r.amounts).toMatchObject({ priceVariance: 500, grniCleared: 44_990, approved: 54_488, held: 0 });
  });

  it('uses the stricter of percentage and absolute price tolerance, either way', () => {
    const tolerances = { price: { basisPoints: 200, absolute: 3 }, total: { absolute: 10_000 } };
    expect(kinds(match({ invoice: invoice([{ ...A, unitPrice: 247 }, B]), tolerances }))).toEqual([
      'total:null:true',
      'price:1:true',
    ]);
    expect(kinds(match({ invoice: invoice([{ ...A, unitPrice: 254 }, B]), tolerances }))).toEqual([
      'total:null:true',
      'price:1:false',
    ]);
  });

  it('holds a line whose price is beyond tolerance and approves the rest', () => {
    const r = match({
      invoice: invoice([{ ...A, unitPrice: 256 }, B]),
      tolerances: { price: { basisPoints: 200 }, total: { absolute: 10_000 } },
    });
    expect(r.status).toBe('exception');
    expect(r.discrepancies.find((d) => d.kind === 'price')).toMatchObject({
      line: 1,
      expected: 250,
      actual: 256,
      variance: 6,
      tolerance: 5,
      withinTolerance: false,
    });
    expect(r.lines.map((l) => l.approved)).toEqual([false, true]);
    expect(r.amounts).toMatchObject({
      invoiceTotal: 54_588,
      approved: 23_988,
      held: 30_600,
      priceVariance: 0,
    });
  });

  it('refuses to pay for goods not received (invoiced > received)', () => {
    const r = match({ receipts: received(80) });
    expect(r.status).toBe('exception');
    expect(r.discrepancies).toEqual([
      expect.objectContaining({
        kind: 'quantity',
        line: 1,
        sku: 'SKU-A',
        expected: 80,
        actual: 100,
        variance: 20,
        tolerance: 0,
      }),
    ]);
    expect(r.amounts).toMatchObject({ approved: 23_988, held: 30_000, grniCleared: 19_990 });
  });

  it('pays for a few units more than received when within the quantity tolerance', () => {
    const r = match({ receipts: received(80), tolerances: { invoiceQuantity: { absolute: 20 } } });
    expect(r.status).toBe('matched_within_tolerance');
    expect(r.amounts).toMatchObject({
      grniCleared: 80 * 250 + 19_990,
      quantityVariance: 20 * 250,
      approved: 53_988,
    });
  });

  it('counts only accepted units as received', () => {
    const receipts = received();
    receipts[0]!.lines[1]!.quantityDamaged = 2;
    expect(match({ receipts }).discrepancies).toEqual([
      expect.objectContaining({ kind: 'quantity', line: 2, expected: 8, actual: 10 }),
    ]);
  });

  it('flags a SKU that is not on the PO', () => {
    const r = match({
      invoice: invoice([A, B, { lineNo: 3, sku: 'SKU-Z', quantityInvoiced: 2, unitPrice: 500, tax: 100 }]),
    });
    expect(r.status).toBe('exception');
    expect(r.discrepancies).toEqual([
      expect.objectContaining({
        kind: 'unknown_sku',
        line: null,
        invoiceLines: [3],
        sku: 'SKU-Z',
        actual: 2,
        withinTolerance: false,
      }),
    ]);
    expect(r.lines[2]).toMatchObject({ portions: [], approved: false });
    expect(r.amounts).toMatchObject({ approved: 53_988, held: 1100 });
  });

  it('never approves more than the supplier asks, even when held lines leave more than the header total', () => {
    const stray: SupplierInvoiceLine = {
      lineNo: 3,
      sku: 'SKU-Z',
      quantityInvoiced: 1,
      unitPrice: 10,
      tax: 0,
    };
    // Lines: 53 998 (10 of them held); the header says 53 938, within the total tolerance of 100.
    const r = match({
      invoice: invoice([A, B, stray], { total: 53_938 }),
      tolerances: { total: { absolute: 100 } },
    });
    expect(kinds(r)).toEqual(['total:null:true', 'unknown_sku:null:false']);
    expect(r.amounts).toMatchObject({ invoiceTotal: 53_938, approved: 53_938, held: 0 });
  });

  it('judges a stated total against the lines; beyond tolerance it holds the whole invoice', () => {
    const within = match({
      invoice: invoice([A, B], { total: 53_990 }),
      tolerances: { total: { absolute: 5 } },
    });
    expect(within.status).toBe('matched_within_tolerance');
    expect(within.amounts).toMatchObject({ headerDifference: 2, approved: 53_990, held: 0 });
    const beyond = match({
      invoice: invoice([A, B], { total: 54_000 }),
      tolerances: { total: { absolute: 5 } },
    });
    expect(kinds(beyond)).toEqual(['total:null:false']);
    expect(beyond.amounts).toMatchObject({ approved: 0, held: 54_000 });
  });

  it('catches a duplicate invoice number, however it is punctuated', () => {
    const prior = invoice([A, B], { number: 'inv 001' });
    const r = match({ priorInvoices: [prior] });
    expect(r.status).toBe('exception');
    expect(r.discrepancies[0]).toMatchObject({
      kind: 'duplicate_invoice',
      actual: 53_988,
      withinTolerance: false,
    });
    expect(r.amounts.approved).toBe(0);
    expect(normalizeInvoiceNumber('Inv-001/')).toBe('INV001');
    // Billed before against another PO: still a duplicate, and nothing else is wrong.
    const elsewhere = match({ supplierInvoiceNumbers: ['INV-000', 'INV-001'] });
    expect(kinds(elsewhere)).toEqual(['duplicate_invoice:null:false']);
    expect(match({ supplierInvoiceNumbers: ['INV-0001', 'INV-01'] }).status).toBe('matched');
    // Even an invoice for nothing is held when its number was seen before.
    const free = match({
      invoice: invoice([{ ...A, unitPrice: 0, tax: 0 }]),
      po: { ...po, lines: [{ ...po.lines[0]!, unitCost: 0 }] },
      receipts: [{ ...received()[0]!, lines: [{ sku: 'SKU-A', quantityReceived: 100 }] }],
      supplierInvoiceNumbers: ['INV-001'],
    });
    expect(free.status).toBe('exception');
    expect(free.discrepancies).toEqual([
      expect.objectContaining({ kind: 'duplicate_invoice', actual: 0, withinTolerance: false }),
    ]);
  });

  it('bills against what earlier invoices have not billed yet', () => {
    const first = invoice([{ ...A, quantityInvoiced: 60 }], { number: 'INV-1' });
    const rest = invoice([{ ...A, quantityInvoiced: 40 }], { number: 'INV-2' });
    expect(match({ invoice: rest, priorInvoices: [first] }).status).toBe('matched');
    const tooMuch = match({
      invoice: invoice([{ ...A, quantityInvoiced: 41 }], { number: 'INV-2' }),
      priorInvoices: [first],
    });
    expect(tooMuch.discrepancies).toEqual([
      expect.objectContaining({ kind: 'quantity', line: 1, expected: 40, actual: 41 }),
    ]);
  });

  it('spreads a SKU-only line over the PO lines of that SKU and prices each part', () => {
    const split: PurchaseOrder = {
      ...po,
      lines: [
        { lineNo: 1, sku: 'SKU-A', quantityOrdered: 10, unitCost: 100, expectedDate: '2026-03-10' },
        { lineNo: 2, sku: 'SKU-A', quantityOrdered: 10, unitCost: 110, expectedDate: '2026-04-10' },
      ],
    };
    const receipts: Receipt[] = [{ ...received()[0]!, lines: [{ sku: 'SKU-A', quantityReceived: 20 }] }];
    const r = matchInvoice({
      po: split,
      receipts,
      invoice: invoice([{ lineNo: 1, sku: 'SKU-A', quantityInvoiced: 15, unitPrice: 110, tax: 0 }]),
      tolerances: { price: { basisPoints: 1000 }, total: { absolute: 100 } },
    });
    expect(r.lines[0]!.portions).toEqual([
      { poLineNo: 1, quantity: 10, unitCost: 100 },
      { poLineNo: 2, quantity: 5, unitCost: 110 },
    ]);
    expect(kinds(r)).toEqual(['total:null:true', 'price:1:true']);
    expect(r.amounts).toMatchObject({ priceVariance: 100, grniCleared: 1550, approved: 1650 });
  });

  it('refuses input it cannot judge', () => {
    expect(codeOf(() => match({ invoice: invoice([A], { currency: 'USD' }) }))).toBe(
      'ERP_MATCH_INVOICE_INVALID',
    );
    expect(codeOf(() => match({ invoice: invoice([A, { ...B, lineNo: 1 }]) }))).toBe(
      'ERP_MATCH_INVOICE_INVALID',
    );
    expect(codeOf(() => match({ receipts: [{ ...received()[0]!, poNumber: 'PO-2' }] }))).toBe(
      'ERP_MATCH_INPUT_INVALID',
    );
    expect(codeOf(() => match({ tolerances: { price: { basisPoints: -1 } } }))).toBe(
      'ERP_MATCH_INPUT_INVALID',
    );
    const huge: PurchaseOrder = {
      ...po,
      lines: [{ ...po.lines[0]!, quantityOrdered: 1e9, unitCost: 2 ** 52 }],
    };
    expect(
      codeOf(() =>
        matchInvoice({
          po: huge,
          receipts: [{ ...received()[0]!, lines: [{ sku: 'SKU-A', quantityReceived: 1e9 }] }],
          invoice: invoice([{ ...A, quantityInvoiced: 1e9, unitPrice: 2 ** 52 }]),
        }),
      ),
    ).toBe('ERP_MATCH_AMOUNT_TOO_LARGE');
  });
});

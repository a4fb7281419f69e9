import { describe, expect, it } from 'vitest';
import { isCalendarDate } from '../../kernel/dates.js';
import type {
  AdvanceShipNotice,
  PurchaseOrder,
  Receipt,
  Supplier,
  SupplierInvoice,
} from './procurement.types.js';
import {
  validateAsn,
  validateInvoice,
  validatePurchaseOrder,
  validateReceipt,
  validateSupplier,
  validateTolerances,
} from './procurement.validate.js';

const po = (over: Partial<PurchaseOrder> = {}): PurchaseOrder => ({
  number: 'PO-1',
  supplier: 'ACME',
  shipTo: 'WH1',
  currency: 'EUR',
  orderDate: '2026-03-01',
  lines: [
    { lineNo: 1, sku: 'SKU-A', quantityOrdered: 100, unitCost: 250, expectedDate: '2026-03-10' },
    { lineNo: 2, sku: 'SKU-B', quantityOrdered: 12, unitCost: 1999, expectedDate: '2026-03-10' },
  ],
  ...over,
});
const supplier = (over: Partial<Supplier> = {}): Supplier => ({
  code: 'ACME',
  name: 'Acme Supplies',
  currency: 'EUR',
  leadTimeDays: 9,
  paymentTerms: { netDays: 30, discountDays: 10, discountBasisPoints: 200 },
  skus: [
    { sku: 'SKU-A', moq: 50, packSize: 25, supplierSku: 'AC-1' },
    { sku: 'SKU-B', packSize: 6 },
  ],
  ...over,
});
/** `field code` pairs, sorted: the whole set of problems, nothing more and nothing less. */
const problems = (errors: { field: string; code: string }[]) =>
  errors.map((e) => `${e.field} ${e.code}`).sort();

describe('validatePurchaseOrder', () => {
  it('accepts a well-formed PO that fits its supplier', () => {
    expect(validatePurchaseOrder(po(), supplier())).toEqual([]);
  });

  it('lists every problem: zero lines, currency, codes', () => {
    expect(
      problems(
        validatePurchaseOrder(
          po({ number: 'PO:1', shipTo: '', currency: 'EURO', orderDate: '2026-02-30', lines: [] }),
        ),
      ),
    ).toEqual([
      'currency CURRENCY_INVALID',
      'lines LINES_EMPTY',
      'number CODE_INVALID',
      'orderDate DATE_INVALID',
      'shipTo LOCATION_INVALID',
    ]);
  });

  it('rejects negative quantities, bad costs, duplicate line numbers and early dates', () => {
    const l = po().lines[0]!;
    const errors = validatePurchaseOrder(
      po({
        lines: [
          { ...l, quantityOrdered: -5 },
          { ...l, lineNo: 1, unitCost: 12.5 },
          { ...l, lineNo: 3, quantityOrdered: 0, expectedDate: '2026-02-01', sku: ' bad' },
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'lines[0].quantityOrdered QUANTITY_INVALID',
      'lines[1].lineNo LINE_DUPLICATE',
      'lines[1].unitCost AMOUNT_INVALID',
      'lines[2].expectedDate DATE_BEFORE_ORDER',
      'lines[2].quantityOrdered QUANTITY_INVALID',
      'lines[2].sku SKU_INVALID',
    ]);
  });

  it('applies the supplier: same supplier and currency, MOQ per SKU, pack sizes per line', () => {
    const l = po().lines[0]!;
    const errors = validatePurchaseOrder(
      po({
        supplier: 'OTHER',
        currency: 'USD',
        lines: [
          { ...l, quantityOrdered: 25 },
          { ...l, lineNo: 2, quantityOrdered: 20 }, // 45 in all: below the MOQ of 50; 20 is not 25s
        ],
      }),
      supplier(),
    );
    expect(problems(errors)).toEqual([
      'currency CURRENCY_MISMATCH',
      'lines[0].quantityOrdered QUANTITY_BELOW_MOQ',
      'lines[1].quantityOrdered PACK_SIZE_MISMATCH',
      'supplier SUPPLIER_MISMATCH',
    ]);
  });

  it('survives anything a JSON body can hold', () => {
    expect(problems(validatePurchaseOrder(null as unknown as PurchaseOrder))).toEqual(['po PO_INVALID']);
    expect(problems(validateReceipt([] as unknown as Receipt, undefined, 'receipts[3]'))).toEqual([
      'receipts[3] RECEIPT_INVALID',
    ]);
    expect(
      problems(validatePurchaseOrder(po({ lines: [42] as unknown as PurchaseOrder['lines'] }))),
    ).toContain('lines[0] LINE_INVALID');
  });
});

describe('validateSupplier', () => {
  it('accepts a well-formed supplier and lists every problem of a bad one', () => {
    expect(validateSupplier(supplier())).toEqual([]);
    const errors = validateSupplier(
      supplier({
        code: '',
        name: ' ',
        currency: 'ABC',
        leadTimeDays: -1,
        paymentTerms: { netDays: 30, discountDays: 40 },
        skus: [
          { sku: 'SKU-A', moq: 0 },
          { sku: 'SKU-A', packSize: 1.5 },
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'code CODE_INVALID',
      'currency CURRENCY_INVALID',
      'leadTimeDays LEAD_TIME_INVALID',
      'name NAME_INVALID',
      'paymentTerms DISCOUNT_INCOMPLETE',
      'paymentTerms.discountDays TERMS_INVALID',
      'skus[0].moq MOQ_INVALID',
      'skus[1].packSize PACK_SIZE_INVALID',
      'skus[1].sku SKU_DUPLICATE',
    ]);
  });
});

describe('validateReceipt', () => {
  const receipt = (over: Partial<Receipt> = {}): Receipt => ({
    id: 'GRN-1',
    poNumber: 'PO-1',
    receivedAt: '2026-03-09T10:00:00Z',
    lines: [{ sku: 'SKU-A', poLineNo: 1, quantityReceived: 10, quantityDamaged: 1, quantityRejected: 1 }],
    ...over,
  });

  it('accepts a well-formed receipt', () => {
    expect(validateReceipt(receipt(), po())).toEqual([]);
  });

  it('lists structural problems', () => {
    expect(problems(validateReceipt(receipt({ id: '', receivedAt: '2026-03-09', lines: [] })))).toEqual([
      'id CODE_INVALID',
      'lines LINES_EMPTY',
      'receivedAt TIME_INVALID',
    ]);
    const errors = validateReceipt(
      receipt({
        lines: [
          { sku: 'SKU-A', quantityReceived: -1 },
          { sku: 'SKU-B', quantityReceived: 3, quantityDamaged: 2, quantityRejected: 2 },
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'lines[0].quantityReceived QUANTITY_INVALID',
      'lines[1] QUANTITY_INCONSISTENT',
    ]);
    expect(problems(validateReceipt(receipt({ lines: [{ sku: 'SKU-A', quantityReceived: 0 }] })))).toEqual([
      'lines NOTHING_RECEIVED',
    ]);
  });

  it('checks references against the PO: unknown line, other SKU, SKU not on the PO, same line twice', () => {
    const errors = validateReceipt(
      receipt({
        poNumber: 'PO-9',
        lines: [
          { sku: 'SKU-A', poLineNo: 7, quantityReceived: 1 },
          { sku: 'SKU-B', poLineNo: 1, quantityReceived: 1 },
          { sku: 'SKU-A', poLineNo: 1, quantityReceived: 1 },
          { sku: 'SKU-Z', quantityReceived: 1 },
        ],
      }),
      po(),
    );
    expect(problems(errors)).toEqual([
      'lines[0].poLineNo PO_LINE_UNKNOWN',
      'lines[1].sku SKU_MISMATCH',
      'lines[2].poLineNo LINE_DUPLICATE',
      'lines[3].sku SKU_NOT_ON_PO',
      'poNumber PO_MISMATCH',
    ]);
  });
});

describe('validateAsn', () => {
  const asn = (over: Partial<AdvanceShipNotice> = {}): AdvanceShipNotice => ({
    id: 'ASN-1',
    poNumber: 'PO-1',
    expectedArrival: '2026-03-09',
    lines: [{ sku: 'SKU-A', quantityShipped: 100 }],
    ...over,
  });

  it('accepts dates or instants, and lists every problem', () => {
    expect(validateAsn(asn(), po())).toEqual([]);
    expect(validateAsn(asn({ expectedArrival: '2026-03-09T08:00:00Z' }))).toEqual([]);
    const errors = validateAsn(
      asn({
        expectedArrival: 'soon',
        lines: [
          { sku: 'SKU-A', quantityShipped: 0 },
          { sku: 'SKU-Z', quantityShipped: 1 },
          { sku: 'SKU-B', poLineNo: 9, quantityShipped: 1 },
        ],
      }),
      po(),
      'asn',
    );
    expect(problems(errors)).toEqual([
      'asn.expectedArrival DATE_INVALID',
      'asn.lines[0].quantityShipped QUANTITY_INVALID',
      'asn.lines[1].sku SKU_NOT_ON_PO',
      'asn.lines[2].poLineNo PO_LINE_UNKNOWN',
    ]);
  });
});

describe('validateInvoice', () => {
  const invoice = (over: Partial<SupplierInvoice> = {}): SupplierInvoice => ({
    number: 'INV 2026/001',
    supplier: 'ACME',
    poNumber: 'PO-1',
    currency: 'EUR',
    lines: [{ lineNo: 1, sku: 'SKU-A', quantityInvoiced: 100, unitPrice: 250, tax: 5000 }],
    ...over,
  });

  it('accepts a well-formed invoice; a SKU not on the PO is for the match to judge', () => {
    expect(validateInvoice(invoice(), po())).toEqual([]);
    const stray = invoice({
      lines: [{ lineNo: 1, sku: 'SKU-Z', quantityInvoiced: 1, unitPrice: 1, tax: 0 }],
    });
    expect(validateInvoice(stray, po())).toEqual([]);
  });

  it('lists every problem', () => {
    const errors = validateInvoice(
      invoice({
        number: ' INV',
        supplier: 'OTHER',
        currency: 'USD',
        total: -1,
        lines: [
          { lineNo: 1, sku: 'SKU-A', quantityInvoiced: -2, unitPrice: -1, tax: 0.5 },
          { lineNo: 1, sku: 'SKU-A', poLineNo: 2, quantityInvoiced: 1, unitPrice: 1, tax: 0 },
          { lineNo: 3, sku: 'SKU-A', poLineNo: 5, quantityInvoiced: 1, unitPrice: 1, tax: 0 },
        ],
      }),
      po(),
    );
    expect(problems(errors)).toEqual([
      'currency CURRENCY_MISMATCH',
      'lines[0].quantityInvoiced QUANTITY_INVALID',
      'lines[0].tax AMOUNT_INVALID',
      'lines[0].unitPrice AMOUNT_INVALID',
      'lines[1].lineNo LINE_DUPLICATE',
      'lines[1].sku SKU_MISMATCH',
      'lines[2].poLineNo PO_LINE_UNKNOWN',
      'number NUMBER_INVALID',
      'supplier SUPPLIER_MISMATCH',
      'total AMOUNT_INVALID',
    ]);
    expect(problems(validateInvoice(invoice({ currency: 'eur', lines: [] })))).toEqual([
      'currency CURRENCY_INVALID',
      'lines LINES_EMPTY',
    ]);
  });
});

describe('validateTolerances and dates', () => {
  it('takes integer basis points and non-negative absolutes', () => {
    expect(
      validateTolerances({ overReceipt: { basisPoints: 500 }, price: { basisPoints: 0, absolute: 5 } }),
    ).toEqual([]);
    expect(
      problems(
        validateTolerances({
          price: { basisPoints: 1.5 },
          total: { absolute: -1 },
          invoiceQuantity: 3 as never,
        }),
      ),
    ).toEqual([
      'invoiceQuantity TOLERANCE_INVALID',
      'price.basisPoints BASIS_POINTS_INVALID',
      'total.absolute ABSOLUTE_INVALID',
    ]);
  });

  it('knows real calendar dates', () => {
    expect(['2024-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', 20260101].map(isCalendarDate)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

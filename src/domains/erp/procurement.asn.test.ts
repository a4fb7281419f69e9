import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../kernel/errors.js';
import { compareAsnToReceipt, receiptFromAsn } from './procurement.asn.js';
import type { AdvanceShipNotice, Receipt, ReceiptLine } from './procurement.types.js';

const asn = (over: Partial<AdvanceShipNotice> = {}): AdvanceShipNotice => ({
  id: 'ASN-1',
  poNumber: 'PO-1',
  expectedArrival: '2026-03-09',
  lines: [
    { sku: 'SKU-A', poLineNo: 1, quantityShipped: 100 },
    { sku: 'SKU-B', quantityShipped: 10 },
  ],
  ...over,
});
const receipt = (lines: ReceiptLine[], over: Partial<Receipt> = {}): Receipt => ({
  id: 'GRN-1',
  poNumber: 'PO-1',
  asnId: 'ASN-1',
  receivedAt: '2026-03-09T15:00:00Z',
  lines,
  ...over,
});

describe('compareAsnToReceipt', () => {
  it('reports a shipment received exactly as announced as clean', () => {
    const report = compareAsnToReceipt(
      asn(),
      receiptFromAsn(asn(), { id: 'GRN-1', receivedAt: '2026-03-09T15:00:00Z' }),
    );
    expect(report.clean).toBe(true);
    expect(report.discrepancies).toEqual([]);
    expect(report.totals).toEqual({
      shipped: 110,
      received: 110,
      accepted: 110,
      damaged: 0,
      rejected: 0,
      short: 0,
      over: 0,
    });
    expect(report.arrival).toMatchObject({ daysLate: 0, late: false });
  });

  it('finds shortages, overages, unexpected SKUs, damaged and rejected units', () => {
    const report = compareAsnToReceipt(
      asn({ lines: [...asn().lines, { sku: 'SKU-C', quantityShipped: 4 }] }),
      receipt([
        { sku: 'SKU-A', quantityReceived: 60, quantityDamaged: 2 },
        { sku: 'SKU-A', quantityReceived: 30 }, // two pallets of one SKU are summed
        { sku: 'SKU-B', quantityReceived: 12, quantityRejected: 1 },
        { sku: 'SKU-Z', quantityReceived: 3 },
      ]),
    );
    expect(report.clean).toBe(false);
    expect(report.discrepancies).toEqual([
      { sku: 'SKU-A', kind: 'shortage', expected: 100, actual: 90, variance: -10 },
      { sku: 'SKU-A', kind: 'damaged', expected: 0, actual: 2, variance: 2 },
      { sku: 'SKU-B', kind: 'overage', expected: 10, actual: 12, variance: 2 },
      { sku: 'SKU-B', kind: 'rejected', expected: 0, actual: 1, variance: 1 },
      { sku: 'SKU-C', kind: 'shortage', expected: 4, actual: 0, variance: -4 },
      { sku: 'SKU-Z', kind: 'unexpected_sku', expected: 0, actual: 3, variance: 3 },
    ]);
    expect(report.totals).toEqual({
      shipped: 114,
      received: 105,
      accepted: 102,
      damaged: 2,
      rejected: 1,
      short: 14,
      over: 5,
    });
    expect(report.skus.find((s) => s.sku === 'SKU-A')).toEqual({
      sku: 'SKU-A',
      shipped: 100,
      received: 90,
      damaged: 2,
      rejected: 0,
      accepted: 88,
    });
  });

  it('reports lateness in UTC calendar days, early as negative', () => {
    const late = compareAsnToReceipt(
      asn(),
      receipt([{ sku: 'SKU-A', quantityReceived: 100 }], { receivedAt: '2026-03-12T00:30:00+02:00' }),
    );
    expect(late.arrival).toEqual({
      expected: '2026-03-09',
      receivedAt: '2026-03-12T00:30:00+02:00',
      daysLate: 2,
      late: true,
    });
    const early = compareAsnToReceipt(
      asn({ expectedArrival: '2026-03-10T08:00:00Z' }),
      receipt([{ sku: 'SKU-A', quantityReceived: 100 }]),
    );
    expect(early.arrival).toMatchObject({ daysLate: -1, late: false });
  });

  it('refuses documents that do not belong together', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof DomainError ? e.code : 'not a DomainError';
      }
      return 'no error';
    };
    const lines = [{ sku: 'SKU-A', quantityReceived: 1 }];
    expect(code(() => compareAsnToReceipt(asn(), receipt(lines, { poNumber: 'PO-2' })))).toBe(
      'ERP_PO_ASN_MISMATCH',
    );
    expect(code(() => compareAsnToReceipt(asn(), receipt(lines, { asnId: 'ASN-2' })))).toBe(
      'ERP_PO_ASN_MISMATCH',
    );
    expect(code(() => compareAsnToReceipt(asn({ lines: [] }), receipt(lines)))).toBe('ERP_PO_ASN_INVALID');
    expect(code(() => compareAsnToReceipt(asn(), receipt([])))).toBe('ERP_PO_RECEIPT_INVALID');
  });

  it('pre-fills a receipt from the ASN', () => {
    expect(receiptFromAsn(asn(), { id: 'GRN-9', receivedAt: '2026-03-09T15:00:00Z' })).toEqual({
      id: 'GRN-9',
      poNumber: 'PO-1',
      asnId: 'ASN-1',
      receivedAt: '2026-03-09T15:00:00Z',
      lines: [
        { sku: 'SKU-A', poLineNo: 1, quantityReceived: 100 },
        { sku: 'SKU-B', quantityReceived: 10 },
      ],
    });
  });

  it('balances: shipped − short + over = received, whatever arrives', () => {
    const sku = fc.constantFrom('SKU-A', 'SKU-B', 'SKU-C', 'SKU-D');
    fc.assert(
      fc.property(
        fc.array(fc.record({ sku, quantityShipped: fc.integer({ min: 1, max: 50 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        fc.array(
          fc.record({
            sku,
            quantityReceived: fc.integer({ min: 0, max: 60 }),
            damagedShare: fc.integer({ min: 0, max: 100 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        (asnLines, rows) => {
          const lines = rows.map((r) => ({
            sku: r.sku,
            quantityReceived: r.quantityReceived,
            quantityDamaged: Math.floor((r.quantityReceived * r.damagedShare) / 100),
          }));
          if (lines.every((l) => l.quantityReceived === 0)) lines[0]!.quantityReceived = 1;
          const report = compareAsnToReceipt(asn({ lines: asnLines }), receipt(lines));
          const t = report.totals;
          expect(t.shipped - t.short + t.over).toBe(t.received);
          expect(t.accepted).toBe(t.received - t.damaged - t.rejected);
          expect(report.clean).toBe(report.discrepancies.length === 0);
        },
      ),
    );
  });
});

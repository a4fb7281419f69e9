import { describe, expect, it } from 'vitest';
import {
  capOrder,
  dailySeries,
  defaultRunReference,
  draftNumber,
  fromFirstDemand,
  groupBySupplier,
  historyWindow,
  measureLeadTime,
  periodSeries,
  purePolicy,
  resolveTerms,
} from './replenishment.plan.js';

describe('replenishment plan', () => {
  it('takes the whole days before the planning day as history', () => {
    expect(historyWindow(Date.parse('2026-03-10T15:30:00Z'), 3)).toEqual({
      from: '2026-03-07',
      to: '2026-03-10',
      days: 3,
    });
  });

  it('zero-fills days without shipments and ignores rows outside the window', () => {
    const rows = [
      { day: '2026-03-07', units: 4 },
      { day: '2026-03-09', units: 2 },
      { day: '2026-03-09', units: 1 },
      { day: '2026-03-10', units: 99 },
      { day: '2026-03-06', units: 99 },
    ];
    expect(dailySeries(rows, '2026-03-07', 3)).toEqual([4, 0, 3]);
  });

  it('sums periods aligned on the end, dropping a partial first period', () => {
    expect(periodSeries([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([9, 18]);
    expect(periodSeries([1, 2], 1)).toEqual([1, 2]);
  });

  it("takes the policy's terms over the supplier's per-SKU terms over 1", () => {
    const supplier = { leadTimeDays: 14, skus: [{ sku: 'A', moq: 10, packSize: 5 }] };
    expect(resolveTerms('A', { kind: 'forecast', supplier: 'S' }, supplier)).toMatchObject({
      leadTimeDays: 14,
      moq: 10,
      packSize: 5,
      sources: { leadTimeDays: 'supplier', moq: 'supplier', packSize: 'supplier' },
    });
    expect(
      resolveTerms('B', { kind: 'forecast', supplier: 'S', moq: 3, leadTimeDays: 2 }, supplier),
    ).toMatchObject({
      leadTimeDays: 2,
      moq: 3,
      packSize: 1,
      sources: { leadTimeDays: 'policy', moq: 'policy', packSize: 'default' },
    });
  });

  it('takes a lead time measured from receipts when asked and at least 3 orders were received', () => {
    const supplier = { leadTimeDays: 14 };
    const p = { kind: 'min_max', min: 1, max: 5, supplier: 'S', leadTimeFrom: 'receipts' } as const;
    const three = measureLeadTime([10, 12, 14]);
    expect(three).toEqual({ purchaseOrders: 3, meanDays: 12, sdDays: 2 });
    expect(resolveTerms('A', p, supplier, three)).toMatchObject({
      leadTimeDays: 12,
      sources: { leadTimeDays: 'receipts' },
    });
    // Too few orders, or the policy did not ask: the terms.
    expect(resolveTerms('A', p, supplier, measureLeadTime([10, 12]))).toMatchObject({
      leadTimeDays: 14,
      sources: { leadTimeDays: 'supplier' },
    });
    expect(resolveTerms('A', { ...p, leadTimeFrom: 'terms' }, supplier, three).leadTimeDays).toBe(14);
    expect(measureLeadTime([])).toEqual({ purchaseOrders: 0, meanDays: 0, sdDays: 0 });
    expect(measureLeadTime([7])).toEqual({ purchaseOrders: 1, meanDays: 7, sdDays: 0 });
    expect(measureLeadTime([1, 2, 2])).toEqual({ purchaseOrders: 3, meanDays: 1.7, sdDays: 0.6 });
  });

  it('maps stored kinds to the pure policies', () => {
    expect(purePolicy({ kind: 'min_max', min: 3, max: 9 })).toEqual({
      kind: 'min-max',
      reorderPoint: 3,
      max: 9,
    });
    expect(purePolicy({ kind: 'reorder_point', reorderPoint: 3, orderQuantity: 9 })).toEqual({
      kind: 'reorder-point',
      reorderPoint: 3,
      orderQuantity: 9,
    });
  });

  it('caps an order to whole packs within the maximum, unless that is less than a pack or the MOQ', () => {
    expect(capOrder(120, { maxOrderQuantity: 100, packSize: 12, moq: 1 })).toMatchObject({ quantity: 96 });
    expect(capOrder(90, { maxOrderQuantity: 100, packSize: 12, moq: 1 })).toEqual({
      quantity: 90,
      note: null,
    });
    expect(capOrder(120, { maxOrderQuantity: 10, packSize: 12, moq: 1 }).quantity).toBe(120);
    expect(capOrder(120, { maxOrderQuantity: 100, packSize: 1, moq: 101 }).quantity).toBe(120);
  });

  it('numbers drafts from the run, hashing names that would be too long', () => {
    expect(draftNumber('RP-1', 'ACME', 'WH1', () => 'x')).toBe('RP-1-ACME-WH1');
    expect(draftNumber('RP-1', 'S'.repeat(64), 'WH1', () => 'abcdef0123456789ffff')).toBe(
      'RP-1-abcdef0123456789',
    );
    expect(defaultRunReference(Date.parse('2026-03-10T15:30:00Z'))).toBe('RP-20260310');
  });

  it('groups lines per supplier × location, unassigned last', () => {
    const l = (sku: string, supplier: string | null, location: string) => ({ sku, supplier, location });
    const groups = groupBySupplier([
      l('B', 'S2', 'W1'),
      l('A', null, 'W1'),
      l('C', 'S1', 'W2'),
      l('A', 'S2', 'W1'),
    ]);
    expect(groups.map((g) => [g.supplier, g.location, g.lines.map((x) => x.sku)])).toEqual([
      ['S1', 'W2', ['C']],
      ['S2', 'W1', ['A', 'B']],
      [null, 'W1', ['A']],
    ]);
  });
});

describe('fromFirstDemand', () => {
  it('drops the periods before the first demand, keeping an all-zero series whole', () => {
    expect(fromFirstDemand([0, 0, 3, 0, 1])).toEqual({ series: [3, 0, 1], dropped: 2 });
    expect(fromFirstDemand([0, 0])).toEqual({ series: [0, 0], dropped: 0 });
    expect(fromFirstDemand([1, 0])).toEqual({ series: [1, 0], dropped: 0 });
  });
});

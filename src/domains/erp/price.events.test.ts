import { describe, expect, it } from 'vitest';
import { MAX_LISTED_SKUS, priceListChange } from './price.events.js';
import type { PriceList } from './price.types.js';

const list = (over: Partial<PriceList> = {}): PriceList => ({
  code: 'EU',
  name: 'Europe',
  currency: 'EUR',
  channels: ['web'],
  priority: 0,
  pricesIncludeTax: true,
  entries: [
    { sku: 'A', unitPrice: 100 },
    { sku: 'B', unitPrice: 200, breaks: [{ minQuantity: 10, unitPrice: 180 }] },
  ],
  ...over,
});

describe('what a price list change touches', () => {
  it('names the SKUs whose entries were added, changed or removed', () => {
    const before = list();
    const after = list({
      entries: [
        { sku: 'B', unitPrice: 200, breaks: [{ minQuantity: 10, unitPrice: 170 }] },
        { sku: 'C', unitPrice: 300 },
      ],
    });
    expect(priceListChange(before, after)).toEqual({
      skus: ['A', 'B', 'C'],
      allSkus: false,
      channels: ['web'],
    });
    expect(priceListChange(before, list())).toEqual({ skus: [], allSkus: false, channels: ['web'] });
  });

  it('ignores the order of entries', () => {
    const before = list();
    const after = list({ entries: [...before.entries].reverse() });
    expect(priceListChange(before, after).skus).toEqual([]);
  });

  it('reprices everything when the scope changes, and names the channels before and after', () => {
    const r = priceListChange(list(), list({ channels: ['b2b'], validFrom: '2026-12-01T00:00:00.000Z' }));
    expect(r).toEqual({ skus: [], allSkus: true, channels: ['b2b', 'web'] });
    expect(priceListChange(list(), list({ priority: 5 })).allSkus).toBe(true);
  });

  it('lists every SKU of a created or deleted list, and all of a derived one', () => {
    expect(priceListChange(undefined, list())).toMatchObject({ skus: ['A', 'B'], allSkus: false });
    expect(priceListChange(list(), undefined)).toMatchObject({ skus: ['A', 'B'], allSkus: false });
    const derived = list({ code: 'B2B', parent: { code: 'EU', adjustmentPercent: -10 }, entries: [] });
    expect(priceListChange(undefined, derived)).toMatchObject({ skus: [], allSkus: true });
    expect(priceListChange(derived, { ...derived, entries: [{ sku: 'A', unitPrice: 50 }] })).toMatchObject({
      skus: ['A'],
      allSkus: false,
    });
  });

  it('says allSkus instead of listing more than the limit', () => {
    const many = Array.from({ length: MAX_LISTED_SKUS + 1 }, (_, i) => ({ sku: `S${i}`, unitPrice: i }));
    expect(priceListChange(undefined, list({ entries: many }))).toMatchObject({ skus: [], allSkus: true });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PriceEntry, PriceList } from './price.types.js';
import { adjustmentBasisPoints, validatePriceList, validatePriceLists } from './price.validate.js';

function list(over: Partial<PriceList> = {}): PriceList {
  return {
    code: 'retail-eu',
    name: 'Retail EU',
    currency: 'EUR',
    channels: ['web'],
    priority: 0,
    pricesIncludeTax: true,
    entries: [{ sku: 'SKU-1', unitPrice: 1000, breaks: [{ minQuantity: 10, unitPrice: 900 }] }],
    ...over,
  };
}
const entry = (over: Partial<PriceEntry> = {}): PriceEntry => ({ sku: 'SKU-1', unitPrice: 1000, ...over });
/** `field code` pairs, sorted: the whole set of problems, nothing more and nothing less. */
const problems = (errors: { field: string; code: string }[]) =>
  errors.map((e) => `${e.field} ${e.code}`).sort();

describe('validatePriceList', () => {
  it('accepts a well-formed list', () => {
    expect(validatePriceList(list())).toEqual([]);
    expect(
      validatePriceList(
        list({
          customerGroup: 'acme',
          validFrom: '2025-01-01T00:00:00Z',
          validTo: '2026-01-01T00:00:00+01:00',
          parent: { code: 'base', adjustmentPercent: -12.5 },
        }),
      ),
    ).toEqual([]);
  });

  it.each(['EURO', 'eur', 'XYZ', '', 42])('rejects currency %j as not ISO 4217', (currency) => {
    expect(problems(validatePriceList(list({ currency: currency as string })))).toEqual([
      'currency CURRENCY_INVALID',
    ]);
  });

  it('rejects negative, fractional and unsafe prices, in entries and breaks', () => {
    const errors = validatePriceList(
      list({
        entries: [
          entry({ unitPrice: -1 }),
          entry({ sku: 'SKU-2', unitPrice: 12.5, breaks: [{ minQuantity: 5, unitPrice: -3 }] }),
          entry({ sku: 'SKU-3', unitPrice: 2 ** 53 }),
          entry({ sku: 'SKU-4', unitPrice: 0 }), // free is a price
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'entries[0].unitPrice PRICE_INVALID',
      'entries[1].breaks[0].unitPrice PRICE_INVALID',
      'entries[1].unitPrice PRICE_INVALID',
      'entries[2].unitPrice PRICE_INVALID',
    ]);
  });

  it('requires breaks strictly increasing in quantity, above the entry minimum', () => {
    const brk = (minQuantity: number) => ({ minQuantity, unitPrice: 1 });
    const errors = validatePriceList(
      list({
        entries: [
          entry({ breaks: [brk(10), brk(10)] }),
          entry({ sku: 'SKU-2', breaks: [brk(20), brk(5)] }),
          entry({ sku: 'SKU-3', minQuantity: 50, breaks: [brk(50)] }),
          entry({ sku: 'SKU-4', breaks: [brk(1)] }),
          entry({ sku: 'SKU-5', breaks: [brk(2), brk(3), brk(1000)] }),
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'entries[0].breaks[1].minQuantity BREAKS_NOT_INCREASING',
      'entries[1].breaks[1].minQuantity BREAKS_NOT_INCREASING',
      'entries[2].breaks[0].minQuantity BREAKS_NOT_INCREASING',
      'entries[3].breaks[0].minQuantity QUANTITY_INVALID',
    ]);
    expect(errors[0]!.message).toBe("10 must be above the previous tier's minimum quantity 10");
  });

  it('rejects ranges whose start is not before their end (ranges are half-open)', () => {
    const errors = validatePriceList(
      list({
        validFrom: '2025-06-01T00:00:00Z',
        validTo: '2025-05-01T00:00:00Z',
        entries: [
          entry({ effectiveFrom: '2025-01-01T00:00:00Z', effectiveTo: '2025-01-01T00:00:00Z' }),
          entry({ sku: 'SKU-2', effectiveFrom: '2025-01-01' }),
        ],
      }),
    );
    expect(problems(errors)).toEqual([
      'entries[0].effectiveTo RANGE_INVERTED',
      'entries[1].effectiveFrom TIME_INVALID',
      'validTo RANGE_INVERTED',
    ]);
  });

  describe('overlapping entries of one sku and minimum quantity', () => {
    const jan = { effectiveFrom: '2025-01-01T00:00:00Z', effectiveTo: '2025-02-01T00:00:00Z' };
    const midJan = { effectiveFrom: '2025-01-15T00:00:00Z', effectiveTo: '2025-03-01T00:00:00Z' };
    const feb = { effectiveFrom: '2025-02-01T00:00:00Z', effectiveTo: '2025-03-01T00:00:00Z' };

    it('are rejected, naming both entries and the shared quantity', () => {
      const errors = validatePriceList(list({ entries: [entry(jan), entry(midJan)] }));
      expect(problems(errors)).toEqual(['entries[1] ENTRY_OVERLAP']);
      expect(errors[0]!.message).toBe(
        'overlaps entries[0] for sku "SKU-1" at minimum quantity 1 from 2025-01-15T00:00:00.000Z to 2025-02-01T00:00:00.000Z',
      );
    });

    it('open-ended entries overlap everything of their sku, a shared break too', () => {
      const b = [{ minQuantity: 10, unitPrice: 1 }];
      const errors = validatePriceList(
        list({
          entries: [entry({ breaks: b }), entry({ minQuantity: 10, effectiveFrom: feb.effectiveFrom })],
        }),
      );
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringContaining('at minimum quantity 10 from 2025-02-01'),
      ]);
    });

    it('are fine when adjacent, for another sku, or for other minimum quantities', () => {
      const volume = entry({ minQuantity: 50, breaks: [{ minQuantity: 100, unitPrice: 5 }], ...midJan });
      expect(
        validatePriceList(
          list({ entries: [entry(jan), entry(feb), entry({ sku: 'SKU-2', ...jan }), volume] }),
        ),
      ).toEqual([]);
    });
  });

  it('reports every problem of a list at once, and never throws on garbage', () => {
    const bad = { code: '', name: '', currency: 'x', channels: [], priority: 1.5, pricesIncludeTax: 'yes' };
    expect(problems(validatePriceList(bad as unknown as PriceList))).toEqual([
      'channels CHANNELS_REQUIRED',
      'code CODE_INVALID',
      'currency CURRENCY_INVALID',
      'entries ENTRIES_INVALID',
      'name NAME_INVALID',
      'pricesIncludeTax TAX_FLAG_INVALID',
      'priority PRIORITY_INVALID',
    ]);
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        expect(Array.isArray(validatePriceList(junk as PriceList))).toBe(true);
        expect(Array.isArray(validatePriceLists([junk as PriceList]))).toBe(true);
      }),
    );
  });

  it('takes adjustments with at most two decimals, from -100 % to +1000 %', () => {
    expect([-100, -12.5, 0, 0.01, 1000].map(adjustmentBasisPoints)).toEqual([-10_000, -1250, 0, 1, 100_000]);
    expect([-100.01, 12.345, 1000.5, Number.NaN, '5'].map(adjustmentBasisPoints)).toEqual(
      Array(5).fill(undefined),
    );
    const errors = validatePriceList(list({ parent: { code: 'base', adjustmentPercent: 12.345 } }));
    expect(problems(errors)).toEqual(['parent.adjustmentPercent ADJUSTMENT_INVALID']);
  });
});

describe('validatePriceLists', () => {
  const child = (code: string, parent: string, over: Partial<PriceList> = {}) =>
    list({ code, parent: { code: parent, adjustmentPercent: -10 }, entries: [], ...over });

  it('accepts an inheritance chain', () => {
    expect(validatePriceLists([child('c', 'b'), child('b', 'a'), list({ code: 'a' })])).toEqual([]);
  });

  it('finds cycles, naming each list in them, and not lists that merely lead into one', () => {
    const errors = validatePriceLists([child('a', 'b'), child('b', 'c'), child('c', 'a'), child('d', 'a')]);
    expect(problems(errors)).toEqual([
      '[0].parent.code INHERITANCE_CYCLE',
      '[1].parent.code INHERITANCE_CYCLE',
      '[2].parent.code INHERITANCE_CYCLE',
    ]);
    expect(errors[0]!.message).toBe('cycle "a" → "b" → "c" → "a"');
    expect(problems(validatePriceLists([child('self', 'self')]))).toEqual([
      '[0].parent.code INHERITANCE_CYCLE',
    ]);
  });

  it('rejects unknown parents, parents in another currency and duplicate codes', () => {
    const errors = validatePriceLists([
      list({ code: 'a' }),
      child('b', 'nowhere'),
      child('c', 'a', { currency: 'USD' }),
      list({ code: 'a', name: 'again' }),
      list({ code: 'd', currency: 'euro' }),
    ]);
    expect(problems(errors)).toEqual([
      '[1].parent.code PARENT_UNKNOWN',
      '[2].parent.code PARENT_CURRENCY_MISMATCH',
      '[3].code CODE_DUPLICATE',
      '[4].currency CURRENCY_INVALID',
    ]);
  });

  it('an entry repeated for an overlapping period is always an overlap (property)', () => {
    const entryArb = fc.record({
      sku: fc.constantFrom('A', 'B', 'C'),
      unitPrice: fc.nat({ max: 10_000 }),
      from: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      days: fc.integer({ min: 1, max: 50 }),
    });
    const at = (d: number) => new Date(Date.UTC(2025, 0, 1 + d)).toISOString();
    fc.assert(
      fc.property(entryArb, fc.integer({ min: 0, max: 49 }), (e, shift) => {
        const first = entry({ sku: e.sku, unitPrice: e.unitPrice, effectiveTo: at((e.from ?? 0) + e.days) });
        if (e.from !== undefined) first.effectiveFrom = at(e.from);
        // The copy starts inside the first one's range (or at its very start), so they share an instant.
        const copy = {
          ...first,
          effectiveFrom: at((e.from ?? 0) + (shift % e.days)),
          unitPrice: e.unitPrice + 1,
        };
        expect(validatePriceList(list({ entries: [first] }))).toEqual([]);
        expect(problems(validatePriceList(list({ entries: [first, copy] })))).toEqual([
          'entries[1] ENTRY_OVERLAP',
        ]);
        // Starting exactly where the first ends, it is a successor, not an overlap.
        const next = { ...copy, effectiveFrom: first.effectiveTo, effectiveTo: undefined };
        expect(validatePriceList(list({ entries: [first, next] }))).toEqual([]);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { DomainError } from '../../kernel/errors.js';
import { PriceErrors } from './price.errors.js';
import { adjustPrice, indexPriceLists, resolvePrice, resolvePrices } from './price.resolve.js';
import type { PriceList, PriceQuery, PriceResolution } from './price.types.js';

function list(over: Partial<PriceList> & Pick<PriceList, 'code'>): PriceList {
  return {
    name: over.code,
    currency: 'EUR',
    channels: ['web'],
    priority: 0,
    pricesIncludeTax: true,
    entries: [],
    ...over,
  };
}
const q = (over: Partial<PriceQuery> = {}): PriceQuery => ({
  sku: 'SKU-1',
  channel: 'web',
  currency: 'EUR',
  quantity: 1,
  at: '2025-06-01T12:00:00Z',
  ...over,
});
function thrown(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError');
}
/** One everyday entry for SKU-1. */
const sku1 = (unitPrice: number) => [{ sku: 'SKU-1', unitPrice }];
const explained = (r: { explanation: { list: string; reason?: string; outcome: string }[] }) =>
  Object.fromEntries(r.explanation.map((e) => [e.list, e.reason ?? e.outcome]));

const publicWeb = list({ code: 'public', priority: 100, entries: sku1(1000) });
const acme = list({
  code: 'acme-contract',
  customerGroup: 'acme',
  priority: 0,
  pricesIncludeTax: false,
  entries: sku1(900),
});

describe('which list wins', () => {
  it('a customer-group contract beats the public list even at lower priority', () => {
    const r = resolvePrice([publicWeb, acme], q({ customerGroup: 'acme', quantity: 3 }));
    expect(r).toMatchObject({ list: 'acme-contract', unitPrice: 900, amount: 2700, pricesIncludeTax: false });
    const loser = r.explanation.find((e) => e.list === 'public')!;
    expect(loser).toMatchObject({ outcome: 'rejected', reason: 'lower_priority', unitPrice: 1000, rank: 2 });
    expect(loser.message).toContain('contract list "acme-contract"');
  });

  it('without the group (or with another) the contract is rejected with the reason', () => {
    const anon = resolvePrice([publicWeb, acme], q());
    expect(anon.list).toBe('public');
    expect(explained(anon)).toEqual({ public: 'won', 'acme-contract': 'wrong_group' });
    const other = resolvePrice([publicWeb, acme], q({ customerGroup: 'globex' }));
    const rej = other.explanation.find((e) => e.list === 'acme-contract')!;
    expect(rej.message).toContain('"acme"');
    expect(rej.message).toContain('"globex"');
    expect(rej.tiers).toEqual([]);
  });

  it('among public lists the higher priority wins, then fewer channels, then the code', () => {
    const low = list({ code: 'a-low', priority: 1, entries: sku1(500) });
    const high = list({ code: 'z-high', priority: 2, entries: sku1(700) });
    expect(resolvePrice([low, high], q()).list).toBe('z-high');
    const broad = list({
      code: 'a-broad',
      channels: ['web', 'app'],
      entries: sku1(1),
    });
    const narrow = list({ code: 'z-narrow', entries: sku1(2) });
    const r = resolvePrice([broad, narrow], q());
    expect(r.list).toBe('z-narrow');
    expect(r.explanation[1]!.message).toContain('more specific');
    const twin = list({ code: 'b-twin', entries: sku1(3) });
    expect(resolvePrice([narrow, twin], q()).list).toBe('b-twin');
  });

  it('a list in another currency is ignored, with the reason', () => {
    const usd = list({ code: 'usd', currency: 'USD', priority: 99, entries: sku1(1) });
    const r = resolvePrice([usd, publicWeb], q());
    expect(r.list).toBe('public');
    const rej = r.explanation.find((e) => e.list === 'usd')!;
    expect(rej).toMatchObject({ reason: 'wrong_currency', outcome: 'rejected' });
    expect(rej.message).toBe('prices in USD, not EUR');
  });

  it('a list for other channels is ignored, with the reason', () => {
    const app = list({ code: 'app', channels: ['app'], priority: 99, entries: sku1(1) });
    expect(explained(resolvePrice([app, publicWeb], q()))).toEqual({ app: 'wrong_channel', public: 'won' });
  });

  it('an expired list and a not-yet-valid list are ignored', () => {
    const old = list({
      code: 'old',
      priority: 9,
      validTo: '2025-06-01T00:00:00Z',
      entries: publicWeb.entries,
    });
    const next = list({
      code: 'next',
      priority: 9,
      validFrom: '2025-07-01T00:00:00Z',
      entries: publicWeb.entries,
    });
    const cheap = list({ code: 'cheap', priority: 1, entries: sku1(10) });
    const r = resolvePrice([old, next, cheap], q());
    expect(r).toMatchObject({ list: 'cheap', unitPrice: 10 });
    expect(explained(r)).toEqual({ next: 'not_yet_effective', old: 'expired', cheap: 'won' });
    // The same lists a day before the end: the old list is back in force and outranks.
    expect(resolvePrice([old, next, cheap], q({ at: '2025-05-31T00:00:00Z' })).list).toBe('old');
  });
});

describe('within a list', () => {
  const tiered = list({
    code: 'tiered',
    entries: [
      {
        sku: 'SKU-1',
        unitPrice: 1000,
        breaks: [
          { minQuantity: 10, unitPrice: 900 },
          { minQuantity: 100, unitPrice: 800 },
        ],
      },
    ],
  });

  it.each([
    [1, 1000, null],
    [9, 1000, null],
    [10, 900, 0],
    [99, 900, 0],
    [100, 800, 1],
    [5000, 800, 1],
  ])('quantity %i pays %i per unit (break %s)', (quantity, unitPrice, breakIndex) => {
    const r = resolvePrice([tiered], q({ quantity }));
    expect(r).toMatchObject({ unitPrice, amount: unitPrice * quantity });
    expect(r.source).toMatchObject({ list: 'tiered', entryIndex: 0, breakIndex });
  });

  it('explains each tier: selected, smaller break, quantity below break', () => {
    const r = resolvePrice([tiered], q({ quantity: 10 }));
    expect(r.explanation[0]!.tiers.map((t) => [t.minQuantity, t.status])).toEqual([
      [1, 'smaller_break'],
      [10, 'selected'],
      [100, 'quantity_below_break'],
    ]);
  });

  it('switches entries exactly at midnight UTC (ranges are half-open)', () => {
    const switching = list({
      code: 'switch',
      entries: [
        { sku: 'SKU-1', unitPrice: 1000, effectiveTo: '2026-01-01T00:00:00Z' },
        { sku: 'SKU-1', unitPrice: 1100, effectiveFrom: '2026-01-01T00:00:00Z' },
      ],
    });
    const before = resolvePrice([switching], q({ at: '2025-12-31T23:59:59.999Z' }));
    expect(before.unitPrice).toBe(1000);
    const at = resolvePrice([switching], q({ at: '2026-01-01T00:00:00Z' }));
    expect([at.unitPrice, at.source.entryIndex]).toEqual([1100, 1]);
    expect(at.explanation[0]!.tiers.map((t) => t.status)).toEqual(['expired', 'selected']);
    // Midnight UTC given in another zone is the same instant.
    expect(resolvePrice([switching], q({ at: '2026-01-01T01:00:00+01:00' })).unitPrice).toBe(1100);
    expect(resolvePrice([switching], q({ at: '2026-01-01T00:59:59+01:00' })).unitPrice).toBe(1000);
  });

  it('a volume-only entry adds a tier beside the everyday one, and alone leaves small orders unpriced', () => {
    const promo = { sku: 'SKU-1', unitPrice: 700, minQuantity: 50, effectiveFrom: '2025-06-01T00:00:00Z' };
    const both = list({ code: 'both', entries: [{ sku: 'SKU-1', unitPrice: 1000 }, promo] });
    expect(resolvePrice([both], q({ quantity: 49 })).unitPrice).toBe(1000);
    expect(resolvePrice([both], q({ quantity: 50 })).source).toMatchObject({
      entryIndex: 1,
      minQuantity: 50,
    });
    const err = thrown(() => resolvePrice([list({ code: 'only', entries: [promo] })], q({ quantity: 10 })));
    const [cand] = err.extensions.explanation as { reason: string; message: string }[];
    expect(cand).toMatchObject({
      reason: 'no_price',
      message: 'quantity 10 is below the smallest break in force (50)',
    });
  });
});

describe('inherited lists', () => {
  const retail = list({
    code: 'retail',
    channels: ['base'],
    entries: [{ sku: 'SKU-1', unitPrice: 1999, breaks: [{ minQuantity: 10, unitPrice: 1899 }] }],
  });
  const trade = list({ code: 'trade', parent: { code: 'retail', adjustmentPercent: -12.5 } });

  it("derives from the parent's tiers, rounded half-up, whatever channels the parent names", () => {
    const one = resolvePrice([retail, trade], q());
    // 1999 × 0.875 = 1749.125 → 1749; 1899 × 0.875 = 1661.625 → 1662.
    expect(one).toMatchObject({ list: 'trade', unitPrice: 1749 });
    expect(one.source).toEqual({
      list: 'retail',
      entryIndex: 0,
      breakIndex: null,
      minQuantity: 1,
      unitPrice: 1999,
    });
    expect(one.adjustments).toEqual([{ list: 'trade', adjustmentPercent: -12.5 }]);
    expect(resolvePrice([retail, trade], q({ quantity: 10 })).unitPrice).toBe(1662);
    expect(explained(one)).toEqual({ trade: 'won', retail: 'wrong_channel' });
  });

  it('rounds exact halves up, and rounds at every level of a chain', () => {
    expect([adjustPrice(1001, -5000), adjustPrice(1003, -5000), adjustPrice(1005, 1000)]).toEqual([
      501, 502, 1106,
    ]);
    expect(adjustPrice(2 ** 52, 5000)).toBe(1.5 * 2 ** 52); // beyond safe products: exact via BigInt
    const base = list({ code: 'base', channels: ['base'], entries: sku1(1001) });
    const half = list({ code: 'half', channels: ['base'], parent: { code: 'base', adjustmentPercent: -50 } });
    const quarter = list({ code: 'quarter', parent: { code: 'half', adjustmentPercent: -50 } });
    const r = resolvePrice([quarter, half, base], q());
    // 1001 → 500.5 → 501 → 250.5 → 251 (a single −75 % would give 250.25 → 250).
    expect(r.unitPrice).toBe(251);
    expect(r.adjustments.map((a) => a.list)).toEqual(['half', 'quarter']);
  });

  it("the child's own tiers replace inherited ones of the same minimum quantity; a dearer inherited break never applies", () => {
    const own = list({ ...trade, code: 'trade', entries: sku1(1500) });
    const r = resolvePrice([retail, own], q());
    expect([r.unitPrice, r.source.list]).toEqual([1500, 'trade']);
    expect(
      r.explanation
        .find((e) => e.list === 'trade')!
        .tiers.find((t) => t.list === 'retail' && t.minQuantity === 1)!.status,
    ).toBe('overridden');
    // The inherited 10+ break (1662) is dearer than the list's own 1500: the contract price holds.
    const twelve = resolvePrice([retail, own], q({ quantity: 12 }));
    expect([twelve.unitPrice, twelve.source.list]).toEqual([1500, 'trade']);
    expect(
      twelve.explanation
        .find((e) => e.list === 'trade')!
        .tiers.find((t) => t.list === 'retail' && t.minQuantity === 10)!.status,
    ).toBe('overridden');
    // Cheaper than the own price, the inherited break applies.
    const dearOwn = list({ ...trade, code: 'trade', entries: sku1(1700) });
    expect(resolvePrice([retail, dearOwn], q({ quantity: 12 })).unitPrice).toBe(1662);
  });

  it('derives nothing from a parent outside its validity', () => {
    const ended = { ...retail, validTo: '2025-01-01T00:00:00Z' };
    const err = thrown(() => resolvePrice([ended, trade], q()));
    const cand = (
      err.extensions.explanation as { list: string; reason: string; tiers: { status: string }[] }[]
    ).find((e) => e.list === 'trade')!;
    expect(cand.reason).toBe('no_price');
    expect(new Set(cand.tiers.map((t) => t.status))).toEqual(new Set(['list_not_in_effect']));
  });
});

describe('errors', () => {
  it('no price: ERP_PRICE_NOT_FOUND with the query and every candidate in the explanation', () => {
    const usd = list({ code: 'usd', currency: 'USD', entries: sku1(1) });
    const err = thrown(() => resolvePrice([usd, acme], q({ sku: 'SKU-1' })));
    expect(PriceErrors.NOT_FOUND.is(err)).toBe(true);
    expect(err.status).toBe(404);
    expect(err.message).toContain('no price for sku "SKU-1" × 1 on channel "web" in EUR');
    expect(err.message).toContain('2 candidate list(s): 1 wrong_group, 1 wrong_currency');
    expect(err.extensions.query).toMatchObject({ sku: 'SKU-1', channel: 'web', currency: 'EUR' });
    expect((err.extensions.explanation as { reason: string }[]).map((e) => e.reason)).toEqual([
      'wrong_group',
      'wrong_currency',
    ]);
    const none = thrown(() => resolvePrice([usd], q({ sku: 'NOPE' })));
    expect(none.message).toContain('no price list has this sku');
    expect(none.extensions.explanation).toEqual([]);
  });

  it('a malformed query is ERP_PRICE_QUERY_INVALID listing every problem', () => {
    const err = thrown(() =>
      resolvePrice([publicWeb], q({ quantity: 0, currency: 'EURO', at: '2025-06-01' })),
    );
    expect(PriceErrors.QUERY_INVALID.is(err)).toBe(true);
    const fields = (err.extensions.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['at', 'currency', 'quantity']);
  });

  it('invalid lists are refused before any price is given', () => {
    const bad = list({ code: 'bad', entries: [{ sku: 'SKU-1', unitPrice: -1 }] });
    const err = thrown(() => indexPriceLists([bad]));
    expect(PriceErrors.LIST_INVALID.is(err)).toBe(true);
    expect(err.extensions.errors).toEqual([expect.objectContaining({ field: '[0].entries[0].unitPrice' })]);
  });

  it('a line amount past exact integers is ERP_PRICE_AMOUNT_TOO_LARGE, not a rounded number', () => {
    const dear = list({ code: 'dear', entries: sku1(2 ** 50) });
    expect(PriceErrors.AMOUNT_TOO_LARGE.is(thrown(() => resolvePrice([dear], q({ quantity: 16 }))))).toBe(
      true,
    );
  });
});

describe('resolvePrices', () => {
  it('prices many lines against one index, misses in place', () => {
    const index = indexPriceLists([publicWeb, acme]);
    const ctx = { channel: 'web', currency: 'EUR', customerGroup: 'acme', at: '2025-06-01T00:00:00Z' };
    const lines = [
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'GONE', quantity: 1 },
    ];
    const out = resolvePrices(index, ctx, lines, { explain: true });
    expect(out[0]).toEqual(resolvePrice(index, { ...ctx, sku: 'SKU-1', quantity: 2 }));
    // Without explain a hit is the same price, lighter; a miss is explained regardless.
    const { explanation: _e, ...bare } = out[0] as PriceResolution;
    const quick = resolvePrices(index, ctx, lines);
    expect(quick[0]).toEqual(bare);
    expect(quick[1]).toEqual(out[1]);
    expect(out[1]).toMatchObject({ found: false, sku: 'GONE', code: 'ERP_PRICE_NOT_FOUND', explanation: [] });
    const err = thrown(() => resolvePrices(index, ctx, [{ sku: 'SKU-1', quantity: 1.5 }]));
    expect(err.extensions.errors).toEqual([expect.objectContaining({ field: 'lines[0].quantity' })]);
  });

  it('resolves 10,000 lines at once over 40 lists of 5,000 SKUs as it resolves each alone', () => {
    const skus = Array.from({ length: 5000 }, (_, i) => `SKU-${i}`);
    const lists = Array.from({ length: 40 }, (_, l) =>
      list({
        code: `L${l}`,
        channels: [`ch${l % 4}`, 'web'],
        currency: l % 5 === 0 ? 'USD' : 'EUR',
        priority: l % 7,
        entries: skus.map((sku, i) => ({
          sku,
          unitPrice: 1000 + i + l,
          breaks: [{ minQuantity: 10, unitPrice: 900 }],
        })),
      }),
    );
    const index = indexPriceLists(lists);
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      sku: skus[(i * 7919) % 5000]!,
      quantity: 1 + (i % 20),
    }));
    // How fast is for the bench to say (no timed tests); this checks the batch path at scale.
    const ctx = { channel: 'web', currency: 'EUR', at: '2025-06-01T00:00:00Z' };
    const out = resolvePrices(index, ctx, lines);
    expect(out).toHaveLength(lines.length);
    expect(out.every((r) => r.found)).toBe(true);
    for (let i = 0; i < lines.length; i += 97)
      expect(resolvePrices(index, ctx, [lines[i]!])[0]).toEqual(out[i]);
  });
});

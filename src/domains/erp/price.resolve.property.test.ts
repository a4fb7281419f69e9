import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../kernel/errors.js';
import { resolvePrice, resolvePrices } from './price.resolve.js';
import type { PriceList, PriceQuery } from './price.types.js';

/**
 * Properties of price resolution over generated lists (examples are in price.resolve.test.ts):
 * the answer is always backed by an applicable entry, the fast path and the explanation agree,
 * volume never raises a monotone price, and list order never changes the answer.
 */

describe('properties', () => {
  const CHANNELS = ['web', 'app', 'b2b'];
  const T0 = Date.parse('2025-01-01T00:00:00Z');
  const day = (d: number) => new Date(T0 + d * 86_400_000).toISOString();
  const open = (d: number | undefined) => (d === undefined ? undefined : day(d));

  /** Tiers from `min` up: gaps between minimum quantities, and price steps (down only if monotone). */
  const entryArb = (monotone: boolean) =>
    fc
      .record({
        min: monotone ? fc.constant(1) : fc.constantFrom(1, 1, 5),
        base: fc.integer({ min: 0, max: 5000 }),
        steps: fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 400 })), {
          maxLength: 3,
        }),
      })
      .map(({ min, base, steps }) => {
        let qty = min;
        let price = base;
        const breaks = steps.map(([gap, step]) => {
          qty += gap;
          price = monotone ? Math.max(0, price - step) : step * 10;
          return { minQuantity: qty, unitPrice: price };
        });
        return { minQuantity: min, unitPrice: base, breaks };
      });
  /** A SKU's entries over consecutive, non-overlapping periods (some periods without a price). */
  const skuEntriesArb = (sku: string, monotone: boolean) =>
    fc.uniqueArray(fc.integer({ min: 1, max: 90 }), { maxLength: 3 }).chain((cuts) => {
      const bounds = [undefined, ...cuts.sort((a, b) => a - b), undefined];
      return fc
        .tuple(...bounds.slice(1).map(() => fc.option(entryArb(monotone), { nil: undefined })))
        .map((es) =>
          es.flatMap((e, k) =>
            e ? [{ sku, ...e, effectiveFrom: open(bounds[k]), effectiveTo: open(bounds[k + 1]) }] : [],
          ),
        );
    });
  const listsArb = (monotone: boolean) =>
    fc
      .array(
        fc.record({
          channels: fc.subarray(CHANNELS, { minLength: 1 }),
          currency: fc.constantFrom('EUR', 'USD'),
          customerGroup: fc.option(fc.constantFrom('g1', 'g2'), { nil: undefined }),
          priority: fc.integer({ min: 0, max: 3 }),
          window: fc.option(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 30, max: 120 })), {
            nil: undefined,
            freq: 2,
          }),
          // −50 %, −12.5 %… of an odd price land exactly on a half: where half-up differs from others.
          parent: fc.option(
            fc.tuple(
              fc.nat(),
              fc.oneof(fc.integer({ min: -5000, max: 5000 }), fc.constantFrom(-5000, -1250, 5000)),
            ),
            { nil: undefined },
          ),
          entries: fc
            .tuple(skuEntriesArb('A', monotone), skuEntriesArb('B', monotone))
            .map(([a, b]) => [...a, ...b]),
        }),
        { minLength: 1, maxLength: 6 },
      )
      .map((raw) => {
        const lists: PriceList[] = [];
        raw.forEach((r, i) => {
          // Parents are earlier lists only (no cycles) and share the child's currency.
          const p = r.parent && i > 0 ? lists[r.parent[0] % i]! : undefined;
          lists.push({
            code: `L${(i * 7) % 10}${i}`,
            name: 'generated',
            channels: r.channels,
            currency: p ? p.currency : r.currency,
            customerGroup: r.customerGroup,
            priority: r.priority,
            pricesIncludeTax: i % 2 === 0,
            validFrom: r.window && day(r.window[0]),
            validTo: r.window && day(r.window[0] + r.window[1]),
            parent: p && { code: p.code, adjustmentPercent: r.parent![1] / 100 },
            entries: p && monotone ? [] : r.entries,
          });
        });
        return lists;
      });
  const queryArb = fc.record({
    sku: fc.constantFrom('A', 'B', 'Z'),
    channel: fc.constantFrom(...CHANNELS),
    currency: fc.constantFrom('EUR', 'USD'),
    customerGroup: fc.option(fc.constantFrom('g1', 'g2'), { nil: undefined }),
    quantity: fc.integer({ min: 1, max: 70 }),
    at: fc.integer({ min: -5 * 24, max: 160 * 24 }).map((h) => day(h / 24)),
  });
  /** Lists and a query, which three times in four asks for what one of the lists sells (else misses dominate). */
  const caseArb = (monotone: boolean) =>
    fc.tuple(listsArb(monotone), queryArb, fc.nat()).map(([lists, qr, k]): [PriceList[], PriceQuery] => {
      const l = lists[k % lists.length]!;
      const { channels, currency, customerGroup = qr.customerGroup } = l;
      return [lists, k % 4 === 3 ? qr : { ...qr, channel: channels[0]!, currency, customerGroup }];
    });

  const inForce = (from: string | undefined, to: string | undefined, t: number) =>
    (from === undefined || Date.parse(from) <= t) && (to === undefined || t < Date.parse(to));
  const applies = (l: PriceList, qr: PriceQuery) =>
    l.channels.includes(qr.channel) &&
    l.currency === qr.currency &&
    (l.customerGroup === undefined || l.customerGroup === qr.customerGroup) &&
    inForce(l.validFrom, l.validTo, Date.parse(qr.at));
  /** Reference rounding: ⌊x + ½⌋ of the exact rational, in BigInt. */
  const halfUp = (p: number, pct: number) =>
    Number((2n * BigInt(p) * BigInt(10_000 + Math.round(pct * 100)) + 10_000n) / 20_000n);
  const outcome = (fn: () => unknown) => {
    try {
      return fn();
    } catch (err) {
      return { code: (err as DomainError).code, extensions: (err as DomainError).extensions };
    }
  };

  it('the resolved price always comes from an applicable entry, and misses are real', () => {
    fc.assert(
      fc.property(caseArb(false), ([lists, qr]) => {
        const byCode = new Map(lists.map((l) => [l.code, l]));
        const t = Date.parse(qr.at);
        const r = outcome(() => resolvePrice(lists, qr)) as ReturnType<typeof resolvePrice> & {
          code?: string;
        };
        if (r.code !== undefined) {
          expect(r.code).toBe('ERP_PRICE_NOT_FOUND');
          // No applicable list has an own tier in force at or below the quantity.
          const own = lists.filter((l) => applies(l, qr)).flatMap((l) => l.entries);
          expect(
            own.some(
              (e) =>
                e.sku === qr.sku &&
                inForce(e.effectiveFrom, e.effectiveTo, t) &&
                (e.minQuantity ?? 1) <= qr.quantity,
            ),
          ).toBe(false);
          return;
        }
        expect(applies(byCode.get(r.list)!, qr)).toBe(true);
        const e = byCode.get(r.source.list)!.entries[r.source.entryIndex]!;
        expect(e.sku).toBe(qr.sku);
        expect(inForce(e.effectiveFrom, e.effectiveTo, t)).toBe(true);
        const tier =
          r.source.breakIndex === null
            ? { minQuantity: e.minQuantity ?? 1, unitPrice: e.unitPrice }
            : e.breaks![r.source.breakIndex]!;
        expect(tier).toEqual({ minQuantity: r.source.minQuantity, unitPrice: r.source.unitPrice });
        expect(tier.minQuantity).toBeLessThanOrEqual(qr.quantity);
        // The adjustments are exactly the parent chain from the winner up to the source.
        const chain: { list: string; adjustmentPercent: number }[] = [];
        for (let x = byCode.get(r.list)!; x.code !== r.source.list; x = byCode.get(x.parent!.code)!)
          chain.unshift({ list: x.code, adjustmentPercent: x.parent!.adjustmentPercent });
        expect(r.adjustments).toEqual(chain);
        expect(r.unitPrice).toBe(chain.reduce((p, a) => halfUp(p, a.adjustmentPercent), r.source.unitPrice));
        expect(r.amount).toBe(r.unitPrice * qr.quantity);
        // The explanation (built by the slower path) agrees with the fast path's answer.
        const won = r.explanation.filter((c) => c.outcome === 'won');
        expect(won.map((c) => c.list)).toEqual([r.list]);
        expect(won[0]!.tiers.filter((x) => x.status === 'selected')).toEqual([
          expect.objectContaining({
            list: r.source.list,
            entryIndex: r.source.entryIndex,
            unitPrice: r.unitPrice,
          }),
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('more quantity never raises the unit price when breaks are monotone non-increasing', () => {
    fc.assert(
      fc.property(caseArb(true), fc.integer({ min: 1, max: 70 }), ([lists, qr], more) => {
        const [a, b] = resolvePrices(lists, qr, [
          { sku: qr.sku, quantity: qr.quantity },
          { sku: qr.sku, quantity: qr.quantity + more },
        ]);
        expect(b!.found).toBe(a!.found);
        if (a!.found && b!.found) expect(b!.unitPrice).toBeLessThanOrEqual(a!.unitPrice);
      }),
      { numRuns: 300 },
    );
  });

  it('resolution is deterministic regardless of list order', () => {
    const arb = caseArb(false).chain(([ls, qr]) =>
      fc.tuple(
        fc.constant(ls),
        fc.shuffledSubarray(ls, { minLength: ls.length, maxLength: ls.length }),
        fc.constant(qr),
      ),
    );
    fc.assert(
      fc.property(arb, ([lists, shuffled, qr]) => {
        expect(outcome(() => resolvePrice(shuffled, qr))).toEqual(outcome(() => resolvePrice(lists, qr)));
      }),
      { numRuns: 300 },
    );
  });
});

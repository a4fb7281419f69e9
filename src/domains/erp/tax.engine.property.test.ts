import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTaxEngine } from './tax.engine.js';
import { parseRatePercent, roundDiv } from './tax.rounding.js';
import { EU_VAT, UK_VAT, US_SALES_TAX } from './tax.rulesets.js';
import type { TaxAddress, TaxCustomer, TaxDocument } from './tax.types.js';

/** Classes each reference rule set rates in every one of its jurisdictions, on every date from 2020. */
const SCENARIOS = [
  {
    engine: createTaxEngine(US_SALES_TAX),
    currency: 'USD',
    destinations: [
      ...['US-CA', 'US-NY', 'US-TX', 'US-PA', 'US-NJ', 'US-OR', 'US-WA', 'US-FL'].map((region) => ({
        country: 'US',
        region,
      })),
      { country: 'CA' },
    ] as TaxAddress[],
    classes: ['standard', 'clothing', 'groceries', 'digital', 'books', 'exempt'],
  },
  {
    engine: createTaxEngine(EU_VAT),
    currency: 'EUR',
    destinations: ['DE', 'FR', 'NL', 'IE', 'IT', 'ES', 'PL', 'SE', 'US'].map((country) => ({ country })),
    classes: ['standard', 'reduced', 'clothing', 'groceries', 'digital', 'books', 'exempt'],
  },
  {
    engine: createTaxEngine(UK_VAT),
    currency: 'GBP',
    destinations: [{ country: 'GB' }, { country: 'FR' }],
    classes: ['standard', 'reduced', 'zero', 'clothing', 'groceries', 'digital', 'books', 'exempt'],
  },
];

/** A quantity as text and as an exact fraction, so the test computes line amounts on its own. */
const quantity = fc.oneof(
  fc.integer({ min: 0, max: 500 }).map((n) => ({ q: n as number | string, num: BigInt(n), den: 1n })),
  fc
    .tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 999 }))
    .map(([i, f]) => ({ q: `${i}.${String(f).padStart(3, '0')}`, num: BigInt(i * 1000 + f), den: 1000n })),
);

const arbitraryCase = fc
  .record({
    scenario: fc.integer({ min: 0, max: SCENARIOS.length - 1 }),
    pick: fc.nat(),
    customerKind: fc.constantFrom('b2c', 'b2b', 'exempt'),
    date: fc
      .date({
        min: new Date('2020-01-01T00:00:00Z'),
        max: new Date('2026-12-31T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10)),
    pricesIncludeTax: fc.boolean(),
    rounding: fc.option(
      fc.record({
        level: fc.constantFrom('line', 'document'),
        mode: fc.constantFrom('half_up', 'half_even'),
      }),
      {
        nil: undefined,
      },
    ),
    lines: fc.array(
      fc.record({
        cls: fc.nat(),
        qty: quantity,
        unitPrice: fc.integer({ min: 0, max: 5_000_000 }),
        discountPercent: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 10 },
    ),
    shipping: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  })
  .map((c) => {
    const s = SCENARIOS[c.scenario]!;
    const destination = s.destinations[c.pick % s.destinations.length]!;
    const customer: TaxCustomer =
      c.customerKind === 'b2b'
        ? { type: 'b2b', vatId: `${destination.country}123456789` }
        : c.customerKind === 'exempt'
          ? { type: 'exempt', exemption: { certificateId: 'CERT-1', reason: 'nonprofit' } }
          : { type: 'b2c' };
    const bases: bigint[] = [];
    const lines = c.lines.map((l, i) => {
      // Extended price rounded half-up to the minor unit, computed independently of the engine.
      const extended = (BigInt(l.unitPrice) * l.qty.num * 2n + l.qty.den) / (2n * l.qty.den);
      const discount = (extended * BigInt(l.discountPercent)) / 100n;
      bases.push(extended - discount);
      return {
        id: `l${i}`,
        taxClass: s.classes[l.cls % s.classes.length]!,
        quantity: l.qty.q,
        unitPrice: l.unitPrice,
        discount: Number(discount),
      };
    });
    if (c.shipping !== undefined) bases.push(BigInt(c.shipping));
    const doc: TaxDocument = {
      date: c.date,
      currency: s.currency,
      pricesIncludeTax: c.pricesIncludeTax,
      destination,
      customer,
      lines,
      ...(c.shipping !== undefined ? { shipping: { amount: c.shipping } } : {}),
      ...(c.rounding ? { rounding: c.rounding } : {}),
    };
    return { engine: s.engine, doc, bases };
  });

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('tax engine properties', () => {
  it('line taxes sum to the total; net + tax = gross per line, per rate group and in total', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ engine, doc }) => {
        const r = engine.calculate(doc);
        expect(sum(r.lines.map((l) => l.tax))).toBe(r.totals.tax);
        expect(sum(r.breakdown.map((b) => b.tax))).toBe(r.totals.tax);
        expect(sum(r.lines.map((l) => l.net))).toBe(r.totals.net);
        expect(sum(r.lines.map((l) => l.gross))).toBe(r.totals.gross);
        for (const l of r.lines) expect(l.net + l.tax).toBe(l.gross);
        for (const b of r.breakdown) expect(b.net + b.tax).toBe(b.gross);
        expect(r.totals.net + r.totals.tax).toBe(r.totals.gross);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the price the customer sees: gross for inclusive prices, net for exclusive ones', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ engine, doc, bases }) => {
        const r = engine.calculate(doc);
        const kept = r.lines.map((l) => BigInt(doc.pricesIncludeTax ? l.gross : l.net));
        expect(kept).toEqual(bases);
      }),
      { numRuns: 300 },
    );
  });

  it('never yields negative tax or net; rounds each line or each rate group once, within a cent', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ engine, doc, bases }) => {
        const r = engine.calculate(doc);
        r.lines.forEach((l, i) => {
          expect(l.tax).toBeGreaterThanOrEqual(0);
          expect(l.net).toBeGreaterThanOrEqual(0);
          const rate = parseRatePercent(l.rate)!;
          const den = doc.pricesIncludeTax ? rate.den + rate.num : rate.den;
          // |tax − base·r'| scaled by den: at most ½ when rounded alone, under 1 when allocated.
          const diff = BigInt(l.tax) * den - bases[i]! * rate.num;
          const abs = diff < 0n ? -diff : diff;
          const level = r.breakdown.find((b) => b.jurisdiction === l.jurisdiction && b.rate === l.rate)!
            .rounding.level;
          if (level === 'line') expect(2n * abs <= den).toBe(true);
          else expect(abs < den).toBe(true);
        });
        // A document-level group is rounded once: its tax is the exact group tax, rounded.
        for (const b of r.breakdown.filter((x) => x.rounding.level === 'document')) {
          const rate = parseRatePercent(b.rate)!;
          const den = doc.pricesIncludeTax ? rate.den + rate.num : rate.den;
          const members = r.lines.flatMap((l, i) =>
            l.jurisdiction === b.jurisdiction && l.rate === b.rate && l.treatment === b.treatment ? [i] : [],
          );
          const exact = members.reduce((acc, i) => acc + bases[i]! * rate.num, 0n);
          expect(BigInt(b.tax)).toBe(roundDiv(exact, den, b.rounding.mode));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(arbitraryCase, ({ engine, doc }) => {
        expect(JSON.stringify(engine.calculate(structuredClone(doc)))).toBe(
          JSON.stringify(engine.calculate(doc)),
        );
      }),
      { numRuns: 100 },
    );
  });
});

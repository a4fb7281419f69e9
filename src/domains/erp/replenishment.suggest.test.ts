import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ReplenishmentInput,
  suggestReplenishment,
  suggestReplenishments,
  zForServiceLevel,
} from './replenishment.suggest.js';

const AS_OF = '2024-03-01T00:00:00.000Z';
const day = (n: number) => new Date(Date.parse(AS_OF) + n * 86_400_000).toISOString();

const base: ReplenishmentInput = {
  sku: 'SKU-1',
  locationId: 'loc_1',
  asOf: AS_OF,
  onHand: 100,
  reserved: 20,
  inbound: [
    { quantity: 40, eta: day(4) },
    { quantity: 30, eta: day(60) },
    { quantity: 5, eta: day(-10) },
  ],
  leadTimeDays: 14,
  reviewPeriodDays: 7,
  policy: { kind: 'forecast' },
  forecast: { values: [30, 30, 30, 30], periodDays: 7, errorSd: 8 },
  moq: 50,
  caseSize: 12,
};

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('safety stock with a varying lead time', () => {
  it('adds demand during the delay: z × √(periods × σ² + d̄² × σ_L²), worked by hand', () => {
    // 21 days = 3 weekly periods, σ = 8, 90 units forecast over them (d̄ = 30 a week), σ_L = 7 days
    // = 1 period: z(0.95) × √(3 × 64 + 30² × 1²) = 1.64485 × √1092 = 54.35 units.
    const s = suggestReplenishment({ ...base, serviceLevel: 0.95, leadTimeSdDays: 7 });
    expect(s.explanation.safetyStock).toMatchObject({
      source: 'service-level',
      periods: 3,
      errorSd: 8,
      leadTimeSdDays: 7,
      meanDemand: 30,
    });
    expect(s.explanation.safetyStock.units).toBeCloseTo(54.3549, 3);
    // Without it, the same policy holds z × 8 × √3 = 22.79: the variability more than doubles it.
    const steady = suggestReplenishment({ ...base, serviceLevel: 0.95 });
    expect(steady.explanation.safetyStock.units).toBeCloseTo(22.7918, 3);
    expect(suggestReplenishment({ ...base, serviceLevel: 0.95, leadTimeSdDays: 0 })).toEqual(steady);
    // 54.35 wanted at the horizon, 35 projected: an order, where the steady lead time needed none.
    expect(steady.quantity).toBe(0);
    expect(s.quantity).toBeGreaterThan(0);
  });

  it('refuses variability without a service level, and a negative σ', () => {
    expect(codeOf(() => suggestReplenishment({ ...base, leadTimeSdDays: 3 }))).toBe(
      'ERP_REPLENISHMENT_INPUT_INVALID',
    );
    expect(codeOf(() => suggestReplenishment({ ...base, serviceLevel: 0.9, leadTimeSdDays: -1 }))).toBe(
      'ERP_REPLENISHMENT_INPUT_INVALID',
    );
  });
});

describe('forecast-driven suggestion, worked examples', () => {
  it('no order when stock after three weeks of demand still covers the safety stock, with every number shown', () => {
    const s = suggestReplenishment({ ...base, serviceLevel: 0.95 });
    const e = s.explanation;
    expect(s.quantity).toBe(0);
    expect(e).toMatchObject({
      policy: 'forecast',
      reason: 'covered',
      horizonDays: 21,
      available: 80,
      inboundWithinLeadTime: 45,
      inboundWithinHorizon: 45, // 40 in 4 days + 5 overdue; the 30 due in 60 days is beyond
      inboundBeyondHorizon: 30,
      inboundOverdue: 5,
      inventoryPosition: 125,
      demandOverLeadTime: 60,
      demandOverHorizon: 90,
      projectedAtLeadTime: 65,
      projectedAtHorizon: 35,
    });
    // z(95 %) × σ × √(21 days / 7 days per period) = 1.6449 × 8 × √3
    expect(e.safetyStock.source).toBe('service-level');
    expect(e.safetyStock.units).toBeCloseTo(1.644853627 * 8 * Math.sqrt(3), 6);
    expect(e.shortfall).toBeCloseTo(e.safetyStock.units - 35, 9);
    expect(e.summary).toMatch(/^No order: 80 available \+ 45 inbound by day 21 − 90 forecast demand = 35/);
    expect(e.notes.join(' ')).toMatch(/5 inbound units are past their ETA/);
  });

  it('orders the shortfall rounded up to whole cases', () => {
    const s = suggestReplenishment({ ...base, onHand: 20, reserved: 0, inbound: [], safetyStock: 10 });
    // 20 − 90 = −70 projected, 80 short of 10 safety stock; 80 ≥ MOQ 50; 7 cases of 12 = 84.
    expect(s.explanation.projectedAtHorizon).toBe(-70);
    expect(s.explanation.rounding).toEqual({ need: 80, moq: 50, caseSize: 12, quantity: 84 });
    expect(s.quantity).toBe(84);
    expect(s.explanation.reason).toBe('below-safety-stock');
    expect(s.explanation.summary).toMatch(
      /^Order 84: .*80 short of the safety stock of 10; 80 needed, rounded up to whole cases of 12\.$/,
    );
    expect(s.explanation.notes.join(' ')).toMatch(/stock runs out before this order can arrive/);
  });

  it('raises a small need to the MOQ, then to a case multiple', () => {
    const s = suggestReplenishment({
      ...base,
      onHand: 0,
      reserved: 0,
      inbound: [{ quantity: 85, eta: day(1) }],
    });
    expect(s.explanation.rounding).toEqual({ need: 5, moq: 50, caseSize: 12, quantity: 60 });
    expect(s.explanation.summary).toMatch(/raised to the MOQ of 50, rounded up to whole cases of 12/);
  });

  it('prorates a partial forecast period and extends a short forecast with its last value, saying so', () => {
    const s = suggestReplenishment({
      ...base,
      inbound: [],
      leadTimeDays: 10,
      reviewPeriodDays: 11,
      forecast: { values: [7, 14], periodDays: 7 },
    });
    expect(s.explanation.demandOverLeadTime).toBeCloseTo(7 + (14 * 3) / 7, 9); // 13
    expect(s.explanation.demandOverHorizon).toBeCloseTo(7 + 14 + 14, 9); // day 14–21 assumed 14
    expect(s.explanation.notes.join(' ')).toMatch(/covers 14 days, 21 needed/);
  });

  it('same input, same output', () => {
    expect(suggestReplenishment({ ...base, serviceLevel: 0.99 })).toEqual(
      suggestReplenishment({ ...base, serviceLevel: 0.99 }),
    );
    expect(suggestReplenishments([base, { ...base, sku: 'SKU-2' }]).map((s) => s.sku)).toEqual([
      'SKU-1',
      'SKU-2',
    ]);
  });
});

describe('min/max policy', () => {
  const minMax = (reorderPoint: number, max: number, extra: Partial<ReplenishmentInput> = {}) =>
    suggestReplenishment({ ...base, policy: { kind: 'min-max', reorderPoint, max }, ...extra });

  it('at or below the reorder point, orders up to the max (in cases)', () => {
    const s = minMax(125, 300);
    expect(s.explanation.reason).toBe('at-or-below-reorder-point');
    expect(s.explanation.shortfall).toBe(175); // 300 − position 125
    expect(s.quantity).toBe(180);
    expect(s.explanation.trigger).toBe(125);
  });

  it('above the reorder point, orders nothing, whatever the forecast says', () => {
    const s = minMax(124, 300, { forecast: { values: [500], periodDays: 7 } });
    expect(s.quantity).toBe(0);
    expect(s.explanation.reason).toBe('above-reorder-point');
    expect(s.explanation.summary).toMatch(/above the reorder point of 124/);
  });

  it('works without a forecast, leaving demand figures null, and says it ignores a safety stock', () => {
    const s = minMax(150, 300, { forecast: undefined, safetyStock: 40 });
    expect(s.explanation.demandOverHorizon).toBeNull();
    expect(s.explanation.projectedAtHorizon).toBeNull();
    expect(s.explanation.safetyStock).toEqual({ units: 0, source: 'none' });
    expect(s.explanation.notes.join(' ')).toMatch(/reorder point already holds the safety stock/);
  });
});

describe('service level → z', () => {
  it('matches the normal quantiles', () => {
    expect(zForServiceLevel(0.5)).toBeCloseTo(0, 9);
    expect(zForServiceLevel(0.95)).toBeCloseTo(1.6448536, 6);
    expect(zForServiceLevel(0.975)).toBeCloseTo(1.959964, 6);
    expect(zForServiceLevel(0.999)).toBeCloseTo(3.0902323, 6);
    expect(zForServiceLevel(0.01)).toBeCloseTo(-zForServiceLevel(0.99), 8);
  });
});

describe('invalid input', () => {
  const cases: [string, Partial<ReplenishmentInput>, string][] = [
    ['negative on hand', { onHand: -1 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['fractional reserved', { reserved: 1.5 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['case size 0', { caseSize: 0 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['fractional MOQ', { moq: 2.5 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['negative lead time', { leadTimeDays: -1 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['bad asOf', { asOf: 'yesterday' }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['bad ETA', { inbound: [{ quantity: 1, eta: 'soon' }] }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    [
      'max below min',
      { policy: { kind: 'min-max', reorderPoint: 10, max: 5 } },
      'ERP_REPLENISHMENT_INPUT_INVALID',
    ],
    ['forecast policy, no forecast', { forecast: undefined }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['both safety stocks', { safetyStock: 5, serviceLevel: 0.9 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['service level in percent', { serviceLevel: 95 }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    [
      'service level without σ',
      { serviceLevel: 0.9, forecast: { values: [1], periodDays: 7 } },
      'ERP_REPLENISHMENT_INPUT_INVALID',
    ],
    ['empty forecast', { forecast: { values: [], periodDays: 7 } }, 'ERP_REPLENISHMENT_INPUT_INVALID'],
    ['NaN forecast', { forecast: { values: [1, Number.NaN], periodDays: 7 } }, 'ERP_FORECAST_NON_FINITE'],
    ['negative forecast', { forecast: { values: [1, -2], periodDays: 7 } }, 'ERP_FORECAST_NEGATIVE_DEMAND'],
  ];
  it.each(cases)('%s', (_, patch, code) => {
    expect(codeOf(() => suggestReplenishment({ ...base, ...patch }))).toBe(code);
  });
});

describe('properties', () => {
  const inputs: fc.Arbitrary<ReplenishmentInput> = fc.record({
    sku: fc.constant('SKU'),
    locationId: fc.constant('loc'),
    asOf: fc.constant(AS_OF),
    onHand: fc.nat(2000),
    reserved: fc.nat(300),
    inbound: fc.array(fc.record({ quantity: fc.nat(500), eta: fc.integer({ min: -20, max: 90 }).map(day) }), {
      maxLength: 5,
    }),
    leadTimeDays: fc.integer({ min: 0, max: 60 }),
    reviewPeriodDays: fc.integer({ min: 0, max: 30 }),
    policy: fc.oneof(
      fc.constant({ kind: 'forecast' as const }),
      fc
        .tuple(fc.nat(500), fc.nat(1000))
        .map(([min, extra]) => ({ kind: 'min-max' as const, reorderPoint: min, max: min + extra })),
    ),
    forecast: fc.record({
      values: fc.array(fc.double({ min: 0, max: 200, noNaN: true }), { minLength: 1, maxLength: 20 }),
      periodDays: fc.constantFrom(1, 7),
      errorSd: fc.double({ min: 0, max: 50, noNaN: true }),
    }),
    serviceLevel: fc.option(fc.double({ min: 0.5, max: 0.999, noNaN: true }), { nil: undefined }),
    moq: fc.integer({ min: 1, max: 200 }),
    caseSize: fc.integer({ min: 1, max: 48 }),
  });
  const sumInbound = (i: ReplenishmentInput) => (i.inbound ?? []).reduce((a, l) => a + l.quantity, 0);

  it('suggestions are whole, non-negative, multiples of the case size, at least the MOQ, and not over-rounded', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const { quantity, explanation: e } = suggestReplenishment(input);
        expect(Number.isSafeInteger(quantity) && quantity >= 0).toBe(true);
        if (quantity > 0) {
          expect(quantity % input.caseSize!).toBe(0);
          expect(quantity).toBeGreaterThanOrEqual(input.moq!);
          expect(quantity).toBeGreaterThanOrEqual(e.rounding.need);
          // One case less would miss the need or the MOQ: the rounding went no further than required.
          expect(quantity - input.caseSize!).toBeLessThan(Math.max(e.rounding.need, input.moq!));
          // Ordering closes the gap to the target.
          expect(e.shortfall).toBeLessThanOrEqual(quantity + 1e-6);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('forecast policy: zero exactly when available + inbound covers demand + safety stock', () => {
    fc.assert(
      fc.property(inputs, (raw) => {
        const input = { ...raw, policy: { kind: 'forecast' as const } };
        const { quantity, explanation: e } = suggestReplenishment(input);
        const covered =
          e.available + e.inboundWithinHorizon >= e.demandOverHorizon! + e.safetyStock.units - 1e-6;
        expect(quantity === 0).toBe(covered);
      }),
      { numRuns: 500 },
    );
  });

  it("the explanation's numbers add up", () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const e = suggestReplenishment(input).explanation;
        const horizon = input.leadTimeDays + input.reviewPeriodDays!;
        expect(e.horizonDays).toBe(horizon);
        expect(e.available).toBe(input.onHand - input.reserved!);
        expect(e.inboundWithinHorizon + e.inboundBeyondHorizon).toBe(sumInbound(input));
        // Recount the inbound independently from the ETAs (whole days here).
        const arriving = (days: number) =>
          (input.inbound ?? [])
            .filter((l) => (Date.parse(l.eta) - Date.parse(AS_OF)) / 86_400_000 <= days)
            .reduce((a, l) => a + l.quantity, 0);
        expect(e.inboundWithinHorizon).toBe(arriving(horizon));
        expect(e.inboundWithinLeadTime).toBe(arriving(input.leadTimeDays));
        expect(e.inventoryPosition).toBe(e.available + e.inboundWithinHorizon);
        expect(e.projectedAtHorizon!).toBeCloseTo(
          input.onHand - input.reserved! + e.inboundWithinHorizon - e.demandOverHorizon!,
          6,
        );
        expect(e.projectedAtLeadTime!).toBeCloseTo(
          input.onHand - input.reserved! + e.inboundWithinLeadTime - e.demandOverLeadTime!,
          6,
        );
        // With daily periods the demand over a whole number of days is a plain sum (last value extended).
        const f = input.forecast!;
        if (f.periodDays === 1) {
          const daily = (d: number) =>
            Array.from({ length: d }, (_, i) => f.values[Math.min(i, f.values.length - 1)]!).reduce(
              (a, b) => a + b,
              0,
            );
          expect(e.demandOverHorizon!).toBeCloseTo(daily(horizon), 6);
          expect(e.demandOverLeadTime!).toBeCloseTo(daily(input.leadTimeDays), 6);
        }
        if (e.policy === 'forecast') {
          expect(e.target).toBe(e.safetyStock.units);
          expect(e.shortfall).toBeCloseTo(e.target - e.projectedAtHorizon!, 6);
          if (e.safetyStock.source === 'service-level') {
            const { z, errorSd, periods } = e.safetyStock;
            expect(e.safetyStock.units).toBeCloseTo(z! * errorSd! * Math.sqrt(periods!), 9);
            expect(periods!).toBeCloseTo(horizon / f.periodDays, 12);
          }
        } else {
          expect(e.shortfall).toBe(e.target - e.inventoryPosition);
        }
        for (const v of [e.demandOverHorizon, e.projectedAtHorizon, e.safetyStock.units, e.shortfall]) {
          expect(Number.isFinite(v)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('more stock on hand never asks for more', () => {
    fc.assert(
      fc.property(inputs, fc.nat(500), (input, more) => {
        const a = suggestReplenishment(input).quantity;
        const b = suggestReplenishment({ ...input, onHand: input.onHand + more }).quantity;
        expect(b).toBeLessThanOrEqual(a);
      }),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ForecastErrors } from './forecast.errors.js';
import { FORECAST_METHODS, type ForecastOptions, forecastDemand } from './forecast.holt-winters.js';

/** Deterministic uniform noise in [−1, 1): the same series every run, no Math.random. */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (2 * s) / 2147483648 - 1;
  };
}

/** Three years of weekly demand: level 100, +0.5/week, ±30 yearly swing, ±5 noise. */
const weeklyTruth = (t: number) => 100 + 0.5 * t + 30 * Math.sin((2 * Math.PI * t) / 52);
function weekly(length = 156, seed = 7): number[] {
  const r = noise(seed);
  return Array.from({ length }, (_, t) => Math.round(weeklyTruth(t) + 5 * r()));
}

/** Five years of monthly demand whose seasonal swing grows with the level (±35 %), ±3 % noise. */
const monthlyTruth = (t: number) => (200 + 3 * t) * (1 + 0.35 * Math.sin((2 * Math.PI * t) / 12));
function monthly(length = 60, seed = 11): number[] {
  const r = noise(seed);
  return Array.from({ length }, (_, t) => Math.round(monthlyTruth(t) * (1 + 0.03 * r())));
}

function thrown(fn: () => unknown): { code?: string; extensions?: unknown } | undefined {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; extensions?: unknown };
  }
  return undefined;
}
const codeOf = (fn: () => unknown) => thrown(fn)?.code;

const meanAbsPctError = (forecast: number[], truth: number[]) =>
  (100 * forecast.reduce((a, f, i) => a + Math.abs(f - truth[i]!) / truth[i]!, 0)) / forecast.length;

describe('Holt-Winters', () => {
  it('recovers a weekly seasonal pattern with trend, a year ahead', () => {
    const f = forecastDemand(weekly(), 52, { seasonLength: 52 });
    expect(f.method).toBe('holt-winters');
    expect(f.seasonality).toBe('additive');
    const truth = Array.from({ length: 52 }, (_, h) => weeklyTruth(156 + h));
    // Noise is ±5 on a level of ~190 (≈1.3 % on average): within 5 % of the noise-free truth a whole
    // season ahead means the trend and the 52 seasonal indices were both recovered.
    expect(meanAbsPctError(f.values, truth)).toBeLessThan(5);
    // The peak and trough land in the right weeks (sin peaks at week 13, troughs at 39).
    const peak = f.values.indexOf(Math.max(...f.values));
    const trough = f.values.indexOf(Math.min(...f.values));
    expect(Math.abs(peak - 13)).toBeLessThanOrEqual(3);
    expect(Math.abs(trough - 39)).toBeLessThanOrEqual(3);
    // σ of one-step errors is of the order of the noise (uniform ±5 has σ ≈ 2.9).
    expect(f.residualSd).toBeGreaterThan(1.5);
    expect(f.residualSd).toBeLessThan(6);
  });

  it('fits multiplicative seasonality better than additive when the swing grows with the level', () => {
    const y = monthly();
    const mult = forecastDemand(y, 12, { seasonLength: 12, seasonality: 'multiplicative' });
    const add = forecastDemand(y, 12, { seasonLength: 12, seasonality: 'additive' });
    expect(mult.seasonality).toBe('multiplicative');
    expect(mult.notes).toEqual([]);
    expect(mult.sse).toBeLessThan(add.sse);
    const truth = Array.from({ length: 12 }, (_, h) => monthlyTruth(60 + h));
    expect(meanAbsPctError(mult.values, truth)).toBeLessThan(4);
  });

  it('refuses multiplicative seasonality on a history with zeros, falling back to additive and saying why', () => {
    const y = weekly(104).map((v, t) => (t % 52 === 5 ? 0 : v));
    const f = forecastDemand(y, 4, {
      method: 'holt-winters',
      seasonLength: 52,
      seasonality: 'multiplicative',
    });
    expect(f.method).toBe('holt-winters');
    expect(f.seasonality).toBe('additive');
    expect(f.notes.join(' ')).toMatch(/multiplicative.*2 zero.*additive/);
  });

  it('damps the trend when asked: the damping is fitted within [0.8, 0.98] and long horizons grow less', () => {
    const y = weekly();
    const damped = forecastDemand(y, 104, { seasonLength: 52, damped: true });
    const plain = forecastDemand(y, 104, { seasonLength: 52 });
    expect(damped.damped).toBe(true);
    expect(damped.params.phi).toBeGreaterThanOrEqual(0.8);
    expect(damped.params.phi).toBeLessThanOrEqual(0.98);
    expect(plain.params.phi).toBeUndefined();
    // Same week of the season, one year apart: the damped trend adds less over the second year.
    const growth = (v: number[]) => v[103]! - v[51]!;
    expect(growth(damped.values)).toBeLessThan(growth(plain.values));
  });

  it('fits parameters within their bounds and honours fixed ones', () => {
    const f = forecastDemand(weekly(), 4, { seasonLength: 52, params: { gamma: 0.2 } });
    expect(f.params.gamma).toBe(0.2);
    for (const k of ['alpha', 'beta'] as const) {
      expect(f.params[k]).toBeGreaterThanOrEqual(0);
      expect(f.params[k]).toBeLessThanOrEqual(1);
    }
  });

  it('is deterministic: the same history gives the same forecast, parameters and notes', () => {
    const a = forecastDemand(weekly(), 26, { seasonLength: 52, damped: true });
    const b = forecastDemand(weekly(), 26, { seasonLength: 52, damped: true });
    expect(b).toEqual(a);
  });
});

describe('the simpler models, by hand', () => {
  it('SES with α fixed: level 10, error 10, level 15', () => {
    const f = forecastDemand([10, 20], 2, { method: 'ses', params: { alpha: 0.5 } });
    expect(f.values).toEqual([15, 15]);
    expect(f.sse).toBeCloseTo(100, 9);
  });

  it('Croston and SBA: size 4→4.2, interval 2→2.1; Croston 2, SBA 2 × (1 − 0.1/2) = 1.9', () => {
    const y = [0, 4, 0, 0, 6];
    expect(forecastDemand(y, 1, { method: 'croston', params: { alpha: 0.1 } }).values[0]).toBeCloseTo(2, 9);
    expect(forecastDemand(y, 1, { method: 'sba', params: { alpha: 0.1 } }).values[0]).toBeCloseTo(1.9, 9);
  });

  it('naive repeats the last value; seasonal naive repeats the last season', () => {
    expect(forecastDemand([3, 9, 4], 2, { method: 'naive' }).values).toEqual([4, 4]);
    const f = forecastDemand([1, 2, 3, 4, 5, 6], 4, { method: 'seasonal-naive', seasonLength: 3 });
    expect(f.values).toEqual([4, 5, 6, 4]);
  });

  it('Holt follows a straight line exactly', () => {
    const f = forecastDemand([5, 7, 9, 11, 13, 15, 17], 3, { method: 'holt' });
    expect(f.values).toHaveLength(3);
    for (const [i, v] of f.values.entries()) expect(v).toBeCloseTo(19 + 2 * i, 6);
  });
});

describe('fallbacks of the automatic choice', () => {
  it('fewer than two full seasons → Holt, with the reason', () => {
    const f = forecastDemand(weekly(80), 4, { seasonLength: 52 });
    expect(f.method).toBe('holt');
    expect(f.seasonality).toBeNull();
    expect(f.notes.join(' ')).toMatch(/fewer than two full seasons \(80 of 104/);
  });

  it('a handful of periods → simple exponential smoothing; one or two → their mean', () => {
    expect(forecastDemand([12, 9, 14, 11], 2).method).toBe('ses');
    const f = forecastDemand([5, 7], 3);
    expect(f.method).toBe('mean');
    expect(f.values).toEqual([6, 6, 6]);
  });

  it('all-zero history → zero forecast', () => {
    const f = forecastDemand([0, 0, 0, 0, 0, 0, 0, 0], 3, { seasonLength: 4 });
    expect(f.method).toBe('mean');
    expect(f.values).toEqual([0, 0, 0]);
    expect(f.notes[0]).toMatch(/zero/);
  });

  it('intermittent demand → SBA, whose rate sits between zero and the average demand size', () => {
    const y = [0, 0, 3, 0, 0, 0, 5, 0, 0, 2, 0, 0, 0, 4, 0, 0];
    const f = forecastDemand(y, 2);
    expect(f.method).toBe('sba');
    expect(f.notes[0]).toMatch(/intermittent demand \(12 of 16 periods zero/);
    expect(f.values[0]).toBeGreaterThan(0);
    expect(f.values[0]).toBeLessThan(3.5);
  });

  it('a single demand among zeros → its mean rate', () => {
    const f = forecastDemand([0, 0, 0, 8, 0, 0, 0, 0], 1);
    expect(f.method).toBe('mean');
    expect(f.values).toEqual([1]);
  });
});

describe('errors', () => {
  it('explicit models refuse a history too short for them, saying how much they need', () => {
    const caught = thrown(() => forecastDemand(weekly(60), 4, { method: 'holt-winters', seasonLength: 52 }));
    expect(ForecastErrors.HISTORY_TOO_SHORT.is(caught)).toBe(true);
    expect(caught?.extensions).toMatchObject({ required: 104, got: 60 });
    expect(codeOf(() => forecastDemand([1, 2], 1, { method: 'holt' }))).toBe(
      'ERP_FORECAST_HISTORY_TOO_SHORT',
    );
    expect(codeOf(() => forecastDemand([], 1))).toBe('ERP_FORECAST_HISTORY_TOO_SHORT');
  });

  it('season length must be a whole number, and at least 2 for seasonal models', () => {
    for (const seasonLength of [0, 2.5, -4, Number.NaN]) {
      expect(codeOf(() => forecastDemand([1, 2, 3], 1, { seasonLength }))).toBe(
        'ERP_FORECAST_SEASON_LENGTH_INVALID',
      );
    }
    expect(codeOf(() => forecastDemand(weekly(20), 1, { method: 'holt-winters' }))).toBe(
      'ERP_FORECAST_SEASON_LENGTH_INVALID',
    );
  });

  it('negative demand and non-finite values are refused, naming the period', () => {
    expect(codeOf(() => forecastDemand([3, -1, 2], 1))).toBe('ERP_FORECAST_NEGATIVE_DEMAND');
    expect(codeOf(() => forecastDemand([3, Number.NaN, 2], 1))).toBe('ERP_FORECAST_NON_FINITE');
    expect(codeOf(() => forecastDemand([3, Number.POSITIVE_INFINITY], 1))).toBe('ERP_FORECAST_NON_FINITE');
    expect(thrown(() => forecastDemand([3, 4, -2], 1))?.extensions).toEqual({ index: 2, value: -2 });
  });

  it('bad options are refused', () => {
    expect(codeOf(() => forecastDemand([1, 2, 3], -1))).toBe('ERP_FORECAST_OPTIONS_INVALID');
    expect(codeOf(() => forecastDemand([1, 2, 3], 1.5))).toBe('ERP_FORECAST_OPTIONS_INVALID');
    expect(codeOf(() => forecastDemand([1, 2, 3], 1, { params: { alpha: 1.5 } }))).toBe(
      'ERP_FORECAST_OPTIONS_INVALID',
    );
    expect(codeOf(() => forecastDemand([1, 2, 3], 1, { params: { alpha: 0 } }))).toBe(
      'ERP_FORECAST_OPTIONS_INVALID',
    );
    const unknown = { method: 'arima' } as unknown as ForecastOptions;
    expect(codeOf(() => forecastDemand([1, 2, 3], 1, unknown))).toBe('ERP_FORECAST_OPTIONS_INVALID');
  });
});

describe('properties', () => {
  const specs: fc.Arbitrary<ForecastOptions> = fc.record({
    method: fc.constantFrom('auto' as const, ...FORECAST_METHODS),
    seasonLength: fc.constantFrom(1, 2, 4, 7),
    seasonality: fc.constantFrom('additive' as const, 'multiplicative' as const),
    damped: fc.boolean(),
  });

  it('forecasts are finite and non-negative for any non-negative history, or a forecast error says why not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.nat(50), fc.constant(0), fc.integer({ min: 0, max: 1e12 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 30 }),
        specs,
        (history, horizon, spec) => {
          let f: ReturnType<typeof forecastDemand>;
          try {
            f = forecastDemand(history, horizon, spec);
          } catch (err) {
            // Only the documented refusals: too short for the explicit model, or no season for it.
            expect(['ERP_FORECAST_HISTORY_TOO_SHORT', 'ERP_FORECAST_SEASON_LENGTH_INVALID']).toContain(
              (err as { code?: string }).code,
            );
            return;
          }
          expect(f.values).toHaveLength(horizon);
          for (const v of f.values) {
            expect(Number.isFinite(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(0);
          }
          expect(Number.isFinite(f.residualSd) && f.residualSd >= 0).toBe(true);
          expect(Number.isFinite(f.sse) && f.sse >= 0).toBe(true);
          for (const p of Object.values(f.params)) expect(p >= 0 && p <= 1).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the automatic choice never refuses a non-empty history', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(1000), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(1, 4, 12),
        (history, seasonLength) => {
          const f = forecastDemand(history, 6, { seasonLength });
          expect(f.values.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
          // A flat history forecasts itself, whatever the model the rules picked.
          if (history.every((v) => v === history[0])) {
            for (const v of f.values) expect(v).toBeCloseTo(history[0]!, 6);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

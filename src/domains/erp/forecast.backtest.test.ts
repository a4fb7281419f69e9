import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backtestForecast, backtestOrigins, scoreForecasts } from './forecast.backtest.js';
import { forecastDemand } from './forecast.holt-winters.js';

function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (2 * s) / 2147483648 - 1;
  };
}

/** Three years of weekly demand: level 100, +0.5/week, ±30 yearly swing, ±5 uniform noise. */
function weekly(seed = 7): number[] {
  const r = noise(seed);
  return Array.from({ length: 156 }, (_, t) =>
    Math.round(100 + 0.5 * t + 30 * Math.sin((2 * Math.PI * t) / 52) + 5 * r()),
  );
}

/** Five years of monthly demand, seasonal swing ±35 % of a trending level, ±3 % noise. */
function monthly(seed = 11): number[] {
  const r = noise(seed);
  return Array.from({ length: 60 }, (_, t) =>
    Math.round((200 + 3 * t) * (1 + 0.35 * Math.sin((2 * Math.PI * t) / 12)) * (1 + 0.03 * r())),
  );
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('rolling-origin backtest on a weekly seasonal series with trend (season 52)', () => {
  // The last year, in 13 four-week blocks: each fold trains on ≥ 2 seasons and forecasts 4 weeks.
  const options = { horizon: 4, origins: 13, step: 4 };
  const history = weekly();
  const hw = backtestForecast(history, { method: 'holt-winters', seasonLength: 52 }, options);
  const naive = backtestForecast(history, { method: 'naive' }, options);
  const seasonalNaive = backtestForecast(history, { method: 'seasonal-naive', seasonLength: 52 }, options);

  it('Holt-Winters scores a MAPE under 4 %', () => {
    // The noise alone (uniform ±5, mean |e| = 2.5, on a level of ~160 over the last year) costs ≈ 1.6 %
    // even for a perfect model. 4 % leaves room for estimating 52 seasonal indices from two noisy
    // seasons, and is still well below what ignoring trend or seasonality costs (the baselines below).
    expect(hw.origins).toBe(13);
    expect(hw.points).toBe(52);
    expect(hw.mapePct).not.toBeNull();
    expect(hw.mapePct!).toBeLessThan(4);
    expect(hw.mapeSkippedZeroActuals).toBe(0);
    expect(Math.abs(hw.bias)).toBeLessThan(2);
  });

  it('beats the naive and seasonal-naive baselines on every error measure', () => {
    for (const base of [naive, seasonalNaive]) {
      expect(hw.mae).toBeLessThan(base.mae);
      expect(hw.rmse).toBeLessThan(base.rmse);
      expect(hw.mapePct!).toBeLessThan(base.mapePct!);
      expect(hw.smapePct).toBeLessThan(base.smapePct);
    }
    // Seasonal naive repeats last year and so misses a year of trend (26 units): it under-forecasts.
    expect(seasonalNaive.bias).toBeLessThan(-20);
  });

  it('reports which model and parameters won, from the latest fold', () => {
    expect(hw.methods).toEqual({ 'holt-winters': 13 });
    expect(hw.model.method).toBe('holt-winters');
    expect(hw.model.seasonality).toBe('additive');
    expect(Object.keys(hw.model.params).sort()).toEqual(['alpha', 'beta', 'gamma']);
    const last = hw.folds[hw.folds.length - 1]!;
    expect(last.origin).toBe(152);
    expect(last.forecasts).toEqual(forecastDemand(history.slice(0, 152), 4, hw.spec).values);
  });
});

describe('rolling-origin backtest, other shapes', () => {
  it('multiplicative Holt-Winters on a monthly series whose swing grows: MAPE under 3 %', () => {
    // ±3 % multiplicative noise costs ≈ 1.5 % MAPE on its own; 3 % is twice that.
    const report = backtestForecast(
      monthly(),
      { method: 'holt-winters', seasonLength: 12, seasonality: 'multiplicative' },
      { horizon: 6, origins: 12 },
    );
    expect(report.model.seasonality).toBe('multiplicative');
    expect(report.mapePct!).toBeLessThan(3);
  });

  it('the automatic choice on a short history falls back, and the report counts which model each fold used', () => {
    const report = backtestForecast(weekly().slice(0, 60), { seasonLength: 52 }, { horizon: 2, origins: 5 });
    expect(report.methods).toEqual({ holt: 5 });
    expect(report.model.notes.join(' ')).toMatch(/fewer than two full seasons/);
  });

  it('intermittent demand: SBA, with the zero actuals left out of MAPE and counted', () => {
    const y = Array.from({ length: 60 }, (_, t) => (t % 4 === 1 ? 3 + (t % 3) : 0));
    const report = backtestForecast(y, {}, { horizon: 3, origins: 10, step: 3 });
    expect(report.methods).toEqual({ sba: 10 });
    const zeros = report.folds.flatMap((f) => f.actuals).filter((a) => a === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(report.mapeSkippedZeroActuals).toBe(zeros);
  });

  it('never lets a fold see its own future: changing later periods leaves earlier folds alone', () => {
    const y = weekly();
    const options = { horizon: 4, origins: 3, step: 4 };
    const spec = { seasonLength: 52 };
    const a = backtestForecast(y, spec, options);
    const changed = y.map((v, t) => (t >= 148 ? v * 3 : v));
    const b = backtestForecast(changed, spec, options);
    expect(a.folds.map((f) => f.origin)).toEqual([144, 148, 152]);
    expect(b.folds[0]!.forecasts).toEqual(a.folds[0]!.forecasts);
    // The fold at 148 is judged on the changed periods but was fitted on the unchanged ones.
    expect(b.folds[1]!.forecasts).toEqual(a.folds[1]!.forecasts);
    expect(b.folds[1]!.actuals).not.toEqual(a.folds[1]!.actuals);
    // The fold at 152 trained on 148–151, so it must see the change (the test can tell the difference).
    expect(b.folds[2]!.forecasts).not.toEqual(a.folds[2]!.forecasts);
  });
});

describe('origins', () => {
  it('count back from the end by step, oldest first, never before the training minimum', () => {
    expect(backtestOrigins(20, { horizon: 2, origins: 3, step: 2 }, 5)).toEqual([14, 16, 18]);
    expect(backtestOrigins(20, { horizon: 2, origins: 10, step: 5 }, 5)).toEqual([8, 13, 18]);
  });

  it('refuse a history that leaves no origin, and bad settings', () => {
    expect(codeOf(() => backtestOrigins(6, { horizon: 2 }, 5))).toBe('ERP_FORECAST_HISTORY_TOO_SHORT');
    expect(codeOf(() => backtestOrigins(60, { horizon: 0 }, 5))).toBe('ERP_FORECAST_OPTIONS_INVALID');
    expect(codeOf(() => backtestOrigins(60, { horizon: 2, step: 0.5 }, 5))).toBe(
      'ERP_FORECAST_OPTIONS_INVALID',
    );
    expect(codeOf(() => backtestForecast([1, 2, 3], {}, { horizon: 1 }))).toBe(
      'ERP_FORECAST_HISTORY_TOO_SHORT',
    );
  });
});

describe('scores', () => {
  it('by hand: MAPE skips the zero actual and says so; sMAPE, MAE, RMSE and bias use every pair', () => {
    const s = scoreForecasts([1, 2, 3], [0, 2, 6]);
    expect(s.points).toBe(3);
    expect(s.mapePct).toBeCloseTo(25, 9); // (0 + 3/6) / 2
    expect(s.mapeSkippedZeroActuals).toBe(1);
    expect(s.smapePct).toBeCloseTo((100 * (2 + 0 + 6 / 9)) / 3, 9);
    expect(s.mae).toBeCloseTo(4 / 3, 9);
    expect(s.rmse).toBeCloseTo(Math.sqrt(10 / 3), 9);
    expect(s.bias).toBeCloseTo(-2 / 3, 9);
  });

  it('all-zero actuals: MAPE is null (not NaN), a perfect zero forecast scores zero everywhere else', () => {
    const s = scoreForecasts([0, 0], [0, 0]);
    expect(s.mapePct).toBeNull();
    expect(s.mapeSkippedZeroActuals).toBe(2);
    expect(s).toMatchObject({ smapePct: 0, mae: 0, rmse: 0, bias: 0 });
  });

  it('every figure is finite for any non-negative pairs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.nat(1e6)), { maxLength: 50 }),
        (pairs) => {
          const s = scoreForecasts(
            pairs.map((p) => p[0]),
            pairs.map((p) => p[1]),
          );
          for (const v of [s.smapePct, s.mae, s.rmse, s.bias]) expect(Number.isFinite(v)).toBe(true);
          expect(s.mapePct === null || Number.isFinite(s.mapePct)).toBe(true);
          expect(s.smapePct).toBeLessThanOrEqual(200 + 1e-9);
          expect(s.mapeSkippedZeroActuals).toBe(pairs.filter((p) => p[1] === 0).length);
        },
      ),
    );
  });
});

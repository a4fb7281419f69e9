import { ForecastErrors } from './forecast.errors.js';
import {
  type ForecastMethod,
  type ForecastOptions,
  forecastDemand,
  type Seasonality,
  type SmoothingParams,
} from './forecast.holt-winters.js';

/**
 * Rolling-origin backtest: refit on every prefix of the history that ends at an origin, forecast the
 * next `horizon` periods, compare with what really happened. Refitting at each origin (rather than
 * fitting once on everything) is what keeps the score honest: the model never sees the periods it is
 * judged on.
 */

export interface BacktestOptions {
  /** Periods forecast from each origin (≥ 1). */
  horizon: number;
  /** How many origins, counted back from the latest possible one. Default 12. */
  origins?: number;
  /** Periods between consecutive origins. Default 1. */
  step?: number;
  /**
   * The shortest training prefix. Default: two seasons when the spec is seasonal and the history
   * allows it, else 3 periods. Comparing models needs the same value for all of them.
   */
  minTrain?: number;
}

export interface BacktestFold {
  /** Index of the first forecast period; the model was fitted on history[0 .. origin). */
  origin: number;
  method: ForecastMethod;
  forecasts: number[];
  actuals: number[];
}

export interface BacktestMetrics {
  /** Forecast–actual pairs scored. */
  points: number;
  /** Mean absolute percentage error in percent, over non-zero actuals only; null when all are zero. */
  mapePct: number | null;
  /** Pairs left out of MAPE because the actual was zero (a percentage of zero is undefined). */
  mapeSkippedZeroActuals: number;
  /** Symmetric MAPE in percent (0–200); a pair whose forecast and actual are both zero scores 0. */
  smapePct: number;
  /** Mean absolute error, in units. */
  mae: number;
  /** Root mean squared error, in units. */
  rmse: number;
  /** Mean of forecast − actual: positive means over-forecasting. */
  bias: number;
}

export interface BacktestReport extends BacktestMetrics {
  spec: ForecastOptions;
  horizon: number;
  /** Origins actually run. */
  origins: number;
  /** How many folds each method ran in: 'auto' may choose differently as the prefix grows. */
  methods: Partial<Record<ForecastMethod, number>>;
  /** The model of the latest fold — the one closest to what a forecast today would use. */
  model: {
    method: ForecastMethod;
    seasonality: Seasonality | null;
    damped: boolean;
    params: Partial<SmoothingParams>;
    notes: string[];
  };
  folds: BacktestFold[];
}

/** The origins a backtest runs at, oldest first; throws when not even one fits. */
export function backtestOrigins(n: number, options: BacktestOptions, minTrain: number): number[] {
  const { horizon, origins = 12, step = 1 } = options;
  for (const [name, v, min] of [
    ['horizon', horizon, 1],
    ['origins', origins, 1],
    ['step', step, 1],
    ['minTrain', minTrain, 1],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min) {
      throw ForecastErrors.OPTIONS_INVALID.create(
        `Backtest ${name} must be a whole number ≥ ${min}, got ${v}`,
      );
    }
  }
  const list: number[] = [];
  for (let k = 0; k < origins; k++) {
    const origin = n - horizon - k * step;
    if (origin < minTrain) break;
    list.push(origin);
  }
  if (list.length === 0) {
    throw ForecastErrors.HISTORY_TOO_SHORT.create(
      `A backtest of horizon ${horizon} after ${minTrain} training periods needs ${minTrain + horizon} periods, got ${n}`,
      { required: minTrain + horizon, got: n },
    );
  }
  return list.reverse();
}

/** The default shortest training prefix for a spec on a history of n periods. */
export function defaultMinTrain(n: number, horizon: number, spec: ForecastOptions): number {
  const m = spec.seasonLength ?? 1;
  const seasonal = m >= 2 && spec.method !== 'ses' && spec.method !== 'holt' && spec.method !== 'naive';
  const needed = spec.method === 'seasonal-naive' ? m : 2 * m;
  // Only wait for seasons the history can afford; 'auto' then falls back for the early origins.
  return seasonal && n >= needed + horizon ? needed : 3;
}

export function backtestForecast(
  history: readonly number[],
  spec: ForecastOptions,
  options: BacktestOptions,
): BacktestReport {
  const minTrain = options.minTrain ?? defaultMinTrain(history.length, options.horizon, spec);
  const origins = backtestOrigins(history.length, options, minTrain);
  const folds: BacktestFold[] = [];
  const methods: Partial<Record<ForecastMethod, number>> = {};
  let model: BacktestReport['model'] | undefined;
  for (const origin of origins) {
    const f = forecastDemand(history.slice(0, origin), options.horizon, spec);
    const actuals = history.slice(origin, origin + options.horizon);
    folds.push({ origin, method: f.method, forecasts: f.values, actuals });
    methods[f.method] = (methods[f.method] ?? 0) + 1;
    model = {
      method: f.method,
      seasonality: f.seasonality,
      damped: f.damped,
      params: f.params,
      notes: f.notes,
    };
  }
  return {
    spec,
    horizon: options.horizon,
    origins: folds.length,
    methods,
    model: model!,
    ...scoreForecasts(
      folds.flatMap((f) => f.forecasts),
      folds.flatMap((f) => f.actuals),
    ),
    folds,
  };
}

/** Accuracy of paired forecasts and actuals. Every figure is finite; MAPE is null when undefined. */
export function scoreForecasts(forecasts: readonly number[], actuals: readonly number[]): BacktestMetrics {
  if (forecasts.length !== actuals.length) {
    throw ForecastErrors.OPTIONS_INVALID.create('Forecasts and actuals differ in length');
  }
  const n = actuals.length;
  let ape = 0;
  let apeCount = 0;
  let sape = 0;
  let abs = 0;
  let sq = 0;
  let err = 0;
  for (let i = 0; i < n; i++) {
    const f = forecasts[i]!;
    const a = actuals[i]!;
    const e = f - a;
    err += e;
    abs += Math.abs(e);
    sq += e * e;
    if (a !== 0) {
      ape += Math.abs(e) / Math.abs(a);
      apeCount++;
    }
    const denominator = Math.abs(f) + Math.abs(a);
    if (denominator > 0) sape += (2 * Math.abs(e)) / denominator;
  }
  const mean = (x: number) => (n > 0 ? x / n : 0);
  return {
    points: n,
    mapePct: apeCount > 0 ? (100 * ape) / apeCount : null,
    mapeSkippedZeroActuals: n - apeCount,
    smapePct: 100 * mean(sape),
    mae: mean(abs),
    rmse: Math.sqrt(mean(sq)),
    bias: mean(err),
  };
}

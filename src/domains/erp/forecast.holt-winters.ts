import { ForecastErrors } from './forecast.errors.js';
import {
  CROSTON_ALPHA,
  constant,
  crostonRun,
  DIMS,
  dampedSum,
  type Fit,
  fitParams,
  holtRun,
  meanFit,
  naiveFit,
  type ParamName,
  type Seasonality,
  type SmoothingParams,
  seasonalNaiveFit,
  sesRun,
} from './forecast.smoothing.js';

export type { Seasonality, SmoothingParams } from './forecast.smoothing.js';

/**
 * Demand forecasting by exponential smoothing, pure and storage-free: plain arrays of per-period demand
 * in, per-period forecasts out. Holt-Winters (triple exponential smoothing) when the history holds two
 * full seasons, and the simpler members of the family when it does not. Parameters are fitted by a
 * deterministic search (coarse grid, then compass refinement), so the same history always gives the
 * same forecast — replenishment suggestions built on it must be reproducible.
 */

export type ForecastMethod =
  | 'holt-winters'
  | 'holt'
  | 'ses'
  | 'mean'
  | 'croston'
  | 'sba'
  | 'naive'
  | 'seasonal-naive';
export interface ForecastOptions {
  /** 'auto' (default) picks by the history's shape; a named method is used or refused, never swapped. */
  method?: ForecastMethod | 'auto';
  /** Periods per season (12 for monthly data, 52 for weekly); 1 or absent means no seasonality. */
  seasonLength?: number;
  /** Default additive. Multiplicative falls back to additive, with a note, when history has zeros. */
  seasonality?: Seasonality;
  /** Damp the trend so that long horizons do not extrapolate it forever. */
  damped?: boolean;
  /** Fix some parameters instead of fitting them. */
  params?: Partial<SmoothingParams>;
}

export interface Forecast {
  method: ForecastMethod;
  seasonality: Seasonality | null;
  damped: boolean;
  seasonLength: number;
  /** The parameters the method used (fitted or fixed); only those it has. */
  params: Partial<SmoothingParams>;
  /** One value per period ahead: finite and never below zero. */
  values: number[];
  /** Sum of squared one-step-ahead in-sample errors: what the parameters were fitted to minimise. */
  sse: number;
  /** Root mean square of those errors: the per-period forecast error σ that safety stock needs. */
  residualSd: number;
  /** Why a simpler model or variant was used than the one asked for, in words. */
  notes: string[];
}

export const FORECAST_METHODS: readonly ForecastMethod[] = [
  'holt-winters',
  'holt',
  'ses',
  'mean',
  'croston',
  'sba',
  'naive',
  'seasonal-naive',
];

/** Average inter-demand interval above which demand counts as intermittent (Syntetos & Boylan, 2005). */
export const INTERMITTENT_ADI = 1.32;

export function forecastDemand(
  history: readonly number[],
  horizon: number,
  options: ForecastOptions = {},
): Forecast {
  validateHistory(history);
  validateOptions(horizon, options);
  const n = history.length;
  const m = options.seasonLength ?? 1;
  const requested = options.method ?? 'auto';
  const damped = options.damped ?? (options.params?.phi !== undefined && options.params.phi < 1);
  if (n === 0) throw ForecastErrors.HISTORY_TOO_SHORT.create('No history at all', { required: 1, got: 0 });
  const notes: string[] = [];

  // Fit on the series scaled to [0, 1]: every method here is scale-equivariant, and squares of large
  // unit counts can then never overflow the error sums.
  let scale = 0;
  for (const v of history) scale = Math.max(scale, v);
  const y = scale > 0 ? history.map((v) => v / scale) : history.slice();

  const method = requested === 'auto' ? chooseMethod(y, m, notes) : requested;
  if (requested !== 'auto') requireEnough(method, n, m);
  const model = fitMethod(
    method,
    y,
    m,
    options.seasonality ?? 'additive',
    damped,
    options.params ?? {},
    notes,
  );

  let values = model.fit.predict(horizon).map((v) => Math.max(0, v * scale));
  let { sse, count } = model.fit;
  if (!values.every(Number.isFinite) || !Number.isFinite(sse)) {
    // Defensive: unstable fixed parameters can diverge. Never let a NaN or Infinity out.
    notes.push(`${method} diverged on this history: forecasting the mean instead`);
    const fallback = meanFit(y);
    values = fallback.predict(horizon).map((v) => v * scale);
    ({ sse, count } = fallback);
    const describe = {
      method: 'mean' as const,
      seasonality: null,
      damped: false,
      seasonLength: 1,
      params: {},
    };
    return { ...describe, values, ...errorStats(sse, count, scale), notes };
  }
  return { ...model.describe, values, ...errorStats(sse, count, scale), notes };
}

function errorStats(sse: number, count: number, scale: number) {
  return { sse: sse * scale * scale, residualSd: count > 0 ? Math.sqrt(sse / count) * scale : 0 };
}

/** The rules of 'auto', simplest first: each says why the richer model cannot be trusted here. */
function chooseMethod(y: readonly number[], m: number, notes: string[]): ForecastMethod {
  const n = y.length;
  const nonZero = y.filter((v) => v > 0).length;
  if (nonZero === 0) {
    notes.push('every period is zero: the forecast is zero');
    return 'mean';
  }
  if (n < 3) {
    notes.push(`only ${n} period(s) of history: forecasting their mean`);
    return 'mean';
  }
  const adi = n / nonZero;
  if (adi > INTERMITTENT_ADI) {
    if (nonZero < 2) {
      notes.push('a single period with demand: forecasting the mean rate');
      return 'mean';
    }
    notes.push(
      `intermittent demand (${n - nonZero} of ${n} periods zero, average interval ${adi.toFixed(2)} > ${INTERMITTENT_ADI}): Syntetos–Boylan approximation of Croston's method`,
    );
    return 'sba';
  }
  if (n < 6) {
    notes.push(`only ${n} periods of history: too few to estimate a trend, simple exponential smoothing`);
    return 'ses';
  }
  if (m >= 2 && n < 2 * m) {
    notes.push(`fewer than two full seasons (${n} of ${2 * m} periods): Holt's linear trend, no seasonality`);
    return 'holt';
  }
  return m >= 2 ? 'holt-winters' : 'holt';
}

function requireEnough(method: ForecastMethod, n: number, m: number): void {
  const seasonal = method === 'holt-winters' || method === 'seasonal-naive';
  if (seasonal && m < 2) {
    throw ForecastErrors.SEASON_LENGTH_INVALID.create(`${method} needs a season length of at least 2`, {
      seasonLength: m,
    });
  }
  const required =
    method === 'holt-winters'
      ? 2 * m
      : method === 'seasonal-naive'
        ? m
        : method === 'holt'
          ? 3
          : method === 'ses'
            ? 2
            : 1;
  if (n < required) {
    throw ForecastErrors.HISTORY_TOO_SHORT.create(`${method} needs at least ${required} periods, got ${n}`, {
      method,
      required,
      got: n,
    });
  }
}

interface Model {
  fit: Fit;
  describe: Pick<Forecast, 'method' | 'seasonality' | 'damped' | 'seasonLength' | 'params'>;
}

function fitMethod(
  method: ForecastMethod,
  y: readonly number[],
  m: number,
  seasonality: Seasonality,
  damped: boolean,
  fixed: Partial<SmoothingParams>,
  notes: string[],
): Model {
  const plain = { method, seasonality: null, damped: false, seasonLength: 1, params: {} };
  switch (method) {
    case 'mean':
      return { fit: meanFit(y), describe: plain };
    case 'naive':
      return { fit: naiveFit(y), describe: plain };
    case 'seasonal-naive':
      return { fit: seasonalNaiveFit(y, m), describe: { ...plain, seasonLength: m } };
    case 'ses': {
      const { params, fit } = fitParams(['alpha'], fixed, false, DIMS, (p) => sesRun(y, p.alpha));
      return { fit, describe: { ...plain, params: { alpha: params.alpha } } };
    }
    case 'croston':
    case 'sba': {
      const sba = method === 'sba';
      const dims = { ...DIMS, alpha: CROSTON_ALPHA };
      const { params, fit } = fitParams(['alpha'], fixed, false, dims, (p) => crostonRun(y, p.alpha, sba));
      return { fit, describe: { ...plain, params: { alpha: params.alpha } } };
    }
    case 'holt': {
      const names: ParamName[] = damped ? ['alpha', 'beta', 'phi'] : ['alpha', 'beta'];
      const { params, fit } = fitParams(names, fixed, damped, DIMS, (p) =>
        holtRun(y, p.alpha, p.beta, p.phi),
      );
      return { fit, describe: { ...plain, damped, params: pick(params, names) } };
    }
    case 'holt-winters': {
      let kind = seasonality;
      const zeros = y.filter((v) => v <= 0).length;
      if (kind === 'multiplicative' && zeros > 0) {
        // A zero makes y/level and y/season meaningless (a season index of zero never recovers).
        notes.push(`multiplicative seasonality needs every period above zero (${zeros} zero): used additive`);
        kind = 'additive';
      }
      const names: ParamName[] = damped ? ['alpha', 'beta', 'gamma', 'phi'] : ['alpha', 'beta', 'gamma'];
      const run = (k: Seasonality) => {
        const init = hwInit(y, m, k);
        return fitParams(names, fixed, damped, DIMS, (p) => holtWintersRun(y, m, k, p, init));
      };
      let best = run(kind);
      if (kind === 'multiplicative' && !Number.isFinite(best.fit.sse)) {
        notes.push('multiplicative fit diverged (the level fell to zero or below): used additive');
        kind = 'additive';
        best = run(kind);
      }
      const params = pick(best.params, names);
      return { fit: best.fit, describe: { method, seasonality: kind, damped, seasonLength: m, params } };
    }
  }
}

function pick(p: SmoothingParams, names: readonly ParamName[]): Partial<SmoothingParams> {
  return Object.fromEntries(names.map((k) => [k, p[k]]));
}

interface HwState {
  level: number;
  trend: number;
  season: number[];
}

/**
 * Initial state from the first seasons (at most four: later ones would let the end of the history
 * leak into the start). The trend is the slope between the first and last of those seasons' means;
 * the level is placed one period before the first observation, since a season's mean sits at its
 * centre; each seasonal index is the detrended deviation (or ratio) averaged over those seasons.
 */
function hwInit(y: readonly number[], m: number, kind: Seasonality): HwState {
  const k = Math.min(Math.floor(y.length / m), 4);
  const means = Array.from({ length: k }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += y[j * m + i]!;
    return s / m;
  });
  const trend = (means[k - 1]! - means[0]!) / ((k - 1) * m);
  const level = means[0]! - ((m + 1) / 2) * trend;
  const centre = (m - 1) / 2;
  const season = Array.from({ length: m }, (_, i) => {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const base = means[j]! + (i - centre) * trend;
      if (kind === 'additive') s += y[j * m + i]! - base;
      else s += y[j * m + i]! / (base > 0 ? base : means[j]!);
    }
    return s / k;
  });
  // Normalise so the indices sum to zero (or average one): the level alone carries the series' size.
  const avg = season.reduce((a, b) => a + b, 0) / m;
  for (let i = 0; i < m; i++) season[i] = kind === 'additive' ? season[i]! - avg : season[i]! / avg;
  return { level, trend, season };
}

function holtWintersRun(
  y: readonly number[],
  m: number,
  kind: Seasonality,
  p: SmoothingParams,
  init: HwState,
): Fit {
  const { alpha, beta, gamma, phi } = p;
  let { level, trend } = init;
  const season = init.season.slice();
  const add = kind === 'additive';
  let sse = 0;
  for (let t = 0; t < y.length; t++) {
    const s = season[t % m]!;
    const base = level + phi * trend;
    const e = y[t]! - (add ? base + s : base * s);
    sse += e * e;
    const prev = level;
    level = add ? alpha * (y[t]! - s) + (1 - alpha) * base : alpha * (y[t]! / s) + (1 - alpha) * base;
    trend = beta * (level - prev) + (1 - beta) * phi * trend;
    season[t % m] = add
      ? gamma * (y[t]! - level) + (1 - gamma) * s
      : gamma * (y[t]! / level) + (1 - gamma) * s;
    // A multiplicative level at or below zero flips every seasonal ratio: reject these parameters.
    if (!add && !(level > 0)) return { sse: Number.POSITIVE_INFINITY, count: y.length, predict: constant(0) };
  }
  const n = y.length;
  const predict = (h: number) =>
    Array.from({ length: h }, (_, i) => {
      const base = level + dampedSum(phi, i + 1) * trend;
      const s = season[(n + i) % m]!;
      return add ? base + s : base * s;
    });
  return { sse, count: n, predict };
}

function validateHistory(history: readonly number[]): void {
  if (!Array.isArray(history))
    throw ForecastErrors.OPTIONS_INVALID.create('History must be an array of numbers');
  history.forEach((v, index) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw ForecastErrors.NON_FINITE.create(`History period ${index} is ${String(v)}`, { index });
    }
    if (v < 0) {
      throw ForecastErrors.NEGATIVE_DEMAND.create(`History period ${index} is ${v}`, { index, value: v });
    }
  });
}

function validateOptions(horizon: number, options: ForecastOptions): void {
  const invalid = (detail: string) => ForecastErrors.OPTIONS_INVALID.create(detail);
  if (!Number.isSafeInteger(horizon) || horizon < 0)
    throw invalid(`Horizon must be a whole number ≥ 0, got ${horizon}`);
  const m = options.seasonLength;
  if (m !== undefined && (!Number.isSafeInteger(m) || m < 1)) {
    throw ForecastErrors.SEASON_LENGTH_INVALID.create(`Season length must be a whole number ≥ 1, got ${m}`, {
      seasonLength: m,
    });
  }
  const method = options.method;
  if (method !== undefined && method !== 'auto' && !FORECAST_METHODS.includes(method)) {
    throw invalid(`Unknown forecast method ${String(method)}`);
  }
  if (options.seasonality !== undefined && !['additive', 'multiplicative'].includes(options.seasonality)) {
    throw invalid(`Unknown seasonality ${String(options.seasonality)}`);
  }
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (!(name in DIMS)) throw invalid(`Unknown smoothing parameter ${name}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw ForecastErrors.NON_FINITE.create(`Parameter ${name} is ${String(value)}`, { field: name });
    }
    // α = 0 would never learn from data and φ = 0 is no trend at all: both are open at zero.
    const openAtZero = name === 'alpha' || name === 'phi';
    if (value > 1 || value < 0 || (openAtZero && value === 0)) {
      throw invalid(`Parameter ${name} must be within ${openAtZero ? '(0' : '[0'}, 1], got ${value}`);
    }
  }
}

/**
 * The model equations behind forecast.holt-winters.ts — the simple members of the exponential
 * smoothing family (and the naive baselines) that it falls back to — and the deterministic parameter
 * search they and Holt-Winters share. Everything here works on the history scaled to [0, 1].
 */

export type Seasonality = 'additive' | 'multiplicative';

export interface SmoothingParams {
  /** Level smoothing, (0, 1]. */
  alpha: number;
  /** Trend smoothing, [0, 1]. */
  beta: number;
  /** Seasonal smoothing, [0, 1]. */
  gamma: number;
  /** Trend damping, (0, 1]; 1 means undamped. */
  phi: number;
}

/** A fitted model on the scaled history: its error and how it projects forward. */
export interface Fit {
  sse: number;
  count: number;
  predict: (horizon: number) => number[];
}

export type Dim = { lo: number; hi: number; grid: readonly number[] };
export type ParamName = keyof SmoothingParams;

export const DIMS: Record<ParamName, Dim> = {
  alpha: { lo: 0.001, hi: 0.999, grid: [0.05, 0.2, 0.4, 0.6, 0.8, 0.95] },
  beta: { lo: 0, hi: 0.999, grid: [0.01, 0.05, 0.15, 0.3] },
  gamma: { lo: 0, hi: 0.999, grid: [0.01, 0.1, 0.3, 0.5] },
  // Hyndman's usual range: below 0.8 the trend dies within a few periods and the model is just SES.
  phi: { lo: 0.8, hi: 0.98, grid: [0.85, 0.92, 0.98] },
};
// Croston's smoothing is conventionally low: demand sizes and intervals are noisy one-off events.
export const CROSTON_ALPHA: Dim = { lo: 0.01, hi: 0.6, grid: [0.05, 0.1, 0.2, 0.3, 0.5] };

/** Sum of φ + φ² + … + φ^h: how much of today's trend survives h periods of damping. */
export function dampedSum(phi: number, h: number): number {
  return phi === 1 ? h : (phi * (1 - phi ** h)) / (1 - phi);
}

export function constant(value: number) {
  return (h: number) => new Array<number>(h).fill(value);
}

export function meanFit(y: readonly number[]): Fit {
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const sse = y.reduce((a, v) => a + (v - mean) ** 2, 0);
  return { sse, count: y.length, predict: constant(mean) };
}

export function naiveFit(y: readonly number[]): Fit {
  let sse = 0;
  for (let t = 1; t < y.length; t++) sse += (y[t]! - y[t - 1]!) ** 2;
  return { sse, count: y.length - 1, predict: constant(y[y.length - 1]!) };
}

export function seasonalNaiveFit(y: readonly number[], m: number): Fit {
  let sse = 0;
  for (let t = m; t < y.length; t++) sse += (y[t]! - y[t - m]!) ** 2;
  const n = y.length;
  const predict = (h: number) => Array.from({ length: h }, (_, i) => y[n - m + (i % m)]!);
  return { sse, count: n - m, predict };
}

export function sesRun(y: readonly number[], alpha: number): Fit {
  let level = y[0]!;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const e = y[t]! - level;
    sse += e * e;
    level += alpha * e;
  }
  return { sse, count: y.length - 1, predict: constant(level) };
}

export function holtRun(y: readonly number[], alpha: number, beta: number, phi: number): Fit {
  // Initial slope over the first few steps rather than one: a single difference is mostly noise.
  const k = Math.min(y.length - 1, 4);
  let level = y[0]!;
  let trend = (y[k]! - y[0]!) / k;
  let sse = 0;
  for (let t = 1; t < y.length; t++) {
    const base = level + phi * trend;
    const e = y[t]! - base;
    sse += e * e;
    const prev = level;
    level = base + alpha * e;
    trend = beta * (level - prev) + (1 - beta) * phi * trend;
  }
  const predict = (h: number) => Array.from({ length: h }, (_, i) => level + dampedSum(phi, i + 1) * trend);
  return { sse, count: y.length - 1, predict };
}

/**
 * Croston: smooth the non-zero demand sizes and the intervals between them separately, forecast
 * size / interval. SBA multiplies by (1 − α/2) to remove Croston's known upward bias.
 */
export function crostonRun(y: readonly number[], alpha: number, sba: boolean): Fit {
  const first = y.findIndex((v) => v > 0);
  if (first < 0) return { sse: 0, count: 0, predict: constant(0) };
  const factor = sba ? 1 - alpha / 2 : 1;
  let size = y[first]!;
  let interval = first + 1;
  let since = 1;
  let sse = 0;
  for (let t = first + 1; t < y.length; t++) {
    const e = y[t]! - (factor * size) / interval;
    sse += e * e;
    if (y[t]! > 0) {
      size += alpha * (y[t]! - size);
      interval += alpha * (since - interval);
      since = 1;
    } else since++;
  }
  return { sse, count: y.length - first - 1, predict: constant((factor * size) / interval) };
}

/**
 * Fit the free parameters (those not fixed by the caller) by minimising SSE: every point of a coarse
 * grid, then a compass search from the best point, halving the step when no direction improves. No
 * randomness and a fixed visiting order, so ties resolve the same way every run.
 */
export function fitParams(
  names: readonly ParamName[],
  fixed: Partial<SmoothingParams>,
  damped: boolean,
  dims: Record<ParamName, Dim>,
  run: (p: SmoothingParams) => Fit,
): { params: SmoothingParams; fit: Fit } {
  const free = names.filter((k) => fixed[k] === undefined);
  const build = (x: readonly number[]): SmoothingParams => {
    const p: SmoothingParams = { alpha: 0.5, beta: 0.1, gamma: 0.1, phi: 0.98, ...fixed };
    if (!damped) p.phi = 1;
    free.forEach((k, i) => {
      p[k] = x[i]!;
    });
    return p;
  };
  const cost = (x: readonly number[]) => {
    const sse = run(build(x)).sse;
    return Number.isFinite(sse) ? sse : Number.POSITIVE_INFINITY;
  };

  let best: number[] = free.map((k) => dims[k].grid[0]!);
  let bestCost = cost(best);
  const idx = free.map(() => 0);
  for (;;) {
    let d = 0;
    while (d < free.length && ++idx[d]! >= dims[free[d]!].grid.length) idx[d++] = 0;
    if (d === free.length) break;
    const x = free.map((k, i) => dims[k].grid[idx[i]!]!);
    const c = cost(x);
    if (c < bestCost) [best, bestCost] = [x, c];
  }

  if (Number.isFinite(bestCost)) {
    const step = free.map((k) => (dims[k].hi - dims[k].lo) / 8);
    for (let iter = 0; iter < 400 && step.some((s) => s > 1e-4); iter++) {
      let moved = false;
      for (let i = 0; i < free.length && !moved; i++) {
        const dim = dims[free[i]!];
        for (const dir of [1, -1]) {
          const x = best.slice();
          x[i] = Math.min(dim.hi, Math.max(dim.lo, best[i]! + dir * step[i]!));
          const c = cost(x);
          if (c < bestCost) {
            [best, bestCost, moved] = [x, c, true];
            break;
          }
        }
      }
      if (!moved) for (let i = 0; i < step.length; i++) step[i] = step[i]! / 2;
    }
  }
  const params = build(best);
  return { params, fit: run(params) };
}

import {
  type BacktestOptions,
  type BacktestReport,
  backtestForecast,
  defaultMinTrain,
} from './forecast.backtest.js';
import { ForecastErrors } from './forecast.errors.js';
import { type Forecast, type ForecastOptions, forecastDemand } from './forecast.holt-winters.js';

/**
 * Pick, among candidate model specs, the one with the lowest rolling-origin backtest error on this
 * history, then refit it on the whole history. Choosing by out-of-sample error rather than in-sample
 * fit is what stops a richer model from winning just because it has more parameters.
 */

/**
 * MAE by default: MAPE skips zero actuals (so it would judge intermittent series on their demand
 * periods only) and sMAPE swings wildly near zero; MAE compares candidates on one series fairly.
 */
export type SelectionMetric = 'mae' | 'rmse' | 'smapePct' | 'mapePct';

export interface Candidate {
  name: string;
  spec: ForecastOptions;
}

export interface SelectModelOptions {
  /** Periods to forecast; the backtest scores the same horizon. */
  horizon: number;
  /** Periods per season, used by the default candidates. */
  seasonLength?: number;
  /** Tried in order; on equal scores the earlier wins, so list simpler models first. */
  candidates?: readonly Candidate[];
  metric?: SelectionMetric;
  backtest?: Omit<BacktestOptions, 'horizon'>;
}

export interface CandidateScore {
  name: string;
  spec: ForecastOptions;
  /** The metric's value; null when undefined for this history (MAPE with only zero actuals). */
  score: number | null;
  report: BacktestReport;
}

export interface ModelSelection {
  metric: SelectionMetric;
  winner: CandidateScore;
  /** Every scored candidate, best first. */
  ranking: CandidateScore[];
  /** Candidates the history cannot support (too short, no season), with the error code saying why. */
  skipped: { name: string; spec: ForecastOptions; code: string; detail: string }[];
  /** The winner's spec fitted on the whole history. */
  forecast: Forecast;
}

/** Simplest first: the baselines, then the smoothing family, seasonal variants when there is a season. */
export function defaultCandidates(seasonLength = 1): Candidate[] {
  const m = seasonLength;
  const list: Candidate[] = [
    { name: 'mean', spec: { method: 'mean' } },
    { name: 'naive', spec: { method: 'naive' } },
  ];
  if (m >= 2) list.push({ name: 'seasonal-naive', spec: { method: 'seasonal-naive', seasonLength: m } });
  list.push(
    { name: 'ses', spec: { method: 'ses' } },
    { name: 'holt-damped', spec: { method: 'holt', damped: true } },
    { name: 'holt', spec: { method: 'holt' } },
    { name: 'sba', spec: { method: 'sba' } },
  );
  if (m >= 2) {
    const hw = { method: 'holt-winters', seasonLength: m } as const;
    list.push(
      { name: 'holt-winters-additive', spec: { ...hw, seasonality: 'additive' } },
      { name: 'holt-winters-additive-damped', spec: { ...hw, seasonality: 'additive', damped: true } },
      { name: 'holt-winters-multiplicative', spec: { ...hw, seasonality: 'multiplicative' } },
    );
  }
  return list;
}

export function selectModel(history: readonly number[], options: SelectModelOptions): ModelSelection {
  const metric = options.metric ?? 'mae';
  if (!['mae', 'rmse', 'smapePct', 'mapePct'].includes(metric)) {
    throw ForecastErrors.OPTIONS_INVALID.create(`Unknown selection metric ${String(metric)}`);
  }
  const candidates = options.candidates ?? defaultCandidates(options.seasonLength);
  if (candidates.length === 0) throw ForecastErrors.OPTIONS_INVALID.create('No candidate models');
  // One training length for everybody: candidates scored on different origins are not comparable.
  const shared = { seasonLength: options.seasonLength, method: 'auto' as const };
  const backtest: BacktestOptions = {
    ...options.backtest,
    horizon: options.horizon,
    minTrain: options.backtest?.minTrain ?? defaultMinTrain(history.length, options.horizon, shared),
  };

  const scored: CandidateScore[] = [];
  const skipped: ModelSelection['skipped'] = [];
  for (const { name, spec } of candidates) {
    try {
      const report = backtestForecast(history, spec, backtest);
      scored.push({ name, spec, score: report[metric], report });
    } catch (err) {
      // Only "this model does not fit this history" is a skip; bad data fails the whole selection.
      if (ForecastErrors.HISTORY_TOO_SHORT.is(err) || ForecastErrors.SEASON_LENGTH_INVALID.is(err)) {
        skipped.push({ name, spec, code: err.code, detail: err.message });
        continue;
      }
      throw err;
    }
  }
  if (scored.length === 0) {
    const first = skipped[0];
    throw ForecastErrors.HISTORY_TOO_SHORT.create(
      `No candidate model can be backtested on ${history.length} periods${first ? ` (${first.detail})` : ''}`,
      { got: history.length, skipped: skipped.map((s) => ({ name: s.name, code: s.code })) },
    );
  }
  // Array.prototype.sort is stable: equal scores keep candidate order. Null ranks last (∞ − ∞ is NaN: 0).
  const key = (c: CandidateScore) => c.score ?? Number.POSITIVE_INFINITY;
  const ranking = scored.slice().sort((a, b) => key(a) - key(b) || 0);
  const winner = ranking[0]!;
  return {
    metric,
    winner,
    ranking,
    skipped,
    forecast: forecastDemand(history, options.horizon, winner.spec),
  };
}

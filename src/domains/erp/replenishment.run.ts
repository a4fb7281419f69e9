import { DomainError } from '../../kernel/errors.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import {
  type BacktestMetrics,
  type BacktestReport,
  backtestForecast,
  scoreForecasts,
} from './forecast.backtest.js';
import { type ForecastMethod, forecastDemand } from './forecast.holt-winters.js';
import { selectModel } from './forecast.model-select.js';
import {
  capOrder,
  DAY_MS,
  defaultRunReference,
  fromFirstDemand,
  type MeasuredLeadTime,
  MIN_LEAD_TIME_SAMPLES,
  measureLeadTime,
  periodSeries,
  purePolicy,
  resolveTerms,
  type SupplyTerms,
  seasonLengthOf,
  utcDay,
} from './replenishment.plan.js';
import {
  DRAFT_REF,
  demandHistory,
  key,
  leadTimeSamples,
  type Position,
  policiesInScope,
  positions,
  type RunScope,
  runClock,
  type Skipped,
  suppliersOf,
} from './replenishment.read.js';
import type { ReplenishmentPolicyInput } from './replenishment.schemas.js';
import { suggestReplenishment } from './replenishment.suggest.js';

/**
 * A replenishment run over the store: the policies in scope, their stock positions, inbound and
 * shipment history read set-based (a few statements for any number of policies), then the pure
 * forecast and suggestion per SKU × location. A policy whose data cannot support its forecast is
 * reported in `skipped` with the error's code; it never fails the run for the others.
 */

/** The model behind a forecast policy: the policy's own method, or the backtest winner. */
function fitForecast(history: number[], p: ReplenishmentPolicyInput, horizon: number, origins?: number) {
  const seasonLength = seasonLengthOf(p);
  const backtest = origins === undefined ? undefined : { origins };
  if (p.method && p.method !== 'auto') {
    const spec = { method: p.method as ForecastMethod, seasonLength };
    const report = backtestForecast(history, spec, { horizon, ...backtest });
    return { name: p.method, report, forecast: forecastDemand(history, horizon, spec) };
  }
  const sel = selectModel(history, { horizon, seasonLength, ...(backtest ? { backtest } : {}) });
  return { name: sel.winner.name, report: sel.winner.report, forecast: sel.forecast, metric: sel.metric };
}

const metricsOf = (r: BacktestMetrics): BacktestMetrics => ({
  points: r.points,
  mapePct: r.mapePct,
  mapeSkippedZeroActuals: r.mapeSkippedZeroActuals,
  smapePct: r.smapePct,
  mae: r.mae,
  rmse: r.rmse,
  bias: r.bias,
});

export interface SuggestedLine {
  sku: string;
  location: string;
  supplier: string | null;
  quantity: number;
  unitCost: number;
  expectedDate: string;
  explanation: Record<string, unknown>;
}

export async function computeSuggestions(
  db: Tx,
  dialect: Dialect,
  scope: RunScope & { runReference?: string },
  now: () => Date,
) {
  const { asOfMs, asOf, window } = runClock(scope, now);
  const runReference = scope.runReference ?? defaultRunReference(asOfMs);
  const pairs = await policiesInScope(db, scope);
  const history = await demandHistory(
    db,
    dialect,
    pairs.filter((p) => p.policy.kind === 'forecast'),
    window,
  );
  const pos = await positions(db, dialect, pairs, asOf, runReference);
  const suppliers = await suppliersOf(db, dialect, pairs);
  const measuring = pairs.flatMap((x) =>
    x.policy.leadTimeFrom === 'receipts' && x.policy.supplier ? [x.policy.supplier] : [],
  );
  const samples =
    measuring.length > 0 ? await leadTimeSamples(db, measuring, asOf) : new Map<string, number[]>();
  const lines: SuggestedLine[] = [];
  const skipped: Skipped[] = [];
  for (const { sku, location, policy: p } of pairs) {
    const supplier = p.supplier ? suppliers.get(p.supplier) : undefined;
    const measured =
      p.leadTimeFrom === 'receipts' && p.supplier
        ? measureLeadTime(samples.get(p.supplier) ?? [])
        : undefined;
    const terms = resolveTerms(sku, p, supplier, measured);
    try {
      lines.push(
        suggestLine({
          sku,
          location,
          p,
          terms,
          measured,
          pos: pos.get(key(sku, location))!,
          daily: history.get(key(sku, location)),
          asOfMs,
          asOf,
          historyDays: window.days,
        }),
      );
    } catch (err) {
      // The pure code's refusals (too short a history, bad data) skip this policy; anything else fails the run.
      if (!(err instanceof DomainError)) throw err;
      skipped.push({ sku, location, code: err.code, detail: err.message });
    }
  }
  return { asOf, asOfMs, runReference, historyDays: window.days, lines, skipped };
}

interface LineInput {
  sku: string;
  location: string;
  p: ReplenishmentPolicyInput;
  terms: SupplyTerms;
  /** The supplier's measured lead time, when the policy asks for it (leadTimeFrom `receipts`). */
  measured: MeasuredLeadTime | undefined;
  pos: Position;
  /** Daily shipments over the window (forecast policies only). */
  daily: number[] | undefined;
  asOfMs: number;
  asOf: string;
  historyDays: number;
}

function suggestLine(input: LineInput): SuggestedLine {
  const { sku, location, p, terms, measured, pos, asOfMs, asOf, historyDays } = input;
  // A measured lead time brings its σ, unless the policy sets one (only a service level uses it).
  const leadTimeSdDays =
    p.kind === 'forecast' && p.serviceLevel !== undefined
      ? (p.leadTimeSdDays ?? (terms.sources.leadTimeDays === 'receipts' ? measured?.sdDays : undefined))
      : p.kind === 'forecast'
        ? p.leadTimeSdDays
        : undefined;
  const periodDays = p.periodDays ?? 1;
  const reviewPeriodDays = p.kind === 'forecast' ? (p.reviewPeriodDays ?? 0) : 0;
  let forecastInfo: Record<string, unknown> | null = null;
  let forecast: { values: number[]; periodDays: number; errorSd: number } | undefined;
  if (p.kind === 'forecast') {
    const { series, dropped } = fromFirstDemand(periodSeries(input.daily!, periodDays));
    const horizon = Math.max(1, Math.ceil((terms.leadTimeDays + reviewPeriodDays) / periodDays));
    const fit = fitForecast(series, p, horizon);
    forecast = { values: fit.forecast.values, periodDays, errorSd: fit.forecast.residualSd };
    forecastInfo = {
      historyDays,
      periodDays,
      seasonLength: seasonLengthOf(p),
      periods: series.length,
      /** Leading periods without demand left out (before the first sale in the window). */
      droppedLeadingPeriods: dropped,
      values: fit.forecast.values,
      errorSd: fit.forecast.residualSd,
      model: {
        name: fit.name,
        method: fit.forecast.method,
        seasonality: fit.forecast.seasonality,
        damped: fit.forecast.damped,
        params: fit.forecast.params,
        notes: fit.forecast.notes,
      },
      fit: { metric: fit.metric ?? 'mae', origins: fit.report.origins, ...metricsOf(fit.report) },
    };
  }
  const s = suggestReplenishment({
    sku,
    locationId: location,
    asOf,
    onHand: pos.onHand,
    reserved: pos.reserved,
    inbound: pos.inbound,
    leadTimeDays: terms.leadTimeDays,
    reviewPeriodDays,
    policy: purePolicy(p),
    ...(forecast ? { forecast } : {}),
    ...(p.kind === 'forecast' && p.safetyStock !== undefined ? { safetyStock: p.safetyStock } : {}),
    ...(p.kind === 'forecast' && p.serviceLevel !== undefined ? { serviceLevel: p.serviceLevel } : {}),
    ...(leadTimeSdDays !== undefined ? { leadTimeSdDays } : {}),
    moq: terms.moq,
    caseSize: terms.packSize,
  });
  const cap = capOrder(s.quantity, terms);
  const notes = [...s.explanation.notes, ...(cap.note ? [cap.note] : [])];
  const drafts = pos.inbound.filter((l) => l.reference?.startsWith(DRAFT_REF));
  const onDraftOrders = {
    quantity: drafts.reduce((a, l) => a + l.quantity, 0),
    orders: [...new Set(drafts.map((l) => l.reference!.slice(DRAFT_REF.length)))],
  };
  if (onDraftOrders.quantity > 0)
    notes.push(
      `${onDraftOrders.quantity} units on draft purchase orders (${onDraftOrders.orders.join(', ')}) counted as inbound`,
    );
  if (measured && terms.sources.leadTimeDays !== 'receipts')
    notes.push(
      `lead time from the terms: ${measured.purchaseOrders} received purchase orders of ${terms.supplier} are fewer than the ${MIN_LEAD_TIME_SAMPLES} a measurement needs`,
    );
  if (cap.quantity > 0 && p.unitCost === undefined && terms.supplier)
    notes.push('no unitCost on the policy: a draft purchase order line is priced 0 until a buyer sets it');
  return {
    sku,
    location,
    supplier: terms.supplier,
    quantity: cap.quantity,
    unitCost: p.unitCost ?? 0,
    expectedDate: utcDay(asOfMs + terms.leadTimeDays * DAY_MS),
    explanation: {
      ...s.explanation,
      notes,
      suggested: s.quantity,
      capped: cap.quantity !== s.quantity,
      onDraftOrders,
      terms,
      ...(measured ? { leadTime: { from: terms.sources.leadTimeDays, measured } } : {}),
      forecast: forecastInfo,
    },
  };
}

export interface BacktestOptions extends RunScope {
  horizon?: number;
  origins?: number;
}

/** Rolling-origin accuracy of each policy's forecast model, and of the naive forecast beside it. */
export async function computeBacktest(db: Tx, dialect: Dialect, o: BacktestOptions, now: () => Date) {
  const { asOf, window } = runClock(o, now);
  const horizon = o.horizon ?? 7;
  const pairs = await policiesInScope(db, o);
  const history = await demandHistory(db, dialect, pairs, window);
  const items = [];
  const skipped: Skipped[] = [];
  const pooled = { forecasts: [] as number[], actuals: [] as number[] };
  for (const { sku, location, policy: p } of pairs) {
    const periodDays = p.periodDays ?? 1;
    const { series } = fromFirstDemand(periodSeries(history.get(key(sku, location))!, periodDays));
    try {
      const fit = fitForecast(series, p, horizon, o.origins);
      const r: BacktestReport = fit.report;
      // The naive forecast on the very same origins: the bar any model should clear.
      let naive: BacktestMetrics | null = null;
      try {
        const first = r.folds[0]!.origin;
        naive = metricsOf(
          backtestForecast(series, { method: 'naive' }, { horizon, origins: r.origins, minTrain: first }),
        );
      } catch {
        naive = null;
      }
      for (const f of r.folds) {
        pooled.forecasts.push(...f.forecasts);
        pooled.actuals.push(...f.actuals);
      }
      items.push({
        sku,
        location,
        periodDays,
        seasonLength: seasonLengthOf(p),
        model: { name: fit.name, ...r.model, methods: r.methods },
        origins: r.origins,
        ...metricsOf(r),
        naive,
      });
    } catch (err) {
      // The pure code's refusals (too short a history, bad data) skip this policy; anything else fails the run.
      if (!(err instanceof DomainError)) throw err;
      skipped.push({ sku, location, code: err.code, detail: err.message });
    }
  }
  return {
    asOf,
    historyDays: window.days,
    horizon,
    items,
    overall: scoreForecasts(pooled.forecasts, pooled.actuals),
    skipped,
  };
}

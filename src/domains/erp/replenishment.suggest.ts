import { ForecastErrors, ReplenishmentErrors } from './forecast.errors.js';

/**
 * Replenishment suggestions per SKU × location, pure and storage-free: a stock position, supply
 * constraints and a demand forecast in; a purchase quantity (or none) and the arithmetic behind it out.
 * The explanation is part of the answer, not a log line: a buyer overriding a suggestion needs to see
 * which number drove it.
 */

export interface InboundLine {
  quantity: number;
  /** Expected arrival, ISO-8601 UTC. Overdue lines still count: the goods are owed, not lost. */
  eta: string;
  reference?: string;
}

export interface DemandForecast {
  /** Forecast demand per period, the first period starting at `asOf` (e.g. `Forecast.values`). */
  values: readonly number[];
  /** Days per forecast period: 1 for daily, 7 for weekly. */
  periodDays: number;
  /** σ of the one-period forecast error (e.g. `Forecast.residualSd`), for service-level safety stock. */
  errorSd?: number;
}

export type ReplenishmentPolicy =
  /** Order up to: cover forecast demand over lead time + review period, plus safety stock. */
  | { kind: 'forecast' }
  /** Classic min/max: when the position falls to the reorder point (min) or below, order up to max. */
  | { kind: 'min-max'; reorderPoint: number; max: number }
  /**
   * Reorder point with a fixed order quantity (s, nQ): when the position falls to the reorder point
   * or below, order the least whole number of lots that lifts it above the reorder point.
   */
  | { kind: 'reorder-point'; reorderPoint: number; orderQuantity: number };

export interface ReplenishmentInput {
  sku: string;
  locationId: string;
  /** The planning instant, ISO-8601 UTC; inbound ETAs are measured from it. */
  asOf: string;
  onHand: number;
  /** Allocated to orders but not yet shipped: on hand that is not available. Default 0. */
  reserved?: number;
  inbound?: readonly InboundLine[];
  leadTimeDays: number;
  /** Days until the next chance to order; 0 for continuous review. Default 0. */
  reviewPeriodDays?: number;
  policy: ReplenishmentPolicy;
  /** Required by the forecast policy and by `serviceLevel`; optional (explanatory) for min/max. */
  forecast?: DemandForecast;
  /** Fixed safety stock in units. Give this or `serviceLevel`, not both. */
  safetyStock?: number;
  /** Cycle service level in [0.5, 1), e.g. 0.95: safety stock = z × σ × √(periods of exposure). */
  serviceLevel?: number;
  /**
   * σ of the supplier's lead time in days (how late or early deliveries arrive), for the service
   * level's safety stock: uncertain arrival adds demand-during-the-delay to the exposure. Default 0.
   */
  leadTimeSdDays?: number;
  /** Supplier minimum order quantity. Default 1. */
  moq?: number;
  /** Case (pack) size: orders are whole cases. Default 1. */
  caseSize?: number;
}

export interface SafetyStockUsed {
  units: number;
  source: 'given' | 'service-level' | 'none';
  serviceLevel?: number;
  z?: number;
  errorSd?: number;
  /** Forecast periods of exposure (lead time + review period) under the square root. */
  periods?: number;
  /** With lead-time variability: its σ in days, and the mean forecast demand per period it multiplies. */
  leadTimeSdDays?: number;
  meanDemand?: number;
}

export interface ReplenishmentExplanation {
  policy: ReplenishmentPolicy['kind'];
  reason: 'covered' | 'below-safety-stock' | 'at-or-below-reorder-point' | 'above-reorder-point';
  /** Reorder point policy: lots of the order quantity ordered (0 when none); null otherwise. */
  lots?: number | null;
  summary: string;
  leadTimeDays: number;
  reviewPeriodDays: number;
  /** Lead time + review period: an order placed now must last until the next one arrives. */
  horizonDays: number;
  onHand: number;
  reserved: number;
  /** onHand − reserved. */
  available: number;
  inboundWithinLeadTime: number;
  inboundWithinHorizon: number;
  inboundBeyondHorizon: number;
  /** Part of inboundWithinHorizon already past its ETA. */
  inboundOverdue: number;
  /** available + inboundWithinHorizon. */
  inventoryPosition: number;
  /** Null when no forecast was given (min/max only). */
  demandOverLeadTime: number | null;
  demandOverHorizon: number | null;
  /** available + inboundWithinLeadTime − demandOverLeadTime. */
  projectedAtLeadTime: number | null;
  /** available + inboundWithinHorizon − demandOverHorizon. */
  projectedAtHorizon: number | null;
  safetyStock: SafetyStockUsed;
  /**
   * Forecast: the stock wanted at the horizon (the safety stock). Min/max: the max. Reorder point:
   * the position after the lots arrive (the reorder point + one lot when none are due).
   */
  target: number;
  /** Min/max and reorder point: the reorder point. Forecast: null. */
  trigger: number | null;
  /** target − projectedAtHorizon (forecast) or target − inventoryPosition (min/max). */
  shortfall: number;
  rounding: { need: number; moq: number; caseSize: number; quantity: number };
  notes: string[];
}

export interface ReplenishmentSuggestion {
  sku: string;
  locationId: string;
  /** Units to order: 0 for none, else a multiple of caseSize and at least moq. */
  quantity: number;
  explanation: ReplenishmentExplanation;
}

const DAY_MS = 86_400_000;
/** Float sums of forecasts are inexact; a shortfall below a millionth of a unit is no shortfall. */
const EPSILON = 1e-6;

export function suggestReplenishments(inputs: readonly ReplenishmentInput[]): ReplenishmentSuggestion[] {
  return inputs.map(suggestReplenishment);
}

export function suggestReplenishment(input: ReplenishmentInput): ReplenishmentSuggestion {
  const v = validate(input);
  const { sku, locationId, policy, forecast } = input;
  const notes: string[] = [];
  const horizonDays = v.leadTimeDays + v.reviewPeriodDays;
  const available = input.onHand - v.reserved;

  let withinLead = 0;
  let withinHorizon = 0;
  let beyond = 0;
  let overdue = 0;
  for (const line of input.inbound ?? []) {
    const days = (Date.parse(line.eta) - v.asOfMs) / DAY_MS;
    if (days <= v.leadTimeDays) withinLead += line.quantity;
    if (days <= horizonDays) withinHorizon += line.quantity;
    else beyond += line.quantity;
    if (days < 0) overdue += line.quantity;
  }
  if (overdue > 0) notes.push(`${overdue} inbound units are past their ETA and still counted as arriving`);
  const position = available + withinHorizon;

  const demandLead = forecast ? demandOver(v.leadTimeDays, forecast, notes) : null;
  const demandHorizon = forecast ? demandOver(horizonDays, forecast, notes) : null;
  const projectedLead = demandLead === null ? null : available + withinLead - demandLead;
  const projectedHorizon = demandHorizon === null ? null : position - demandHorizon;

  let safety: SafetyStockUsed = { units: 0, source: 'none' };
  if (policy.kind === 'forecast') safety = safetyStock(input, horizonDays, demandHorizon);
  else if (input.safetyStock !== undefined || input.serviceLevel !== undefined) {
    notes.push('min/max: the reorder point already holds the safety stock; the one given is not added');
  }

  let target: number;
  let trigger: number | null = null;
  let shortfall: number;
  let ordering: boolean;
  let reason: ReplenishmentExplanation['reason'];
  let lots: number | null = null;
  if (policy.kind === 'forecast') {
    target = safety.units;
    shortfall = target - projectedHorizon!;
    ordering = shortfall > EPSILON;
    reason = ordering ? 'below-safety-stock' : 'covered';
  } else if (policy.kind === 'reorder-point') {
    trigger = policy.reorderPoint;
    ordering = position <= trigger;
    // The least n with position + n × Q above the reorder point (n ≥ 1 once at or below it).
    lots = ordering ? Math.floor((trigger - position) / policy.orderQuantity) + 1 : 0;
    target = position + Math.max(lots, 1) * policy.orderQuantity;
    shortfall = lots * policy.orderQuantity;
    reason = ordering ? 'at-or-below-reorder-point' : 'above-reorder-point';
  } else {
    target = policy.max;
    trigger = policy.reorderPoint;
    shortfall = target - position;
    ordering = position <= trigger && shortfall > EPSILON;
    reason = position <= trigger ? 'at-or-below-reorder-point' : 'above-reorder-point';
  }

  const need = ordering ? Math.ceil(shortfall - EPSILON) : 0;
  const quantity = need > 0 ? Math.ceil(Math.max(need, v.moq) / v.caseSize) * v.caseSize : 0;
  const rounding = { need, moq: v.moq, caseSize: v.caseSize, quantity };

  const explanation: ReplenishmentExplanation = {
    policy: policy.kind,
    reason,
    lots,
    summary: '',
    leadTimeDays: v.leadTimeDays,
    reviewPeriodDays: v.reviewPeriodDays,
    horizonDays,
    onHand: input.onHand,
    reserved: v.reserved,
    available,
    inboundWithinLeadTime: withinLead,
    inboundWithinHorizon: withinHorizon,
    inboundBeyondHorizon: beyond,
    inboundOverdue: overdue,
    inventoryPosition: position,
    demandOverLeadTime: demandLead,
    demandOverHorizon: demandHorizon,
    projectedAtLeadTime: projectedLead,
    projectedAtHorizon: projectedHorizon,
    safetyStock: safety,
    target,
    trigger,
    shortfall,
    rounding,
    notes,
  };
  explanation.summary = summarise(explanation);
  if (projectedLead !== null && projectedLead < 0 && quantity > 0) {
    notes.push(
      `stock runs out before this order can arrive (${fmt(projectedLead)} at day ${v.leadTimeDays})`,
    );
  }
  return { sku, locationId, quantity, explanation };
}

/**
 * Forecast demand over the next `days`, prorating the last partial period. Beyond the forecast's end
 * the last period's value is assumed (and said): a short forecast must not read as zero demand.
 */
function demandOver(days: number, forecast: DemandForecast, notes: string[]): number {
  const periods = days / forecast.periodDays;
  const { values } = forecast;
  let total = 0;
  const inside = Math.min(Math.ceil(periods), values.length);
  for (let i = 0; i < inside; i++) total += values[i]! * Math.min(1, periods - i);
  if (periods > values.length) {
    total += values[values.length - 1]! * (periods - values.length);
    const note = `the forecast covers ${values.length * forecast.periodDays} days, ${days} needed: its last period's value is assumed beyond`;
    if (!notes.includes(note)) notes.push(note);
  }
  return total;
}

/**
 * Safety stock from forecast error: z × σ × √(exposure periods). The exposure is lead time + review
 * period — stock must last until an order placed at the *next* review arrives — which is the plain
 * √(lead time) of continuous review when the review period is 0.
 *
 * With a lead time that varies (σ_L days, σ_L / period days in periods), demand during the delay
 * adds its own variance, d̄² × σ_L², where d̄ is the mean forecast demand per period over the
 * exposure: z × √(periods × σ² + d̄² × σ_L²) (the usual combined formula, demand and lead time
 * independent).
 */
function safetyStock(
  input: ReplenishmentInput,
  horizonDays: number,
  demandHorizon: number | null,
): SafetyStockUsed {
  if (input.safetyStock !== undefined) return { units: input.safetyStock, source: 'given' };
  if (input.serviceLevel === undefined) return { units: 0, source: 'none' };
  const forecast = input.forecast!;
  const errorSd = forecast.errorSd!;
  const z = zForServiceLevel(input.serviceLevel);
  const periods = horizonDays / forecast.periodDays;
  const used = { source: 'service-level' as const, serviceLevel: input.serviceLevel, z, errorSd, periods };
  const leadTimeSdDays = input.leadTimeSdDays ?? 0;
  if (leadTimeSdDays === 0) return { units: z * errorSd * Math.sqrt(periods), ...used };
  // No exposure means no demand to average: the first period's forecast stands for it.
  const meanDemand = periods > 0 ? (demandHorizon ?? 0) / periods : (forecast.values[0] ?? 0);
  const sdPeriods = leadTimeSdDays / forecast.periodDays;
  const units = z * Math.sqrt(periods * errorSd ** 2 + meanDemand ** 2 * sdPeriods ** 2);
  return { units, ...used, leadTimeSdDays, meanDemand };
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function zForServiceLevel(p: number): number {
  if (!(p > 0 && p < 1))
    throw ReplenishmentErrors.INPUT_INVALID.create(`Service level ${p} is not within (0, 1)`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const tail = (q: number) =>
    (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function summarise(e: ReplenishmentExplanation): string {
  const r = e.rounding;
  const raised = Math.max(r.need, r.moq);
  const moqText = raised > r.need ? `, raised to the MOQ of ${r.moq}` : '';
  const caseText = r.quantity > raised ? `, rounded up to whole cases of ${r.caseSize}` : '';
  const rounded = moqText || caseText ? `; ${r.need} needed${moqText}${caseText}` : '';
  if (e.policy === 'forecast') {
    const stock = `${fmt(e.available)} available + ${fmt(e.inboundWithinHorizon)} inbound by day ${fmt(e.horizonDays)} − ${fmt(e.demandOverHorizon!)} forecast demand = ${fmt(e.projectedAtHorizon!)}`;
    const ss = `the safety stock of ${fmt(e.target)}`;
    if (r.quantity === 0) return `No order: ${stock}, which covers ${ss}.`;
    return `Order ${r.quantity}: ${stock}, ${fmt(e.shortfall)} short of ${ss}${rounded}.`;
  }
  const pos = `position ${fmt(e.inventoryPosition)} (${fmt(e.available)} available + ${fmt(e.inboundWithinHorizon)} inbound by day ${fmt(e.horizonDays)})`;
  if (e.policy === 'reorder-point') {
    if (r.quantity === 0) return `No order: ${pos} is above the reorder point of ${fmt(e.trigger!)}.`;
    return `Order ${r.quantity}: ${pos} is at or below the reorder point of ${fmt(e.trigger!)}; ${e.lots} lot(s) of ${fmt(e.shortfall / e.lots!)} lift it above${rounded}.`;
  }
  if (r.quantity === 0) {
    return e.reason === 'above-reorder-point'
      ? `No order: ${pos} is above the reorder point of ${fmt(e.trigger!)}.`
      : `No order: ${pos} already reaches the max of ${fmt(e.target)}.`;
  }
  return `Order ${r.quantity}: ${pos} is at or below the reorder point of ${fmt(e.trigger!)}; ${fmt(e.shortfall)} brings it to the max of ${fmt(e.target)}${rounded}.`;
}

interface Valid {
  asOfMs: number;
  reserved: number;
  leadTimeDays: number;
  reviewPeriodDays: number;
  moq: number;
  caseSize: number;
}

function validate(input: ReplenishmentInput): Valid {
  const fail = (field: string, detail: string) =>
    ReplenishmentErrors.INPUT_INVALID.create(`${input.sku ?? '?'} @ ${input.locationId ?? '?'}: ${detail}`, {
      field,
      sku: input.sku,
      locationId: input.locationId,
    });
  const count = (field: string, value: unknown, min = 0) => {
    if (!Number.isSafeInteger(value) || (value as number) < min) {
      throw fail(field, `${field} must be a whole number of units ≥ ${min}, got ${String(value)}`);
    }
  };
  // Ten years bounds the horizon: longer is a data error, and it keeps the day arithmetic exact.
  const days = (field: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 3650) {
      throw fail(field, `${field} must be a number of days within [0, 3650], got ${String(value)}`);
    }
  };
  if (typeof input.sku !== 'string' || typeof input.locationId !== 'string') {
    throw fail('sku', 'sku and locationId must be strings');
  }
  const asOfMs = Date.parse(input.asOf);
  if (!Number.isFinite(asOfMs)) throw fail('asOf', `asOf is not an ISO-8601 instant: ${String(input.asOf)}`);
  count('onHand', input.onHand);
  const reserved = input.reserved ?? 0;
  count('reserved', reserved);
  for (const [i, line] of (input.inbound ?? []).entries()) {
    count(`inbound[${i}].quantity`, line.quantity);
    if (!Number.isFinite(Date.parse(line.eta)))
      throw fail(`inbound[${i}].eta`, `ETA is not an ISO-8601 instant`);
  }
  days('leadTimeDays', input.leadTimeDays);
  const reviewPeriodDays = input.reviewPeriodDays ?? 0;
  days('reviewPeriodDays', reviewPeriodDays);
  const moq = input.moq ?? 1;
  const caseSize = input.caseSize ?? 1;
  count('moq', moq, 1);
  count('caseSize', caseSize, 1);

  const { policy, forecast } = input;
  if (policy?.kind === 'min-max') {
    count('policy.reorderPoint', policy.reorderPoint);
    count('policy.max', policy.max);
    if (policy.max < policy.reorderPoint) throw fail('policy.max', 'max is below the reorder point');
  } else if (policy?.kind === 'reorder-point') {
    count('policy.reorderPoint', policy.reorderPoint);
    count('policy.orderQuantity', policy.orderQuantity, 1);
  } else if (policy?.kind === 'forecast') {
    if (!forecast) throw fail('forecast', 'the forecast policy needs a forecast');
  } else throw fail('policy', `unknown policy ${String((policy as { kind?: unknown })?.kind)}`);

  if (input.safetyStock !== undefined && input.serviceLevel !== undefined) {
    throw fail('safetyStock', 'give safetyStock or serviceLevel, not both');
  }
  if (input.safetyStock !== undefined) {
    const ss = input.safetyStock;
    if (typeof ss !== 'number' || !Number.isFinite(ss) || ss < 0) throw fail('safetyStock', 'must be ≥ 0');
  }
  if (input.serviceLevel !== undefined) {
    const p = input.serviceLevel;
    // Below 0.5 the z-score is negative: a "safety" stock that removes stock is a misunderstanding.
    if (typeof p !== 'number' || !(p >= 0.5 && p < 1)) throw fail('serviceLevel', 'must be within [0.5, 1)');
    if (policy.kind === 'forecast' && forecast?.errorSd === undefined) {
      throw fail('forecast.errorSd', 'a service level needs the forecast error σ');
    }
  }
  if (input.leadTimeSdDays !== undefined) {
    days('leadTimeSdDays', input.leadTimeSdDays);
    if (input.serviceLevel === undefined && input.leadTimeSdDays > 0)
      throw fail(
        'leadTimeSdDays',
        "lead-time variability sizes a service level's safety stock: give serviceLevel",
      );
  }
  if (forecast) validateForecast(forecast, fail);
  return { asOfMs, reserved, leadTimeDays: input.leadTimeDays, reviewPeriodDays, moq, caseSize };
}

function validateForecast(f: DemandForecast, fail: (field: string, detail: string) => Error): void {
  if (!Array.isArray(f.values) || f.values.length === 0)
    throw fail('forecast.values', 'forecast has no periods');
  const pd = f.periodDays;
  if (typeof pd !== 'number' || !Number.isFinite(pd) || pd <= 0)
    throw fail('forecast.periodDays', 'must be > 0');
  f.values.forEach((value, index) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw ForecastErrors.NON_FINITE.create(`Forecast period ${index} is ${String(value)}`, { index });
    }
    if (value < 0)
      throw ForecastErrors.NEGATIVE_DEMAND.create(`Forecast period ${index} is ${value}`, { index, value });
  });
  if (f.errorSd !== undefined) {
    if (typeof f.errorSd !== 'number' || !Number.isFinite(f.errorSd)) {
      throw ForecastErrors.NON_FINITE.create(`Forecast error σ is ${String(f.errorSd)}`, {
        field: 'errorSd',
      });
    }
    if (f.errorSd < 0) throw fail('forecast.errorSd', 'must be ≥ 0');
  }
}

import type { ReplenishmentPolicyInput } from './replenishment.schemas.js';
import type { ReplenishmentPolicy as PurePolicy } from './replenishment.suggest.js';

/**
 * The pure steps between stored replenishment data and the pure calculation
 * (replenishment.suggest.ts): the history window, zero-filled demand series, the supply terms in
 * force (policy over supplier), the order cap, and draft purchase order numbers. No store access.
 */

export const DAY_MS = 86_400_000;

/** Daily demand has a weekly rhythm: the default season of a daily forecast; none for longer periods. */
export const seasonLengthOf = (p: { seasonLength?: number; periodDays?: number }) =>
  p.seasonLength ?? ((p.periodDays ?? 1) === 1 ? 7 : 1);

/** `YYYY-MM-DD` of an instant, UTC. */
export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The whole UTC days before the planning instant's day: `[from, to)` as day strings (they compare
 * as text against the ledger's ISO timestamps). Today is left out: a partial day would read as a
 * drop in demand.
 */
export function historyWindow(asOfMs: number, days: number): { from: string; to: string; days: number } {
  const today = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  return { from: utcDay(today - days * DAY_MS), to: utcDay(today), days };
}

/** Units per day from `from` for `days` days; days without a row are zero (no sale is demand 0). */
export function dailySeries(rows: readonly { day: string; units: number }[], from: string, days: number) {
  const start = Date.parse(`${from}T00:00:00Z`);
  const out = new Array<number>(days).fill(0);
  for (const r of rows) {
    const i = Math.round((Date.parse(`${r.day}T00:00:00Z`) - start) / DAY_MS);
    if (i >= 0 && i < days) out[i]! += r.units;
  }
  return out;
}

/**
 * Daily demand summed into periods of `periodDays`, aligned on the end (the last period ends where
 * the history does); a partial period at the start is dropped rather than read as low demand.
 */
export function periodSeries(daily: readonly number[], periodDays: number): number[] {
  if (periodDays === 1) return daily.slice();
  const n = Math.floor(daily.length / periodDays);
  const skip = daily.length - n * periodDays;
  return Array.from({ length: n }, (_, p) => {
    let s = 0;
    for (let d = 0; d < periodDays; d++) s += daily[skip + p * periodDays + d]!;
    return s;
  });
}

export interface SupplierTerms {
  leadTimeDays: number;
  skus?: readonly { sku: string; moq?: number; packSize?: number }[];
}

export interface SupplyTerms {
  supplier: string | null;
  leadTimeDays: number;
  moq: number;
  packSize: number;
  maxOrderQuantity: number | null;
  /** Where each term came from: the policy, the supplier's terms, or the default. */
  sources: Record<'leadTimeDays' | 'moq' | 'packSize', 'policy' | 'supplier' | 'default' | 'receipts'>;
}

/** Received purchase orders a measured lead time looks at (the supplier's latest). */
export const LEAD_TIME_SAMPLES = 20;
/** Fewer received orders than this and the terms' lead time applies. */
export const MIN_LEAD_TIME_SAMPLES = 3;

/** A supplier's lead time as measured: days from sending a purchase order to its first receipt. */
export interface MeasuredLeadTime {
  purchaseOrders: number;
  meanDays: number;
  /** Sample standard deviation (0 for a single order). */
  sdDays: number;
}

/** Mean and sample σ of lead times in days, to 0.1 day. */
export function measureLeadTime(days: readonly number[]): MeasuredLeadTime {
  const n = days.length;
  const mean = n === 0 ? 0 : days.reduce((a, b) => a + b, 0) / n;
  const variance = n < 2 ? 0 : days.reduce((a, d) => a + (d - mean) ** 2, 0) / (n - 1);
  const tenth = (x: number) => Math.round(x * 10) / 10;
  return { purchaseOrders: n, meanDays: tenth(mean), sdDays: tenth(Math.sqrt(variance)) };
}

/**
 * The terms in force: the policy's own, else the supplier's (per SKU for MOQ and pack), else 1 —
 * and the lead time measured from receipts when the policy asks and enough orders were received.
 */
export function resolveTerms(
  sku: string,
  p: ReplenishmentPolicyInput,
  supplier: SupplierTerms | undefined,
  measured?: MeasuredLeadTime,
): SupplyTerms {
  const perSku = supplier?.skus?.find((s) => s.sku === sku);
  const pick = (own: number | undefined, theirs: number | undefined, fallback: number) =>
    own !== undefined
      ? ([own, 'policy'] as const)
      : theirs !== undefined
        ? ([theirs, 'supplier'] as const)
        : ([fallback, 'default'] as const);
  const lead: readonly [number, SupplyTerms['sources']['leadTimeDays']] =
    p.leadTimeFrom === 'receipts' && measured && measured.purchaseOrders >= MIN_LEAD_TIME_SAMPLES
      ? [measured.meanDays, 'receipts']
      : pick(p.leadTimeDays, supplier?.leadTimeDays, 0);
  const moq = pick(p.moq, perSku?.moq, 1);
  const pack = pick(p.packSize, perSku?.packSize, 1);
  return {
    supplier: p.supplier ?? null,
    leadTimeDays: lead[0],
    moq: moq[0],
    packSize: pack[0],
    maxOrderQuantity: p.maxOrderQuantity ?? null,
    sources: { leadTimeDays: lead[1], moq: moq[1], packSize: pack[1] },
  };
}

/** The stored policy as the pure calculation's policy. */
export function purePolicy(p: ReplenishmentPolicyInput): PurePolicy {
  switch (p.kind) {
    case 'reorder_point':
      return { kind: 'reorder-point', reorderPoint: p.reorderPoint!, orderQuantity: p.orderQuantity! };
    case 'min_max':
      return { kind: 'min-max', reorderPoint: p.min!, max: p.max! };
    case 'forecast':
      return { kind: 'forecast' };
  }
}

/**
 * A suggested quantity under the order cap: the largest whole number of packs within it. A cap
 * below one pack (or the MOQ) cannot be met, so the order is left as suggested and said so.
 */
export function capOrder(
  quantity: number,
  terms: Pick<SupplyTerms, 'maxOrderQuantity' | 'packSize' | 'moq'>,
): { quantity: number; note: string | null } {
  const max = terms.maxOrderQuantity;
  if (max === null || quantity <= max) return { quantity, note: null };
  const capped = Math.floor(max / terms.packSize) * terms.packSize;
  if (capped < terms.moq || capped === 0) {
    return {
      quantity,
      note: `the cap of ${max} is below one pack of ${terms.packSize} or the MOQ of ${terms.moq}: not applied`,
    };
  }
  return {
    quantity: capped,
    note: `capped from ${quantity} to ${capped} by the maximum order quantity of ${max}`,
  };
}

/** Longest PO number procurement takes (PROCUREMENT_CODE_PATTERN). */
const MAX_NUMBER = 64;

/**
 * The draft PO number of one supplier × location in a planning run: the same inputs always give the
 * same number, which is what makes creating drafts idempotent per run. Too long for the pattern, the
 * supplier and location are replaced by a hash of them.
 */
export function draftNumber(run: string, supplier: string, location: string, hash: (s: string) => string) {
  const plain = `${run}-${supplier}-${location}`;
  return plain.length <= MAX_NUMBER ? plain : `${run}-${hash(`${supplier}\u0000${location}`).slice(0, 16)}`;
}

/** Default run reference: one planning run per UTC day. */
export const defaultRunReference = (asOfMs: number) => `RP-${utcDay(asOfMs).replaceAll('-', '')}`;

/** Lines grouped per supplier × ship-to location (one purchase order each), in a stable order. */
export function groupBySupplier<L extends { supplier: string | null; location: string; sku: string }>(
  lines: readonly L[],
): { supplier: string | null; location: string; lines: L[] }[] {
  const groups = new Map<string, { supplier: string | null; location: string; lines: L[] }>();
  for (const l of lines) {
    const key = `${l.supplier ?? ''}\u0000${l.location}`;
    const g = groups.get(key) ?? { supplier: l.supplier, location: l.location, lines: [] };
    g.lines.push(l);
    groups.set(key, g);
  }
  const order = (s: string | null) => s ?? '\uffff';
  return [...groups.values()]
    .sort(
      (a, b) => order(a.supplier).localeCompare(order(b.supplier)) || a.location.localeCompare(b.location),
    )
    .map((g) => ({ ...g, lines: g.lines.sort((a, b) => a.sku.localeCompare(b.sku)) }));
}

/**
 * The series from its first period with demand: periods before a SKU's first sale in the window are
 * "not selling yet", not zero demand, and would drag every model towards zero. All-zero stays whole.
 */
export function fromFirstDemand(series: readonly number[]): { series: number[]; dropped: number } {
  const first = series.findIndex((v) => v > 0);
  if (first <= 0) return { series: series.slice(), dropped: 0 };
  return { series: series.slice(first), dropped: first };
}

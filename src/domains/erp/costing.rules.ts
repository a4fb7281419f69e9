import type { FieldError } from './errors.js';
import { levelKey } from './ledger.rules.js';
import { type Entry, type MovementInput, PHYSICAL } from './ledger.types.js';

/**
 * Weighted average cost (WAC) per SKU × location, pure and storage-free.
 *
 * Each SKU × location holds a pool of valued units: `quantity` and `value` (integer minor units
 * of the pool's `currency`); its average unit cost is value / quantity. Goods in transit towards
 * a location have a pool of their own (`transitQuantity`, `transitValue`), so a transfer carries
 * its cost from the origin to the destination instead of being revalued on arrival.
 *
 * - Inflows (receipt, return restock, adjustment up, count gain) enter at the unit cost they carry,
 *   or, without one, at the pool's average (or its last known unit cost; else at zero, unvalued).
 * - Outflows (shipment, scrap, adjustment down, count loss, transfer out) leave at the average.
 *   The last units out take exactly the value that is left, so a pool never keeps a rounding
 *   residue; issuing more than the pool holds (backorders) values the excess at the last unit cost.
 *
 * Values stay integers: an outflow's value is rounded half up, computed in BigInt so that
 * quantity × value never loses precision.
 */

export interface CostPool {
  sku: string;
  location: string;
  /** ISO 4217; null until the first costed inflow fixes it. */
  currency: string | null;
  quantity: number;
  value: number;
  transitQuantity: number;
  transitValue: number;
  /** Average unit cost when the pool last held units (minor units, fractional); null if never valued. */
  lastUnitCost: number | null;
}

export type CostBucket = 'on_hand' | 'in_transit';

/** One change to a pool made by one movement (signed: an outflow is negative). */
export interface CostLine {
  sku: string;
  location: string;
  bucket: CostBucket;
  quantity: number;
  value: number;
  currency: string | null;
  /** Where an inflow's unit cost came from. */
  basis: 'given' | 'average' | 'last' | 'none' | 'transfer' | 'issue';
}

export interface CostingState {
  pools: Map<string, CostPool>;
}

export const emptyPool = (sku: string, location: string): CostPool => ({
  sku,
  location,
  currency: null,
  quantity: 0,
  value: 0,
  transitQuantity: 0,
  transitValue: 0,
  lastUnitCost: null,
});

function poolOf(state: CostingState, sku: string, location: string): CostPool {
  const key = levelKey(sku, location);
  let p = state.pools.get(key);
  if (!p) {
    p = emptyPool(sku, location);
    state.pools.set(key, p);
  }
  return p;
}

/** round(a × b / c), half up, exact for any integers (c > 0). */
export function mulDivRound(a: number, b: number, c: number): number {
  const n = BigInt(a) * BigInt(b);
  const d = BigInt(c);
  const twice = 2n * n + (n >= 0n ? d : -d);
  return Number(twice / (2n * d));
}

/** The value of `q` units leaving a pool of `quantity` units worth `value`. */
export function issueValue(q: number, quantity: number, value: number, lastUnitCost: number | null): number {
  if (quantity > 0 && q <= quantity) return q === quantity ? value : mulDivRound(value, q, quantity);
  const held = Math.max(quantity, 0);
  const rest = Math.round((q - held) * (lastUnitCost ?? 0));
  return (held > 0 ? value : 0) + rest;
}

const averageOf = (quantity: number, value: number): number | null =>
  quantity > 0 ? value / quantity : null;

/** Net change of what is on hand, and of what is in transit, per location, of a movement's entries. */
export function stockDeltas(entries: readonly Entry[]): {
  physical: Map<string, number>;
  transit: Map<string, number>;
} {
  const physical = new Map<string, number>();
  const transit = new Map<string, number>();
  for (const e of entries) {
    if ((PHYSICAL as readonly string[]).includes(e.account))
      physical.set(e.location, (physical.get(e.location) ?? 0) + e.quantity);
    else if (e.account === 'in_transit') transit.set(e.location, (transit.get(e.location) ?? 0) + e.quantity);
  }
  return { physical, transit };
}

/** Does a movement change what is on hand or in transit anywhere (and so, what its stock is worth)? */
export function movesValue(entries: readonly Entry[]): boolean {
  const { physical, transit } = stockDeltas(entries);
  for (const m of [physical, transit]) for (const v of m.values()) if (v !== 0) return true;
  return false;
}

/** Movements may carry a unit cost in a currency; these are the types that take one. */
export const COSTED_INFLOWS: ReadonlySet<MovementInput['type']> = new Set([
  'receipt',
  'return_restock',
  'adjustment',
  'cycle_count',
]);

/**
 * The cost lines of one movement, applied to `state` (so the next movement of a batch sees them).
 * `entries` are the movement's ledger entries; problems (a unit cost in another currency than
 * the pool's) are returned and the state is left untouched for this movement.
 */
export function costMovement(
  m: MovementInput,
  entries: readonly Entry[],
  state: CostingState,
  path: string,
): { lines: CostLine[]; problems: FieldError[] } {
  const { physical } = stockDeltas(entries);
  const problems: FieldError[] = [];
  const lines: CostLine[] = [];

  if (m.type === 'transfer_out') {
    const from = poolOf(state, m.sku, m.location);
    const to = poolOf(state, m.sku, m.toLocation!);
    const q = -(physical.get(m.location) ?? 0);
    if (q === 0) return { lines, problems };
    if (from.currency && to.currency && from.currency !== to.currency) {
      problems.push(mismatch(path, 'toLocation', m.toLocation!, to.currency, from.currency));
      return { lines, problems };
    }
    const v = issueValue(q, from.quantity, from.value, from.lastUnitCost);
    lines.push(take(from, q, v, 'issue'));
    to.currency ??= from.currency;
    to.transitQuantity += q;
    to.transitValue += v;
    lines.push({
      sku: m.sku,
      location: to.location,
      bucket: 'in_transit',
      quantity: q,
      value: v,
      currency: to.currency,
      basis: 'transfer',
    });
    return { lines, problems };
  }

  if (m.type === 'transfer_in') {
    const p = poolOf(state, m.sku, m.location);
    const q = physical.get(m.location) ?? 0;
    if (q === 0) return { lines, problems };
    const v = issueValue(q, p.transitQuantity, p.transitValue, averageOf(p.transitQuantity, p.transitValue));
    p.transitQuantity -= q;
    p.transitValue -= v;
    lines.push({
      sku: m.sku,
      location: p.location,
      bucket: 'in_transit',
      quantity: -q,
      value: -v,
      currency: p.currency,
      basis: 'transfer',
    });
    lines.push(put(p, q, v, 'transfer'));
    return { lines, problems };
  }

  const delta = physical.get(m.location) ?? 0;
  if (delta === 0) return { lines, problems };
  const p = poolOf(state, m.sku, m.location);
  if (delta < 0) {
    lines.push(take(p, -delta, issueValue(-delta, p.quantity, p.value, p.lastUnitCost), 'issue'));
    return { lines, problems };
  }
  if (m.unitCost !== undefined && COSTED_INFLOWS.has(m.type)) {
    if (p.currency && p.currency !== m.currency) {
      problems.push(mismatch(path, 'currency', m.currency!, p.currency, m.currency!));
      return { lines, problems };
    }
    p.currency ??= m.currency!;
    lines.push(put(p, delta, delta * m.unitCost, 'given'));
    return { lines, problems };
  }
  const average = averageOf(p.quantity, p.value);
  const unit = average ?? p.lastUnitCost;
  const basis = average !== null ? 'average' : unit !== null ? 'last' : 'none';
  lines.push(put(p, delta, Math.round(delta * (unit ?? 0)), basis));
  return { lines, problems };
}

function take(p: CostPool, q: number, v: number, basis: CostLine['basis']): CostLine {
  p.lastUnitCost = averageOf(p.quantity, p.value) ?? p.lastUnitCost;
  p.quantity -= q;
  p.value -= v;
  return {
    sku: p.sku,
    location: p.location,
    bucket: 'on_hand',
    quantity: -q,
    value: -v,
    currency: p.currency,
    basis,
  };
}

function put(p: CostPool, q: number, v: number, basis: CostLine['basis']): CostLine {
  p.quantity += q;
  p.value += v;
  p.lastUnitCost = averageOf(p.quantity, p.value) ?? p.lastUnitCost;
  return {
    sku: p.sku,
    location: p.location,
    bucket: 'on_hand',
    quantity: q,
    value: v,
    currency: p.currency,
    basis,
  };
}

function mismatch(path: string, field: string, what: string, has: string, given: string): FieldError {
  return {
    field: `${path}.${field}`,
    code: 'CURRENCY_MISMATCH',
    message: `${what}: inventory there is valued in ${has}, not ${given}`,
  };
}

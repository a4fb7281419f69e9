import type { FieldError } from './errors.js';
import {
  type Account,
  BUCKETS,
  type Bucket,
  type Entry,
  type MovementInput,
  PHYSICAL,
  type Quantities,
} from './ledger.types.js';
import { REGISTERING_TYPES } from './ledger.validate.js';

/**
 * Movement → entries, against the state of the batch so far, and the stock rules:
 *   - reserved, allocated, picked, inbound and in_transit never go below zero;
 *   - on hand never goes below zero (nothing leaves that is not there);
 *   - available goes below zero only where the SKU × location allows backorders.
 * A rule is checked only for buckets a movement decreases: a receipt into a backordered location
 * is never refused for leaving available negative.
 */

export interface LevelState {
  q: Quantities;
  safetyStock: number;
  allowBackorder: boolean;
}

export interface ReservationState {
  key: string;
  sku: string;
  location: string;
  quantity: number;
  remaining: number;
  allocated: number;
  status: 'active' | 'released' | 'expired' | 'allocated';
  expiresAt: string | null;
  createdAt: string;
  isNew: boolean;
}

export interface InboundState {
  reference: string;
  sku: string;
  location: string;
  quantity: number;
  remaining: number;
  eta: string;
  createdAt: string;
  isNew: boolean;
}

/** What the writer loaded for a batch; the rules read and advance it movement by movement. */
export interface LedgerState {
  now: string;
  locations: ReadonlySet<string>;
  items: Set<string>;
  levels: Map<string, LevelState>;
  reservations: Map<string, ReservationState>;
  inbound: Map<string, InboundState>;
}

export interface Effect {
  entries: Entry[];
  /** Units moved. */
  quantity: number;
  details: Record<string, unknown>;
  reservation?: ReservationState;
  inbound?: InboundState;
  count?: { expected: number; counted: number; variance: number };
  /** The SKU is new to the ERP and registered by this movement. */
  registers: boolean;
}

export const levelKey = (sku: string, location: string) => `${sku}\u0000${location}`;
export const zeroQuantities = (): Quantities => Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Quantities;
export const onHandOf = (q: Quantities) => PHYSICAL.reduce((s, b) => s + q[b], 0);

export function levelOf(state: LedgerState, sku: string, location: string): LevelState {
  const key = levelKey(sku, location);
  let l = state.levels.get(key);
  if (!l) {
    l = { q: zeroQuantities(), safetyStock: 0, allowBackorder: false };
    state.levels.set(key, l);
  }
  return l;
}

const isBucket = (a: Account): a is Bucket => (BUCKETS as readonly string[]).includes(a);

/**
 * Plan one movement (already shape-checked) against the state. Returns its effect, or the
 * problems: `invalid` (it names something that does not exist, or does not fit) and `shortages`
 * (there is not enough of something). Does not change the state: see `applyEffect`.
 */
export function planMovement(
  m: MovementInput,
  state: LedgerState,
  path: string,
): { effect?: Effect; invalid: FieldError[]; shortages: FieldError[] } {
  const invalid: FieldError[] = [];
  const shortages: FieldError[] = [];
  const bad = (field: string, code: string, message: string) =>
    invalid.push({ field: `${path}.${field}`, code, message });
  const short = (code: string, message: string) => shortages.push({ field: path, code, message });
  const { sku } = m;
  const L = m.location;
  const q = m.quantity ?? 0;
  const details: Record<string, unknown> = {};
  for (const f of [
    'toLocation',
    'fromLocation',
    'reservation',
    'expiresAt',
    'ttlSeconds',
    'eta',
    'inbound',
    'direction',
    'counted',
    'from',
    'reason',
    'note',
  ] as const)
    if (m[f] !== undefined) details[f] = m[f];

  if (!state.locations.has(L)) bad('location', 'LOCATION_UNKNOWN', `no location "${L}"`);
  for (const f of ['toLocation', 'fromLocation'] as const)
    if (m[f] !== undefined && !state.locations.has(m[f] as string))
      bad(f, 'LOCATION_UNKNOWN', `no location "${m[f]}"`);
  const registers = !state.items.has(sku) && REGISTERING_TYPES.has(m.type);
  if (!state.items.has(sku) && !registers)
    bad(
      'sku',
      'SKU_UNKNOWN',
      `the ERP does not know SKU "${sku}": receive it, count it or register it first`,
    );

  const e = (account: Account, quantity: number, location = L): Entry => ({ location, account, quantity });
  let entries: Entry[] = [];
  let moved = q;
  let reservation: ReservationState | undefined;
  let inbound: InboundState | undefined;
  let count: Effect['count'];

  /** The reservation a release/allocation names, checked to be active and for this SKU × location. */
  const activeReservation = (): ReservationState | undefined => {
    const r = state.reservations.get(m.reservation!);
    if (!r) return void bad('reservation', 'RESERVATION_UNKNOWN', `no reservation "${m.reservation}"`);
    if (r.sku !== sku || r.location !== L)
      return void bad(
        'reservation',
        'RESERVATION_MISMATCH',
        `reservation "${r.key}" is for ${r.sku} at ${r.location}`,
      );
    if (r.status !== 'active')
      return void short('RESERVATION_NOT_ACTIVE', `reservation "${r.key}" is ${r.status}`);
    return r;
  };
  const knownInbound = (): InboundState | undefined => {
    const i = state.inbound.get(m.inbound!);
    if (!i) return void bad('inbound', 'INBOUND_UNKNOWN', `no expected inbound "${m.inbound}"`);
    if (i.sku !== sku || i.location !== L)
      return void bad(
        'inbound',
        'INBOUND_MISMATCH',
        `inbound "${i.reference}" is for ${i.sku} at ${i.location}`,
      );
    return i;
  };

  switch (m.type) {
    case 'receipt': {
      // Against an expected inbound: what was expected leaves inbound, any excess comes from outside.
      let fromInbound = 0;
      if (m.inbound !== undefined) {
        const i = knownInbound();
        if (i) {
          fromInbound = Math.min(q, i.remaining);
          inbound = { ...i, remaining: i.remaining - fromInbound };
        }
      }
      entries = [e('inbound', -fromInbound), e('external', -(q - fromInbound)), e('available', q)];
      details.fromInbound = fromInbound;
      break;
    }
    case 'expect_inbound':
      if (state.inbound.has(m.reference))
        bad('reference', 'INBOUND_EXISTS', `inbound "${m.reference}" exists`);
      inbound = {
        reference: m.reference,
        sku,
        location: L,
        quantity: q,
        remaining: q,
        eta: m.eta!,
        createdAt: state.now,
        isNew: true,
      };
      entries = [e('external', -q), e('inbound', q)];
      break;
    case 'inbound_cancel': {
      const i = knownInbound();
      if (i && q > i.remaining)
        short('INBOUND_EXCEEDED', `inbound "${i.reference}" expects ${i.remaining} more, not ${q}`);
      if (i) inbound = { ...i, remaining: i.remaining - q };
      entries = [e('inbound', -q), e('external', q)];
      break;
    }
    case 'reservation': {
      const key = m.reservation!;
      if (state.reservations.has(key))
        bad(
          'reservation',
          'RESERVATION_EXISTS',
          `reservation "${key}" exists (posted under another reference)`,
        );
      const expiresAt =
        m.expiresAt ??
        (m.ttlSeconds ? new Date(Date.parse(state.now) + m.ttlSeconds * 1000).toISOString() : null);
      reservation = {
        key,
        sku,
        location: L,
        quantity: q,
        remaining: q,
        allocated: 0,
        status: 'active',
        expiresAt,
        createdAt: state.now,
        isNew: true,
      };
      if (expiresAt) details.expiresAt = expiresAt;
      entries = [e('available', -q), e('reserved', q)];
      break;
    }
    case 'release': {
      const r = activeReservation();
      moved = m.quantity ?? r?.remaining ?? 0;
      if (r && moved > r.remaining)
        short('RESERVATION_EXCEEDED', `reservation "${r.key}" holds ${r.remaining}, not ${moved}`);
      if (r) {
        const remaining = r.remaining - moved;
        const done = m.reason === 'expired' ? 'expired' : 'released';
        reservation = { ...r, remaining, status: remaining === 0 ? done : 'active' };
      }
      entries = [e('reserved', -moved), e('available', moved)];
      break;
    }
    case 'allocation': {
      if (m.reservation === undefined) {
        entries = [e('available', -q), e('allocated', q)];
        break;
      }
      const r = activeReservation();
      moved = m.quantity ?? r?.remaining ?? 0;
      if (r && moved > r.remaining)
        short('RESERVATION_EXCEEDED', `reservation "${r.key}" holds ${r.remaining}, not ${moved}`);
      if (r) {
        const remaining = r.remaining - moved;
        reservation = {
          ...r,
          remaining,
          allocated: r.allocated + moved,
          status: remaining === 0 ? 'allocated' : 'active',
        };
      }
      entries = [e('reserved', -moved), e('allocated', moved)];
      break;
    }
    case 'pick':
      entries = [e('allocated', -q), e('picked', q)];
      break;
    case 'shipment':
      entries = [e(m.from ?? 'allocated', -q), e('shipped', q)];
      break;
    case 'return_restock':
      entries = [e('shipped', -q), e('available', q)];
      break;
    case 'adjustment':
      entries =
        m.direction === 'increase'
          ? [e('variance', -q), e('available', q)]
          : [e('available', -q), e('variance', q)];
      break;
    case 'cycle_count': {
      // The count is the truth: the difference to the ledger is posted as a variance of available.
      const expected = onHandOf(levelOf(state, sku, L).q);
      const variance = m.counted! - expected;
      count = { expected, counted: m.counted!, variance };
      Object.assign(details, count);
      moved = Math.abs(variance);
      entries = [e('variance', -variance), e('available', variance)];
      break;
    }
    case 'transfer_out':
      entries = [e('available', -q), e('in_transit', q, m.toLocation!)];
      break;
    case 'transfer_in':
      entries = [e('in_transit', -q), e('available', q)];
      break;
    case 'scrap':
      entries = [e('available', -q), e('scrap', q)];
      break;
  }
  entries = entries.filter((x) => x.quantity !== 0);
  if (invalid.length > 0) return { invalid, shortages };
  checkStock(m, entries, state, short);
  if (shortages.length > 0) return { invalid, shortages };
  return {
    effect: { entries, quantity: moved, details, reservation, inbound, count, registers },
    invalid,
    shortages,
  };
}

function checkStock(
  m: MovementInput,
  entries: readonly Entry[],
  state: LedgerState,
  short: (code: string, message: string) => void,
): void {
  const byLocation = new Map<string, Partial<Record<Bucket, number>>>();
  for (const x of entries) {
    if (!isBucket(x.account)) continue;
    const d = byLocation.get(x.location) ?? {};
    d[x.account] = (d[x.account] ?? 0) + x.quantity;
    byLocation.set(x.location, d);
  }
  for (const [location, deltas] of byLocation) {
    const level = levelOf(state, m.sku, location);
    let onHandDelta = 0;
    for (const [bucket, delta] of Object.entries(deltas) as [Bucket, number][]) {
      if (PHYSICAL.includes(bucket)) onHandDelta += delta;
      const after = level.q[bucket] + delta;
      if (delta >= 0 || after >= 0) continue;
      if (bucket === 'available' && level.allowBackorder) continue;
      short(
        'INSUFFICIENT_STOCK',
        `${m.type} of ${-delta} × ${m.sku} at ${location}: ${bucket} is ${level.q[bucket]}` +
          (bucket === 'available' ? ' (backorders not allowed)' : ''),
      );
    }
    const onHand = onHandOf(level.q);
    if (onHandDelta < 0 && onHand + onHandDelta < 0)
      short(
        'INSUFFICIENT_STOCK',
        `${m.type} of ${-onHandDelta} × ${m.sku} at ${location}: on hand is ${onHand}`,
      );
  }
}

/** Advance the batch's state by a planned effect (so the next movement sees it). */
export function applyEffect(m: MovementInput, effect: Effect, state: LedgerState): void {
  for (const x of effect.entries)
    if (isBucket(x.account)) levelOf(state, m.sku, x.location).q[x.account] += x.quantity;
  if (effect.reservation) state.reservations.set(effect.reservation.key, effect.reservation);
  if (effect.inbound) state.inbound.set(effect.inbound.reference, effect.inbound);
  if (effect.registers) state.items.add(m.sku);
}

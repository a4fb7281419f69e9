import { digest } from '../../kernel/json.js';
import { isCurrency } from '../../kernel/money.js';
import type { FieldError } from './errors.js';
import { MOVEMENT_TYPES, type MovementInput, type MovementType } from './ledger.types.js';

/**
 * Checks of a movement that need no stored state: the type, patterns, quantities, and which
 * type-specific fields it must, may and must not carry. Every problem is reported (not the first).
 * State-dependent checks (known location, SKU, reservation; enough stock) are in ledger.rules.ts.
 */

export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$';
export const LOCATION_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
/** References and reservation keys: visible ASCII, e.g. `order:ord_1:line:2:reserve`. */
export const REFERENCE_PATTERN = '^[\\x21-\\x7e]{1,200}$';
const SKU_RE = new RegExp(SKU_PATTERN);
const LOCATION_RE = new RegExp(LOCATION_CODE_PATTERN);
const REFERENCE_RE = new RegExp(REFERENCE_PATTERN);
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
export const MAX_QUANTITY = 1_000_000_000;

type Field = keyof MovementInput;
interface TypeSpec {
  required: Field[];
  optional: Field[];
}
const COMMON: Field[] = ['type', 'reference', 'sku', 'location', 'reason', 'occurredAt', 'note'];
const SPECS: Record<MovementType, TypeSpec> = {
  receipt: { required: ['quantity'], optional: ['inbound', 'unitCost', 'currency'] },
  expect_inbound: { required: ['quantity', 'eta'], optional: [] },
  inbound_cancel: { required: ['quantity', 'inbound'], optional: [] },
  reservation: { required: ['quantity'], optional: ['reservation', 'expiresAt', 'ttlSeconds'] },
  release: { required: ['reservation'], optional: ['quantity'] },
  // With a reservation, quantity defaults to what it still holds (so a retry is the same content).
  allocation: { required: [], optional: ['quantity', 'reservation'] },
  pick: { required: ['quantity'], optional: [] },
  shipment: { required: ['quantity'], optional: ['from', 'orderLine', 'unitPrice', 'currency'] },
  return_restock: { required: ['quantity'], optional: ['orderLine', 'unitCost', 'currency'] },
  adjustment: { required: ['quantity', 'direction'], optional: ['unitCost', 'currency'] },
  cycle_count: { required: ['counted'], optional: ['unitCost', 'currency'] },
  transfer_out: { required: ['quantity', 'toLocation'], optional: [] },
  transfer_in: { required: ['quantity'], optional: ['fromLocation'] },
  scrap: { required: ['quantity'], optional: [] },
};

/** Types that register an unknown SKU in `erp_items` instead of refusing it (see docs/erp.md). */
export const REGISTERING_TYPES: ReadonlySet<MovementType> = new Set([
  'receipt',
  'expect_inbound',
  'adjustment',
  'cycle_count',
]);

export function isMovementType(t: unknown): t is MovementType {
  return typeof t === 'string' && (MOVEMENT_TYPES as readonly string[]).includes(t);
}

export const isSku = (s: unknown): s is string => typeof s === 'string' && SKU_RE.test(s);
export const isLocationCode = (s: unknown): s is string => typeof s === 'string' && LOCATION_RE.test(s);

/** A UTC ISO-8601 instant, normalized (`…Z` with milliseconds), or undefined if not one. */
export function isoInstant(s: unknown): string | undefined {
  if (typeof s !== 'string' || !ISO_RE.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function intIn(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Validate one movement; returns its problems (field paths prefixed with `path`) and, when there
 * are none, the normalized movement (timestamps as ISO, a reservation's key defaulted).
 */
export function checkMovement(
  raw: MovementInput,
  path: string,
): { errors: FieldError[]; movement?: MovementInput } {
  const errors: FieldError[] = [];
  const err = (field: string, code: string, message: string) =>
    errors.push({ field: `${path}.${field}`, code, message });
  const m = { ...raw };
  if (!isMovementType(m.type)) {
    err(
      'type',
      'TYPE_UNKNOWN',
      `unknown movement type "${String(m.type)}"; one of ${MOVEMENT_TYPES.join(', ')}`,
    );
    return { errors };
  }
  const spec = SPECS[m.type];
  if (typeof m.reference !== 'string' || !REFERENCE_RE.test(m.reference))
    err('reference', 'REFERENCE_INVALID', 'must be 1–200 visible ASCII characters');
  if (!isSku(m.sku)) err('sku', 'SKU_INVALID', `must match ${SKU_PATTERN}`);
  if (!isLocationCode(m.location)) err('location', 'LOCATION_INVALID', `must match ${LOCATION_CODE_PATTERN}`);
  const allowed = new Set<string>([...COMMON, ...spec.required, ...spec.optional]);
  for (const [k, v] of Object.entries(m))
    if (v !== undefined && !allowed.has(k))
      err(k, 'FIELD_NOT_ALLOWED', `a ${m.type} movement does not take "${k}"`);
  for (const f of spec.required)
    if (m[f] === undefined || m[f] === null) err(f, 'FIELD_REQUIRED', `a ${m.type} movement needs "${f}"`);

  if (m.type === 'allocation' && m.reservation === undefined && m.quantity === undefined)
    err('quantity', 'FIELD_REQUIRED', 'an allocation without a reservation needs "quantity"');
  if (m.quantity !== undefined && !intIn(m.quantity, 1, MAX_QUANTITY))
    err('quantity', 'QUANTITY_INVALID', `must be a positive integer (at most ${MAX_QUANTITY})`);
  if (m.counted !== undefined && !intIn(m.counted, 0, MAX_QUANTITY))
    err('counted', 'COUNT_INVALID', `must be an integer from 0 to ${MAX_QUANTITY}`);
  if (m.ttlSeconds !== undefined && !intIn(m.ttlSeconds, 1, 366 * 86_400))
    err('ttlSeconds', 'TTL_INVALID', 'must be an integer number of seconds, 1 to 366 days');
  if (m.ttlSeconds !== undefined && m.expiresAt !== undefined)
    err('expiresAt', 'EXPIRY_AMBIGUOUS', 'give expiresAt or ttlSeconds, not both');
  for (const f of ['expiresAt', 'eta', 'occurredAt'] as const) {
    if (m[f] === undefined) continue;
    const iso = isoInstant(m[f]);
    if (iso === undefined)
      err(f, 'TIME_INVALID', 'must be an ISO-8601 instant with a zone, e.g. 2026-03-01T12:00:00Z');
    else m[f] = iso;
  }
  for (const f of ['reservation', 'inbound'] as const)
    if (m[f] !== undefined && (typeof m[f] !== 'string' || !REFERENCE_RE.test(m[f] as string)))
      err(f, 'REFERENCE_INVALID', 'must be 1–200 visible ASCII characters');
  if (m.toLocation !== undefined) {
    if (!isLocationCode(m.toLocation))
      err('toLocation', 'LOCATION_INVALID', `must match ${LOCATION_CODE_PATTERN}`);
    else if (m.toLocation === m.location)
      err('toLocation', 'TRANSFER_SAME_LOCATION', 'a transfer must go to another location');
  }
  if (m.fromLocation !== undefined && !isLocationCode(m.fromLocation))
    err('fromLocation', 'LOCATION_INVALID', `must match ${LOCATION_CODE_PATTERN}`);
  if (m.direction !== undefined && m.direction !== 'increase' && m.direction !== 'decrease')
    err('direction', 'DIRECTION_INVALID', 'must be "increase" or "decrease"');
  if (m.from !== undefined && m.from !== 'allocated' && m.from !== 'picked')
    err('from', 'BUCKET_INVALID', 'a shipment leaves from "allocated" or "picked"');
  checkMoney(m, err);
  for (const f of ['reason', 'note'] as const)
    if (m[f] !== undefined && (typeof m[f] !== 'string' || (m[f] as string).length > 500))
      err(f, 'TEXT_INVALID', 'must be a string of at most 500 characters');

  if (m.type === 'reservation' && m.reservation === undefined) m.reservation = m.reference;
  return errors.length > 0 ? { errors } : { errors, movement: m };
}

/** Largest unit cost or price, in minor units: totals stay far below 2^53 at MAX_QUANTITY units. */
export const MAX_UNIT_AMOUNT = 1_000_000_000;

/** A unit cost or price comes with its currency, and a currency with an amount to qualify. */
function checkMoney(m: MovementInput, err: (field: string, code: string, message: string) => void): void {
  const amount = m.unitCost !== undefined ? 'unitCost' : m.unitPrice !== undefined ? 'unitPrice' : undefined;
  for (const f of ['unitCost', 'unitPrice'] as const)
    if (m[f] !== undefined && !intIn(m[f], 0, MAX_UNIT_AMOUNT))
      err(f, 'AMOUNT_INVALID', `must be an integer number of minor units, 0 to ${MAX_UNIT_AMOUNT}`);
  if (m.currency !== undefined && !isCurrency(m.currency))
    err('currency', 'CURRENCY_INVALID', 'must be an ISO 4217 code, e.g. EUR');
  if (amount && m.currency === undefined) err('currency', 'FIELD_REQUIRED', `"${amount}" needs "currency"`);
  if (!amount && m.currency !== undefined)
    err('currency', 'FIELD_NOT_ALLOWED', '"currency" qualifies a unitCost or unitPrice; give one');
  if (m.unitCost !== undefined && m.type === 'adjustment' && m.direction === 'decrease')
    err('unitCost', 'FIELD_NOT_ALLOWED', 'a decrease leaves at the average cost; it takes no unitCost');
  if (m.orderLine !== undefined && (typeof m.orderLine !== 'string' || !REFERENCE_RE.test(m.orderLine)))
    err('orderLine', 'REFERENCE_INVALID', 'must be 1–200 visible ASCII characters');
}

/**
 * What makes two postings of one reference "the same": every field that changes the effect.
 * When it happened and the note are metadata: a retry may stamp them anew.
 */
export function contentHash(m: MovementInput): string {
  const { occurredAt: _at, note: _note, ...content } = m;
  return digest(content);
}

import { isCurrency } from '../../kernel/money.js';
import type { FieldError } from './errors.js';
import { isoInstant, isSku, MAX_QUANTITY, SKU_PATTERN } from './ledger.validate.js';
import type { PriceContext, PriceLine, PriceList } from './price.types.js';

/**
 * Checks of price lists that need no stored state. Every problem is reported, not the first, so
 * that an import or a form can show them all at once. `validatePriceList` looks at one list;
 * `validatePriceLists` adds what only a set can tell: duplicate codes and broken inheritance.
 */

/** List, channel and customer-group codes. */
export const PRICE_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$';
const CODE_RE = new RegExp(PRICE_CODE_PATTERN);
export const MAX_ADJUSTMENT_PERCENT = 1000;

export const isPriceCode = (s: unknown): s is string => typeof s === 'string' && CODE_RE.test(s);

/** Milliseconds of an optional bound: `open` (±Infinity) when absent, NaN when malformed. */
export function boundMs(s: unknown, open: number): number {
  if (s === undefined || s === null) return open;
  const iso = isoInstant(s);
  return iso === undefined ? Number.NaN : Date.parse(iso);
}

/**
 * A percentage as integer basis points (−12.5 → −1250), so that adjustments are computed without
 * floating-point error; undefined unless finite, at most two decimals and within −100…1000.
 */
export function adjustmentBasisPoints(pct: unknown): number | undefined {
  if (typeof pct !== 'number' || !Number.isFinite(pct)) return undefined;
  const bp = Math.round(pct * 100);
  // pct * 100 of a two-decimal number is within float noise of an integer; anything else is not.
  if (Math.abs(pct * 100 - bp) > 1e-6) return undefined;
  return bp < -10_000 || bp > MAX_ADJUSTMENT_PERCENT * 100 ? undefined : bp;
}

const isPrice = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isQuantity = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= MAX_QUANTITY;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An entry that passed its own checks, reduced to what the overlap check needs. */
interface CleanEntry {
  index: number;
  sku: string;
  from: number;
  to: number;
  tiers: number[];
}

const showBound = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'open');

/** Problems of one list; field paths are prefixed with `path` (e.g. `[3]`) when given. */
export function validatePriceList(list: PriceList, path = ''): FieldError[] {
  const errors: FieldError[] = [];
  const at = (f: string) => (path === '' ? f : `${path}.${f}`);
  const err = (field: string, code: string, message: string) =>
    errors.push({ field: at(field), code, message });
  if (!isObject(list)) {
    errors.push({ field: path || 'list', code: 'LIST_INVALID', message: 'a price list must be an object' });
    return errors;
  }
  if (!isPriceCode(list.code)) err('code', 'CODE_INVALID', `must match ${PRICE_CODE_PATTERN}`);
  if (typeof list.name !== 'string' || list.name.trim() === '' || list.name.length > 200)
    err('name', 'NAME_INVALID', 'must be a non-empty string of at most 200 characters');
  if (!isCurrency(list.currency))
    err('currency', 'CURRENCY_INVALID', `"${String(list.currency)}" is not an ISO 4217 currency code`);
  if (!Array.isArray(list.channels) || list.channels.length === 0)
    err('channels', 'CHANNELS_REQUIRED', 'a price list applies to at least one channel');
  else {
    const seen = new Set<unknown>();
    list.channels.forEach((c, i) => {
      if (!isPriceCode(c)) err(`channels[${i}]`, 'CHANNEL_INVALID', `must match ${PRICE_CODE_PATTERN}`);
      else if (seen.has(c)) err(`channels[${i}]`, 'CHANNEL_DUPLICATE', `channel "${c}" is listed twice`);
      seen.add(c);
    });
  }
  if (list.customerGroup != null && !isPriceCode(list.customerGroup))
    err('customerGroup', 'GROUP_INVALID', `must match ${PRICE_CODE_PATTERN}`);
  if (typeof list.priority !== 'number' || !Number.isSafeInteger(list.priority))
    err('priority', 'PRIORITY_INVALID', 'must be an integer');
  if (typeof list.pricesIncludeTax !== 'boolean')
    err('pricesIncludeTax', 'TAX_FLAG_INVALID', 'must be true (gross prices) or false (net prices)');
  checkRange(list.validFrom, list.validTo, '', ['validFrom', 'validTo'], err);
  if (list.parent != null) {
    if (!isObject(list.parent)) err('parent', 'PARENT_INVALID', 'must be { code, adjustmentPercent }');
    else {
      if (!isPriceCode(list.parent.code))
        err('parent.code', 'PARENT_INVALID', `must match ${PRICE_CODE_PATTERN}`);
      if (adjustmentBasisPoints(list.parent.adjustmentPercent) === undefined)
        err(
          'parent.adjustmentPercent',
          'ADJUSTMENT_INVALID',
          `must be a percentage with at most two decimals, from -100 to ${MAX_ADJUSTMENT_PERCENT}`,
        );
    }
  }
  if (!Array.isArray(list.entries)) {
    err('entries', 'ENTRIES_INVALID', 'must be an array (empty for a list that only inherits)');
    return errors;
  }
  const clean: CleanEntry[] = [];
  for (const [i, entry] of (list.entries as unknown[]).entries()) {
    const before = errors.length;
    const e = checkEntry(entry, i, err);
    if (e && errors.length === before) clean.push(e);
  }
  checkOverlaps(clean, err);
  return errors;
}

type Err = (field: string, code: string, message: string) => void;
const OPEN = { from: Number.NEGATIVE_INFINITY, to: Number.POSITIVE_INFINITY };

/** Both bounds well-formed and from strictly before to; the bounds in ms, or undefined. */
function checkRange(from: unknown, to: unknown, prefix: string, names: [string, string], err: Err) {
  if (from == null && to == null) return OPEN;
  const f = boundMs(from, OPEN.from);
  const t = boundMs(to, OPEN.to);
  const hint = 'must be an ISO-8601 instant with a zone, e.g. 2026-03-01T00:00:00Z';
  if (Number.isNaN(f)) err(prefix + names[0], 'TIME_INVALID', hint);
  if (Number.isNaN(t)) err(prefix + names[1], 'TIME_INVALID', hint);
  // Half-open ranges: from === to would be a range in force at no instant at all.
  if (f >= t) err(prefix + names[1], 'RANGE_INVERTED', `${names[1]} must be after ${names[0]}`);
  return Number.isNaN(f) || Number.isNaN(t) || f >= t ? undefined : { from: f, to: t };
}

const PRICE_HINT = 'must be a non-negative integer of minor units';

/** One entry's problems; field paths are built only on error, as a big list is mostly valid. */
function checkEntry(entry: unknown, i: number, err: Err): CleanEntry | undefined {
  const at = (f: string) => `entries[${i}]${f}`;
  if (!isObject(entry)) {
    err(at(''), 'ENTRY_INVALID', 'an entry must be an object');
    return undefined;
  }
  if (!isSku(entry.sku)) err(at('.sku'), 'SKU_INVALID', `must match ${SKU_PATTERN}`);
  if (!isPrice(entry.unitPrice)) err(at('.unitPrice'), 'PRICE_INVALID', PRICE_HINT);
  const min = entry.minQuantity ?? 1;
  if (!isQuantity(min, 1))
    err(at('.minQuantity'), 'QUANTITY_INVALID', `must be an integer from 1 to ${MAX_QUANTITY}`);
  const tiers = [min as number];
  if (entry.breaks != null && !Array.isArray(entry.breaks))
    err(at('.breaks'), 'BREAKS_INVALID', 'must be an array');
  else if (entry.breaks != null)
    for (const [k, b] of (entry.breaks as unknown[]).entries()) {
      if (!isObject(b)) {
        err(at(`.breaks[${k}]`), 'BREAK_INVALID', 'must be { minQuantity, unitPrice }');
        continue;
      }
      if (!isPrice(b.unitPrice)) err(at(`.breaks[${k}].unitPrice`), 'PRICE_INVALID', PRICE_HINT);
      if (!isQuantity(b.minQuantity, 2)) {
        err(
          at(`.breaks[${k}].minQuantity`),
          'QUANTITY_INVALID',
          `must be an integer from 2 to ${MAX_QUANTITY}`,
        );
        continue;
      }
      const prev = tiers[tiers.length - 1];
      if (typeof prev === 'number' && b.minQuantity <= prev)
        err(
          at(`.breaks[${k}].minQuantity`),
          'BREAKS_NOT_INCREASING',
          `${b.minQuantity} must be above the previous tier's minimum quantity ${prev}`,
        );
      tiers.push(b.minQuantity);
    }
  const range =
    entry.effectiveFrom == null && entry.effectiveTo == null
      ? OPEN
      : checkRange(entry.effectiveFrom, entry.effectiveTo, at('.'), ['effectiveFrom', 'effectiveTo'], err);
  return range && { index: i, sku: entry.sku as string, from: range.from, to: range.to, tiers };
}

/**
 * Two entries of one SKU in force at a common instant must not price the same minimum quantity:
 * resolution would have two answers. Sorting by start keeps this near-linear for sane data.
 */
function checkOverlaps(entries: CleanEntry[], err: Err): void {
  const bySku = new Map<string, CleanEntry[]>();
  for (const e of entries) {
    const group = bySku.get(e.sku);
    if (group) group.push(e);
    else bySku.set(e.sku, [e]);
  }
  for (const group of bySku.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => a.from - b.from || a.index - b.index);
    for (let i = 0; i < group.length; i++) {
      const a = group[i]!;
      for (let j = i + 1; j < group.length && group[j]!.from < a.to; j++) {
        const b = group[j]!;
        const shared = b.tiers.filter((q) => a.tiers.includes(q));
        if (shared.length === 0) continue;
        const [first, later] = a.index < b.index ? [a, b] : [b, a];
        err(
          `entries[${later.index}]`,
          'ENTRY_OVERLAP',
          `overlaps entries[${first.index}] for sku "${a.sku}" at minimum quantity ${shared.join(', ')} ` +
            `from ${showBound(Math.max(a.from, b.from))} to ${showBound(Math.min(a.to, b.to))}`,
        );
      }
    }
  }
}

/**
 * Problems of a set of lists, each list's own (paths `[i].…`) plus duplicate codes, unknown
 * parents, parents in another currency and inheritance cycles (each list of a cycle is named).
 */
export function validatePriceLists(lists: readonly PriceList[]): FieldError[] {
  if (!Array.isArray(lists))
    return [{ field: 'lists', code: 'LISTS_INVALID', message: 'must be an array of price lists' }];
  const errors = lists.flatMap((l, i) => validatePriceList(l, `[${i}]`));
  const byCode = new Map<string, number>();
  lists.forEach((l, i) => {
    if (!isObject(l) || !isPriceCode(l.code)) return;
    const first = byCode.get(l.code);
    if (first === undefined) byCode.set(l.code, i);
    else
      errors.push({
        field: `[${i}].code`,
        code: 'CODE_DUPLICATE',
        message: `"${l.code}" is also the code of [${first}]`,
      });
  });
  const parentOf = (i: number): number | undefined => {
    const l = lists[i];
    const code = isObject(l) && isObject(l.parent) ? l.parent.code : undefined;
    return typeof code === 'string' ? byCode.get(code) : undefined;
  };
  lists.forEach((l, i) => {
    if (!isObject(l) || !isObject(l.parent) || !isPriceCode(l.parent.code)) return;
    const p = parentOf(i);
    if (p === undefined)
      errors.push({
        field: `[${i}].parent.code`,
        code: 'PARENT_UNKNOWN',
        message: `no list "${l.parent.code}"`,
      });
    else if (isCurrency(l.currency) && isCurrency(lists[p]!.currency) && lists[p]!.currency !== l.currency)
      errors.push({
        field: `[${i}].parent.code`,
        code: 'PARENT_CURRENCY_MISMATCH',
        message: `parent "${l.parent.code}" prices in ${lists[p]!.currency}, this list in ${l.currency}`,
      });
  });
  // Walk each parent chain once (0 unseen, 1 on the current walk, 2 done): reaching a list that is
  // on the current walk closes a cycle.
  const state = new Array<number>(lists.length).fill(0);
  for (let i = 0; i < lists.length; i++) {
    const walk: number[] = [];
    let cur: number | undefined = i;
    while (cur !== undefined && state[cur] === 0) {
      state[cur] = 1;
      walk.push(cur);
      cur = parentOf(cur);
    }
    if (cur !== undefined && state[cur] === 1) {
      const cycle = walk.slice(walk.indexOf(cur));
      const names = [...cycle, cur].map((k) => `"${lists[k]!.code}"`).join(' → ');
      for (const k of cycle)
        errors.push({ field: `[${k}].parent.code`, code: 'INHERITANCE_CYCLE', message: `cycle ${names}` });
    }
    for (const k of walk) state[k] = 2;
  }
  return errors;
}

/** Problems of what a resolution is asked for: the context shared by a batch of lines. */
export function validatePriceContext(q: PriceContext): FieldError[] {
  const errors: FieldError[] = [];
  if (!isObject(q)) return [{ field: 'query', code: 'QUERY_INVALID', message: 'must be an object' }];
  if (!isPriceCode(q.channel))
    errors.push({ field: 'channel', code: 'CHANNEL_INVALID', message: `must match ${PRICE_CODE_PATTERN}` });
  if (!isCurrency(q.currency))
    errors.push({ field: 'currency', code: 'CURRENCY_INVALID', message: `"${q.currency}" is not ISO 4217` });
  if (q.customerGroup != null && !isPriceCode(q.customerGroup))
    errors.push({
      field: 'customerGroup',
      code: 'GROUP_INVALID',
      message: `must match ${PRICE_CODE_PATTERN}`,
    });
  if (isoInstant(q.at) === undefined)
    errors.push({ field: 'at', code: 'TIME_INVALID', message: 'must be an ISO-8601 instant with a zone' });
  return errors;
}

/** Problems of one line (`path` prefixes the fields, e.g. `lines[3]`). */
export function validatePriceLine(l: PriceLine, path = ''): FieldError[] {
  const at = (f: string) => (path === '' ? f : `${path}.${f}`);
  if (!isObject(l)) return [{ field: path || 'line', code: 'LINE_INVALID', message: 'must be an object' }];
  const errors: FieldError[] = [];
  if (!isSku(l.sku))
    errors.push({ field: at('sku'), code: 'SKU_INVALID', message: `must match ${SKU_PATTERN}` });
  if (!isQuantity(l.quantity, 1))
    errors.push({
      field: at('quantity'),
      code: 'QUANTITY_INVALID',
      message: `must be an integer from 1 to ${MAX_QUANTITY}`,
    });
  return errors;
}

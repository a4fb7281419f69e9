import { isoInstant } from './ledger.validate.js';
import { PriceErrors } from './price.errors.js';
import type {
  CandidateExplanation,
  ListRejection,
  PriceAdjustment,
  PriceBreak,
  PriceContext,
  PriceLine,
  PriceList,
  PriceMiss,
  PriceQuery,
  PriceResolution,
  TierExplanation,
  TierStatus,
} from './price.types.js';
import {
  adjustmentBasisPoints,
  boundMs,
  validatePriceContext,
  validatePriceLine,
  validatePriceLists,
} from './price.validate.js';

/**
 * Which price a channel charges. The rule, in order:
 * 1. a list applies when it names the channel, prices in the currency, is public or the customer's
 *    group's contract, and is in force at the instant;
 * 2. contract lists outrank public ones; then higher priority; then the more specific list (fewer
 *    channels); then the code, so the answer never depends on the order lists arrive in;
 * 3. the first applicable list that prices the SKU at the quantity wins; within it, of the tiers in
 *    force at the instant, the one with the largest minimum quantity ≤ the quantity;
 * 4. a derived list inherits its parent's tiers, scaled by its percentage and rounded half-up to
 *    minor units; its own tiers replace inherited ones of the same minimum quantity, and an
 *    inherited break applies over the list's own price only when it is cheaper.
 * The explanation says, for every list that prices the SKU at all, why it won or lost.
 */

type Tier = PriceBreak & { breakIndex: number | null };
type CompiledEntry = { index: number; from: number; to: number; tiers: Tier[] };
interface CompiledList {
  id: number;
  list: PriceList;
  code: string;
  channels: Set<string>;
  group: string | undefined;
  from: number;
  to: number;
  entries: Map<string, CompiledEntry[]>;
  parent: CompiledList | undefined;
  basisPoints: number;
}

/** Lists compiled once for many resolutions: per SKU, the lists that price it, already ranked. */
export class PriceIndex {
  /** Internal: build with `indexPriceLists`. `size` is the number of lists. */
  constructor(
    readonly size: number,
    private readonly bySku: Map<string, readonly CompiledList[]>,
  ) {}
  /** Internal: the lists that price `sku`, best rank first. */
  candidates = (sku: string): readonly CompiledList[] => this.bySku.get(sku) ?? [];
}

const OPEN_START = Number.NEGATIVE_INFINITY;
const OPEN_END = Number.POSITIVE_INFINITY;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const arr = map.get(key);
  if (arr) arr.push(value);
  else map.set(key, [value]);
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
function compareRank(a: CompiledList, b: CompiledList): number {
  return (
    Number(b.group !== undefined) - Number(a.group !== undefined) ||
    b.list.priority - a.list.priority ||
    a.channels.size - b.channels.size ||
    cmp(a.code, b.code)
  );
}

/**
 * Validate and compile lists. Invalid lists throw ERP_PRICE_LIST_INVALID with every problem: an
 * overlap or a cycle would make a price ambiguous, and a wrong price is worse than no price.
 */
export function indexPriceLists(lists: readonly PriceList[]): PriceIndex {
  const errors = validatePriceLists(lists);
  if (errors.length > 0)
    throw PriceErrors.LIST_INVALID.create(`${errors.length} problem(s) in the price lists`, { errors });
  const compiled = lists.map((list, id): CompiledList => {
    const entries = new Map<string, CompiledEntry[]>();
    list.entries.forEach((e, index) => {
      const tiers: Tier[] = [{ minQuantity: e.minQuantity ?? 1, unitPrice: e.unitPrice, breakIndex: null }];
      e.breaks?.forEach((b, k) => {
        tiers.push({ minQuantity: b.minQuantity, unitPrice: b.unitPrice, breakIndex: k });
      });
      const from = boundMs(e.effectiveFrom, OPEN_START);
      push(entries, e.sku, { index, from, to: boundMs(e.effectiveTo, OPEN_END), tiers });
    });
    return {
      id,
      list,
      code: list.code,
      channels: new Set(list.channels),
      group: list.customerGroup ?? undefined,
      from: boundMs(list.validFrom, OPEN_START),
      to: boundMs(list.validTo, OPEN_END),
      entries,
      parent: undefined,
      basisPoints: list.parent ? adjustmentBasisPoints(list.parent.adjustmentPercent)! : 0,
    };
  });
  const byCode = new Map(compiled.map((c) => [c.code, c]));
  for (const c of compiled) c.parent = c.list.parent ? byCode.get(c.list.parent.code) : undefined;
  // A derived list prices every SKU of its ancestors; memoized so a deep chain is walked once.
  const skuMemo = new Map<CompiledList, Set<string>>();
  const skusOf = (c: CompiledList): Iterable<string> => {
    if (!c.parent) return c.entries.keys();
    let s = skuMemo.get(c);
    if (!s) {
      s = new Set(c.entries.keys());
      for (const k of skusOf(c.parent)) s.add(k);
      skuMemo.set(c, s);
    }
    return s;
  };
  const bySku = new Map<string, CompiledList[]>();
  for (const c of [...compiled].sort(compareRank)) for (const sku of skusOf(c)) push(bySku, sku, c);
  return new PriceIndex(compiled.length, bySku);
}

/** price × (100 % + adjustment), rounded half-up to a minor unit, in exact integer arithmetic. */
export function adjustPrice(price: number, basisPoints: number): number {
  if (basisPoints === 0) return price;
  const factor = 10_000 + basisPoints;
  const n = price * factor;
  if (Number.isSafeInteger(n)) {
    const r = n % 10_000;
    return (n - r) / 10_000 + (r >= 5_000 ? 1 : 0);
  }
  const big = BigInt(price) * BigInt(factor);
  const r = big % 10_000n;
  return Number((big - r) / 10_000n + (r >= 5_000n ? 1n : 0n));
}

/** A tier as the explanation shows it, with `eligible` until `pick` decides. */
type RawTier = Omit<TierExplanation, 'status'> & { status: TierStatus | 'eligible' };

/** Every tier of the SKU in a list (own, then inherited), marked with whether it can apply. */
function tiersOf(c: CompiledList, sku: string, t: number, q: number): RawTier[] {
  const out: RawTier[] = [];
  const ownInForce = new Set<number>();
  for (const e of c.entries.get(sku) ?? []) {
    const time: TierStatus | undefined = t < e.from ? 'not_yet_effective' : t >= e.to ? 'expired' : undefined;
    for (const tier of e.tiers) {
      if (!time) ownInForce.add(tier.minQuantity);
      out.push({
        list: c.code,
        entryIndex: e.index,
        breakIndex: tier.breakIndex,
        minQuantity: tier.minQuantity,
        unitPrice: tier.unitPrice,
        status: time ?? (tier.minQuantity > q ? 'quantity_below_break' : 'eligible'),
      });
    }
  }
  const p = c.parent;
  if (!p) return out;
  // The parent's own window counts: a list derived from an ended list has nothing to derive from.
  const parentInForce = p.from <= t && t < p.to;
  const inherited: RawTier[] = [];
  for (const pt of tiersOf(p, sku, t, q)) {
    const live = pt.status === 'eligible' || pt.status === 'quantity_below_break';
    inherited.push({
      ...pt,
      unitPrice: adjustPrice(pt.unitPrice, c.basisPoints),
      status: !parentInForce
        ? 'list_not_in_effect'
        : live && ownInForce.has(pt.minQuantity)
          ? 'overridden'
          : pt.status,
    });
  }
  // The parent settles on its price first, as it would alone; only that one competes here, and it
  // never raises the price above the list's own (a contract price beats a dearer inherited break).
  const parentBest = largestEligible(inherited);
  for (const x of inherited) if (x.status === 'eligible' && x !== parentBest) x.status = 'smaller_break';
  const ownBest = largestEligible(out);
  if (
    parentBest &&
    ownBest &&
    parentBest.minQuantity > ownBest.minQuantity &&
    parentBest.unitPrice > ownBest.unitPrice
  )
    parentBest.status = 'overridden';
  out.push(...inherited);
  return out;
}

function largestEligible(tiers: readonly RawTier[]): RawTier | undefined {
  let best: RawTier | undefined;
  for (const x of tiers) if (x.status === 'eligible' && (!best || x.minQuantity > best.minQuantity)) best = x;
  return best;
}

type Best = { tier: Tier; entryIndex: number; source: CompiledList; unitPrice: number };

/**
 * The tier `tiersOf` + `pick` would select, without building the explanation: the hot path of a
 * batch. Own tiers replace inherited ones of the same minimum quantity, so an inherited tier wins
 * only with a strictly larger minimum quantity than the best own one, and only when cheaper.
 */
function bestOf(c: CompiledList, sku: string, t: number, q: number): Best | undefined {
  let own: Best | undefined;
  for (const e of c.entries.get(sku) ?? []) {
    if (t < e.from || t >= e.to) continue;
    for (const tier of e.tiers)
      if (tier.minQuantity <= q && (!own || tier.minQuantity > own.tier.minQuantity))
        own = { tier, entryIndex: e.index, source: c, unitPrice: tier.unitPrice };
  }
  const p = c.parent;
  if (!p || t < p.from || t >= p.to) return own;
  const inherited = bestOf(p, sku, t, q);
  if (!inherited) return own;
  const unitPrice = adjustPrice(inherited.unitPrice, c.basisPoints);
  if (own && (own.tier.minQuantity >= inherited.tier.minQuantity || own.unitPrice <= unitPrice)) return own;
  return { ...inherited, unitPrice };
}

/** The inheritance steps from `source` down to `c`, the one nearest the source first. */
function stepsBetween(c: CompiledList, source: CompiledList): PriceAdjustment[] {
  const steps: PriceAdjustment[] = [];
  for (let x: CompiledList | undefined = c; x && x !== source; x = x.parent)
    steps.unshift({ list: x.code, adjustmentPercent: x.list.parent!.adjustmentPercent });
  return steps;
}

/** Among eligible tiers the largest minimum quantity wins (unique: validation forbids overlaps). */
function pick(tiers: RawTier[]): TierExplanation | undefined {
  let best: RawTier | undefined;
  for (const x of tiers) if (x.status === 'eligible' && (!best || x.minQuantity > best.minQuantity)) best = x;
  for (const x of tiers) if (x.status === 'eligible') x.status = x === best ? 'selected' : 'smaller_break';
  return best as TierExplanation | undefined;
}

type Ctx = { channel: string; currency: string; group: string | undefined; t: number; at: string };
type Rejection = { reason: ListRejection; message: string } | null;

const iso = (ms: number) => new Date(ms).toISOString();

/** Whether a list applies to the context at all, before its prices are read. */
function applicability(c: CompiledList, ctx: Ctx): Rejection {
  if (!c.channels.has(ctx.channel))
    return {
      reason: 'wrong_channel',
      message: `applies to ${[...c.channels].join(', ')}, not "${ctx.channel}"`,
    };
  if (c.list.currency !== ctx.currency)
    return { reason: 'wrong_currency', message: `prices in ${c.list.currency}, not ${ctx.currency}` };
  if (c.group !== undefined && c.group !== ctx.group)
    return {
      reason: 'wrong_group',
      message: `contract for customer group "${c.group}"; ${ctx.group === undefined ? 'the query names no group' : `the customer is in "${ctx.group}"`}`,
    };
  if (ctx.t < c.from) return { reason: 'not_yet_effective', message: `in force from ${iso(c.from)}` };
  if (ctx.t >= c.to) return { reason: 'expired', message: `ended at ${iso(c.to)}` };
  return null;
}

/** Applicability depends on the context only, so a batch decides it once per list. */
function rejectionOf(c: CompiledList, ctx: Ctx, memo: Rejection[]): Rejection {
  if (memo[c.id] === undefined) memo[c.id] = applicability(c, ctx);
  return memo[c.id]!;
}

function whyOutranked(loser: CompiledList, winner: CompiledList): string {
  const w = `"${winner.code}"`;
  if (winner.group !== undefined && loser.group === undefined)
    return `outranked: contract list ${w} beats public lists`;
  if (winner.list.priority !== loser.list.priority)
    return `outranked: ${w} has higher priority (${winner.list.priority} > ${loser.list.priority})`;
  if (winner.channels.size !== loser.channels.size)
    return `outranked: ${w} is more specific (${winner.channels.size} vs ${loser.channels.size} channels)`;
  return `outranked: ${w} wins the tie on code order`;
}

function whyNoPrice(tiers: TierExplanation[], q: number, at: string): string {
  const below = tiers.filter((x) => x.status === 'quantity_below_break');
  if (below.length > 0)
    return `quantity ${q} is below the smallest break in force (${Math.min(...below.map((x) => x.minQuantity))})`;
  return `no entry for this sku in force at ${at}`;
}

type Won = { c: CompiledList; best: Best };

/**
 * The winner by the fast path; the explanation (always for a miss, on request for a hit) is then
 * built by `tiersOf`, the slower path that keeps every tier. Both follow the same rule; a property
 * test holds them to agreeing.
 */
function resolveLine(index: PriceIndex, ctx: Ctx, line: PriceLine, memo: Rejection[], explain: boolean) {
  let won: Won | undefined;
  for (const c of index.candidates(line.sku)) {
    if (rejectionOf(c, ctx, memo)) continue;
    const best = bestOf(c, line.sku, ctx.t, line.quantity);
    if (best) {
      won = { c, best };
      break;
    }
  }
  return { won, explanation: won && !explain ? undefined : explainLine(index, ctx, line, memo, won) };
}

function explainLine(index: PriceIndex, ctx: Ctx, line: PriceLine, memo: Rejection[], won?: Won) {
  return index.candidates(line.sku).map((c, i): CandidateExplanation => {
    const rejection = rejectionOf(c, ctx, memo);
    const base = { list: c.code, rank: i + 1 };
    if (rejection) return { ...base, outcome: 'rejected', ...rejection, tiers: [] };
    const raw = tiersOf(c, line.sku, ctx.t, line.quantity);
    const best = pick(raw);
    const tiers = raw as TierExplanation[]; // pick has decided every 'eligible'.
    if (best && won?.c === c) {
      const brk = best.breakIndex === null ? 'base price' : `break ${best.minQuantity}+`;
      return { ...base, outcome: 'won', message: `${brk} at ${best.unitPrice}`, tiers };
    }
    if (best && won) {
      const [message, unitPrice] = [whyOutranked(c, won.c), best.unitPrice];
      return { ...base, outcome: 'rejected', reason: 'lower_priority', message, unitPrice, tiers };
    }
    const message = whyNoPrice(tiers, line.quantity, ctx.at);
    return { ...base, outcome: 'rejected', reason: 'no_price', message, tiers };
  });
}

function toResolution(won: Won, ctx: Ctx, line: PriceLine, explanation?: CandidateExplanation[]) {
  const { c, best } = won;
  const { breakIndex, minQuantity, unitPrice } = best.tier;
  const amount = best.unitPrice * line.quantity;
  if (!Number.isSafeInteger(amount))
    throw PriceErrors.AMOUNT_TOO_LARGE.create(`${best.unitPrice} × ${line.quantity} for sku "${line.sku}"`, {
      sku: line.sku,
    });
  const resolution: PriceResolution = {
    found: true,
    sku: line.sku,
    quantity: line.quantity,
    currency: ctx.currency,
    unitPrice: best.unitPrice,
    amount,
    pricesIncludeTax: c.list.pricesIncludeTax,
    list: c.code,
    source: { list: best.source.code, entryIndex: best.entryIndex, breakIndex, minQuantity, unitPrice },
    adjustments: stepsBetween(c, best.source),
  };
  if (explanation) resolution.explanation = explanation;
  return resolution;
}

function notFoundMessage(line: PriceLine, ctx: Ctx, explanation: CandidateExplanation[]): string {
  const counts = new Map<string, number>();
  for (const e of explanation) counts.set(e.reason!, (counts.get(e.reason!) ?? 0) + 1);
  const why =
    explanation.length === 0
      ? 'no price list has this sku'
      : `${explanation.length} candidate list(s): ${[...counts].map(([r, n]) => `${n} ${r}`).join(', ')}`;
  const group = ctx.group === undefined ? '' : `, group "${ctx.group}"`;
  return `no price for sku "${line.sku}" × ${line.quantity} on channel "${ctx.channel}" in ${ctx.currency}${group} at ${ctx.at}: ${why}`;
}

function toCtx({ channel, currency, customerGroup, at }: PriceContext): Ctx {
  const instant = isoInstant(at)!;
  return { channel, currency, group: customerGroup ?? undefined, at: instant, t: Date.parse(instant) };
}

const toIndex = (source: readonly PriceList[] | PriceIndex) =>
  source instanceof PriceIndex ? source : indexPriceLists(source);

/**
 * The price of one line. Throws ERP_PRICE_NOT_FOUND (with `explanation` and the query in its
 * extensions) when no list prices it, ERP_PRICE_QUERY_INVALID for a malformed query, and
 * ERP_PRICE_LIST_INVALID when given raw lists that do not validate.
 */
export function resolvePrice(
  source: readonly PriceList[] | PriceIndex,
  query: PriceQuery,
): PriceResolution & { explanation: CandidateExplanation[] } {
  const errors = [...validatePriceContext(query), ...validatePriceLine(query)];
  if (errors.length > 0) throw PriceErrors.QUERY_INVALID.create(errors[0]!.message, { errors });
  const ctx = toCtx(query);
  const { won, explanation = [] } = resolveLine(toIndex(source), ctx, query, [], true);
  if (won) return { ...toResolution(won, ctx, query), explanation };
  const { sku, channel, currency, customerGroup, quantity, at } = query;
  throw PriceErrors.NOT_FOUND.create(notFoundMessage(query, ctx, explanation), {
    query: { sku, channel, currency, customerGroup, quantity, at },
    explanation,
  });
}

/**
 * Many lines of one context at once (a cart, an order, a catalog export). Pass a PriceIndex to
 * compile the lists once across calls; each list's applicability to the context is decided once
 * per call, and a line stops at the first list that prices it, so a line costs a map lookup and a
 * few comparisons. Hits carry an explanation only with `{ explain: true }` (it costs most of the
 * time); misses always do. Lines without a price come back as PriceMiss in place, so one missing
 * price does not hide the others.
 */
export function resolvePrices(
  source: readonly PriceList[] | PriceIndex,
  context: PriceContext,
  lines: readonly PriceLine[],
  options: { explain?: boolean } = {},
): (PriceResolution | PriceMiss)[] {
  const errors = validatePriceContext(context);
  if (!Array.isArray(lines))
    errors.push({ field: 'lines', code: 'LINES_INVALID', message: 'must be an array' });
  else for (const [i, l] of lines.entries()) errors.push(...validatePriceLine(l, `lines[${i}]`));
  if (errors.length > 0)
    throw PriceErrors.QUERY_INVALID.create(`${errors.length} problem(s) in the query`, { errors });
  const ctx = toCtx(context);
  const index = toIndex(source);
  const memo: Rejection[] = new Array(index.size);
  return lines.map((line) => {
    const { won, explanation = [] } = resolveLine(index, ctx, line, memo, options.explain === true);
    if (won) return toResolution(won, ctx, line, options.explain ? explanation : undefined);
    return {
      found: false,
      sku: line.sku,
      quantity: line.quantity,
      code: 'ERP_PRICE_NOT_FOUND',
      message: notFoundMessage(line, ctx, explanation),
      explanation,
    };
  });
}

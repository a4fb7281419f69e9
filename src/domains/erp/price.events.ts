import { Type } from '@sinclair/typebox';
import { defineEvent } from '../../kernel/events.js';
import { digest } from '../../kernel/json.js';
import type { PriceList } from './price.types.js';

/**
 * `keel.erp.price-list.changed.v1`: a price list was created, replaced or deleted. Channels keep
 * their price projections current from it: they re-resolve the SKUs it names (or everything the
 * list prices, when `allSkus`), in the list's channels — and in the channels of the lists that
 * inherit from it, whose prices follow their parent's.
 */

/** Beyond this many changed SKUs the event says `allSkus` instead of listing them. */
export const MAX_LISTED_SKUS = 1000;

export const PriceListChanged = defineEvent({
  type: 'keel.erp.price-list.changed.v1',
  source: '/keel/erp',
  description:
    'A price list was created, replaced or deleted: which SKUs and channels it touches, for price projections',
  schema: Type.Object({
    code: Type.String(),
    change: Type.Union([Type.Literal('created'), Type.Literal('replaced'), Type.Literal('deleted')]),
    /** The stored version after the change (the deleted version for a delete). */
    version: Type.Integer(),
    currency: Type.String(),
    /** Channels of the list before and after (a channel dropped from the list needs re-pricing too). */
    channels: Type.Array(Type.String()),
    customerGroup: Type.Union([Type.String(), Type.Null()]),
    /** SKUs whose entries were added, changed or removed (sorted), unless `allSkus`. */
    skus: Type.Array(Type.String()),
    /** Everything the list prices may have changed: its scope, validity, parent or too many SKUs. */
    allSkus: Type.Boolean(),
    /** Lists inheriting from this one: their prices follow. */
    inheritedBy: Type.Array(Type.String()),
  }),
});

/** Fields of a list that change the price of every SKU it prices. */
function scopeOf(l: PriceList) {
  return {
    currency: l.currency,
    channels: [...l.channels].sort(),
    customerGroup: l.customerGroup ?? null,
    priority: l.priority,
    pricesIncludeTax: l.pricesIncludeTax,
    validFrom: l.validFrom ?? null,
    validTo: l.validTo ?? null,
    parent: l.parent ?? null,
  };
}

/** What a change of `before` into `after` touches (either may be absent: created, deleted). */
export function priceListChange(
  before: PriceList | undefined,
  after: PriceList | undefined,
): { skus: string[]; allSkus: boolean; channels: string[] } {
  const lists = [before, after].filter((l): l is PriceList => l !== undefined);
  const channels = [...new Set(lists.flatMap((l) => l.channels))].sort();
  const entries = (l: PriceList | undefined) => {
    const m = new Map<string, string[]>();
    for (const e of l?.entries ?? []) m.set(e.sku, [...(m.get(e.sku) ?? []), digest(e)]);
    for (const v of m.values()) v.sort();
    return m;
  };
  const a = entries(before);
  const b = entries(after);
  const skus = [...new Set([...a.keys(), ...b.keys()])]
    .filter((s) => JSON.stringify(a.get(s) ?? []) !== JSON.stringify(b.get(s) ?? []))
    .sort();
  const scopeChanged =
    before !== undefined && after !== undefined && digest(scopeOf(before)) !== digest(scopeOf(after));
  // A derived list also prices everything its parent prices: created or deleted, all of that moves.
  const derivedComesOrGoes = (before === undefined || after === undefined) && lists.some((l) => l.parent);
  const allSkus = scopeChanged || derivedComesOrGoes || skus.length > MAX_LISTED_SKUS;
  return { skus: allSkus ? [] : skus, allSkus, channels };
}

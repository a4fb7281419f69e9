/**
 * Price lists: the prices channels sell at. Plain JSON, because others store them in tables and
 * send them over HTTP; the logic (price.validate.ts, price.resolve.ts) needs no storage.
 *
 * Amounts are integer minor units of the list's currency. Instants are UTC ISO-8601. Every time
 * range is half-open, [from, to): an entry ending at midnight and its successor starting at the
 * same midnight never both apply, and there is no gap between them. A missing bound is open.
 */

/** From `minQuantity` units up, each unit costs `unitPrice`. */
export interface PriceBreak {
  minQuantity: number;
  unitPrice: number;
}

export interface PriceEntry {
  sku: string;
  /** Unit price from `minQuantity` units up (minor units, a non-negative integer). */
  unitPrice: number;
  /**
   * The quantity from which `unitPrice` applies; 1 when absent. Above 1 it makes an entry that only
   * adds volume tiers (a time-boxed bulk offer) beside the SKU's everyday entry.
   */
  minQuantity?: number;
  /** Further tiers, strictly increasing in `minQuantity`, all above the entry's own minQuantity. */
  breaks?: PriceBreak[];
  effectiveFrom?: string;
  effectiveTo?: string;
}

/** A derived list: the parent's prices scaled by `adjustmentPercent` (−10 is 10 % off). */
export interface PriceListParent {
  code: string;
  /** At most two decimals, from −100 to 1000; results are rounded half-up to minor units. */
  adjustmentPercent: number;
}

export interface PriceList {
  /** Stable, unique key; parents are referred to by it. */
  code: string;
  name: string;
  /** ISO 4217; a list prices in one currency only. */
  currency: string;
  /** Channel codes the list applies to (at least one). */
  channels: string[];
  /** Present: a B2B contract list, applying only to this customer group and beating public lists. */
  customerGroup?: string;
  /** Higher wins among applicable lists of the same kind (contract or public). An integer. */
  priority: number;
  /** Whether the prices are gross (tax included) or net; resolution passes it through untouched. */
  pricesIncludeTax: boolean;
  validFrom?: string;
  validTo?: string;
  parent?: PriceListParent;
  entries: PriceEntry[];
}

/** What a channel asks once per order (or cart): everything but the lines. */
export interface PriceContext {
  channel: string;
  currency: string;
  customerGroup?: string;
  /** The instant the price must be in force at (order time), UTC ISO-8601. */
  at: string;
}

export interface PriceLine {
  sku: string;
  /** A positive integer. */
  quantity: number;
}

export interface PriceQuery extends PriceContext, PriceLine {}

/** Why a list did not set the price. */
export type ListRejection =
  | 'wrong_channel'
  | 'wrong_currency'
  | 'wrong_group'
  | 'not_yet_effective'
  | 'expired'
  | 'no_price'
  | 'lower_priority';

/**
 * What became of one tier (an entry's own price or one of its breaks). `eligible` tiers compete;
 * the largest minimum quantity is `selected`, the others are `smaller_break`.
 */
export type TierStatus =
  | 'selected'
  | 'smaller_break'
  | 'quantity_below_break'
  | 'not_yet_effective'
  | 'expired'
  | 'overridden'
  | 'list_not_in_effect';

export interface TierExplanation {
  /** The list whose entry holds the tier: the candidate itself or an ancestor it inherits from. */
  list: string;
  entryIndex: number;
  /** null: the entry's own unitPrice; otherwise the index into its `breaks`. */
  breakIndex: number | null;
  minQuantity: number;
  /** The unit price as the candidate list would charge it (after inheritance adjustments). */
  unitPrice: number;
  status: TierStatus;
}

export interface CandidateExplanation {
  list: string;
  /** 1 = considered first. The order is the ranking, so it never depends on input order. */
  rank: number;
  outcome: 'won' | 'rejected';
  reason?: ListRejection;
  message: string;
  /** What the list would have charged, when it priced the line but was outranked. */
  unitPrice?: number;
  /** The SKU's tiers in this list; empty when the list was rejected before its prices were read. */
  tiers: TierExplanation[];
}

export interface PriceAdjustment {
  list: string;
  adjustmentPercent: number;
}

export interface PriceResolution {
  found: true;
  sku: string;
  quantity: number;
  currency: string;
  unitPrice: number;
  /** unitPrice × quantity, minor units. */
  amount: number;
  pricesIncludeTax: boolean;
  /** The code of the list that won. */
  list: string;
  /** The entry and break the price comes from; in an ancestor when the list inherits it. */
  source: {
    list: string;
    entryIndex: number;
    breakIndex: number | null;
    minQuantity: number;
    unitPrice: number;
  };
  /** Inheritance steps applied to the source price, the one nearest the source first. */
  adjustments: PriceAdjustment[];
  /** Always from `resolvePrice`; from `resolvePrices` only when asked (`explain: true`). */
  explanation?: CandidateExplanation[];
}

/** A line `resolvePrices` could not price; `resolvePrice` throws ERP_PRICE_NOT_FOUND instead. */
export interface PriceMiss {
  found: false;
  sku: string;
  quantity: number;
  code: 'ERP_PRICE_NOT_FOUND';
  message: string;
  explanation: CandidateExplanation[];
}

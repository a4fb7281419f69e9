/**
 * The inventory ledger's vocabulary. A movement is one business fact (a receipt, a reservation…);
 * its entries move quantity between accounts of one SKU, and always sum to zero.
 *
 * Internal accounts are the buckets of a SKU × location, kept in `erp_levels`:
 *   available  on hand, promised to nobody
 *   reserved   on hand, promised to an order line (a reservation)
 *   allocated  on hand, assigned to a fulfillment
 *   picked     taken off the shelf for a fulfillment, not yet shipped
 *   inbound    expected from a supplier (with an ETA), not yet received
 *   in_transit transferred towards this location, not yet received
 * on hand = available + reserved + allocated + picked.
 *
 * External accounts stand for the world outside the location (where stock comes from and goes
 * to); they balance the entries and are not levels.
 */
export const BUCKETS = ['available', 'reserved', 'allocated', 'picked', 'inbound', 'in_transit'] as const;
export type Bucket = (typeof BUCKETS)[number];
export const EXTERNAL_ACCOUNTS = ['external', 'shipped', 'scrap', 'variance'] as const;
export type Account = Bucket | (typeof EXTERNAL_ACCOUNTS)[number];
/** Buckets that make up on hand. */
export const PHYSICAL: readonly Bucket[] = ['available', 'reserved', 'allocated', 'picked'];

export const MOVEMENT_TYPES = [
  'receipt',
  'expect_inbound',
  'inbound_cancel',
  'reservation',
  'release',
  'allocation',
  'pick',
  'shipment',
  'return_restock',
  'adjustment',
  'cycle_count',
  'transfer_out',
  'transfer_in',
  'scrap',
] as const;
export type MovementType = (typeof MOVEMENT_TYPES)[number];

/** What a caller posts. Which optional fields a type takes is in ledger.validate.ts. */
export interface MovementInput {
  type: MovementType;
  /** Idempotency key: the same reference again is a no-op returning the original. */
  reference: string;
  sku: string;
  /** Location code. */
  location: string;
  /** Units, a positive integer (all types but cycle_count; optional on release: the rest). */
  quantity?: number;
  /** transfer_out: the destination. */
  toLocation?: string;
  /** transfer_in: the origin (recorded). */
  fromLocation?: string;
  /** reservation/release/allocation: the reservation's key (reservation: defaults to the reference). */
  reservation?: string;
  /** reservation: when it lapses (or ttlSeconds). */
  expiresAt?: string;
  ttlSeconds?: number;
  /** expect_inbound: expected arrival. */
  eta?: string;
  /** receipt, inbound_cancel: the reference of the expect_inbound movement it settles. */
  inbound?: string;
  /** adjustment: which way. */
  direction?: 'increase' | 'decrease';
  /** cycle_count: units counted (may be 0). */
  counted?: number;
  /** shipment: the bucket shipped from (default allocated). */
  from?: 'allocated' | 'picked';
  /**
   * receipt, return_restock, adjustment (increase), cycle_count (a gain): what one unit cost, in
   * integer minor units of `currency`; it enters the weighted average cost (costing.rules.ts).
   */
  unitCost?: number;
  /** ISO 4217: of `unitCost` (inflows) or of `unitPrice` (shipment). */
  currency?: string;
  /** shipment, return_restock: the order line the goods left (or came back) for, for its margin. */
  orderLine?: string;
  /** shipment: the net price one unit sold at, integer minor units of `currency` (for margins). */
  unitPrice?: number;
  /** Why (adjustment, scrap, release…); part of the content. */
  reason?: string;
  /** When it happened physically (default: when recorded); not part of the content. */
  occurredAt?: string;
  /** Free text; not part of the content. */
  note?: string;
}

export interface Entry {
  location: string;
  account: Account;
  /** Signed: the entries of a movement sum to zero. */
  quantity: number;
}

export interface Movement {
  id: string;
  seq: number;
  reference: string;
  type: MovementType;
  sku: string;
  location: string;
  /** Units moved (for a cycle count: the variance's size). */
  quantity: number;
  /** The type-specific fields as posted, plus what the ledger derived (e.g. a count's expected). */
  details: Record<string, unknown>;
  entries: Entry[];
  actor: string;
  occurredAt: string;
  recordedAt: string;
}

export interface PostResult extends Movement {
  /** True when the reference had been posted before with the same content: nothing was written. */
  duplicate: boolean;
}

export type Quantities = Record<Bucket, number>;

export interface Level {
  sku: string;
  location: string;
  onHand: number;
  available: number;
  reserved: number;
  allocated: number;
  picked: number;
  inbound: number;
  inTransit: number;
  safetyStock: number;
  allowBackorder: boolean;
  /** Ledger position of the latest movement that touched it. */
  lastSeq: number;
  updatedAt: string;
}

import { type Static, Type } from '@sinclair/typebox';

/**
 * Inventory contracts shared between domains. The ERP emits them (it owns the inventory ledger);
 * channels, the OMS, flows and connectors consume them without importing the ERP.
 */
export const InventoryEventTypes = {
  levelChanged: 'keel.erp.inventory.level.changed.v1',
} as const;

/** One SKU's stock at one location, as the ledger's buckets hold it. */
export const InventoryLevelData = Type.Object({
  location: Type.String(),
  /** Physically present: available + reserved + allocated + picked. */
  onHand: Type.Integer(),
  /** On hand and promised to nobody (negative only where backorders are allowed). */
  available: Type.Integer(),
  reserved: Type.Integer({ minimum: 0 }),
  allocated: Type.Integer({ minimum: 0 }),
  picked: Type.Integer({ minimum: 0 }),
  /** Expected from suppliers (with ETAs), not yet received. */
  inbound: Type.Integer({ minimum: 0 }),
  /** Transferred out of another location towards this one, not yet received. */
  inTransit: Type.Integer({ minimum: 0 }),
  safetyStock: Type.Integer({ minimum: 0 }),
  allowBackorder: Type.Boolean(),
});
export type InventoryLevelData = Static<typeof InventoryLevelData>;

/**
 * A SKU's stock changed. Coalesced: one event carries the SKU's state after every movement since
 * the previous event (not one event per movement), so consumers treat it as a snapshot and keep
 * the latest (events of one SKU are ordered: the partition key is the SKU). Keeping the latest
 * level per SKU × location (and the latest ATP per SKU × channel) is right for every event, split
 * (`part`) or not.
 */
export const InventoryLevelChangedData = Type.Object({
  sku: Type.String({ minLength: 1 }),
  /** The SKU's levels at every location that ever held or expected it. */
  levels: Type.Array(InventoryLevelData),
  /** Available-to-promise per configured channel (see docs/erp.md). */
  atp: Type.Array(Type.Object({ channel: Type.String(), atp: Type.Integer({ minimum: 0 }) })),
  /** Ledger position of the latest movement of this SKU reflected here. */
  movementSeq: Type.Integer({ minimum: 0 }),
  /** When these levels were read. */
  asOf: Type.String(),
  /**
   * Present when a SKU stocked at very many locations did not fit one event: this event holds the
   * `index`-th of `count` slices of its locations (in location order), each slice with the SKU's
   * whole ATP and the same `movementSeq` and `asOf`. Absent: `levels` are all the SKU's locations.
   */
  part: Type.Optional(
    Type.Object({ index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1 }) }),
  ),
});
export type InventoryLevelChangedData = Static<typeof InventoryLevelChangedData>;

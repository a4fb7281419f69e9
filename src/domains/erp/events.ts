import { defineEvent } from '../../kernel/events.js';
import { InventoryEventTypes, InventoryLevelChangedData } from '../../model/inventory.js';

/** A SKU's levels changed (coalesced per SKU by the level publisher): channels update availability. */
export const InventoryLevelChanged = defineEvent({
  type: InventoryEventTypes.levelChanged,
  source: '/keel/erp',
  description:
    "A SKU's inventory changed: its levels per location and ATP per channel (a coalesced snapshot)",
  schema: InventoryLevelChangedData,
});

export const erpEvents = [InventoryLevelChanged];

import type { InventoryLevelChangedData } from '../../model/inventory.js';

/**
 * Room kept in an event for what is not the levels: the CloudEvents envelope (ids, trace context,
 * times: about 600 bytes) and a margin.
 */
const ENVELOPE_RESERVE = 2048;

/**
 * One SKU's level snapshot as the events that carry it: itself when it fits `maxEventBytes`,
 * otherwise slices of its locations (in the order given) marked `part` i of n, each with the SKU's
 * whole ATP. Without this, a SKU stocked at ~1,300 locations or more (at the default 256 KB) would
 * make an event the log refuses, and the refusal would fail its whole publishing batch every round.
 */
export function splitLevelSnapshot(
  data: InventoryLevelChangedData,
  maxEventBytes: number,
): InventoryLevelChangedData[] {
  // The usual case (a handful of locations) costs one serialization; sizes per level only when split.
  if (Buffer.byteLength(JSON.stringify(data)) + ENVELOPE_RESERVE <= maxEventBytes) return [data];
  const frame = JSON.stringify({ ...data, levels: [], part: { index: 999_999, count: 999_999 } });
  const budget = maxEventBytes - ENVELOPE_RESERVE - Buffer.byteLength(frame);
  const sizes = data.levels.map((l) => Buffer.byteLength(JSON.stringify(l)) + 1);
  const slices: InventoryLevelChangedData['levels'][] = [];
  let current: InventoryLevelChangedData['levels'] = [];
  let used = 0;
  data.levels.forEach((level, i) => {
    // A slice always takes at least one level: a level alone over the budget means maxEventBytes
    // is set below what one location needs, and the log's own limit reports that.
    if (current.length > 0 && used + sizes[i]! > budget) {
      slices.push(current);
      current = [];
      used = 0;
    }
    current.push(level);
    used += sizes[i]!;
  });
  slices.push(current);
  return slices.map((levels, i) => ({ ...data, levels, part: { index: i + 1, count: slices.length } }));
}

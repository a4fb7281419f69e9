import { describe, expect, it } from 'vitest';
import type { InventoryLevelChangedData } from '../../model/inventory.js';
import { splitLevelSnapshot } from './level.split.js';

const level = (i: number) => ({
  location: `STORE-${String(i).padStart(5, '0')}`,
  onHand: i,
  available: i,
  reserved: 0,
  allocated: 0,
  picked: 0,
  inbound: 0,
  inTransit: 0,
  safetyStock: 0,
  allowBackorder: false,
});

const snapshot = (locations: number): InventoryLevelChangedData => ({
  sku: 'SKU-1',
  levels: Array.from({ length: locations }, (_, i) => level(i)),
  atp: [
    { channel: 'web', atp: 5 },
    { channel: 'stores', atp: 7 },
  ],
  movementSeq: 42,
  asOf: '2026-11-29T00:00:00.000Z',
});

describe('splitLevelSnapshot', () => {
  it('leaves a snapshot that fits as it is, without a part', () => {
    const data = snapshot(10);
    expect(splitLevelSnapshot(data, 262_144)).toEqual([data]);
  });

  it('splits 5,000 locations into parts that each fit, together exactly the levels in order', () => {
    const data = snapshot(5000);
    const max = 262_144;
    const parts = splitLevelSnapshot(data, max);
    expect(parts.length).toBeGreaterThan(1);
    parts.forEach((p, i) => {
      expect(p.part).toEqual({ index: i + 1, count: parts.length });
      expect(p.atp).toEqual(data.atp);
      expect([p.sku, p.movementSeq, p.asOf]).toEqual([data.sku, data.movementSeq, data.asOf]);
      // The data plus a generous CloudEvents envelope stays under the limit.
      expect(Buffer.byteLength(JSON.stringify(p)) + 1024).toBeLessThanOrEqual(max);
    });
    expect(parts.flatMap((p) => p.levels)).toEqual(data.levels);
  });

  it('puts a level alone when one is over the budget, rather than looping or dropping it', () => {
    const parts = splitLevelSnapshot(snapshot(3), 2048);
    expect(parts.map((p) => p.levels.length)).toEqual([1, 1, 1]);
  });
});

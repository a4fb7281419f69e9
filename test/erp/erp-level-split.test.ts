import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import type { StoredEvent } from '../../src/kernel/events.js';
import { InventoryEventTypes, type InventoryLevelChangedData } from '../../src/model/inventory.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

/**
 * A SKU stocked at more locations than one event holds (here: a bus limit of 8 KB and 60 stores;
 * at the default 256 KB, about 1,300 locations) is published in parts, and the publisher goes on:
 * before, the log refused the event and the whole publishing batch failed every round.
 */
describe.each(backends)('ERP level events of a SKU at very many locations [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  const stores = Array.from({ length: 60 }, (_, i) => `ST${String(i).padStart(3, '0')}`);
  const eventsOf = async (sku: string) =>
    (await t.app.bus.admin.events({
      type: InventoryEventTypes.levelChanged,
      subject: sku,
      afterSeq: 0,
      limit: 1000,
    })) as StoredEvent<InventoryLevelChangedData>[];

  beforeAll(async () => {
    t = await createTestApp(backend, { 'bus.maxEventBytes': 8192 });
    erp = t.app.domains.erp;
    await seedLocations(erp, stores);
    await erp.atp.putChannel('stores', { locations: stores });
  });
  afterAll(async () => t?.cleanup());

  it('splits the snapshot into parts that together hold every location, and publishes the rest of the batch', async () => {
    await erp.ledger.post([
      ...stores.map((location, i) => ({
        type: 'receipt' as const,
        reference: `wide:${location}`,
        sku: 'WIDE-1',
        location,
        quantity: i + 1,
      })),
      { type: 'receipt', reference: 'narrow:1', sku: 'NARROW-1', location: 'ST000', quantity: 4 },
    ]);
    // Drained, and (PostgreSQL) sequenced into the log: every part and the narrow SKU's event visible.
    await waitFor(
      async () => {
        if ((await erp.publisher.pending()) > 0) return false;
        const last = (await eventsOf('WIDE-1')).at(-1)?.data.part;
        return !!last && last.index === last.count && (await eventsOf('NARROW-1')).length > 0;
      },
      30_000,
      'the parts in the log',
    );

    const wide = await eventsOf('WIDE-1');
    expect(wide.length).toBeGreaterThan(1);
    const count = wide.length;
    wide.forEach((e, i) => {
      expect(e.data.part).toEqual({ index: i + 1, count });
      expect(e.data.atp).toEqual([{ channel: 'stores', atp: (60 * 61) / 2 }]);
      expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(8192);
    });
    const levels = wide.flatMap((e) => e.data.levels);
    expect(levels.map((l) => l.location)).toEqual(stores);
    expect(levels.map((l) => l.onHand)).toEqual(stores.map((_, i) => i + 1));

    const narrow = await eventsOf('NARROW-1');
    expect(narrow).toHaveLength(1);
    expect(narrow[0]!.data.part).toBeUndefined();
    expect(narrow[0]!.data.levels).toMatchObject([{ location: 'ST000', onHand: 4 }]);
  });
});

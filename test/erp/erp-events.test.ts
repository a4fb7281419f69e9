import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, MovementInput } from '../../src/domains/erp/index.js';
import type { StoredEvent } from '../../src/kernel/events.js';
import { InventoryEventTypes, type InventoryLevelChangedData } from '../../src/model/inventory.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

describe.each(backends)('ERP level events, coalesced per SKU [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  const eventsOf = async (sku: string) => {
    const out: StoredEvent<InventoryLevelChangedData>[] = [];
    for (;;) {
      const page = (await t.app.bus.admin.events({
        type: InventoryEventTypes.levelChanged,
        subject: sku,
        afterSeq: out.at(-1)?.seq ?? 0,
        limit: 1000,
      })) as StoredEvent<InventoryLevelChangedData>[];
      out.push(...page);
      if (page.length < 1000) return out;
    }
  };
  /** Published and visible in the log: no dirty marks left and the last event is the final state. */
  const settled = async (sku: string, check: (last: InventoryLevelChangedData) => boolean) =>
    waitFor(
      async () => {
        if ((await erp.publisher.pending()) > 0) return false;
        const last = (await eventsOf(sku)).at(-1);
        return last !== undefined && check(last.data);
      },
      30_000,
      `the last level event of ${sku}`,
    );

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp);
    await erp.atp.putChannel('web', { locations: ['WH1', 'WH2'] });
  });
  afterAll(async () => t?.cleanup());

  it('turns 10,000 movements of one SKU into a handful of events, the last carrying the final levels', async () => {
    const sku = 'HOT-1';
    const started = Date.now();
    // 500 transactions of 20 movements: receipts, reservations, releases, transfers between two locations.
    for (let b = 0; b < 500; b++) {
      const batch: MovementInput[] = [];
      for (let i = 0; i < 5; i++) {
        const k = `${b}:${i}`;
        batch.push(
          { type: 'receipt', reference: `hot:${k}:in`, sku, location: 'WH1', quantity: 3 },
          { type: 'reservation', reference: `hot:${k}:res`, sku, location: 'WH1', quantity: 2 },
          {
            type: 'release',
            reference: `hot:${k}:rel`,
            sku,
            location: 'WH1',
            reservation: `hot:${k}:res`,
            quantity: 1,
          },
          {
            type: 'transfer_out',
            reference: `hot:${k}:out`,
            sku,
            location: 'WH1',
            toLocation: 'WH2',
            quantity: 1,
          },
        );
      }
      await erp.ledger.post(batch);
    }
    const elapsed = Date.now() - started;
    // Expected: WH1 received 7,500, holds 2,500 reserved, sent 2,500 towards WH2.
    const wh1 = await levelOf(erp, sku, 'WH1');
    expect(wh1).toMatchObject({ onHand: 5000, reserved: 2500, available: 2500 });
    await settled(sku, (last) => last.levels.find((l) => l.location === 'WH1')?.onHand === 5000);

    const events = await eventsOf(sku);
    const last = events.at(-1)!.data;
    expect(last.levels).toEqual([
      { location: 'WH1', ...wh1 },
      { location: 'WH2', ...(await levelOf(erp, sku, 'WH2')) },
    ]);
    expect(last.levels[1]).toMatchObject({ onHand: 0, inTransit: 2500 });
    expect(last.atp).toEqual([{ channel: 'web', atp: 2500 }]);
    // One per publishing round at most (every 50 ms), never one per movement or per transaction.
    expect(events.length).toBeGreaterThan(0);
    expect(events.length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 5);
    expect(events.length).toBeLessThan(500);
    // Ordered: levels only move forwards through the ledger.
    const seqs = events.map((e) => e.data.movementSeq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(events.every((e) => e.partitionkey === sku && e.source === '/keel/erp')).toBe(true);
  });

  it('publishes again when ATP changes without a movement (safety stock, channel sources)', async () => {
    const sku = 'CALM-1';
    await erp.ledger.postOne({ type: 'receipt', reference: 'calm:1', sku, location: 'WH1', quantity: 10 });
    await settled(sku, (last) => last.atp[0]?.atp === 10);
    await erp.ledger.putSettings([{ sku, location: 'WH1', safetyStock: 4, allowBackorder: false }]);
    await settled(sku, (last) => last.atp[0]?.atp === 6 && last.levels[0]?.safetyStock === 4);
    await erp.atp.putChannel('web', { locations: ['WH2'] });
    await settled(sku, (last) => last.atp[0]?.atp === 0);
    const count = (await eventsOf(sku)).length;
    expect(count).toBeGreaterThanOrEqual(3);
    // Nothing changed: nothing more is published.
    await new Promise((r) => setTimeout(r, 300));
    expect((await eventsOf(sku)).length).toBe(count);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import type { StoredEvent } from '../../src/kernel/events.js';
import { type Logger, silentLogger } from '../../src/kernel/ports/logger.js';
import { busMigrations } from '../../src/platform/bus-core/bus.schema.js';
import { GroupConsumer } from '../../src/platform/bus-core/consumer.js';
import { FailureStore } from '../../src/platform/bus-core/dead-letters.js';
import type { Processor } from '../../src/platform/bus-core/processor.js';
import type { Delivery, PartitionSource, Transport } from '../../src/platform/bus-core/transport.js';
import { waitFor } from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

/**
 * A lease lost while a fetch is in flight: the fetched event must be finished before the
 * partition is reopened, or the new source fetches it again and it is handled twice at once.
 * The transport and processor are scripted so the interleaving is forced, not hoped for.
 */
describe('GroupConsumer, losing a lease while a fetch is in flight', () => {
  let ts: TestStore | undefined;
  let consumer: GroupConsumer | undefined;
  afterEach(async () => {
    await consumer?.stop();
    await ts?.cleanup();
  });

  it('finishes what the fetch returned before it reopens the partition', async () => {
    ts = await createTestStore('sqlite');
    const store = ts.store;
    await store.migrate([busMigrations]);

    const event = { id: 'evt_1', type: 'test.happened', partitionkey: 'k', seq: 1 } as StoredEvent;
    let releaseFetch!: (ds: Delivery[]) => void;
    let finishHandling!: () => void;
    let inFlight = 0;
    const opens: { inFlightAtOpen: number }[] = [];
    const transport: Transport = {
      name: 'embedded',
      start: async () => {},
      stop: async () => {},
      ping: async () => {},
      openSource: async () => {
        const first = opens.length === 0;
        opens.push({ inFlightAtOpen: inFlight });
        let served = false;
        const source: PartitionSource = {
          fetch: async () => {
            if (!first || served) return new Promise<Delivery[]>((r) => setTimeout(() => r([]), 20));
            served = true;
            return new Promise<Delivery[]>((r) => {
              releaseFetch = r;
            });
          },
          wake: () => {},
          close: async () => {},
        };
        return source;
      },
    };
    const processor = {
      process: async () => {
        inFlight++;
        await new Promise<void>((r) => {
          finishHandling = r;
        });
        inFlight--;
      },
    } as unknown as Processor;
    let lostSeen = false;
    const log: Logger = {
      ...silentLogger,
      warn: (_obj: unknown, msg?: string) => {
        if (msg === 'partition lease lost') lostSeen = true;
      },
      child: () => log,
    };
    consumer = new GroupConsumer(
      { group: 'race', types: ['test.happened'], handle: async () => {} },
      {
        partitions: 1,
        concurrency: 1,
        batchSize: 1,
        maxInFlight: 8,
        leaseMs: 300,
        pollMs: 50,
        shutdownTimeoutMs: 2000,
      },
      {
        store,
        clock: systemClock,
        log,
        transport,
        failures: new FailureStore(store, systemClock, 1),
        processor,
        member: 'm1',
      },
    );
    await consumer.start();
    await waitFor(() => opens.length === 1 && releaseFetch !== undefined, 5000, 'first fetch');

    // The lease expires (a late renewal); the next round notices it lost the partition.
    await store.tx(async (tx) => {
      await tx
        .updateTable('keel_bus_leases')
        .set({ expires_at: new Date(Date.now() - 60_000).toISOString() })
        .where('group_name', '=', 'race')
        .execute();
    });
    await waitFor(() => lostSeen, 5000, 'lease loss noticed');
    // Only now does the fetch that was in flight return its event.
    releaseFetch([{ event, partition: 0, ack: () => {}, working: () => {} }]);
    await waitFor(() => inFlight === 1, 5000, 'event handed to the processor');
    await new Promise((r) => setTimeout(r, 300));
    expect(opens).toHaveLength(1);

    finishHandling();
    await waitFor(() => opens.length === 2, 5000, 'partition reopened');
    expect(opens[1]!.inFlightAtOpen).toBe(0);
  });
});

import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { busMigrations } from '../../src/platform/bus-core/bus.schema.js';
import { EventLog } from '../../src/platform/bus-core/event-log.js';
import { BatchPublisher, type OutgoingMessage } from '../../src/platform/bus-nats/batch-publisher.js';
import { connectJetStream, type Jet } from '../../src/platform/bus-nats/nats-connection.js';
import { RELAY_BATCH, RELAY_PIPELINE, Relay } from '../../src/platform/bus-nats/relay.js';
import { availableBackends, NATS_URL } from '../support/backends.js';
import { deleteStream, natsNames, TestHappened, testRegistry } from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const withNats = (await availableBackends()).includes('postgres+nats');

/** A publisher that fails the `failAt`-th batch it is given (1-based), once. */
class FlakyPublisher extends BatchPublisher {
  batches = 0;
  constructor(
    jet: Jet,
    private readonly failAt: number,
  ) {
    super(jet.nc);
  }
  override async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.batches++;
    if (this.batches === this.failAt) throw new Error('simulated publish failure');
    return super.publish(messages);
  }
}

describe.runIf(withNats)('outbox relay (PostgreSQL → JetStream), pipelined', () => {
  const names = natsNames();
  let jet: Jet;
  let ts: TestStore;
  let log: EventLog;

  beforeAll(async () => {
    jet = await connectJetStream(
      { servers: [NATS_URL], ...names, duplicateWindowMs: 120_000, maxAgeDays: 1 },
      'relay test',
    );
    ts = await createTestStore('postgres');
    await ts.store.migrate([busMigrations]);
    log = new EventLog({
      store: ts.store,
      registry: testRegistry(),
      clock: systemClock,
      partitions: 4,
      maxEventBytes: 64 * 1024,
    });
  });
  afterAll(async () => {
    await jet?.nc.close();
    await deleteStream(names.stream);
    await ts?.cleanup();
  });

  const append = async (from: number, count: number) => {
    const inputs = Array.from({ length: count }, (_, i) =>
      TestHappened.input(`key-${(from + i) % 7}`, { n: from + i, key: `key-${(from + i) % 7}` }),
    );
    await ts.store.tx((tx) => log.append(tx, inputs));
    while ((await log.sequence()) > 0) {}
  };

  /** Every stored message's `n`, in stream order. */
  const streamed = async (stream = names.stream): Promise<number[]> => {
    const jsm = await jetstreamManager(jet.nc);
    const info = await jsm.streams.info(stream);
    const out: number[] = [];
    if (info.state.messages === 0) return out;
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq });
      out.push((m!.json() as { data: { n: number } }).data.n);
    }
    return out;
  };

  const tailOf = (stream: string) => async () => {
    const jsm = await jetstreamManager(jet.nc);
    const { state } = await jsm.streams.info(stream);
    if (state.messages === 0) return undefined;
    return (await jsm.streams.getMessage(stream, { seq: state.last_seq }))?.header.get('Nats-Msg-Id');
  };

  const relayFor = (publisher: BatchPublisher, n = names) =>
    new Relay({
      store: ts.store,
      clock: systemClock,
      log: silentLogger,
      eventLog: log,
      publisher: () => publisher,
      subjectPrefix: n.subjectPrefix,
      streamTail: tailOf(n.stream),
    });

  it('publishes more batches than the pipeline holds, in log order, and saves the position at the end', async () => {
    const total = RELAY_BATCH * (RELAY_PIPELINE + 2) + 123;
    await append(0, total);
    const publisher = new BatchPublisher(jet.nc);
    const relay = relayFor(publisher);
    let steps = 0;
    while (await relay.relayOnce()) steps++;
    expect(steps).toBeGreaterThan(RELAY_PIPELINE);
    expect(await relay.position()).toBe(await log.head());
    const ns = await streamed();
    expect(ns).toEqual(Array.from({ length: total }, (_, i) => i));
    publisher.close();
  }, 60_000);

  it('after a failed batch, the stream refuses the batches behind it; the relay starts again from its position: nothing lost, doubled or reordered', async () => {
    const before = (await streamed()).length;
    await append(before, RELAY_BATCH * 3);
    const publisher = new FlakyPublisher(jet, 2);
    const relay = relayFor(publisher);
    const saved = await relay.position();
    await expect(
      (async () => {
        while (await relay.relayOnce()) {}
      })(),
    ).rejects.toThrow('simulated publish failure');
    // Batch 1 went out, batch 2 failed: the position never moved past what was acknowledged.
    expect(await relay.position()).toBeLessThanOrEqual(saved + RELAY_BATCH);
    while (await relay.relayOnce()) {}
    expect(await relay.position()).toBe(await log.head());
    const ns = await streamed();
    expect(ns).toEqual(Array.from({ length: before + RELAY_BATCH * 3 }, (_, i) => i));
    publisher.close();
  }, 60_000);

  it('flush waits for what is still unacknowledged and records it', async () => {
    const before = (await streamed()).length;
    await append(before, 10);
    const publisher = new BatchPublisher(jet.nc);
    const relay = relayFor(publisher);
    // One step publishes the batch and returns without waiting for its acknowledgements.
    expect(await relay.relayOnce()).toBe(true);
    await relay.flush();
    expect(await relay.position()).toBe(await log.head());
    expect((await streamed()).length).toBe(before + 10);
    publisher.close();
  }, 60_000);

  it('realigns with the stream when its position fell behind it (e.g. a restored database), without duplicating', async () => {
    // A stream of its own with a short duplicate window: republishing soon stops being harmless.
    const other = natsNames();
    const jet2 = await connectJetStream(
      { servers: [NATS_URL], ...other, duplicateWindowMs: 1000, maxAgeDays: 1 },
      'relay test (short window)',
    );
    try {
      const publisher = new BatchPublisher(jet2.nc);
      const relay = relayFor(publisher, other);
      // This database's relay position belongs to the other stream: start this one from scratch.
      const setPosition = (position: number) =>
        ts.store.tx((tx) =>
          tx
            .updateTable('keel_bus_positions')
            .set({ position })
            .where('group_name', '=', '__relay')
            .execute(),
        );
      await append(await log.head(), 30);
      await setPosition(0);
      while (await relay.relayOnce()) {}
      const head = await log.head();
      const published = await streamed(other.stream);
      expect(published.length).toBe(head);
      // The database goes back in time (restored from a backup); the stream does not.
      await setPosition(head - 50);
      await new Promise((r) => setTimeout(r, 2500)); // JetStream forgets ids at its next purge after the window
      await append(head, 20);
      // The republished events are refused (each expects a predecessor that is not the stream's
      // last message) — except the first new one, whose predecessor is: the stream takes the new
      // events, in order, and the relay realigns its position with the stream's last event.
      await expect(
        (async () => {
          while (await relay.relayOnce()) {}
        })(),
      ).rejects.toMatchObject({ extensions: { jetStreamCode: 10070 } });
      expect(await relay.position()).toBe(head + 20);
      while (await relay.relayOnce()) {}
      expect(await streamed(other.stream)).toEqual(Array.from({ length: head + 20 }, (_, i) => i));
      publisher.close();
    } finally {
      await jet2.nc.close();
      await deleteStream(other.stream);
    }
  }, 60_000);
});

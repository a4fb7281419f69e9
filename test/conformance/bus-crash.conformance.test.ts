/**
 * The bus under real process crashes: consumers, writers and the relay are separate Node processes
 * (test/fixtures/bus-child.ts) killed with SIGKILL at chosen points, and the survivors (another
 * child, or this process) must deliver every committed event's effect exactly once, in key order.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { type Bus, Bus as BusEngine, type BusSettings } from '../../src/platform/bus-core/bus.js';
import { partitionOf } from '../../src/platform/bus-core/envelope.js';
import { consumerName } from '../../src/platform/bus-nats/nats-connection.js';
import { NatsTransport } from '../../src/platform/bus-nats/nats-transport.js';
import {
  busTestMigrations,
  type ChildConfig,
  type EffectOptions,
  type EventSpec,
  effectSubscription,
  eventInputs,
} from '../fixtures/bus-child.js';
import { availableBackends, type Backend, NATS_URL } from '../support/backends.js';
import {
  type Child,
  effectRows,
  expectExactlyOnceInOrder,
  interleaved,
  keysOverPartitions,
  loggedEvents,
  spawnBusChild,
} from '../support/bus-crash.js';
import {
  createTestBus,
  deleteStream,
  FAST_SETTINGS,
  type NatsNames,
  natsNames,
  TestHappened,
  testRegistry,
  waitFor,
} from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

/** Short leases so that a killed process's partitions are taken over quickly. */
const SETTINGS: Partial<BusSettings> = { leaseMs: 600, pollMs: 100, batchSize: 4, shutdownTimeoutMs: 3000 };
const PARTITIONS = 4;

let counter = 0;
const newRun = () => `r${process.pid}x${++counter}`;

describe.each(backends)('EventBus crashes [%s]', (backend: Backend) => {
  let ts: TestStore;
  let store: Store;
  let nats: NatsNames | undefined;
  const buses: Bus[] = [];
  const children: Child[] = [];
  const streams: string[] = [];

  const newBus = async (settings: Partial<BusSettings> = SETTINGS) => {
    const bus = await createTestBus(backend, store, { settings, ...(nats ? { nats } : {}) });
    buses.push(bus);
    return bus;
  };

  const consumer = async (o: EffectOptions, settings: Partial<BusSettings> = SETTINGS) => {
    const bus = await newBus(settings);
    bus.subscribe(effectSubscription(o));
    await bus.start();
    return bus;
  };

  const append = async (events: readonly EventSpec[]) => {
    const writer = await newBus();
    await store.tx((tx) => writer.append(tx, eventInputs(events)));
  };

  function spawnChild(cfg: Omit<ChildConfig, 'backend' | 'location' | 'nats'>): Child {
    const child = spawnBusChild({
      ...cfg,
      backend,
      location: backend === 'sqlite' ? ts.location.sqliteFile! : ts.location.pgUrl!,
      ...(nats ? { nats } : {}),
    });
    children.push(child);
    return child;
  }

  async function kill(child: Child) {
    child.proc.kill('SIGKILL');
    return child.exited;
  }

  const streamMessages = async (stream: string): Promise<number> => {
    const nc = await connect({ servers: [NATS_URL] });
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(stream).catch(() => undefined);
      return info ? info.state.messages : 0;
    } finally {
      await nc.close();
    }
  };

  const relayPosition = async (): Promise<number> => {
    const row = await store.db
      .selectFrom('keel_bus_positions')
      .select('position')
      .where('group_name', '=', '__relay')
      .executeTakeFirst();
    return Number(row?.position ?? 0);
  };

  const positions = async (group: string): Promise<Map<number, number>> => {
    const rows = await store.db
      .selectFrom('keel_bus_positions')
      .select(['partition', 'position'])
      .where('group_name', '=', group)
      .execute();
    return new Map(rows.map((r) => [Number(r.partition), Number(r.position)]));
  };

  /**
   * Wait until the run has `count` effects, then a little longer for a late duplicate to show. On
   * timeout it returns anyway: the exactly-once check that follows names what is missing.
   */
  const settle = async (run: string, count: number, timeoutMs = 30_000) => {
    await waitFor(async () => (await effectRows(store, run)).length >= count, timeoutMs).catch(() => {});
    await new Promise((r) => setTimeout(r, 300));
  };

  beforeEach(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    nats = backend === 'postgres+nats' ? natsNames() : undefined;
    if (nats) streams.push(nats.stream);
    await (await newBus()).init();
    await store.migrate([busTestMigrations]);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) await kill(c);
    for (const b of buses.splice(0)) await b.stop();
    await ts?.cleanup();
  });
  afterAll(async () => {
    for (const s of streams.splice(0)) await deleteStream(s);
  });

  it('redelivers the batch of a consumer that SIGKILLed itself inside its handler transaction', async () => {
    const run = newRun();
    const group = 'crash-self';
    const keys = keysOverPartitions(run, 2, PARTITIONS);
    const events = interleaved(keys, 20);
    await append(events);
    const crashAt = { key: keys[2]!, n: 15 };
    const child = spawnChild({ mode: 'consume', run, group, settings: SETTINGS, delayMs: 1, crashAt });
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // The batch being handled rolled back: the crash event's effect and its inbox record are gone,
    // while the batches its lane finished before were committed.
    const before = await effectRows(store, run);
    const crashEvent = (await loggedEvents(store, run)).find(
      (e) => e.key === crashAt.key && e.n === crashAt.n,
    )!;
    expect(before.filter((r) => r.event_id === crashEvent.id)).toEqual([]);
    const inbox = await store.db
      .selectFrom('keel_bus_inbox')
      .select('event_id')
      .where('group_name', '=', group)
      .where('event_id', '=', crashEvent.id)
      .execute();
    expect(inbox).toEqual([]);
    expect(before.filter((r) => r.key === crashAt.key).length).toBeGreaterThanOrEqual(crashAt.n - 3);
    expect(before.length).toBeLessThan(events.length);
    expect(before.every((r) => r.pid === child.pid)).toBe(true);

    // More events arrive while it is dead: they must not overtake the ones it never finished.
    const more = interleaved(keys, 25).filter((e) => e.n >= 20);
    await append(more);
    // This process takes the group over once the dead process's leases expire.
    await consumer({ group, run });
    await settle(run, events.length + more.length);
    for (const b of buses.splice(0)) await b.stop();
    await expectExactlyOnceInOrder(store, run, [...events, ...more]);
    const after = await effectRows(store, run);
    expect(after.find((r) => r.event_id === crashEvent.id)!.pid).toBe(process.pid);
    const inboxed = await store.db
      .selectFrom('keel_bus_inbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('group_name', '=', group)
      .executeTakeFirstOrThrow();
    expect(Number(inboxed.n)).toBe(events.length + more.length);
  });

  it('hands a SIGKILLed member’s partitions to the surviving process, each event once, key order kept', async () => {
    const run = newRun();
    const group = 'crash-peer';
    const keys = keysOverPartitions(run, 2, PARTITIONS);
    // On SQLite the two processes take turns at the one write lock, and a handler that waits inside
    // its transaction holds it long enough to starve the other process: there the work is many quick
    // events instead of fewer slow ones.
    const perKey = backend === 'sqlite' ? 60 : 30;
    const delayMs = backend === 'sqlite' ? 0 : 3;
    const settings = { ...SETTINGS, leaseMs: 1000 };
    const events = interleaved(keys, perKey);
    const a = spawnChild({ mode: 'consume', run, group, settings, delayMs });
    const b = spawnChild({ mode: 'consume', run, group, settings, delayMs });
    await Promise.all([a.waitFor('ready'), b.waitFor('ready')]);
    // Both members own half of the partitions before any work arrives.
    await waitFor(
      async () => {
        const rows = await store.db
          .selectFrom('keel_bus_leases')
          .select(['owner'])
          .where('group_name', '=', group)
          .where('expires_at', '>', new Date().toISOString())
          .execute();
        const by = new Map<string, number>();
        for (const r of rows) if (r.owner) by.set(r.owner as string, (by.get(r.owner as string) ?? 0) + 1);
        return by.size === 2 && [...by.values()].every((n) => n === 2);
      },
      15_000,
      'two members with two partitions each',
    );
    await append(events);
    await waitFor(
      async () => (await effectRows(store, run)).filter((r) => r.pid === a.pid).length >= 15,
      20_000,
      'progress in the first member',
    );
    expect((await kill(a)).signal).toBe('SIGKILL');
    const atKill = await effectRows(store, run);
    expect(atKill.length).toBeLessThan(events.length);
    // More events arrive after the crash: they must queue behind the dead member's unfinished ones.
    const more = interleaved(keys, perKey + 5).filter((e) => e.n >= perKey);
    await append(more);

    await settle(run, events.length + more.length);
    await kill(b);
    await expectExactlyOnceInOrder(store, run, [...events, ...more]);
    const rows = await effectRows(store, run);
    const byA = rows.filter((r) => r.pid === a.pid);
    // The survivor finished the dead member's partitions (as well as its own).
    const aPartitions = new Set(byA.map((r) => partitionOf(r.key, PARTITIONS)));
    const finishedByB = rows.filter(
      (r) => r.pid === b.pid && r.n < perKey && aPartitions.has(partitionOf(r.key, PARTITIONS)),
    );
    expect(byA.length).toBeGreaterThanOrEqual(15);
    expect(finishedByB.length).toBeGreaterThan(0);
    expect(byA.length + rows.filter((r) => r.pid === b.pid).length).toBe(events.length + more.length);
  });

  it('loses no committed event when the writer dies before anything relayed or delivered it', async () => {
    const run = newRun();
    const group = 'crash-writer';
    const keys = keysOverPartitions(run, 1, PARTITIONS);
    const events = interleaved(keys, 10);
    const doomed = [0, 1, 2].map((n) => ({ key: `${run}-doomed`, n }));
    const child = spawnChild({ mode: 'append', run, events, doomed });
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const logged = await loggedEvents(store, run);
    // Committed: all of the first transaction; nothing of the one it died inside.
    expect(logged.map((e) => `${e.key}#${e.n}`).sort()).toEqual(events.map((e) => `${e.key}#${e.n}`).sort());
    // Nothing ran before the crash: on PostgreSQL not even the sequencer; on NATS no stream exists.
    if (backend !== 'sqlite') expect(logged.every((e) => e.seq === null)).toBe(true);
    if (nats) expect(await streamMessages(nats.stream)).toBe(0);

    await consumer({ group, run });
    await settle(run, events.length);
    for (const b of buses.splice(0)) await b.stop();
    await expectExactlyOnceInOrder(store, run, events);
    if (nats) expect(await streamMessages(nats.stream)).toBe(events.length);
  });

  // The relay exists only on the distributed backend.
  if (backend === 'postgres+nats')
    it('republishes what the relay published before dying unsaved, deduplicated by the stream', async () => {
      const run = newRun();
      const group = 'crash-relay';
      const keys = keysOverPartitions(run, 1, PARTITIONS);
      const events = interleaved(keys, 8);
      const child = spawnChild({ mode: 'relay-crash', run, events });
      await child.waitFor('relaying');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      // Published and acknowledged by JetStream, but the relay's position was never saved.
      expect(await streamMessages(nats!.stream)).toBe(events.length);
      expect(await relayPosition()).toBe(0);

      await consumer({ group, run });
      const head = Math.max(...(await loggedEvents(store, run)).map((e) => e.seq!));
      await waitFor(async () => (await relayPosition()) >= head, 15_000, 'the relay to catch up');
      await settle(run, events.length);
      expect(await streamMessages(nats!.stream)).toBe(events.length);
      const more = interleaved(keys, 10).filter((e) => e.n >= 8);
      await append(more);
      await settle(run, events.length + more.length);
      for (const b of buses.splice(0)) await b.stop();
      await expectExactlyOnceInOrder(store, run, [...events, ...more]);
      expect(await streamMessages(nats!.stream)).toBe(events.length + more.length);
    });

  // The stream deduplicates republished events only within its duplicate window. A relay that died
  // after publishing and is restarted later than that (a long outage) puts every event of its
  // last batch in the stream twice; the inbox must still apply each once.
  if (backend === 'postgres+nats')
    it('applies each event once when the stream holds it twice (republished after the dedup window)', async () => {
      const run = newRun();
      const group = 'crash-late-dup';
      const keys = keysOverPartitions(run, 1, PARTITIONS);
      const events = interleaved(keys, 5);
      const windowMs = 1000;
      // The configured default batch size: a batch spans the original and the republished copy.
      const natsBus = () => {
        const settings = { ...FAST_SETTINGS, ...SETTINGS, batchSize: 128 };
        const bus = new BusEngine({
          store,
          registry: testRegistry(),
          clock: systemClock,
          log: silentLogger,
          settings,
          transport: (eventLog) =>
            new NatsTransport({
              store,
              clock: systemClock,
              log: silentLogger,
              eventLog,
              member: `late-dup-${process.pid}-${buses.length}`,
              servers: [NATS_URL],
              stream: nats!.stream,
              subjectPrefix: nats!.subjectPrefix,
              duplicateWindowMs: windowMs,
              maxAgeDays: 1,
              leaseMs: settings.leaseMs,
              pollMs: settings.pollMs,
              bufferPerPartition: 256,
              ackWaitMs: 5000,
            }),
        });
        buses.push(bus);
        return bus;
      };
      await append(events);
      const head = Math.max(...(await loggedEvents(store, run)).map((e) => e.seq ?? 0));
      const relayOnly = async () => {
        const bus = natsBus();
        await bus.start();
        await waitFor(async () => (await relayPosition()) >= head, 15_000, 'the relay to publish');
        await bus.stop();
      };
      await relayOnly();
      expect(await streamMessages(nats!.stream)).toBe(events.length);
      // The relay's position is lost (it died before saving it) and it comes back after the window.
      await new Promise((r) => setTimeout(r, windowMs + 500));
      await store.tx((tx) =>
        tx
          .updateTable('keel_bus_positions')
          .set({ position: 0 })
          .where('group_name', '=', '__relay')
          .execute(),
      );
      await relayOnly();
      expect(await streamMessages(nats!.stream)).toBe(2 * events.length);

      const bus = natsBus();
      bus.subscribe(effectSubscription({ group, run }));
      await bus.start();
      await settle(run, events.length);
      await new Promise((r) => setTimeout(r, 500));
      for (const b of buses.splice(0)) await b.stop();
      await expectExactlyOnceInOrder(store, run, events);
    });

  it('absorbs redelivery after positions are rewound (lost position flush) without duplicate effects', async () => {
    const run = newRun();
    const group = 'crash-rewind';
    const keys = keysOverPartitions(run, 2, PARTITIONS);
    const events = interleaved(keys, 8);
    await append(events);
    await consumer({ group, run });
    await settle(run, events.length);
    const logged = await loggedEvents(store, run);
    const lastOf = new Map<number, number>();
    for (const e of logged) lastOf.set(e.partition, Math.max(lastOf.get(e.partition) ?? 0, e.seq!));
    const caughtUp = async () => {
      const pos = await positions(group);
      return [...lastOf].every(([p, seq]) => (pos.get(p) ?? 0) >= seq);
    };
    await waitFor(caughtUp, 10_000, 'positions saved');
    for (const b of buses.splice(0)) await b.stop();

    // Crash before the position flush: the saved positions are behind what was handled.
    await store.tx((tx) =>
      tx.updateTable('keel_bus_positions').set({ position: 0 }).where('group_name', '=', group).execute(),
    );
    if (nats) {
      // The distributed analogue: JetStream forgets the group's acks (consumers lost) and the relay
      // republishes everything (its position lost too).
      await store.tx((tx) =>
        tx
          .updateTable('keel_bus_positions')
          .set({ position: 0 })
          .where('group_name', '=', '__relay')
          .execute(),
      );
      const nc = await connect({ servers: [NATS_URL] });
      try {
        const jsm = await jetstreamManager(nc);
        for (let p = 0; p < PARTITIONS; p++)
          expect(await jsm.consumers.delete(nats.stream, consumerName(group, p, 0))).toBe(true);
      } finally {
        await nc.close();
      }
    }
    expect(await caughtUp()).toBe(false);

    const handled: string[] = [];
    await consumer({ group, run, onHandled: (e) => handled.push(e.id) });
    // Every event was fetched and acknowledged again (the positions came back) …
    await waitFor(caughtUp, 15_000, 'positions back after redelivery');
    if (nats) expect(await relayPosition()).toBeGreaterThanOrEqual(Math.max(...lastOf.values()));
    // … but none reached the handler: the inbox knew them.
    expect(handled).toEqual([]);
    const more = interleaved(keys, 10).filter((e) => e.n >= 8);
    await append(more);
    await settle(run, events.length + more.length);
    for (const b of buses.splice(0)) await b.stop();
    expect(handled).toHaveLength(more.length);
    await expectExactlyOnceInOrder(store, run, [...events, ...more]);
    if (nats) expect(await streamMessages(nats.stream)).toBe(events.length + more.length);
  });

  // HandlerContext.attempt is "1 on first delivery"; the bus counts attempts durably (that count
  // decides the dead letter), so after a restart the handler must be told the same number.
  it('tells the handler its attempt number as counted across a restart', async () => {
    const run = newRun();
    const group = 'crash-attempt';
    const poison = `${run}-poison`;
    const seen: number[] = [];
    const failing = (bus: Bus) =>
      bus.subscribe({
        group,
        types: [TestHappened.type],
        handle: async (e, ctx) => {
          if ((e.data as { key: string }).key !== poison) return;
          seen.push(ctx.attempt);
          throw new Error('still failing');
        },
      });
    const settings = { ...SETTINGS, maxAttempts: 10, backoffInitialMs: 50, backoffMaxMs: 100 };
    await append([
      { key: `${run}-a`, n: 0 },
      { key: poison, n: 0 },
    ]);
    const recorded = async () =>
      (
        await store.db
          .selectFrom('keel_bus_attempts')
          .select('attempt')
          .where('group_name', '=', group)
          .execute()
      ).length;
    const first = await newBus(settings);
    failing(first);
    await first.start();
    await waitFor(async () => (await recorded()) >= 2, 10_000, 'two recorded attempts');
    await first.stop();
    const before = await recorded();
    seen.length = 0;

    const second = await newBus(settings);
    failing(second);
    await second.start();
    await waitFor(() => seen.length >= 1, 10_000, 'a delivery after the restart');
    await second.stop();
    expect(seen[0]).toBe(before + 1);
  });

  it('dead-letters after N attempts counted across a SIGKILL, then a new process retries it', async () => {
    const run = newRun();
    const group = 'crash-dlq';
    const keys = keysOverPartitions(run, 1, PARTITIONS);
    const poison = `${run}-poison`;
    const events = [...interleaved(keys, 3), { key: poison, n: 0 }];
    await append(events);
    const dlqSettings = { ...SETTINGS, maxAttempts: 4, backoffInitialMs: 250, backoffMaxMs: 500 };
    const attempts = async () =>
      (await store.db
        .selectFrom('keel_bus_attempts')
        .select(['attempt', 'error'])
        .where('group_name', '=', group)
        .orderBy('attempt')
        .execute()) as { attempt: number; error: string }[];

    const first = spawnChild({ mode: 'consume', run, group, settings: dlqSettings, failKey: poison });
    await waitFor(async () => (await attempts()).length >= 2, 20_000, 'two failed attempts');
    expect((await kill(first)).signal).toBe('SIGKILL');
    const before = (await attempts()).length;
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(4);

    // A new process carries on counting; it parks the event at the 4th attempt and stops.
    const second = spawnChild({
      mode: 'consume',
      run,
      group,
      settings: dlqSettings,
      failKey: poison,
      stopOnDeadLetter: true,
    });
    await second.waitFor('stopped', 30_000);
    expect(await second.exited).toMatchObject({ code: 0, signal: null });
    const admin = (await newBus()).admin;
    const { items } = await admin.deadLetters({ group });
    expect(items).toHaveLength(1);
    const dl = items[0]!;
    expect(dl.status).toBe('open');
    expect(dl.event.subject).toBe(poison);
    expect(dl.attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const errorPids = dl.attempts.map((a) => Number(/pid (\d+)/.exec(a.error)?.[1]));
    expect(errorPids).toEqual([...Array(before).fill(first.pid), ...Array(4 - before).fill(second.pid)]);
    expect(await attempts()).toEqual([]);
    // Every failed attempt rolled back its effect; the other events were handled once.
    expect((await effectRows(store, run)).filter((r) => r.key === poison)).toEqual([]);

    // Retry requested while no consumer runs; a new consumer process picks it up.
    expect((await admin.retryDeadLetter(dl.id, 'test')).status).toBe('retry_requested');
    await consumer({ group, run });
    await waitFor(async () => (await admin.deadLetter(dl.id)).status === 'resolved', 15_000, 'resolved');
    await settle(run, events.length);
    for (const b of buses.splice(0)) await b.stop();
    await expectExactlyOnceInOrder(store, run, events);
    const retried = (await effectRows(store, run)).find((r) => r.key === poison)!;
    expect(retried.pid).toBe(process.pid);
    expect(retried.attempt).toBe(5);
  });
});

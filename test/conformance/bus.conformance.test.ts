import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../src/kernel/events.js';
import type { Store } from '../../src/kernel/ports/store.js';
import type { Bus } from '../../src/platform/bus-core/bus.js';
import { availableBackends, type Backend } from '../support/backends.js';
import {
  createTestBus,
  deleteStream,
  type NatsNames,
  natsNames,
  TestEchoed,
  TestHappened,
  waitFor,
} from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

async function effectsTable(store: Store) {
  await store.tx(async (tx) => {
    await tx.schema
      .createTable('test_effects')
      .ifNotExists()
      .addColumn('group_name', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .execute();
  });
}

async function effects(store: Store, group: string): Promise<{ event_id: string; n: number }[]> {
  return (await store.db
    .selectFrom('test_effects')
    .select(['event_id', 'n'])
    .where('group_name', '=', group)
    .execute()) as { event_id: string; n: number }[];
}

async function appendN(bus: Bus, store: Store, count: number, key: (i: number) => string, offset = 0) {
  await store.tx(async (tx) => {
    await bus.append(
      tx,
      Array.from({ length: count }, (_, i) =>
        TestHappened.input(key(i + offset), { n: i + offset, key: key(i + offset) }),
      ),
    );
  });
}

describe.each(backends)('EventBus conformance [%s]', (backend: Backend) => {
  let ts: TestStore;
  let store: Store;
  let nats: NatsNames | undefined;
  const buses: Bus[] = [];

  const newBus = async (settings = {}, s: Store = store) => {
    const bus = await createTestBus(backend, s, { settings, ...(nats ? { nats } : {}) });
    buses.push(bus);
    return bus;
  };

  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    if (backend === 'postgres+nats') nats = natsNames();
    await newBus();
    await effectsTable(store);
  });
  afterEach(async () => {
    for (const b of buses.splice(0)) await b.stop();
  });
  afterAll(async () => {
    await ts?.cleanup();
    if (nats) await deleteStream(nats.stream);
  });

  it('delivers appended events once, with the inbox and effects in one transaction', async () => {
    const bus = await newBus();
    bus.subscribe({
      group: 'once',
      types: [TestHappened.type],
      handle: async (e, ctx) => {
        await ctx.tx
          .insertInto('test_effects')
          .values({ group_name: 'once', event_id: e.id, n: (e.data as any).n })
          .execute();
      },
    });
    await bus.start();
    await appendN(bus, store, 200, (i) => `k${i % 7}`);
    await waitFor(async () => (await effects(store, 'once')).length >= 200, 15_000, '200 effects');
    await new Promise((r) => setTimeout(r, 300));
    const rows = await effects(store, 'once');
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((r) => r.event_id)).size).toBe(200);
  });

  it('rolls back the writer transaction when an event fails its schema, is unknown or too large', async () => {
    const bus = await newBus();
    const before = await bus.admin.events({ limit: 1000 });
    const attempt = (data: unknown, type = TestHappened.type) =>
      store.tx(async (tx) => {
        await tx.insertInto('test_effects').values({ group_name: 'rollback', event_id: 'x', n: 1 }).execute();
        await bus.append(tx, [TestHappened.input('ok', { n: 1, key: 'ok' })]);
        await bus.append(tx, [{ type, subject: 's1', data }]);
      });
    await expect(attempt({ n: 'not a number', key: 'k' })).rejects.toMatchObject({
      code: 'EVENT_SCHEMA_INVALID',
    });
    await expect(attempt({ n: 1, key: 'k' }, 'keel.test.nope.v1')).rejects.toMatchObject({
      code: 'EVENT_TYPE_UNKNOWN',
    });
    await expect(attempt({ n: 1, key: 'k', note: 'x'.repeat(70_000) })).rejects.toMatchObject({
      code: 'EVENT_TOO_LARGE',
    });
    expect(await effects(store, 'rollback')).toEqual([]);
    expect((await bus.admin.events({ limit: 1000 })).length).toBe(before.length);
  });

  it('keeps per-key order under concurrent appends while keys run in parallel', async () => {
    const bus = await newBus({ concurrency: 8, batchSize: 8 });
    const seen = new Map<string, number[]>();
    let maxParallel = 0;
    let active = 0;
    bus.subscribe({
      group: 'order',
      types: [TestHappened.type],
      handle: async (e) => {
        const d = e.data as { n: number; key: string };
        if (!d.key.startsWith('ord-')) return;
        active++;
        maxParallel = Math.max(maxParallel, active);
        await new Promise((r) => setTimeout(r, Math.random() * 3));
        seen.set(d.key, [...(seen.get(d.key) ?? []), d.n]);
        active--;
      },
    });
    await bus.start();
    // 10 writers, each appending its own key's events in order, concurrently.
    await Promise.all(
      Array.from({ length: 10 }, async (_, w) => {
        for (let i = 0; i < 30; i++) {
          await store.tx(async (tx) => {
            await bus.append(tx, [TestHappened.input(`ord-${w}`, { n: i, key: `ord-${w}` })]);
          });
        }
      }),
    );
    await waitFor(
      () => [...seen.values()].reduce((a, v) => a + v.length, 0) >= 300,
      20_000,
      '300 deliveries',
    );
    for (let w = 0; w < 10; w++)
      expect(seen.get(`ord-${w}`)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // SQLite has one writer: handler transactions are group-committed, not run side by side.
    if (backend !== 'sqlite') expect(maxParallel).toBeGreaterThan(1);
  });

  it('emits caused events with the same correlation id and the cause as causation', async () => {
    const bus = await newBus();
    const echoes: StoredEvent[] = [];
    bus.subscribe({
      group: 'echo',
      types: [TestHappened.type],
      handle: async (e, ctx) => {
        if ((e.data as any).key === 'corr')
          await ctx.emit([TestEchoed.input(e.subject, { n: (e.data as any).n })]);
      },
    });
    bus.subscribe({
      group: 'echo-listener',
      types: ['keel.test.thing.echoed.*'],
      handle: async (e) => void echoes.push(e),
    });
    await bus.start();
    const [placed] = await store.tx((tx) =>
      bus.append(tx, [TestHappened.input('corr-1', { n: 5, key: 'corr' })], { correlationId: 'cor_test_1' }),
    );
    await waitFor(() => echoes.length >= 1, 10_000, 'echo');
    expect(echoes[0]!.correlationid).toBe('cor_test_1');
    expect(echoes[0]!.causationid).toBe(placed!.id);
    expect(echoes[0]!.traceparent?.split('-')[1]).toBe(placed!.traceparent?.split('-')[1]);
    const trail = await bus.admin.events({ correlationId: 'cor_test_1' });
    expect(trail.map((e) => e.type)).toEqual([TestHappened.type, TestEchoed.type]);
  });

  it('retries with backoff, dead-letters after N attempts, then retries from the dead-letter queue', async () => {
    const bus = await newBus({ maxAttempts: 3 });
    let failing = true;
    const calls: number[] = [];
    const handled: string[] = [];
    bus.subscribe({
      group: 'dlq',
      types: [TestHappened.type],
      handle: async (e, ctx) => {
        if ((e.data as any).key !== 'poison') return;
        calls.push(ctx.attempt);
        if (failing) throw { weird: 'not an Error' };
        handled.push(e.id);
      },
    });
    await bus.start();
    await appendN(bus, store, 1, () => 'poison');
    await waitFor(
      async () => (await bus.admin.deadLetters({ group: 'dlq' })).items.length === 1,
      10_000,
      'dead letter',
    );
    const [dl] = (await bus.admin.deadLetters({ group: 'dlq' })).items;
    expect(dl!.status).toBe('open');
    expect(dl!.attempts).toHaveLength(3);
    expect(dl!.error).toContain('not an Error');
    expect(calls.length).toBe(3);
    const shown = await bus.admin.deadLetter(dl!.id);
    expect(shown.event.type).toBe(TestHappened.type);
    failing = false;
    await bus.admin.retryDeadLetter(dl!.id, 'test');
    await waitFor(async () => (await bus.admin.deadLetter(dl!.id)).status === 'resolved', 10_000, 'resolved');
    expect(handled).toHaveLength(1);
    await expect(bus.admin.retryDeadLetter(dl!.id, 'test')).rejects.toMatchObject({
      code: 'DEAD_LETTER_STATE',
    });
    await expect(bus.admin.deadLetter('dlq_missing')).rejects.toMatchObject({
      code: 'DEAD_LETTER_NOT_FOUND',
    });
  });

  it('counts the call that failed a batch as the failing event’s first attempt', async () => {
    const bus = await newBus({ maxAttempts: 3 });
    const calls: number[] = [];
    const handled: number[] = [];
    bus.subscribe({
      group: 'batch-blame',
      types: [TestHappened.type],
      handle: async (e, ctx) => {
        const { key, n } = e.data as { key: string; n: number };
        if (key !== 'blamed') return;
        if (n === 1) {
          calls.push(ctx.attempt);
          throw new Error('always');
        }
        handled.push(n);
      },
    });
    // Three events of one key before the bus starts: they are fetched and handled as one batch,
    // which the second fails.
    await appendN(bus, store, 3, () => 'blamed');
    await bus.start();
    await waitFor(
      async () => (await bus.admin.deadLetters({ group: 'batch-blame' })).items.length === 1,
      10_000,
      'dead letter',
    );
    const [dl] = (await bus.admin.deadLetters({ group: 'batch-blame' })).items;
    expect(dl!.attempts).toHaveLength(3);
    expect(calls).toEqual([1, 2, 3]);
    await waitFor(() => handled.includes(2), 10_000, 'the event after it');
    expect(handled.filter((n) => n === 0).length).toBeGreaterThanOrEqual(1);
  });

  it('times out a hung handler and dead-letters it, without blocking other keys', async () => {
    const bus = await newBus({ maxAttempts: 2, handlerTimeoutMs: 150 });
    const ok: number[] = [];
    bus.subscribe({
      group: 'hang',
      types: [TestHappened.type],
      handle: async (e) => {
        if ((e.data as any).key === 'hang') await new Promise(() => {});
        if ((e.data as any).key.startsWith('fine')) ok.push((e.data as any).n);
      },
    });
    await bus.start();
    await appendN(bus, store, 1, () => 'hang');
    await appendN(bus, store, 5, (i) => `fine${i}`, 100);
    await waitFor(() => ok.length === 5, 10_000, 'other keys');
    await waitFor(
      async () => (await bus.admin.deadLetters({ group: 'hang' })).items.length === 1,
      10_000,
      'dlq',
    );
    const [dl] = (await bus.admin.deadLetters({ group: 'hang' })).items;
    expect(dl!.attempts.map((a) => a.code)).toEqual(['HANDLER_TIMEOUT', 'HANDLER_TIMEOUT']);
    await bus.admin.discardDeadLetter(dl!.id, 'test', 'known bad');
    expect((await bus.admin.deadLetter(dl!.id)).resolution).toMatchObject({
      action: 'discard',
      reason: 'known bad',
    });
  });

  it('replays a group from a position and from a time', async () => {
    const bus = await newBus();
    const got: number[] = [];
    bus.subscribe({
      group: 'replay',
      types: [TestHappened.type],
      handle: async (e) => {
        if ((e.data as any).key === 'rp') got.push((e.data as any).n);
      },
    });
    await bus.start();
    const t0 = new Date(Date.now() - 1).toISOString();
    await appendN(bus, store, 10, () => 'rp');
    await waitFor(() => got.length === 10, 10_000, 'first pass');
    const trail = await bus.admin.events({ type: TestHappened.type, limit: 1000 });
    const sixth = trail.filter((e) => (e.data as any).key === 'rp')[5]!;
    const r = await bus.admin.replay('replay', { position: sixth.seq }, 'test');
    expect(r.fromSeq).toBe(sixth.seq);
    await waitFor(() => got.length === 15, 15_000, 'replay from position');
    expect(got.slice(10)).toEqual([5, 6, 7, 8, 9]);
    await bus.admin.replay('replay', { time: t0 }, 'test');
    await waitFor(() => got.length === 25, 15_000, 'replay from time');
    expect(got.slice(15)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await expect(bus.admin.replay('nobody', { position: 1 }, 'test')).rejects.toMatchObject({
      code: 'GROUP_UNKNOWN',
    });
    await expect(bus.admin.replay('replay', { position: 0 }, 'test')).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('shuts down gracefully and resumes without loss or duplicate effects', async () => {
    const group = 'graceful';
    const handlerFor = (b: Bus) =>
      b.subscribe({
        group,
        types: [TestHappened.type],
        handle: async (e, ctx) => {
          if ((e.data as any).key !== 'gs') return;
          await new Promise((r) => setTimeout(r, 5));
          await ctx.tx
            .insertInto('test_effects')
            .values({ group_name: group, event_id: e.id, n: (e.data as any).n })
            .execute();
        },
      });
    const first = await newBus({ batchSize: 4 });
    handlerFor(first);
    await first.start();
    await appendN(first, store, 300, () => 'gs');
    await waitFor(async () => (await effects(store, group)).length > 20, 10_000, 'some progress');
    await first.stop();
    const after = (await effects(store, group)).length;
    expect(after).toBeLessThan(300);
    const second = await newBus({ batchSize: 4 });
    handlerFor(second);
    await second.start();
    await waitFor(async () => (await effects(store, group)).length >= 300, 20_000, 'all 300');
    await new Promise((r) => setTimeout(r, 300));
    const rows = await effects(store, group);
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('shares one group across two bus instances, each event once, per-key order kept', async () => {
    const group = 'shared';
    const seen = new Map<string, number[]>();
    const by = new Map<string, number>();
    const make = async (name: string) => {
      const s = name === 'a' ? store : await ts.reopen();
      const b = await newBus({}, s);
      b.subscribe({
        group,
        types: [TestHappened.type],
        handle: async (e, ctx) => {
          const d = e.data as { n: number; key: string };
          if (!d.key.startsWith('sh')) return;
          seen.set(d.key, [...(seen.get(d.key) ?? []), d.n]);
          by.set(name, (by.get(name) ?? 0) + 1);
          await ctx.tx
            .insertInto('test_effects')
            .values({ group_name: group, event_id: e.id, n: d.n })
            .execute();
        },
      });
      await b.start();
      return b;
    };
    const a = await make('a');
    const b = await make('b');
    await waitFor(
      () => {
        const own = [...Object.values(a.ownership()), ...Object.values(b.ownership())];
        return own.length === 2 && own.every((p) => p.length === 2);
      },
      10_000,
      'rebalanced partitions',
    );
    for (let i = 0; i < 20; i++) await appendN(a, store, 10, (j) => `sh${j % 10}`, i * 10);
    await waitFor(async () => (await effects(store, group)).length >= 200, 20_000, 'shared 200');
    expect((await effects(store, group)).length).toBe(200);
    for (let k = 0; k < 10; k++) {
      const ns = seen.get(`sh${k}`)!;
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
      expect(ns).toHaveLength(20);
    }
    expect(by.get('a')).toBeGreaterThan(0);
    expect(by.get('b')).toBeGreaterThan(0);
  });
});

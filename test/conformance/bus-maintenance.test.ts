import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/kernel/clock.js';
import { pruneBusBookkeeping } from '../../src/platform/bus-core/maintenance.js';
import { availableBackends } from '../support/backends.js';
import {
  createTestBus,
  deleteStream,
  type NatsNames,
  natsNames,
  TestHappened,
  waitFor,
} from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

describe.each(backends)('bus bookkeeping retention [%s]', (backend) => {
  let ts: TestStore;
  let nats: NatsNames | undefined;
  beforeAll(async () => {
    ts = await createTestStore(backend);
    if (backend === 'postgres+nats') nats = natsNames();
  });
  afterAll(async () => {
    await ts?.cleanup();
    if (nats) await deleteStream(nats.stream);
  });

  it('prunes old inbox records below the group position only, and old attempts', async () => {
    const { store } = ts;
    const bus = await createTestBus(backend, store, nats ? { nats } : {});
    let handled = 0;
    bus.subscribe({ group: 'keep', types: [TestHappened.type], handle: async () => void handled++ });
    await bus.start();
    await store.tx((tx) =>
      bus.append(
        tx,
        Array.from({ length: 20 }, (_, i) => TestHappened.input(`k${i % 3}`, { n: i, key: `k${i % 3}` })),
      ),
    );
    await waitFor(() => handled === 20, 10_000, 'handled');
    await bus.stop(); // flushes positions
    const count = async (table: string) =>
      Number(
        (await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(store.db)).rows[0]!
          .n,
      );
    expect(await count('keel_bus_inbox')).toBe(20);

    // Nothing is old enough yet.
    expect(await pruneBusBookkeeping(store, systemClock, 7)).toBe(0);
    // An inbox record above the position (processed out of order before a crash) must survive.
    const maxSeq = Number(
      (await sql<{ m: number }>`SELECT max(seq) AS m FROM keel_event_log`.execute(store.db)).rows[0]!.m,
    );
    await store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_inbox')
        .values({
          group_name: 'keep',
          event_id: 'evt_future',
          seq: maxSeq + 100,
          outcome: 'handled',
          processed_at: '2000-01-01T00:00:00.000Z',
        })
        .execute();
      await tx
        .insertInto('keel_bus_attempts')
        .values({
          group_name: 'keep',
          event_id: 'evt_old',
          attempt: 1,
          at: '2000-01-01T00:00:00.000Z',
          error: 'x',
          code: null,
        })
        .execute();
    });

    // Eight days later, everything below the position goes, the record above it stays.
    const later = { now: () => new Date(Date.now() + 8 * 86_400_000), setTimer: systemClock.setTimer };
    const removed = await pruneBusBookkeeping(store, later, 7);
    expect(removed).toBe(21);
    const left = await store.db.selectFrom('keel_bus_inbox').select('event_id').execute();
    expect(left.map((r) => r.event_id)).toEqual(['evt_future']);
    expect(await count('keel_bus_attempts')).toBe(0);
  });
});

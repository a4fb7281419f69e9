import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { systemClock } from '../../src/kernel/clock.js';
import { resolveConfig } from '../../src/kernel/config.js';
import { EventRegistry } from '../../src/kernel/event-registry.js';
import { defineEvent, type EventContext, type StoredEvent } from '../../src/kernel/events.js';
import { newId } from '../../src/kernel/ids.js';
import type { LogFn, Logger } from '../../src/kernel/ports/logger.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { Bus, type BusSettings } from '../../src/platform/bus-core/bus.js';
import { busMigrations } from '../../src/platform/bus-core/bus.schema.js';
import { EmbeddedTransport } from '../../src/platform/bus-embedded/embedded-transport.js';
import { NatsTransport } from '../../src/platform/bus-nats/nats-transport.js';
import { PostgresStore } from '../../src/platform/postgres/postgres-store.js';
import { SqliteStore } from '../../src/platform/sqlite/sqlite-store.js';
import {
  type Disposable,
  deleteStream,
  freshPgDatabase,
  freshTempDir,
  NATS_URL,
  uniqueName,
} from '../support/services.js';

export type BusBackend = 'sqlite' | 'postgres' | 'postgres+nats';
export const BUS_BACKENDS: readonly BusBackend[] = ['sqlite', 'postgres', 'postgres+nats'];

export const BenchHappened = defineEvent({
  type: 'keel.bench.thing.happened.v1',
  source: '/keel/bench',
  description: 'A benchmark event; t is the wall-clock ms just before its append transaction began',
  schema: Type.Object({ n: Type.Integer(), t: Type.Number() }),
});

export const SINK_GROUP = 'bench.sink';

/**
 * The causal context a request or command gives its appends (as the API and CLI do): a
 * time-sortable correlation id, as production makes them, and a trace id drawn cheaply (building
 * the context is the caller's cost, not the bus's; node's crypto.randomBytes, which the kernel's
 * newTraceparent uses, costs ~9 µs a call on this VM, while randomUUID draws from a pool).
 */
export function operationContext(): EventContext {
  const hex = randomUUID().replaceAll('-', '');
  return { correlationId: newId('cor'), traceparent: `00-${hex}-${hex.slice(0, 16)}-01` };
}

/** The production defaults (src/kernel/config.ts), as src/app.ts resolves them with no overrides. */
export function productionSettings(): {
  bus: BusSettings;
  poolSize: number;
  busyTimeoutMs: number;
  nats: { duplicateWindowMs: number; maxAgeDays: number };
} {
  const { config } = resolveConfig({});
  const { inboxRetentionDays: _retention, ...bus } = config.bus;
  return {
    bus: { ...bus, shutdownTimeoutMs: config.shutdownTimeoutMs },
    poolSize: config.postgres.poolSize,
    busyTimeoutMs: config.sqlite.busyTimeoutMs,
    nats: { duplicateWindowMs: config.nats.duplicateWindowMs, maxAgeDays: config.nats.maxAgeDays },
  };
}

/** Bus warnings (bookkeeping failures, retries) are worth seeing during a benchmark. */
function stderrLogger(bindings: Record<string, unknown> = {}): Logger {
  const noop: LogFn = () => {};
  const print =
    (level: string): LogFn =>
    (a: object | string, msg?: string) =>
      console.error(`  bus ${level}: ${typeof a === 'string' ? a : `${msg ?? ''} ${JSON.stringify(a)}`}`);
  return {
    fatal: print('fatal'),
    error: print('error'),
    warn: print('warn'),
    info: noop,
    debug: noop,
    trace: noop,
    child: (b) => stderrLogger({ ...bindings, ...b }),
  };
}

export interface Sink {
  /** The trivial handler, called inside the handler's transaction. */
  handle(event: StoredEvent): void;
  /** After a handler transaction committed (inbox and position bookkeeping done). */
  committed(count: number): void;
}

export interface BusFixture {
  backend: BusBackend;
  store: Store;
  bus: Bus;
  /** Stop the bus, close the store, remove the database / file / stream. */
  close(): Promise<void>;
}

/** A started bus with one consumer group on a fresh database (and stream), built as in production. */
export async function openBusFixture(backend: BusBackend, sink: Sink): Promise<BusFixture> {
  const s = productionSettings();
  const log = stderrLogger();
  const disposables: Disposable<unknown>[] = [];
  const cleanup = async () => {
    for (const d of disposables.reverse()) await d.dispose().catch(() => {});
  };
  try {
    let store: Store;
    if (backend === 'sqlite') {
      const dir = freshTempDir();
      disposables.push(dir);
      store = await SqliteStore.open({ file: join(dir.value, 'keel.db'), busyTimeoutMs: s.busyTimeoutMs });
    } else {
      const db = await freshPgDatabase();
      disposables.push(db);
      store = await PostgresStore.open({ url: db.value, poolSize: s.poolSize });
    }
    disposables.push({ value: store, dispose: () => store.close() });
    await store.migrate([busMigrations]);

    const stream = uniqueName('KEEL_BENCH');
    if (backend === 'postgres+nats') disposables.push({ value: stream, dispose: () => deleteStream(stream) });
    const member = `bench-${process.pid}`;
    const bus = new Bus({
      store,
      registry: new EventRegistry().register(BenchHappened),
      clock: systemClock,
      log,
      settings: s.bus,
      observer: { handled: (_group, events) => sink.committed(events.length) },
      transport: (eventLog) =>
        backend === 'postgres+nats'
          ? new NatsTransport({
              store,
              clock: systemClock,
              log,
              eventLog,
              member,
              servers: [NATS_URL],
              stream,
              subjectPrefix: stream.toLowerCase().replaceAll('_', '-'),
              ...s.nats,
              leaseMs: s.bus.leaseMs,
              pollMs: s.bus.pollMs,
              // As src/app.ts sizes it: the group's in-flight budget spread over its partitions.
              bufferPerPartition: Math.max(s.bus.batchSize, Math.ceil(s.bus.maxInFlight / s.bus.partitions)),
            })
          : new EmbeddedTransport({ store, clock: systemClock, log, eventLog, pollMs: s.bus.pollMs }),
    });
    bus.subscribe({
      group: SINK_GROUP,
      types: [BenchHappened.type],
      handle: async (event) => sink.handle(event),
    });
    await bus.start();
    disposables.push({ value: bus, dispose: () => bus.stop() });
    return { backend, store, bus, close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Rows in the group's inbox: each event handled exactly once leaves exactly one. */
export async function inboxCount(store: Store): Promise<number> {
  const r = await store.db
    .selectFrom('keel_bus_inbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('group_name', '=', SINK_GROUP)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

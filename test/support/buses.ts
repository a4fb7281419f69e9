import { Type } from '@sinclair/typebox';
import { systemClock } from '../../src/kernel/clock.js';
import { EventRegistry } from '../../src/kernel/event-registry.js';
import { defineEvent } from '../../src/kernel/events.js';
import type { Logger } from '../../src/kernel/ports/logger.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { Bus, type BusSettings } from '../../src/platform/bus-core/bus.js';
import { busMigrations } from '../../src/platform/bus-core/bus.schema.js';
import { EmbeddedTransport } from '../../src/platform/bus-embedded/embedded-transport.js';
import { NatsTransport } from '../../src/platform/bus-nats/nats-transport.js';
import { type Backend, NATS_URL, uniqueName } from './backends.js';
import { deleteNatsStream } from './probes.js';

export const TestHappened = defineEvent({
  type: 'keel.test.thing.happened.v1',
  source: '/keel/test',
  description: 'A test event',
  schema: Type.Object({ n: Type.Integer(), key: Type.String(), note: Type.Optional(Type.String()) }),
});

export const TestEchoed = defineEvent({
  type: 'keel.test.thing.echoed.v1',
  source: '/keel/test',
  description: 'Emitted by a test handler in reaction to TestHappened',
  schema: Type.Object({ n: Type.Integer() }),
});

export function testRegistry(): EventRegistry {
  return new EventRegistry().register(TestHappened, TestEchoed);
}

export const FAST_SETTINGS: BusSettings = {
  partitions: 4,
  concurrency: 4,
  batchSize: 64,
  maxInFlight: 1024,
  maxAttempts: 3,
  backoffInitialMs: 20,
  backoffMaxMs: 200,
  handlerTimeoutMs: 2000,
  maxEventBytes: 64 * 1024,
  leaseMs: 1000,
  pollMs: 200,
  shutdownTimeoutMs: 5000,
};

export interface NatsNames {
  stream: string;
  subjectPrefix: string;
}

/** Stream names unique to this test file's run, so runs never see each other's events. */
export function natsNames(): NatsNames {
  const n = uniqueName('KEELT');
  return { stream: n, subjectPrefix: n.toLowerCase().replaceAll('_', '-') };
}

export async function createTestBus(
  backend: Backend,
  store: Store,
  opts: { settings?: Partial<BusSettings>; nats?: NatsNames; log?: Logger; registry?: EventRegistry } = {},
): Promise<Bus> {
  await store.migrate([busMigrations]);
  const settings = { ...FAST_SETTINGS, ...opts.settings };
  const log = opts.log ?? silentLogger;
  const nats = opts.nats;
  if (backend === 'postgres+nats' && !nats) throw new Error('postgres+nats needs stream names (natsNames())');
  return new Bus({
    store,
    registry: opts.registry ?? testRegistry(),
    clock: systemClock,
    log,
    settings,
    transport: (eventLog) =>
      backend === 'postgres+nats'
        ? new NatsTransport({
            store,
            clock: systemClock,
            log,
            eventLog,
            member: `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
            servers: [NATS_URL],
            stream: nats!.stream,
            subjectPrefix: nats!.subjectPrefix,
            duplicateWindowMs: 120_000,
            maxAgeDays: 1,
            leaseMs: settings.leaseMs,
            pollMs: settings.pollMs,
            bufferPerPartition: 256,
            ackWaitMs: 5000,
          })
        : new EmbeddedTransport({ store, clock: systemClock, log, eventLog, pollMs: settings.pollMs }),
  });
}

/** Delete a test stream. */
export function deleteStream(stream: string): Promise<void> {
  return deleteNatsStream(NATS_URL, stream);
}

export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

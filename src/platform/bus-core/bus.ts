import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { EventRegistry } from '../../kernel/event-registry.js';
import type { CloudEvent, EventContext, EventInput } from '../../kernel/events.js';
import type { BusAdmin, EventBus, Subscription } from '../../kernel/ports/bus.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { BusAdminImpl } from './admin.js';
import { GroupConsumer } from './consumer.js';
import { FailureStore } from './dead-letters.js';
import { EventLog, LOG_APPENDED } from './event-log.js';
import { pruneBusBookkeeping } from './maintenance.js';
import { type BusObserver, Processor } from './processor.js';
import { Singleton } from './singleton.js';
import type { Transport } from './transport.js';

export interface BusSettings {
  partitions: number;
  concurrency: number;
  batchSize: number;
  maxInFlight: number;
  maxAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  handlerTimeoutMs: number;
  maxEventBytes: number;
  leaseMs: number;
  pollMs: number;
  shutdownTimeoutMs: number;
  /** Processed-event records and old attempt records are pruned after this many days (default 7). */
  inboxRetentionDays?: number;
}

export interface BusOptions {
  store: Store;
  registry: EventRegistry;
  clock: Clock;
  log: Logger;
  settings: BusSettings;
  /** Builds the transport over the shared event log (embedded reader or JetStream). */
  transport: (eventLog: EventLog) => Transport;
  observer?: BusObserver;
}

const MAINTENANCE_MS = 60 * 60_000;
const GROUP_RE = /^[a-z][a-z0-9._-]{0,99}$/;

/**
 * The EventBus: one engine (event log, consumers, inbox, retries, dead letters, leases) over a
 * pluggable transport. See docs/architecture.md for the guarantees.
 */
export class Bus implements EventBus {
  readonly registry: EventRegistry;
  readonly eventLog: EventLog;
  readonly admin: BusAdmin;
  readonly member = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
  private readonly transport: Transport;
  private readonly failures: FailureStore;
  private readonly subs = new Map<string, Subscription>();
  private readonly consumers: GroupConsumer[] = [];
  private sequencer: Singleton | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private state: 'new' | 'started' | 'stopped' = 'new';

  constructor(private readonly o: BusOptions) {
    this.registry = o.registry;
    this.eventLog = new EventLog({
      store: o.store,
      registry: o.registry,
      clock: o.clock,
      partitions: o.settings.partitions,
      maxEventBytes: o.settings.maxEventBytes,
    });
    this.transport = o.transport(this.eventLog);
    this.failures = new FailureStore(o.store, o.clock, o.settings.partitions);
    this.admin = new BusAdminImpl(o.store, o.clock, this.eventLog, this.failures);
  }

  get transportName(): string {
    return this.transport.name;
  }

  /** Check the partition count the log was created with (it cannot change under running data). */
  async init(): Promise<void> {
    const { store, settings } = this.o;
    await store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_meta')
        .values({ key: 'partitions', value: String(settings.partitions) })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    });
    const row = await store.db
      .selectFrom('keel_bus_meta')
      .select('value')
      .where('key', '=', 'partitions')
      .executeTakeFirstOrThrow();
    if (Number(row.value) !== settings.partitions) {
      throw KernelErrors.CONFIG_INVALID.create(
        `bus.partitions is ${settings.partitions} but this event log was created with ${row.value} partitions; ` +
          'changing it would reorder events of a key. Set bus.partitions back to ' +
          `${row.value} (KEEL_BUS_PARTITIONS=${row.value}).`,
      );
    }
  }

  append(tx: Tx, events: readonly EventInput[], context?: EventContext): Promise<CloudEvent[]> {
    return this.eventLog.append(tx, events, context);
  }

  subscribe(sub: Subscription): void {
    if (this.state !== 'new') throw new Error('subscribe before start()');
    if (!GROUP_RE.test(sub.group))
      throw new TypeError(`invalid group name "${sub.group}" (lowercase, [a-z0-9._-])`);
    if (this.subs.has(sub.group)) throw new TypeError(`group "${sub.group}" subscribed twice`);
    if (!sub.handle && !sub.handleBatch) throw new TypeError(`group "${sub.group}" has no handler`);
    if (!Array.isArray(sub.types) || sub.types.length === 0)
      throw new TypeError(`group "${sub.group}" lists no types`);
    for (const t of sub.types) {
      const pattern = t === '*' || t.endsWith('.*') || t.endsWith('.>');
      if (!pattern && !this.registry.has(t)) {
        throw KernelErrors.EVENT_TYPE_UNKNOWN.create(
          `group "${sub.group}" subscribes to unregistered type "${t}"`,
        );
      }
    }
    this.subs.set(sub.group, sub);
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`bus already ${this.state}`);
    this.state = 'started';
    const { store, clock, log, settings } = this.o;
    await this.init();
    await this.transport.start();
    if (store.dialect === 'postgres') {
      this.sequencer = new Singleton({
        store,
        clock,
        log,
        name: '__sequencer',
        member: this.member,
        leaseMs: settings.leaseMs,
        pollMs: settings.pollMs,
        wakeOn: [LOG_APPENDED],
        work: async () => (await this.eventLog.sequence()) >= 5000,
      });
      await this.sequencer.start();
    }
    for (const sub of this.subs.values()) {
      const processor = new Processor(
        sub,
        {
          batchSize: sub.batchSize ?? settings.batchSize,
          maxAttempts: sub.maxAttempts ?? settings.maxAttempts,
          handlerTimeoutMs: sub.handlerTimeoutMs ?? settings.handlerTimeoutMs,
          backoffInitialMs: sub.backoffInitialMs ?? settings.backoffInitialMs,
          backoffMaxMs: sub.backoffMaxMs ?? settings.backoffMaxMs,
        },
        {
          store,
          clock,
          log,
          failures: this.failures,
          append: (tx, events, ctx) => this.append(tx, events, ctx),
          ...(this.o.observer ? { observer: this.o.observer } : {}),
        },
      );
      const consumer = new GroupConsumer(
        sub,
        {
          partitions: settings.partitions,
          concurrency: sub.concurrency ?? settings.concurrency,
          batchSize: sub.batchSize ?? settings.batchSize,
          maxInFlight: settings.maxInFlight,
          leaseMs: settings.leaseMs,
          pollMs: settings.pollMs,
          shutdownTimeoutMs: settings.shutdownTimeoutMs,
        },
        {
          store,
          clock,
          log,
          transport: this.transport,
          failures: this.failures,
          processor,
          member: this.member,
        },
      );
      this.consumers.push(consumer);
    }
    await Promise.all(this.consumers.map((c) => c.start()));
    // Housekeeping: hourly, in every process (the deletes are idempotent and chunked).
    const prune = () =>
      void pruneBusBookkeeping(store, clock, settings.inboxRetentionDays ?? 7).catch((err) =>
        log.warn({ err: (err as Error).message }, 'pruning bus bookkeeping failed'),
      );
    this.maintenance = setInterval(prune, MAINTENANCE_MS);
    this.maintenance.unref();
  }

  async stop(): Promise<void> {
    if (this.state !== 'started') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    clearInterval(this.maintenance);
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.sequencer?.stop();
    await this.transport.stop();
  }

  ping(): Promise<void> {
    return this.transport.ping();
  }

  /** Partitions this process owns per group (for status and tests). */
  ownership(): Record<string, number[]> {
    return Object.fromEntries(this.consumers.map((c) => [c.group, c.ownedPartitions]));
  }
}

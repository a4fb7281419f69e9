import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { type EventLog, LOG_SEQUENCED } from '../bus-core/event-log.js';
import { loadGroup, loadPosition, PartitionProgress } from '../bus-core/positions.js';
import type { Delivery, PartitionSource, SourceSpec, Transport } from '../bus-core/transport.js';

export interface EmbeddedTransportOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  eventLog: EventLog;
  pollMs: number;
  /** How often a partition's position is written (it is also written on close). */
  flushMs?: number;
}

/**
 * The embedded transport: consumers read the event log table directly, from their persisted
 * position, woken by the commit signal (in-process at once; from other processes through the
 * store's signal mechanism) with a slow poll only as a safety net.
 */
export class EmbeddedTransport implements Transport {
  readonly name = 'embedded' as const;
  private readonly waiters = new Set<() => void>();
  private signals = 0;
  private unlisten: (() => void) | undefined;

  constructor(private readonly o: EmbeddedTransportOptions) {}

  async start(): Promise<void> {
    this.unlisten = this.o.store.listen(LOG_SEQUENCED, () => this.wakeAll());
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.wakeAll();
  }

  async ping(): Promise<void> {
    await this.o.store.ping();
  }

  async openSource(spec: SourceSpec): Promise<PartitionSource> {
    const control = await loadGroup(this.o.store, this.o.clock, spec.group);
    const position = await loadPosition(this.o.store, this.o.clock, spec.group, spec.partition, {
      ...control,
      generation: spec.generation,
    });
    return new EmbeddedSource(this, this.o, spec, position);
  }

  /** A counter that changes on every signal: lets a reader notice a wake that raced its read. */
  get signalCount(): number {
    return this.signals;
  }

  waitForSignal(since: number, ms: number): Promise<void> {
    if (this.signals !== since) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiters.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    this.signals++;
    for (const w of [...this.waiters]) w();
  }
}

class EmbeddedSource implements PartitionSource {
  private cursor: number;
  private readonly progress: PartitionProgress;
  private closed = false;
  private readonly flushTimer: NodeJS.Timeout;
  private wakeLocal: (() => void) | undefined;

  constructor(
    private readonly transport: EmbeddedTransport,
    private readonly o: EmbeddedTransportOptions,
    private readonly spec: SourceSpec,
    position: number,
  ) {
    this.cursor = position;
    this.progress = new PartitionProgress(o.store, o.clock, spec, position, (err) =>
      o.log.warn({ group: spec.group, err: (err as Error).message }, 'saving position failed; will retry'),
    );
    this.flushTimer = setInterval(() => void this.progress.flush(), o.flushMs ?? 200);
    this.flushTimer.unref();
  }

  async fetch(max: number): Promise<Delivery[]> {
    if (this.closed) return [];
    const before = this.transport.signalCount;
    const events = await this.o.eventLog.readPartition(
      this.spec.partition,
      this.cursor,
      max,
      this.spec.types,
    );
    if (events.length === 0) {
      await Promise.race([
        this.transport.waitForSignal(before, this.o.pollMs),
        new Promise<void>((r) => {
          this.wakeLocal = r;
        }),
      ]);
      this.wakeLocal = undefined;
      return [];
    }
    this.cursor = events.at(-1)!.seq;
    return events.map((event) => {
      this.progress.add(event.seq);
      return {
        event,
        partition: this.spec.partition,
        ack: () => this.progress.done(event.seq),
        working: () => {},
      };
    });
  }

  wake(): void {
    this.wakeLocal?.();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.flushTimer);
    this.wake();
    await this.progress.flush();
  }
}

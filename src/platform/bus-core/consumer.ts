import type { Clock } from '../../kernel/clock.js';
import { describeThrown } from '../../kernel/errors.js';
import type { DeadLetter, Subscription } from '../../kernel/ports/bus.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { sleep } from './backoff.js';
import { DLQ_SIGNAL, type FailureStore } from './dead-letters.js';
import { Lanes } from './lanes.js';
import { LeaseManager } from './leases.js';
import { CONTROL_SIGNAL, type GroupControl, loadGroup } from './positions.js';
import type { Processor } from './processor.js';
import type { Delivery, PartitionSource, Transport } from './transport.js';

export interface ConsumerSettings {
  partitions: number;
  concurrency: number;
  batchSize: number;
  maxInFlight: number;
  leaseMs: number;
  pollMs: number;
  shutdownTimeoutMs: number;
}

export interface ConsumerDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  transport: Transport;
  failures: FailureStore;
  processor: Processor;
  member: string;
}

interface Pump {
  source: PartitionSource;
  running: boolean;
  done: Promise<void>;
}

/**
 * One consumer group in this process: holds partition leases, pumps each owned partition's
 * source into key-ordered lanes within an in-flight budget (backpressure), reacts to replays and
 * dead-letter retry requests, and shuts down by draining before it lets go of its partitions.
 */
export class GroupConsumer {
  private readonly leases: LeaseManager;
  private readonly lanes: Lanes;
  private readonly pumps = new Map<number, Pump>();
  private readonly outstanding = new Map<number, number>();
  private readonly drainWaiters = new Map<number, (() => void)[]>();
  private control: GroupControl | undefined;
  private inFlight = 0;
  private capacityWaiters: (() => void)[] = [];
  private running = false;
  private chain: Promise<unknown> = Promise.resolve();
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => void)[] = [];
  private dlqRun: Promise<void> | undefined;
  private dlqAgain = false;
  private readonly log: Logger;

  constructor(
    private readonly sub: Subscription,
    private readonly settings: ConsumerSettings,
    private readonly deps: ConsumerDeps,
  ) {
    this.log = deps.log.child({ group: sub.group });
    this.leases = new LeaseManager(
      deps.store,
      deps.clock,
      sub.group,
      settings.partitions,
      deps.member,
      settings.leaseMs,
    );
    this.lanes = new Lanes(
      settings.concurrency,
      settings.batchSize,
      (batch, signal) => deps.processor.process(batch, signal),
      (batch) => this.settled(batch),
      (err) => this.log.error({ err: describeThrown(err) }, 'bus bookkeeping failed; retrying batch'),
    );
  }

  get group(): string {
    return this.sub.group;
  }

  get ownedPartitions(): number[] {
    return this.leases.ownedPartitions;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.leases.init();
    this.control = await loadGroup(this.deps.store, this.deps.clock, this.sub.group);
    await this.serial(() => this.rebalance());
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(
      Math.max(50, Math.floor(this.settings.leaseMs / 3)),
      () => void this.serial(() => this.rebalance()),
    );
    every(this.settings.pollMs, () => this.kickDlq());
    this.unlisten.push(
      this.deps.store.listen(CONTROL_SIGNAL, () => void this.serial(() => this.checkControl())),
    );
    this.unlisten.push(this.deps.store.listen(DLQ_SIGNAL, () => this.kickDlq()));
    this.kickDlq();
  }

  /** Stop fetching, drain in-flight work (bounded), persist positions, release partitions. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unlisten) u();
    await this.serial(async () => {
      const partitions = [...this.pumps.keys()];
      for (const p of partitions) this.stopPump(p);
      // Finish the batches being handled (their acks and positions are saved); hand back the rest.
      this.lanes.abort();
      const drained = await Promise.race([
        this.lanes.idle().then(() => true),
        sleep(this.settings.shutdownTimeoutMs).then(() => false),
      ]);
      if (!drained) this.log.warn('shutdown deadline passed with handlers still running');
      for (const p of partitions) await this.closePartition(p);
      await this.leases
        .leave()
        .catch((err) => this.log.warn({ err: describeThrown(err) }, 'leaving group failed'));
    });
    await this.dlqRun;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const next = this.chain.then(
      () => fn(),
      () => fn(),
    );
    this.chain = next.catch((err) =>
      this.log.error({ err: describeThrown(err) }, 'consumer maintenance failed'),
    );
    return next.catch(() => undefined);
  }

  private async rebalance(): Promise<void> {
    if (!this.running) return;
    const changes = await this.leases.tick();
    for (const p of changes.lost) {
      this.log.warn({ partition: p }, 'partition lease lost');
      await this.quiesce(p);
      await this.closePartition(p);
    }
    for (const p of changes.surplus) {
      await this.quiesce(p);
      await this.closePartition(p);
      await this.leases.release([p]);
    }
    const fresh = await loadGroup(this.deps.store, this.deps.clock, this.sub.group, { urgent: true });
    if (fresh.generation !== this.control?.generation) {
      await this.switchGeneration(fresh);
    }
    for (const p of changes.acquired) if (!this.pumps.has(p)) await this.openPartition(p);
  }

  private async checkControl(): Promise<void> {
    if (!this.running) return;
    const fresh = await loadGroup(this.deps.store, this.deps.clock, this.sub.group);
    if (fresh.generation !== this.control?.generation) await this.switchGeneration(fresh);
  }

  /** A replay moved the group: finish what is in flight, then reopen every partition from the new start. */
  private async switchGeneration(fresh: GroupControl): Promise<void> {
    this.log.info(
      { generation: fresh.generation, fromSeq: fresh.replayFromSeq },
      'replay: reopening partitions',
    );
    const partitions = [...this.pumps.keys()];
    for (const p of partitions) this.stopPump(p);
    await Promise.all(partitions.map((p) => this.pumps.get(p)?.done));
    await this.lanes.idle();
    for (const p of partitions) await this.closePartition(p);
    this.control = fresh;
    for (const p of partitions) await this.openPartition(p);
  }

  private async openPartition(partition: number): Promise<void> {
    const source = await this.deps.transport.openSource({
      group: this.sub.group,
      partition,
      types: this.sub.types,
      generation: this.control!.generation,
    });
    const pump: Pump = { source, running: true, done: Promise.resolve() };
    pump.done = this.runPump(partition, pump);
    this.pumps.set(partition, pump);
  }

  private stopPump(partition: number): void {
    const pump = this.pumps.get(partition);
    if (!pump) return;
    pump.running = false;
    pump.source.wake();
    for (const w of this.capacityWaiters.splice(0)) w();
  }

  /**
   * Stop fetching from a partition and wait until everything fetched from it is finished. The
   * pump must have exited first: a fetch in flight when it was stopped still hands its deliveries
   * to the lanes, and were the partition reopened before they finished, the new source would
   * fetch them again and two retry loops would run one event side by side.
   */
  private async quiesce(partition: number): Promise<void> {
    this.stopPump(partition);
    await this.pumps.get(partition)?.done;
    await this.waitDrained(partition);
  }

  private async closePartition(partition: number): Promise<void> {
    const pump = this.pumps.get(partition);
    if (!pump) return;
    this.pumps.delete(partition);
    await pump.done;
    await pump.source.close();
  }

  private async runPump(partition: number, pump: Pump): Promise<void> {
    const perFetch = Math.max(
      this.settings.batchSize,
      Math.ceil(this.settings.maxInFlight / this.settings.partitions),
    );
    while (pump.running && this.running) {
      const n = await this.acquire(perFetch, pump);
      if (n === 0) continue;
      let deliveries: Delivery[] = [];
      try {
        deliveries = await pump.source.fetch(n);
      } catch (err) {
        this.log.warn({ partition, err: describeThrown(err) }, 'fetch failed; retrying');
        this.release(n);
        await sleep(1000);
        continue;
      }
      this.release(n - deliveries.length);
      if (deliveries.length === 0) continue;
      this.outstanding.set(partition, (this.outstanding.get(partition) ?? 0) + deliveries.length);
      for (const d of deliveries) this.lanes.push(d);
    }
  }

  private async acquire(max: number, pump: Pump): Promise<number> {
    while (this.inFlight >= this.settings.maxInFlight) {
      if (!pump.running || !this.running) return 0;
      await new Promise<void>((r) => this.capacityWaiters.push(r));
    }
    if (!pump.running || !this.running) return 0;
    const n = Math.min(max, this.settings.maxInFlight - this.inFlight);
    this.inFlight += n;
    return n;
  }

  private release(n: number): void {
    if (n <= 0) return;
    this.inFlight -= n;
    for (const w of this.capacityWaiters.splice(0)) w();
  }

  private settled(batch: readonly Delivery[]): void {
    this.release(batch.length);
    for (const d of batch) {
      const left = (this.outstanding.get(d.partition) ?? 1) - 1;
      this.outstanding.set(d.partition, left);
      if (left === 0) for (const w of this.drainWaiters.get(d.partition)?.splice(0) ?? []) w();
    }
  }

  private waitDrained(partition: number): Promise<void> {
    if ((this.outstanding.get(partition) ?? 0) === 0) return Promise.resolve();
    return new Promise((r) => {
      const list = this.drainWaiters.get(partition) ?? [];
      list.push(r);
      this.drainWaiters.set(partition, list);
    });
  }

  /** Process dead letters an operator asked to retry (any member of the group may take one). */
  private kickDlq(): void {
    if (!this.running) return;
    if (this.dlqRun) {
      this.dlqAgain = true;
      return;
    }
    this.dlqRun = (async () => {
      try {
        do {
          this.dlqAgain = false;
          while (this.running) {
            const dl: DeadLetter | undefined = await this.deps.failures.claimRetry([this.sub.group]);
            if (!dl) break;
            const ok = await this.deps.processor.retryDeadLetter(dl);
            this.log.info({ deadLetter: dl.id, eventId: dl.eventId, ok }, 'dead letter retried');
          }
        } while (this.dlqAgain && this.running);
      } catch (err) {
        this.log.warn({ err: describeThrown(err) }, 'dead-letter retry pass failed');
      } finally {
        this.dlqRun = undefined;
      }
    })();
  }
}

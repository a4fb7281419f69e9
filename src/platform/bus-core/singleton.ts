import type { Clock } from '../../kernel/clock.js';
import { describeThrown } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { LeaseManager } from './leases.js';

export interface SingletonOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Lease name (a pseudo consumer group with one partition). */
  name: string;
  member: string;
  leaseMs: number;
  pollMs: number;
  /** Signals that mean there is work. */
  wakeOn: string[];
  /** Do one round of work; return true if more is waiting right now. */
  work(): Promise<boolean>;
  /** Called on becoming the holder: state kept from an earlier tenure may be stale. */
  onAcquire?(): void;
}

/**
 * Background work that must run in exactly one process at a time (the sequencer, the relay):
 * whoever holds the lease runs it when woken by a signal (or by the safety poll); the others wait
 * and take over when the holder's lease expires.
 */
export class Singleton {
  private readonly leases: LeaseManager;
  private running = false;
  private leader = false;
  private wakeRequested = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => void)[] = [];

  constructor(private readonly o: SingletonOptions) {
    this.leases = new LeaseManager(o.store, o.clock, o.name, 1, o.member, o.leaseMs);
  }

  get isLeader(): boolean {
    return this.leader;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.leases.init();
    await this.tick();
    const t = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.o.leaseMs / 3)));
    t.unref();
    this.timers.push(t);
    for (const s of this.o.wakeOn) this.unlisten.push(this.o.store.listen(s, () => this.poke()));
    this.loop = this.run();
  }

  poke(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    for (const u of this.unlisten) u();
    this.poke();
    await this.loop;
    await this.leases.leave().catch(() => {});
    this.leader = false;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      await this.leases.tick();
      const was = this.leader;
      this.leader = this.leases.ownedPartitions.includes(0);
      if (this.leader && !was) {
        this.o.log.info({ name: this.o.name }, 'took over singleton work');
        this.o.onAcquire?.();
        this.poke();
      }
    } catch (err) {
      this.o.log.warn({ name: this.o.name, err: describeThrown(err) }, 'singleton lease renewal failed');
      this.leader = false;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      if (!this.leader) {
        // Not ours: wake-ups mean nothing until the lease is (a tick pokes us when it is).
        this.wakeRequested = false;
        await this.waitFor(this.o.pollMs);
        continue;
      }
      this.wakeRequested = false;
      try {
        if (await this.o.work()) continue;
      } catch (err) {
        this.o.log.warn({ name: this.o.name, err: describeThrown(err) }, 'singleton work failed; retrying');
        await this.waitFor(Math.min(1000, this.o.pollMs));
        continue;
      }
      if (!this.wakeRequested) await this.waitFor(this.o.pollMs);
    }
  }

  private waitFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }
}

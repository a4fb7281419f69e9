import { sleep } from './backoff.js';
import { partitionOf } from './envelope.js';
import type { Delivery } from './transport.js';

export type BatchProcessor = (batch: readonly Delivery[], signal: AbortSignal) => Promise<void>;

/**
 * Parallelism across keys, order within a key: each delivery goes to the lane its partition key
 * hashes to; a lane hands its queue to the processor in batches, one batch at a time.
 */
export class Lanes {
  private readonly queues: Delivery[][];
  private readonly running: boolean[];
  private readonly idleWaiters: (() => void)[] = [];
  private readonly abortController = new AbortController();
  private active = 0;

  constructor(
    count: number,
    private readonly batchSize: number,
    private readonly processBatch: BatchProcessor,
    private readonly settled: (batch: readonly Delivery[]) => void,
    private readonly onError: (err: unknown) => void,
  ) {
    this.queues = Array.from({ length: count }, () => []);
    this.running = Array.from({ length: count }, () => false);
  }

  push(d: Delivery): void {
    const lane = partitionOf(d.event.partitionkey, this.queues.length);
    this.queues[lane]!.push(d);
    if (!this.running[lane]) void this.runLane(lane);
  }

  get queued(): number {
    return this.queues.reduce((n, q) => n + q.length, 0);
  }

  /** Resolves when every lane is idle. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Shutdown: batches being handled finish; retry waits end; queued work is dropped (it stays
   * unacknowledged and is delivered again).
   */
  abort(): Delivery[] {
    this.abortController.abort();
    const dropped = this.queues.flatMap((q) => q.splice(0));
    return dropped;
  }

  private async runLane(lane: number): Promise<void> {
    this.running[lane] = true;
    this.active++;
    const queue = this.queues[lane]!;
    try {
      const signal = this.abortController.signal;
      while (queue.length > 0 && !signal.aborted) {
        const batch = queue.splice(0, this.batchSize);
        try {
          await this.processBatch(batch, signal);
          this.settled(batch);
        } catch (err) {
          // The bookkeeping itself failed (database unreachable): keep the batch at the head of
          // its lane, so nothing behind it overtakes it, and try again shortly.
          this.onError(err);
          queue.unshift(...batch);
          await sleep(1000, signal);
        }
      }
    } finally {
      this.running[lane] = false;
      this.active--;
      if (this.active === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}

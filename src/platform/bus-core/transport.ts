import type { StoredEvent } from '../../kernel/events.js';

/**
 * The seam between the shared consumer engine and a transport (the embedded log reader, or
 * JetStream). Everything else — lanes, inbox, retries, dead letters, leases — exists once.
 */
export interface Delivery {
  event: StoredEvent;
  partition: number;
  /** Finished: handled, found already handled, filtered, or dead-lettered. */
  ack(): void;
  /** Still being worked on (retrying): keep it from being redelivered elsewhere. */
  working(): void;
}

export interface PartitionSource {
  /** Up to `max` deliveries in log order; [] when nothing arrived before the poll interval or a wake(). */
  fetch(max: number): Promise<Delivery[]>;
  /** Interrupt a waiting fetch. */
  wake(): void;
  /** Stop fetching; hand back anything fetched but never started; persist the position. */
  close(): Promise<void>;
}

export interface SourceSpec {
  group: string;
  partition: number;
  types: readonly string[];
  /** Replay generation of the group this source serves. */
  generation: number;
}

export interface Transport {
  readonly name: 'embedded' | 'nats';
  start(): Promise<void>;
  stop(): Promise<void>;
  ping(): Promise<void>;
  openSource(spec: SourceSpec): Promise<PartitionSource>;
}

/**
 * Tracks which fetched positions are still in flight, so the persisted position never passes an
 * unfinished event: position = (lowest in flight) − 1, or the highest fetched when none are.
 */
export class Watermark {
  private readonly inflight = new Set<number>();
  private highest: number;

  constructor(start: number) {
    this.highest = start;
  }

  add(seq: number): void {
    this.inflight.add(seq);
    if (seq > this.highest) this.highest = seq;
  }

  done(seq: number): void {
    this.inflight.delete(seq);
  }

  get position(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const s of this.inflight) if (s < min) min = s;
    return min === Number.POSITIVE_INFINITY ? this.highest : min - 1;
  }

  get pending(): number {
    return this.inflight.size;
  }
}

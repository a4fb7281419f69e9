import type { EventRegistry } from '../event-registry.js';
import type { CloudEvent, EventContext, EventInput, StoredEvent } from '../events.js';
import type { Tx } from './store.js';

/**
 * The EventBus port. Appends happen inside the writer's transaction (transactional outbox);
 * delivery is at-least-once, ordered per partition key, with the consumer's inbox record written
 * in the handler's own transaction so that effects happen exactly once.
 */
export interface EventBus {
  readonly registry: EventRegistry;
  /**
   * Validate and append events inside `tx`. An unknown type, a payload that fails its schema or
   * an oversized event throws, and the caller's transaction rolls back with it. Causal context
   * (correlation, causation, trace) comes from `context`, else the ambient operation context.
   */
  append(tx: Tx, events: readonly EventInput[], context?: EventContext): Promise<CloudEvent[]>;
  /** Register a consumer group's handler. Call before `start()`. */
  subscribe(subscription: Subscription): void;
  /** Start delivering to subscribed groups (and relaying, on the distributed backend). */
  start(): Promise<void>;
  /** Stop fetching, finish in-flight handlers, commit their acks and positions, then return. */
  stop(): Promise<void>;
  /** Throws if the bus's transport is unreachable (readiness). */
  ping(): Promise<void>;
  readonly admin: BusAdmin;
}

export interface HandlerContext {
  /** The handler's transaction: effects, the inbox record and any emitted events commit together. */
  tx: Tx;
  group: string;
  /** 1 on first delivery. */
  attempt: number;
  /** Append events caused by `event` (correlation inherited, causation = event id) in `tx`. */
  emit(events: readonly EventInput[]): Promise<CloudEvent[]>;
}

export interface BatchContext {
  tx: Tx;
  group: string;
  attempt: number;
  /** Append events caused by one of the batch's events, in `tx`. */
  emitFor(cause: StoredEvent, events: readonly EventInput[]): Promise<CloudEvent[]>;
}

export interface Subscription {
  /** Consumer group name: `[a-z][a-z0-9._-]*`; each group gets every matching event once. */
  group: string;
  /** Exact types, prefixes ending in `.*`, or `*` for all. */
  types: readonly string[];
  /** Handle one event. Throwing rolls back the handler's transaction and schedules a retry. */
  handle?(event: StoredEvent, ctx: HandlerContext): Promise<void>;
  /** Handle a batch in one transaction (set-based projections). Used instead of `handle` if given. */
  handleBatch?(events: readonly StoredEvent[], ctx: BatchContext): Promise<void>;
  /** Overrides of the bus defaults (config `bus.*`). */
  batchSize?: number;
  concurrency?: number;
  maxAttempts?: number;
  handlerTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export type DeadLetterStatus = 'open' | 'retry_requested' | 'retrying' | 'resolved' | 'discarded';

export interface AttemptRecord {
  attempt: number;
  at: string;
  error: string;
  code?: string;
}

export interface DeadLetter {
  id: string;
  group: string;
  eventId: string;
  eventType: string;
  seq: number;
  event: StoredEvent;
  status: DeadLetterStatus;
  error: string;
  attempts: AttemptRecord[];
  createdAt: string;
  updatedAt: string;
  /** Who retried/discarded it and why. */
  resolution?: { actor: string; action: 'retry' | 'discard'; reason?: string; at: string };
}

export interface GroupStatus {
  group: string;
  /** Events already handled or dead-lettered up to this log position (lowest across partitions). */
  position: number;
  /** Latest position in the event log. */
  head: number;
  lag: number;
  openDeadLetters: number;
  generation: number;
}

export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; absent on the last page. */
  next?: string;
}

export interface EventQuery {
  correlationId?: string;
  subject?: string;
  type?: string;
  afterSeq?: number;
  limit?: number;
}

export type ReplayFrom = { position: number } | { time: string };

export interface BusAdmin {
  groups(): Promise<GroupStatus[]>;
  deadLetters(query?: {
    group?: string;
    status?: DeadLetterStatus;
    limit?: number;
    after?: string;
  }): Promise<Page<DeadLetter>>;
  deadLetter(id: string): Promise<DeadLetter>;
  /** Ask the group's consumers to deliver the event again (once, outside its key's order). */
  retryDeadLetter(id: string, actor: string): Promise<DeadLetter>;
  discardDeadLetter(id: string, actor: string, reason?: string): Promise<DeadLetter>;
  /** Re-deliver every event from a log position or a time to `group`; returns the first position. */
  replay(group: string, from: ReplayFrom, actor: string): Promise<{ fromSeq: number; generation: number }>;
  /** Events from the log, in log order (for trails: by correlation id or subject). */
  events(query: EventQuery): Promise<StoredEvent[]>;
}

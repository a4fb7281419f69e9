import type { Clock } from '../../kernel/clock.js';
import { runWithContext } from '../../kernel/context.js';
import { DomainError, describeThrown, isRetryable, KernelErrors } from '../../kernel/errors.js';
import type { CloudEvent, EventContext, EventInput, StoredEvent } from '../../kernel/events.js';
import type { BatchContext, DeadLetter, HandlerContext, Subscription } from '../../kernel/ports/bus.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { backoffDelay, sleep } from './backoff.js';
import type { FailureStore } from './dead-letters.js';
import { claimInbox } from './inbox.js';
import type { Delivery } from './transport.js';

export interface ProcessorSettings {
  batchSize: number;
  maxAttempts: number;
  handlerTimeoutMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
}

export interface BusObserver {
  handled?(group: string, events: readonly StoredEvent[], ms: number): void;
  failed?(group: string, event: StoredEvent, error: string): void;
  deadLettered?(group: string, event: StoredEvent): void;
}

export interface ProcessorDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  failures: FailureStore;
  append(tx: Tx, events: readonly EventInput[], context?: EventContext): Promise<CloudEvent[]>;
  observer?: BusObserver;
}

/** The causal context of everything a handler does for `event`. */
export function causedBy(event: StoredEvent, group: string) {
  return {
    correlationId: event.correlationid,
    causationId: event.id,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    actor: `system:bus/${group}`,
  };
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(
      () => reject(KernelErrors.HANDLER_TIMEOUT.create(`${what} did not finish within ${ms} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Which event's handler failed a batch (set by runHandlers). */
interface Blame {
  eventId?: string;
}

/**
 * Runs one group's handler over deliveries: a batch in one transaction with its inbox claims;
 * when a batch fails, each event alone (to isolate the poison one); a failing event retried with
 * backoff, its attempts recorded durably, and after `maxAttempts` (or a non-retryable error)
 * parked as a dead letter — in the same transaction as its inbox record, so it is parked once.
 */
export class Processor {
  /** Unknown until first asked; true once this group has recorded a failed attempt. */
  private mayHaveFailures: boolean | undefined;

  constructor(
    private readonly sub: Subscription,
    private readonly settings: ProcessorSettings,
    private readonly deps: ProcessorDeps,
  ) {}

  /** Process deliveries in order; resolves when each is acked or abandoned (on abort). */
  async process(batch: readonly Delivery[], signal: AbortSignal): Promise<void> {
    if (batch.length === 0) return;
    const started = performance.now();
    const prior = await this.priorAttempts(batch);
    // The event whose handler failed the whole batch, and how: that call was its first attempt.
    let failed: { eventId: string | undefined; error: unknown } | undefined;
    if (prior.size === 0) {
      const blame: Blame = {};
      try {
        await this.runHandlers(
          batch.map((d) => d.event),
          1,
          undefined,
          blame,
        );
        for (const d of batch) d.ack();
        this.deps.observer?.handled?.(
          this.sub.group,
          batch.map((d) => d.event),
          performance.now() - started,
        );
        return;
      } catch (err) {
        if (batch.length === 1) return this.retryOne(batch[0]!, err, signal, 0);
        failed = { eventId: blame.eventId, error: err };
      }
    }
    // A failed batch, or one holding events that failed before (maybe in an earlier process):
    // one event at a time, each continuing its own attempt count. The event that failed the batch
    // starts from that failure (recorded as its first attempt), not from a second call: otherwise
    // its handler would run once more than its attempts say.
    for (const d of batch) {
      if (signal.aborted) return;
      const first = failed && failed.eventId === d.event.id ? failed.error : undefined;
      await this.retryOne(d, first, signal, prior.get(d.event.id) ?? 0);
    }
  }

  /**
   * Attempts already recorded for these events (across restarts). Read only while this group may
   * have failing events: none recorded when it started, none recorded since, means no query.
   */
  private async priorAttempts(batch: readonly Delivery[]): Promise<Map<string, number>> {
    this.mayHaveFailures ??= await this.deps.failures.hasAttempts(this.sub.group);
    if (!this.mayHaveFailures) return new Map();
    return this.deps.failures.priorAttempts(
      this.sub.group,
      batch.map((d) => d.event.id),
    );
  }

  /**
   * Run the handler for `events` in one transaction; only events new to the inbox are handled.
   * `blame` learns which event's handler threw, when one did.
   */
  async runHandlers(
    events: readonly StoredEvent[],
    attempt: number,
    beforeClaim?: (tx: Tx) => Promise<void>,
    blame?: Blame,
  ): Promise<void> {
    const { store, clock } = this.deps;
    const group = this.sub.group;
    const ms = this.settings.handlerTimeoutMs;
    await store.tx(async (tx) => {
      if (beforeClaim) await beforeClaim(tx);
      const fresh = await claimInbox(tx, store.dialect, group, events, clock.now().toISOString());
      // An id passes once even if the batch holds it twice (a message republished after the dedup window).
      const todo = events.filter((e) => fresh.delete(e.id));
      if (todo.length === 0) return;
      if (this.sub.handleBatch) {
        const ctx: BatchContext = {
          tx,
          group,
          attempt,
          emitFor: (cause, inputs) => this.deps.append(tx, inputs, causedBy(cause, group)),
        };
        await timeout(
          runWithContext(causedBy(todo[0]!, group), () => this.sub.handleBatch!(todo, ctx)),
          ms,
          `${group} batch handler`,
        );
        return;
      }
      for (const event of todo) {
        const ctx: HandlerContext = {
          tx,
          group,
          attempt,
          emit: (inputs) => this.deps.append(tx, inputs, causedBy(event, group)),
        };
        try {
          await timeout(
            runWithContext(causedBy(event, group), () => this.sub.handle!(event, ctx)),
            ms,
            `${group} handler for ${event.type}`,
          );
        } catch (err) {
          if (blame) blame.eventId = event.id;
          throw err;
        }
      }
    });
  }

  /** An operator asked for a dead letter to be tried again: once, outside its key's order. */
  async retryDeadLetter(dl: DeadLetter): Promise<boolean> {
    const { failures, clock } = this.deps;
    try {
      await this.runHandlers([dl.event], dl.attempts.length + 1, async (tx) => {
        await tx
          .deleteFrom('keel_bus_inbox')
          .where('group_name', '=', this.sub.group)
          .where('event_id', '=', dl.eventId)
          .execute();
        await failures.markResolved(tx, dl.id);
      });
      return true;
    } catch (err) {
      await failures.reopen(dl.id, {
        attempt: 0,
        at: clock.now().toISOString(),
        error: describeThrown(err),
        ...(err instanceof DomainError ? { code: err.code } : {}),
      });
      return false;
    }
  }

  private async retryOne(
    d: Delivery,
    firstError: unknown,
    signal: AbortSignal,
    prior: number,
  ): Promise<void> {
    const { failures, log } = this.deps;
    const group = this.sub.group;
    let error = firstError;
    let attempt = prior + 1;
    for (;;) {
      if (error === undefined) {
        try {
          // Succeeding after failures: its attempt records go with the same transaction.
          await this.runHandlers(
            [d.event],
            attempt,
            attempt > 1 ? (tx) => failures.clearAttempts(tx, group, d.event.id) : undefined,
          );
          d.ack();
          return;
        } catch (err) {
          error = err;
        }
      }
      const message = describeThrown(error);
      const code = error instanceof DomainError ? error.code : undefined;
      this.deps.observer?.failed?.(group, d.event, message);
      this.mayHaveFailures = true;
      const history = await failures.recordAttempt(group, d.event, message, code);
      log.warn(
        { group, eventId: d.event.id, type: d.event.type, attempt: history.length, err: message },
        'handler failed',
      );
      if (!isRetryable(error) || history.length >= this.settings.maxAttempts) {
        await this.deps.store.tx(async (tx) => {
          const fresh = await claimInbox(
            tx,
            this.deps.store.dialect,
            group,
            [d.event],
            this.deps.clock.now().toISOString(),
            'dead_lettered',
          );
          if (fresh.size === 1) await failures.deadLetter(tx, group, d.event, history);
        });
        this.deps.observer?.deadLettered?.(group, d.event);
        log.error(
          { group, eventId: d.event.id, type: d.event.type, attempts: history.length },
          'event dead-lettered',
        );
        d.ack();
        return;
      }
      d.working();
      const delay = backoffDelay(history.length, this.settings.backoffInitialMs, this.settings.backoffMaxMs);
      // Aborted (shutdown, lost partition): leave it unacknowledged; it is delivered again later.
      if (!(await sleep(delay, signal))) return;
      attempt = history.length + 1;
      error = undefined;
    }
  }
}

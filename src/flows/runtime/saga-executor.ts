import { type Clock, isoNow } from '../../kernel/clock.js';
import { describeThrown } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { backoffDelay } from './backoff.js';
import type { FlowDefinition, StepDefinition } from './flow.js';
import { SAGA_WAKE_CHANNEL, type SagaRow } from './saga.schema.js';
import { type SagaError, type SagaRunnerConfig, TERMINAL_STATUSES } from './saga.types.js';
import { baseContext, compensationContext, stepContext } from './saga-context.js';
import { SagaErrors, toSagaError } from './saga-errors.js';
import {
  compensatedAll,
  compensationFailed,
  compensationSkipped,
  compensationSucceeded,
  completed,
  signalled,
  startedEntry,
  stepFailed,
  stepIndexOf,
  stepSucceeded,
  type Transition,
  timedOut,
  timerFired,
} from './saga-machine.js';
import { patchToRow, type SagaRecord } from './saga-record.js';
import type { SagaRepository } from './saga-repository.js';
import { type Invocation, interpretResult, invokeUserCode } from './step-invocation.js';

type AnyFlow = FlowDefinition<any, any>;

export interface ExecutorDeps {
  store: Store;
  repo: SagaRepository;
  clock: Clock;
  log: Logger;
  config: SagaRunnerConfig;
  runnerId: string;
  flows: ReadonlyMap<string, AnyFlow>;
  random: () => number;
  /** True once the runner is stopping: finish the current step, then hand the saga back. */
  stopping(): boolean;
}

/** One saga claimed by this runner. */
export interface InFlight {
  sagaId: string;
  token: string;
  /** Aborted when the runner gives the saga up (shutdown timeout, lost claim). */
  abort: AbortController;
  lost: boolean;
}

class LeaseLostError extends Error {}

/**
 * Drives one claimed saga as far as it can go now: runs its current step (outside any
 * transaction — steps call other domains, which open their own), then commits the outcome, the
 * history and the next position in one transaction guarded by the claim token. While the next
 * step is due at once it keeps the claim and goes on; otherwise it releases the saga.
 */
export class SagaExecutor {
  constructor(private readonly d: ExecutorDeps) {}

  async drive(claimed: SagaRecord, h: InFlight): Promise<void> {
    let rec = claimed;
    const stopHeartbeat = this.heartbeat(h);
    try {
      for (;;) {
        const flow = this.d.flows.get(rec.type);
        if (!flow || h.lost) break;
        const transition = await this.advance(flow, rec, h);
        const next = await this.commit(flow, rec, transition, h);
        rec = next.rec;
        if (!next.keep) return;
      }
      await this.release(h);
    } catch (err) {
      if (err instanceof LeaseLostError) {
        this.d.log.warn({ sagaId: rec.id }, 'saga claim expired and was taken over; result discarded');
        return;
      }
      this.d.log.error({ sagaId: rec.id, err: describeThrown(err) }, 'saga step could not be recorded');
      await this.release(h);
    } finally {
      stopHeartbeat();
    }
  }

  /** Give the saga back without changing it, so another runner (or this one) picks it up. */
  async release(h: InFlight): Promise<void> {
    try {
      await this.d.store.tx(async (tx) => {
        if (await this.d.repo.release(tx, h.sagaId, h.token)) this.d.store.signal(tx, SAGA_WAKE_CHANNEL);
      });
    } catch (err) {
      this.d.log.warn(
        { sagaId: h.sagaId, err: describeThrown(err) },
        'could not release saga; its claim will expire',
      );
    }
  }

  private leaseEnd(): string {
    return new Date(this.d.clock.now().getTime() + this.d.config.leaseMs).toISOString();
  }

  /** Renew the claim every third of the lease while the saga is in our hands. */
  private heartbeat(h: InFlight): () => void {
    const every = Math.max(10, Math.floor(this.d.config.leaseMs / 3));
    let stopped = false;
    let cancel = () => {};
    const beat = () => {
      if (stopped) return;
      this.d.store
        .tx((tx) => this.d.repo.extend(tx, h.sagaId, h.token, this.leaseEnd()))
        .then((held) => {
          if (!held && !stopped) {
            h.lost = true;
            h.abort.abort(new Error('saga claim lost'));
          }
        })
        .catch((err) =>
          this.d.log.warn({ sagaId: h.sagaId, err: describeThrown(err) }, 'saga heartbeat failed'),
        )
        .finally(() => {
          if (!stopped && !h.lost) cancel = this.d.clock.setTimer(beat, every);
        });
    };
    cancel = this.d.clock.setTimer(beat, every);
    return () => {
      stopped = true;
      cancel();
    };
  }

  private async advance(flow: AnyFlow, rec: SagaRecord, h: InFlight): Promise<Transition> {
    switch (rec.status) {
      case 'sleeping':
        return timerFired(rec, isoNow(this.d.clock));
      case 'running':
        return this.runForward(flow, rec, h);
      case 'compensating':
        return this.runCompensation(flow, rec, h);
      default:
        // 'waiting' is resolved inside the commit (it must look for signals under the row lock).
        return { patch: {}, history: [] };
    }
  }

  private async runForward(flow: AnyFlow, rec: SagaRecord, h: InFlight): Promise<Transition> {
    const index = stepIndexOf(flow, rec);
    if (index !== null && index >= flow.steps.length) return completed(rec, isoNow(this.d.clock));
    const step = index === null ? undefined : flow.steps[index];
    const max = step?.maxAttempts ?? this.d.config.maxAttempts;
    try {
      if (!step) throw SagaErrors.STEP_UNKNOWN.create(`flow "${flow.type}" has no step "${rec.stepId}"`);
      if (rec.attempt > max) throw exhausted(step.id, max);
      const ctx = stepContext(baseContext(rec, step.id, { ...this.d, abortSignal: h.abort.signal }));
      const out = await invokeUserCode(this.invocation(rec, step, h), (signal) =>
        step.run({ ...ctx, abortSignal: signal }),
      );
      const { patch, directive } = interpretResult(out, rec.state);
      return stepSucceeded(flow, rec, index!, patch, directive, isoNow(this.d.clock));
    } catch (err) {
      const at = isoNow(this.d.clock);
      const error = toSagaError(err, { stepId: rec.stepId, phase: 'run', attempt: rec.attempt, at });
      return stepFailed(flow, rec, index ?? rec.stepIndex, error, max, this.delay(rec.attempt), at);
    }
  }

  private async runCompensation(flow: AnyFlow, rec: SagaRecord, h: InFlight): Promise<Transition> {
    const index = stepIndexOf(flow, rec);
    if (index !== null && index < 0) return compensatedAll(rec, isoNow(this.d.clock));
    const step = index === null ? undefined : flow.steps[index];
    if (step && !step.compensate) return compensationSkipped(flow, rec, index!, isoNow(this.d.clock));
    const max = step?.maxAttempts ?? this.d.config.maxAttempts;
    try {
      if (!step) throw SagaErrors.STEP_UNKNOWN.create(`flow "${flow.type}" has no step "${rec.stepId}"`);
      if (rec.attempt > max) throw exhausted(step.id, max);
      const cause: SagaError = rec.error ?? unknownCause(rec);
      const ctx = compensationContext(
        baseContext(rec, step.id, { ...this.d, abortSignal: h.abort.signal }),
        cause,
      );
      const out = await invokeUserCode(this.invocation(rec, step, h), (signal) =>
        step.compensate!({ ...ctx, abortSignal: signal }),
      );
      const { patch } = interpretResult(out, rec.state, false);
      return compensationSucceeded(flow, rec, index!, patch, isoNow(this.d.clock));
    } catch (err) {
      const at = isoNow(this.d.clock);
      const error = toSagaError(err, { stepId: rec.stepId, phase: 'compensate', attempt: rec.attempt, at });
      return compensationFailed(flow, rec, index ?? rec.stepIndex, error, max, this.delay(rec.attempt), at);
    }
  }

  private invocation(rec: SagaRecord, step: StepDefinition<any, any>, h: InFlight): Invocation {
    const timeoutMs = step.timeoutMs ?? this.d.config.stepTimeoutMs;
    return { rec, step, clock: this.d.clock, timeoutMs, abort: h.abort.signal };
  }

  private delay(failedAttempts: number): number {
    const { backoffInitialMs: initialMs, backoffMaxMs: maxMs } = this.d.config;
    return backoffDelay(failedAttempts, { initialMs, maxMs }, this.d.random);
  }

  /**
   * Commit a transition. A saga about to wait (or woken while waiting) takes its row lock first
   * and only then looks for a buffered signal: a concurrent `signal()` either committed before
   * (and is found) or blocks on the row and then sees the saga waiting (and wakes it).
   */
  private commit(
    flow: AnyFlow,
    rec: SagaRecord,
    tr: Transition,
    h: InFlight,
  ): Promise<{ rec: SagaRecord; keep: boolean }> {
    const { store, repo, runnerId } = this.d;
    return store.tx(async (tx) => {
      const now = isoNow(this.d.clock);
      const patch = { ...tr.patch };
      const history = [...tr.history];
      let merged: SagaRecord = { ...rec, ...patch };
      if (merged.status === 'waiting') {
        if (!(await repo.extend(tx, rec.id, h.token, this.leaseEnd()))) throw new LeaseLostError();
        const pending = await repo.pendingSignal(tx, rec.id, merged.waitingFor ?? '');
        let resume: Transition | undefined;
        if (pending) {
          await repo.consumeSignal(tx, pending.seq, now);
          const signal = {
            signalId: pending.signal_id,
            payload: JSON.parse(pending.payload),
            receivedAt: pending.received_at,
          };
          resume = signalled(merged, signal, now);
        } else if (merged.waitUntil !== null && merged.waitUntil <= now) {
          resume = timedOut(merged, now);
        } else {
          patch.wakeAt = merged.waitUntil;
        }
        if (resume) {
          Object.assign(patch, resume.patch);
          history.push(...resume.history);
        }
        merged = { ...rec, ...patch };
      }
      const due = merged.wakeAt !== null && merged.wakeAt <= now && !TERMINAL_STATUSES.has(merged.status);
      const keep = due && !this.d.stopping() && !h.lost;
      if (keep && (merged.status === 'running' || merged.status === 'compensating')) {
        patch.attempt = 1;
        const started = startedEntry(flow, { ...merged, attempt: 1 }, runnerId);
        if (started) history.push(started);
      }
      const lock: Partial<SagaRow> = keep
        ? { locked_until: this.leaseEnd() }
        : { locked_by: null, lock_token: null, locked_until: null };
      const updated = await repo.update(tx, rec, { ...patchToRow(patch), ...lock, updated_at: now });
      if (!updated) throw new LeaseLostError();
      await repo.appendHistory(tx, rec.id, now, history);
      // Handing back a saga that is due now (we are stopping): wake the other runners.
      if (due && !keep) store.signal(tx, SAGA_WAKE_CHANNEL);
      return { rec: updated, keep };
    });
  }
}

function exhausted(stepId: string, max: number): Error {
  return SagaErrors.ATTEMPTS_EXHAUSTED.create(`step "${stepId}" was started ${max} times without finishing`);
}

function unknownCause(rec: SagaRecord): SagaError {
  return {
    code: 'INTERNAL',
    message: 'unknown',
    retryable: false,
    stepId: rec.stepId,
    phase: 'run',
    attempt: 0,
    at: rec.updatedAt,
  };
}

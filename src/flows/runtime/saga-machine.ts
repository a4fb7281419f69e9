import type { FlowDefinition, StepDirective } from './flow.js';
import type { SagaError, SagaStatus } from './saga.types.js';
import type { HistoryInput, SagaPatch, SagaRecord } from './saga-record.js';

/**
 * The saga state machine as pure functions: given a saga and what just happened, the patch to
 * store and the history to append. The executor runs steps and commits these; keeping the
 * decisions here makes them testable without a database.
 */
export interface Transition {
  patch: SagaPatch;
  history: HistoryInput[];
}

type AnyFlow = FlowDefinition<any, any>;

/** The index of the step the saga is at, found by id (robust to steps inserted in a redeploy). */
export function stepIndexOf(flow: AnyFlow, rec: SagaRecord): number | null {
  if (rec.stepId === null) return rec.stepIndex;
  if (flow.steps[rec.stepIndex]?.id === rec.stepId) return rec.stepIndex;
  const i = flow.steps.findIndex((s) => s.id === rec.stepId);
  return i >= 0 ? i : null;
}

export function stepIdAt(flow: AnyFlow, index: number): string | null {
  return flow.steps[index]?.id ?? null;
}

function statusChange(from: SagaStatus, to: SagaStatus, extra: Record<string, unknown> = {}): HistoryInput {
  return { kind: 'status.changed', details: { from, to, ...extra } };
}

function ended(rec: SagaRecord, to: SagaStatus, now: string, patch: SagaPatch = {}): Transition {
  return {
    patch: {
      ...patch,
      status: to,
      wakeAt: null,
      waitingFor: null,
      waitUntil: null,
      endedAt: now,
      attempt: 0,
    },
    history: [statusChange(rec.status, to)],
  };
}

/** The entry recording that the saga's current step (or compensation) is starting. */
export function startedEntry(flow: AnyFlow, rec: SagaRecord, runner: string): HistoryInput | null {
  if (rec.status !== 'running' && rec.status !== 'compensating') return null;
  const index = stepIndexOf(flow, rec);
  const step = index === null ? undefined : flow.steps[index];
  if (!step || (rec.status === 'compensating' && !step.compensate)) return null;
  return {
    kind: rec.status === 'running' ? 'step.started' : 'compensation.started',
    stepId: step.id,
    attempt: rec.attempt,
    details: { runner },
  };
}

export function stepSucceeded(
  flow: AnyFlow,
  rec: SagaRecord,
  index: number,
  patch: Record<string, unknown> | undefined,
  directive: StepDirective<unknown> | undefined,
  now: string,
): Transition {
  const stepId = stepIdAt(flow, index);
  const state = { ...rec.state, ...(patch ?? {}), ...((directive?.patch as object | undefined) ?? {}) };
  const next = index + 1;
  const done: HistoryInput = { kind: 'step.succeeded', stepId, attempt: rec.attempt };
  const base: SagaPatch = { state, stepIndex: next, stepId: stepIdAt(flow, next), attempt: 0, error: null };
  if (directive?.kind === 'sleep') {
    return {
      patch: { ...base, status: 'sleeping', wakeAt: directive.until },
      history: [
        done,
        { kind: 'timer.scheduled', stepId, details: { until: directive.until } },
        statusChange(rec.status, 'sleeping'),
      ],
    };
  }
  if (directive?.kind === 'wait') {
    return {
      patch: {
        ...base,
        status: 'waiting',
        waitingFor: directive.signal,
        waitUntil: directive.timeoutAt,
        wakeAt: directive.timeoutAt,
      },
      history: [
        done,
        {
          kind: 'wait.started',
          stepId,
          details: { signal: directive.signal, timeoutAt: directive.timeoutAt },
        },
        statusChange(rec.status, 'waiting'),
      ],
    };
  }
  if (next >= flow.steps.length) {
    const end = ended(rec, 'completed', now, base);
    return { patch: end.patch, history: [done, ...end.history] };
  }
  return { patch: { ...base, wakeAt: now }, history: [done] };
}

/** A step failed: retry later, or (not retryable / out of attempts) start compensating. */
export function stepFailed(
  flow: AnyFlow,
  rec: SagaRecord,
  index: number,
  error: SagaError,
  maxAttempts: number,
  retryDelayMs: number,
  now: string,
): Transition {
  const stepId = stepIdAt(flow, index) ?? rec.stepId;
  if (error.retryable && rec.attempt < maxAttempts) {
    const retryAt = new Date(Date.parse(now) + retryDelayMs).toISOString();
    return {
      patch: { wakeAt: retryAt, error },
      history: [
        { kind: 'step.failed', stepId, attempt: rec.attempt, details: { error, willRetry: true } },
        {
          kind: 'step.retry_scheduled',
          stepId,
          attempt: rec.attempt,
          details: { retryAt, delayMs: retryDelayMs },
        },
      ],
    };
  }
  const reason = error.retryable ? 'attempts exhausted' : 'not retryable';
  return {
    patch: {
      status: 'compensating',
      stepIndex: index - 1,
      stepId: stepIdAt(flow, index - 1),
      attempt: 0,
      error,
      wakeAt: now,
    },
    history: [
      { kind: 'step.failed', stepId, attempt: rec.attempt, details: { error, willRetry: false, reason } },
      statusChange(rec.status, 'compensating'),
    ],
  };
}

/** The saga is running past its last step (e.g. resumed after a final wait): done. */
export function completed(rec: SagaRecord, now: string): Transition {
  return ended(rec, 'completed', now);
}

function compensationDone(
  flow: AnyFlow,
  rec: SagaRecord,
  index: number,
  entry: HistoryInput,
  state: Record<string, unknown>,
  now: string,
): Transition {
  const next = index - 1;
  const base: SagaPatch = { state, stepIndex: next, stepId: stepIdAt(flow, next), attempt: 0 };
  if (next < 0) {
    const end = ended(rec, 'compensated', now, base);
    return { patch: end.patch, history: [entry, ...end.history] };
  }
  return { patch: { ...base, wakeAt: now }, history: [entry] };
}

export function compensationSucceeded(
  flow: AnyFlow,
  rec: SagaRecord,
  index: number,
  patch: Record<string, unknown> | undefined,
  now: string,
): Transition {
  const entry: HistoryInput = {
    kind: 'compensation.succeeded',
    stepId: stepIdAt(flow, index),
    attempt: rec.attempt,
  };
  return compensationDone(flow, rec, index, entry, { ...rec.state, ...(patch ?? {}) }, now);
}

/** A step without `compensate` has nothing to undo. */
export function compensationSkipped(flow: AnyFlow, rec: SagaRecord, index: number, now: string): Transition {
  const entry: HistoryInput = { kind: 'compensation.skipped', stepId: stepIdAt(flow, index) };
  return compensationDone(flow, rec, index, entry, rec.state, now);
}

/** Nothing left to compensate (e.g. the very first step failed). */
export function compensatedAll(rec: SagaRecord, now: string): Transition {
  return ended(rec, 'compensated', now);
}

/** A compensation failed: retry later, or give up and leave the saga `failed` for a human. */
export function compensationFailed(
  flow: AnyFlow,
  rec: SagaRecord,
  index: number,
  error: SagaError,
  maxAttempts: number,
  retryDelayMs: number,
  now: string,
): Transition {
  const stepId = stepIdAt(flow, index) ?? rec.stepId;
  const withCause: SagaError = rec.error ? { ...error, cause: rec.error.cause ?? rec.error } : error;
  if (error.retryable && rec.attempt < maxAttempts) {
    const retryAt = new Date(Date.parse(now) + retryDelayMs).toISOString();
    return {
      // Keep the original failure in `error` while retrying: compensations still need it.
      patch: { wakeAt: retryAt },
      history: [
        { kind: 'compensation.failed', stepId, attempt: rec.attempt, details: { error, willRetry: true } },
        {
          kind: 'compensation.retry_scheduled',
          stepId,
          attempt: rec.attempt,
          details: { retryAt, delayMs: retryDelayMs },
        },
      ],
    };
  }
  const end = ended(rec, 'failed', now, { error: withCause });
  // A failed saga keeps its position, so `admin.retry` resumes the compensation where it stopped.
  delete end.patch.attempt;
  return {
    patch: end.patch,
    history: [
      { kind: 'compensation.failed', stepId, attempt: rec.attempt, details: { error, willRetry: false } },
      ...end.history,
    ],
  };
}

export function timerFired(rec: SagaRecord, now: string): Transition {
  return {
    patch: { status: 'running', wakeAt: now },
    history: [
      { kind: 'timer.fired', stepId: rec.stepId, details: { scheduledFor: rec.wakeAt } },
      statusChange(rec.status, 'running'),
    ],
  };
}

export function signalled(
  rec: SagaRecord,
  signal: { signalId: string; payload: unknown; receivedAt: string },
  now: string,
): Transition {
  const name = rec.waitingFor ?? '';
  return {
    patch: {
      status: 'running',
      waitingFor: null,
      waitUntil: null,
      wakeAt: now,
      signals: {
        ...rec.signals,
        [name]: {
          outcome: 'signalled',
          name,
          payload: signal.payload,
          signalId: signal.signalId,
          at: signal.receivedAt,
        },
      },
    },
    history: [
      { kind: 'wait.resumed', stepId: rec.stepId, details: { signal: name, signalId: signal.signalId } },
      statusChange(rec.status, 'running'),
    ],
  };
}

export function timedOut(rec: SagaRecord, now: string): Transition {
  const name = rec.waitingFor ?? '';
  return {
    patch: {
      status: 'running',
      waitingFor: null,
      waitUntil: null,
      wakeAt: now,
      signals: { ...rec.signals, [name]: { outcome: 'timeout', name, at: now } },
    },
    history: [
      { kind: 'wait.timed_out', stepId: rec.stepId, details: { signal: name, deadline: rec.waitUntil } },
      statusChange(rec.status, 'running'),
    ],
  };
}

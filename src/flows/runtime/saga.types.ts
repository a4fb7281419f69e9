import type { Tx } from '../../kernel/ports/store.js';

/**
 * Public types of the saga runtime: what the runner returns and what the admin API (and the HTTP
 * routes and CLI built on it) shows.
 */
export type SagaStatus =
  /** Runnable: the step at `stepId` runs when `wakeAt` is due (now, or later after a failure). */
  | 'running'
  /** A durable timer: the next step runs at `wakeAt`. */
  | 'sleeping'
  /** Awaiting the signal `waitingFor`, until `waitUntil` (or forever when null). */
  | 'waiting'
  /** A step failed for good: compensating completed steps in reverse order, at `stepId`. */
  | 'compensating'
  | 'completed'
  /** Every completed step was compensated after the failure in `error`. */
  | 'compensated'
  /** A compensation kept failing: needs a human (see `error`, then `admin.retry`). */
  | 'failed';

export const SAGA_STATUSES: readonly SagaStatus[] = [
  'running',
  'sleeping',
  'waiting',
  'compensating',
  'completed',
  'compensated',
  'failed',
];

export const TERMINAL_STATUSES: ReadonlySet<SagaStatus> = new Set(['completed', 'compensated', 'failed']);

/** A failure as recorded on the saga and in its history. */
export interface SagaError {
  /** The DomainError code, or `INTERNAL` for anything else. */
  code: string;
  /** Human-readable; for non-domain errors `Name: message`. */
  message: string;
  retryable: boolean;
  stepId: string | null;
  phase: 'run' | 'compensate';
  attempt: number;
  at: string;
  /** For a failed compensation: the step failure that made the saga compensate. */
  cause?: SagaError;
}

/** How a `waitForSignal` ended, visible to later steps as `ctx.signals[name]`. */
export type SignalOutcome<P = unknown> =
  | { outcome: 'signalled'; name: string; payload: P; signalId: string; at: string }
  | { outcome: 'timeout'; name: string; at: string };

/** A saga without its (possibly large) documents: what lists show. */
export interface SagaSummary {
  id: string;
  type: string;
  status: SagaStatus;
  /** Position in the flow: next step to run (or, while compensating, to compensate). */
  stepIndex: number;
  stepId: string | null;
  /** Attempts started of the current step (or compensation). */
  attempt: number;
  waitingFor: string | null;
  waitUntil: string | null;
  /** When a runner will next pick the saga up; null when it waits forever or has ended. */
  wakeAt: string | null;
  /** The failure being retried, compensated or (when `failed`) needing a human. */
  error: SagaError | null;
  correlationId: string;
  /** The runner executing it right now, and until when its claim holds. */
  lockedBy: string | null;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface Saga<Input = unknown, State = Record<string, unknown>> extends SagaSummary {
  input: Input;
  state: State;
  signals: Record<string, SignalOutcome>;
  traceparent: string | null;
}

export type SagaHistoryKind =
  | 'saga.started'
  | 'status.changed'
  | 'lease.expired'
  | 'step.started'
  | 'step.succeeded'
  | 'step.failed'
  | 'step.retry_scheduled'
  | 'compensation.started'
  | 'compensation.succeeded'
  | 'compensation.skipped'
  | 'compensation.failed'
  | 'compensation.retry_scheduled'
  | 'timer.scheduled'
  | 'timer.fired'
  | 'wait.started'
  | 'wait.resumed'
  | 'wait.timed_out'
  | 'signal.received'
  | 'signal.ignored'
  | 'admin.retry';

export interface SagaHistoryEntry {
  /** Increasing in commit order. */
  seq: number;
  sagaId: string;
  at: string;
  kind: SagaHistoryKind;
  stepId: string | null;
  attempt: number | null;
  /** Kind-specific: `error`, `retryAt`, `until`, `from`/`to`, `runner`, `signalId`, `payload` … */
  details: Record<string, unknown>;
}

export interface SagaDetail<Input = unknown, State = Record<string, unknown>> extends Saga<Input, State> {
  history: SagaHistoryEntry[];
}

export interface SagaListQuery {
  status?: SagaStatus | readonly SagaStatus[];
  type?: string;
  correlationId?: string;
  /** 1–500, default 50. */
  limit?: number;
  /** The `next` cursor of the previous page. */
  after?: string;
}

export interface StartOptions {
  /** Start inside the caller's transaction: the saga exists only if that transaction commits. */
  tx?: Tx;
  /** Defaults to the ambient operation context's correlation id, else a new one. */
  correlationId?: string;
  traceparent?: string;
  /** Run the first step at this time instead of now. */
  runAt?: Date | string;
}

export interface StartResult<Input = unknown, State = Record<string, unknown>> {
  saga: Saga<Input, State>;
  /** False when a saga with this id, type and input already existed (idempotent replay). */
  created: boolean;
}

export interface SignalOptions {
  /** Record the signal inside the caller's transaction (e.g. an event handler's, with its inbox). */
  tx?: Tx;
  /** Deduplication key: the same id for the same saga is recorded once. Defaults to a new id. */
  signalId?: string;
}

export interface SignalResult {
  sagaId: string;
  signalId: string;
  /** False when the saga had already ended (the signal is only noted in its history). */
  accepted: boolean;
  /** True when this signal id had been recorded before (nothing changed). */
  duplicate: boolean;
  status: SagaStatus;
}

export type SagaStats = Record<SagaStatus, number>;

/** The runner's settings: the `saga.*` config keys plus a few programmatic ones. */
export interface SagaRunnerConfig {
  /** Safety poll when no wake-up arrives. */
  pollMs: number;
  /** Attempts of a step (or compensation) before it fails for good; a step may override it. */
  maxAttempts: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** How long a claim on a saga holds without a heartbeat (renewed every third of it). */
  leaseMs: number;
  /** Sagas one runner executes at the same time. */
  concurrency: number;
  /** Default per-attempt step timeout; none when absent (a step may set its own). */
  stepTimeoutMs?: number;
}

export const DEFAULT_SAGA_CONFIG: SagaRunnerConfig = {
  pollMs: 1000,
  maxAttempts: 10,
  backoffInitialMs: 500,
  backoffMaxMs: 300_000,
  leaseMs: 30_000,
  concurrency: 16,
};

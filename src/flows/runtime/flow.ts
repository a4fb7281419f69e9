import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { SagaError, SignalOutcome } from './saga.types.js';

/**
 * How a flow is written: an ordered list of steps, each `{ id, run, compensate? }`. Branching is
 * plain TypeScript inside `run` (look at `ctx.state`, `ctx.signals`, return a different patch, or
 * throw a non-retryable error to compensate). A step may run more than once — after a retryable
 * error, or when a process dies between the step's effects and the saga's commit — so steps must
 * be idempotent (use the saga id as the idempotency key of what they call).
 */
export interface SagaContext<Input, State> {
  readonly sagaId: string;
  readonly type: string;
  readonly stepId: string;
  readonly input: Readonly<Input>;
  /** A copy of the saga's state: mutating it changes nothing; return a patch instead. */
  readonly state: Readonly<State>;
  /** 1 on the first attempt of this step (or compensation). */
  readonly attempt: number;
  readonly correlationId: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Outcomes of earlier `waitForSignal`s, by signal name (the latest wins). */
  readonly signals: Readonly<Record<string, SignalOutcome>>;
  /** Aborted when the attempt times out or the runner gives up the saga: stop early if you can. */
  readonly abortSignal: AbortSignal;
}

export interface StepContext<Input, State> extends SagaContext<Input, State> {
  /** Finish this step, then run the next one at `at` (a durable timer). */
  sleepUntil(at: Date | string, patch?: Partial<State>): StepDirective<State>;
  /** Finish this step, then run the next one after `ms` of clock time. */
  sleepFor(ms: number, patch?: Partial<State>): StepDirective<State>;
  /**
   * Finish this step, then wait for `runner.signal(sagaId, name, …)` — or until `timeoutAt`, after
   * which the saga goes on with `ctx.signals[name].outcome === 'timeout'`. A signal that arrived
   * before the wait began is not lost: it is consumed by the wait.
   */
  waitForSignal(
    name: string,
    options?: { timeoutAt?: Date | string; patch?: Partial<State> },
  ): StepDirective<State>;
}

export interface CompensationContext<Input, State> extends SagaContext<Input, State> {
  /** The failure that made the saga compensate. */
  readonly error: SagaError;
}

const DIRECTIVE = 'keel.saga.directive';

export type StepDirective<State> =
  | { readonly $directive: typeof DIRECTIVE; kind: 'sleep'; until: string; patch?: Partial<State> }
  | {
      readonly $directive: typeof DIRECTIVE;
      kind: 'wait';
      signal: string;
      timeoutAt: string | null;
      patch?: Partial<State>;
    };

/**
 * What `run` returns: nothing, a patch shallow-merged into the state, or a directive. (`void` is
 * accepted so that `run: (ctx) => doSomething(ctx)` type-checks when `doSomething` returns nothing.)
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a step may return the result of a void function
export type StepResult<State> = Partial<State> | StepDirective<State> | undefined | void;

/** A compensation may patch the state too (e.g. record a refund id). */
// biome-ignore lint/suspicious/noConfusingVoidType: as for StepResult
export type CompensationResult<State> = Partial<State> | undefined | void;

export interface StepDefinition<Input, State> {
  /** Stable across deployments: a saga in progress is resumed at its step id. */
  id: string;
  run(ctx: StepContext<Input, State>): StepResult<State> | Promise<StepResult<State>>;
  /** Undo this step's effects after a later step failed for good. Also idempotent. */
  compensate?(
    ctx: CompensationContext<Input, State>,
  ): CompensationResult<State> | Promise<CompensationResult<State>>;
  /** Overrides `saga.maxAttempts` for this step and its compensation. */
  maxAttempts?: number;
  /** Per-attempt limit; an attempt over it fails with the retryable SAGA_STEP_TIMEOUT. */
  timeoutMs?: number;
}

export interface FlowDefinition<Input = unknown, State extends object = Record<string, unknown>> {
  /** `[a-z][a-z0-9._-]*`, e.g. `order-to-cash`. */
  type: string;
  steps: readonly StepDefinition<Input, State>[];
  /** The state before the first step (default `{}`). */
  initialState?(input: Input): State;
}

const TYPE_RE = /^[a-z][a-z0-9._-]{0,99}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/**
 * Declare a flow with typed input and state (`defineFlow<OrderInput, OrderState>({…})`); checks
 * the definition once, at load time. The types are never inferred from the steps (one step's
 * patch is not the whole state), so without type arguments they are `unknown` and a loose record.
 */
export function defineFlow<Input = unknown, State extends object = Record<string, unknown>>(
  def: NoInfer<FlowDefinition<Input, State>>,
): FlowDefinition<Input, State> {
  if (!TYPE_RE.test(def.type)) throw new TypeError(`flow type "${def.type}" must match ${TYPE_RE}`);
  if (def.steps.length === 0) throw new TypeError(`flow "${def.type}" has no steps`);
  const seen = new Set<string>();
  for (const step of def.steps) {
    if (!NAME_RE.test(step.id)) throw new TypeError(`flow "${def.type}": bad step id "${step.id}"`);
    if (seen.has(step.id)) throw new TypeError(`flow "${def.type}": duplicate step id "${step.id}"`);
    seen.add(step.id);
    if (step.maxAttempts !== undefined && !(Number.isInteger(step.maxAttempts) && step.maxAttempts >= 1))
      throw new TypeError(`flow "${def.type}", step "${step.id}": maxAttempts must be an integer >= 1`);
    if (step.timeoutMs !== undefined && !(step.timeoutMs > 0))
      throw new TypeError(`flow "${def.type}", step "${step.id}": timeoutMs must be > 0`);
  }
  return Object.freeze({ ...def, steps: Object.freeze([...def.steps]) });
}

/** Valid signal names: what `waitForSignal` and `runner.signal` accept. */
export function assertSignalName(name: string): void {
  if (!NAME_RE.test(name))
    throw KernelErrors.VALIDATION_FAILED.create(`signal name "${name}" must match ${NAME_RE}`);
}

export function isDirective(v: unknown): v is StepDirective<unknown> {
  return typeof v === 'object' && v !== null && (v as { $directive?: unknown }).$directive === DIRECTIVE;
}

/** ISO-8601 of a Date or date string; a non-retryable error for an invalid one (a bug in the flow). */
export function toIso(at: Date | string, what: string): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) throw KernelErrors.VALIDATION_FAILED.create(`${what}: invalid date`);
  return d.toISOString();
}

export function sleepDirective<S>(until: string, patch?: Partial<S>): StepDirective<S> {
  return { $directive: DIRECTIVE, kind: 'sleep', until, ...(patch ? { patch } : {}) };
}

export function waitDirective<S>(
  signal: string,
  timeoutAt: string | null,
  patch?: Partial<S>,
): StepDirective<S> {
  return { $directive: DIRECTIVE, kind: 'wait', signal, timeoutAt, ...(patch ? { patch } : {}) };
}

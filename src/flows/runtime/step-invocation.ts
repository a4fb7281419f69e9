import type { Clock } from '../../kernel/clock.js';
import { childTraceparent, type OperationContext, runWithContext } from '../../kernel/context.js';
import { describeThrown } from '../../kernel/errors.js';
import { isDirective, type StepDefinition, type StepDirective } from './flow.js';
import { isPlainObject } from './json.js';
import { SagaErrors } from './saga-errors.js';
import type { SagaRecord } from './saga-record.js';

export interface Invocation {
  rec: SagaRecord;
  step: StepDefinition<any, any>;
  clock: Clock;
  timeoutMs: number | undefined;
  /** Aborted when the runner gives the saga up. */
  abort: AbortSignal;
}

/**
 * Run a step's (or compensation's) code inside the saga's operation context — so events it
 * appends carry the saga's correlation id — bounded by the step timeout. On timeout the attempt's
 * AbortSignal fires and the attempt fails with the retryable SAGA_STEP_TIMEOUT; the abandoned
 * promise is ignored (the step is idempotent, and a later attempt redoes it).
 */
export async function invokeUserCode<T>(
  inv: Invocation,
  call: (signal: AbortSignal) => T | Promise<T>,
): Promise<T> {
  const attempt = new AbortController();
  const signal = AbortSignal.any([inv.abort, attempt.signal]);
  const op: OperationContext = {
    correlationId: inv.rec.correlationId,
    causationId: inv.rec.id,
    traceparent: childTraceparent(inv.rec.traceparent ?? undefined),
    actor: 'system:saga',
  };
  const running = runWithContext(op, async () => call(signal));
  if (!inv.timeoutMs) return running;
  running.catch(() => {}); // a late failure after the timeout already decided is irrelevant
  const timeoutMs = inv.timeoutMs;
  let cancel = () => {};
  const timeout = new Promise<never>((_, reject) => {
    cancel = inv.clock.setTimer(() => {
      const err = SagaErrors.STEP_TIMEOUT.create(`step "${inv.step.id}" exceeded ${timeoutMs} ms`);
      attempt.abort(err);
      reject(err);
    }, timeoutMs);
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    cancel();
  }
}

/**
 * A step returns nothing, a plain-object patch or a directive. The patch goes through JSON now,
 * so what later steps see in memory is exactly what is stored (Dates become strings), and a patch
 * that cannot be stored fails the step (not retryable: it would fail the same way again).
 */
export function interpretResult(
  out: unknown,
  state: Record<string, unknown>,
  allowDirective = true,
): { patch?: Record<string, unknown>; directive?: StepDirective<unknown> } {
  if (out === undefined || out === null) return {};
  const directive = isDirective(out) ? out : undefined;
  const raw = directive ? directive.patch : out;
  if ((directive && !allowDirective) || (raw !== undefined && !isPlainObject(raw)))
    throw SagaErrors.STEP_RESULT_INVALID.create(
      `expected a state patch object, got ${describe(directive && !allowDirective ? out : raw)}`,
    );
  let patch: Record<string, unknown> | undefined;
  try {
    patch = raw === undefined ? undefined : JSON.parse(JSON.stringify(raw));
    JSON.stringify({ ...state, ...patch });
  } catch (err) {
    throw SagaErrors.STEP_RESULT_INVALID.create(`state patch is not JSON: ${describeThrown(err)}`);
  }
  if (directive) return { directive: { ...directive, ...(patch ? { patch: patch as never } : {}) } };
  return patch ? { patch } : {};
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (isDirective(v)) return 'a directive (not allowed here)';
  return v === null
    ? 'null'
    : typeof v === 'object'
      ? `a ${v.constructor?.name ?? 'non-plain'} object`
      : typeof v;
}

import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { Logger } from '../../kernel/ports/logger.js';
import {
  assertSignalName,
  type CompensationContext,
  type SagaContext,
  type StepContext,
  sleepDirective,
  toIso,
  waitDirective,
} from './flow.js';
import type { SagaError } from './saga.types.js';
import type { SagaRecord } from './saga-record.js';

/** What a step or compensation sees of its saga; each attempt gets its own copy of the state. */
export function baseContext(
  rec: SagaRecord,
  stepId: string,
  deps: { clock: Clock; log: Logger; abortSignal: AbortSignal },
): SagaContext<any, any> {
  return {
    sagaId: rec.id,
    type: rec.type,
    stepId,
    input: structuredClone(rec.input) as any,
    state: structuredClone(rec.state),
    attempt: rec.attempt,
    correlationId: rec.correlationId,
    clock: deps.clock,
    log: deps.log.child({ sagaId: rec.id, sagaType: rec.type, stepId, attempt: rec.attempt }),
    signals: structuredClone(rec.signals),
    abortSignal: deps.abortSignal,
  };
}

export function stepContext(base: SagaContext<any, any>): StepContext<any, any> {
  return {
    ...base,
    sleepUntil: (at, patch) => sleepDirective(toIso(at, 'sleepUntil'), patch),
    sleepFor: (ms, patch) => {
      if (!Number.isFinite(ms)) throw KernelErrors.VALIDATION_FAILED.create('sleepFor: ms must be finite');
      return sleepDirective(new Date(base.clock.now().getTime() + Math.max(0, ms)).toISOString(), patch);
    },
    waitForSignal: (name, options = {}) => {
      assertSignalName(name);
      const timeoutAt =
        options.timeoutAt === undefined ? null : toIso(options.timeoutAt, 'waitForSignal timeoutAt');
      return waitDirective(name, timeoutAt, options.patch);
    },
  };
}

export function compensationContext(
  base: SagaContext<any, any>,
  error: SagaError,
): CompensationContext<any, any> {
  return { ...base, error: structuredClone(error) };
}

import { DomainError, defineError, describeThrown, isRetryable } from '../../kernel/errors.js';
import type { SagaError } from './saga.types.js';

/**
 * Error codes of the saga runtime beyond the kernel's SAGA_NOT_FOUND / SAGA_TYPE_UNKNOWN /
 * SAGA_CONFLICT (which the API layer already maps).
 */
export const SagaErrors = {
  STEP_TIMEOUT: defineError({
    code: 'SAGA_STEP_TIMEOUT',
    status: 504,
    retryable: true,
    title: 'Saga step did not finish within its timeout',
  }),
  ATTEMPTS_EXHAUSTED: defineError({
    code: 'SAGA_ATTEMPTS_EXHAUSTED',
    status: 500,
    title: 'Saga step was started too many times without finishing (crashes or lost leases)',
  }),
  STEP_UNKNOWN: defineError({
    code: 'SAGA_STEP_UNKNOWN',
    status: 500,
    title: 'The flow definition no longer has the step this saga is at',
  }),
  STEP_RESULT_INVALID: defineError({
    code: 'SAGA_STEP_RESULT_INVALID',
    status: 500,
    title: 'A saga step returned something other than a state patch or a directive',
  }),
  STATE: defineError({
    code: 'SAGA_STATE',
    status: 409,
    title: 'Saga is not in a state that allows this',
  }),
};

/** Record anything a step threw as a SagaError (unknown errors count as retryable). */
export function toSagaError(
  err: unknown,
  where: { stepId: string | null; phase: 'run' | 'compensate'; attempt: number; at: string },
): SagaError {
  return {
    code: err instanceof DomainError ? err.code : 'INTERNAL',
    message: err instanceof DomainError ? err.message : describeThrown(err),
    retryable: isRetryable(err),
    ...where,
  };
}

import { defineError } from '../../kernel/errors.js';

/**
 * Errors of stored replenishment (policies, suggestion runs, backtests). The pure calculation's own
 * errors are ReplenishmentErrors and ForecastErrors (forecast.errors.ts). None is retryable: the
 * same request against the same data fails the same way.
 */
export const ReplenishmentStoreErrors = {
  /** `errors` lists every problem `{ field, code, message }`; nothing is written. */
  POLICY_INVALID: defineError({
    code: 'ERP_REPLENISHMENT_POLICY_INVALID',
    status: 422,
    title: 'Replenishment policy is invalid',
  }),
  POLICY_NOT_FOUND: defineError({
    code: 'ERP_REPLENISHMENT_POLICY_NOT_FOUND',
    status: 404,
    title: 'No replenishment policy for this SKU and location',
  }),
  /** `If-Match` named another version than the stored one; `version` in the extensions is current. */
  POLICY_VERSION_MISMATCH: defineError({
    code: 'ERP_REPLENISHMENT_POLICY_VERSION_MISMATCH',
    status: 412,
    title: 'The policy changed since it was read',
  }),
  /** Suggestion or backtest request options out of range (e.g. `asOf`, `historyDays`). */
  RUN_INVALID: defineError({
    code: 'ERP_REPLENISHMENT_RUN_INVALID',
    status: 422,
    title: 'Replenishment run options are invalid',
  }),
};

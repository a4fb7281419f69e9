import { defineError } from '../../kernel/errors.js';

/**
 * Errors of inventory reconciliation. None is retryable: they describe the report or the state of
 * an exception. Drift itself is never an error: it is a run's result (healed lines, exceptions).
 */
export const ReconciliationErrors = {
  /**
   * `errors` lists every problem `{ field, code, message }`, by `lines[i].field`: codes
   * SKU_INVALID, SKU_UNKNOWN, LOCATION_UNKNOWN, CHANNEL_UNKNOWN, TARGET_MISSING, TARGET_AMBIGUOUS,
   * MEASURE_MIXED, QUANTITY_INVALID, LINE_DUPLICATE. Nothing was written.
   */
  REPORT_INVALID: defineError({
    code: 'ERP_RECONCILIATION_REPORT_INVALID',
    status: 422,
    title: 'Reconciliation report is invalid',
  }),
  RUN_NOT_FOUND: defineError({
    code: 'ERP_RECONCILIATION_RUN_NOT_FOUND',
    status: 404,
    title: 'No such reconciliation run',
  }),
  EXCEPTION_NOT_FOUND: defineError({
    code: 'ERP_RECONCILIATION_EXCEPTION_NOT_FOUND',
    status: 404,
    title: 'No such reconciliation exception',
  }),
  /** Only an open exception is resolved or ignored; `status` says where it is. */
  EXCEPTION_NOT_OPEN: defineError({
    code: 'ERP_RECONCILIATION_EXCEPTION_NOT_OPEN',
    status: 409,
    title: 'The reconciliation exception is not open',
  }),
};

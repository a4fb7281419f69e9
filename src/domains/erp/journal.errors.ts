import { defineError } from '../../kernel/errors.js';

/** The general journal's error codes (merged into ErpErrors). */
export const JournalErrors = {
  /** `errors` lists every problem `{ field, code, message }`; nothing was posted. */
  ENTRY_INVALID: defineError({
    code: 'ERP_JOURNAL_ENTRY_INVALID',
    status: 422,
    title: 'Journal entry is invalid',
  }),
  ENTRY_NOT_FOUND: defineError({
    code: 'ERP_JOURNAL_ENTRY_NOT_FOUND',
    status: 404,
    title: 'No such journal entry',
  }),
  /** The same source and reference were posted with different content. */
  ENTRY_CONFLICT: defineError({
    code: 'ERP_JOURNAL_ENTRY_CONFLICT',
    status: 409,
    title: 'This source and reference were posted with different content',
  }),
  ENTRY_REVERSED: defineError({
    code: 'ERP_JOURNAL_ENTRY_REVERSED',
    status: 409,
    title: 'Journal entry is already reversed',
  }),
  PERIOD_CLOSED: defineError({
    code: 'ERP_PERIOD_CLOSED',
    status: 409,
    title: 'The accounting period is closed',
  }),
  PERIOD_INVALID: defineError({
    code: 'ERP_PERIOD_INVALID',
    status: 400,
    title: 'Period must be YYYY-MM',
  }),
  /** Only the latest closed period can be reopened: the closed periods stay one unbroken run. */
  PERIOD_NOT_LATEST: defineError({
    code: 'ERP_PERIOD_NOT_LATEST',
    status: 409,
    title: 'Only the latest closed period can be reopened',
  }),
  ACCOUNT_NOT_FOUND: defineError({ code: 'ERP_ACCOUNT_NOT_FOUND', status: 404, title: 'No such account' }),
  ACCOUNT_TYPE_LOCKED: defineError({
    code: 'ERP_ACCOUNT_TYPE_LOCKED',
    status: 409,
    title: 'An account with postings cannot change type',
  }),
};

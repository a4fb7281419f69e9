import { defineError } from '../../kernel/errors.js';

/**
 * Errors of price lists and price resolution. None is retryable: the same lists and the same
 * question give the same answer.
 */
export const PriceErrors = {
  /**
   * No applicable list prices the SKU at this quantity and instant. `explanation` lists every
   * candidate list and why it was rejected, so that a merchandiser can see what to fix.
   */
  NOT_FOUND: defineError({
    code: 'ERP_PRICE_NOT_FOUND',
    status: 404,
    title: 'No price for this SKU on this channel, currency, customer group, quantity and date',
  }),
  /** `errors` lists every problem `{ field, code, message }` of the list(s). */
  LIST_INVALID: defineError({
    code: 'ERP_PRICE_LIST_INVALID',
    status: 422,
    title: 'Price list is invalid',
  }),
  /** The question is malformed (unknown currency, bad instant, quantity); `errors` lists why. */
  QUERY_INVALID: defineError({
    code: 'ERP_PRICE_QUERY_INVALID',
    status: 422,
    title: 'Price query is invalid',
  }),
  /** unit price × quantity is beyond what integer minor units can hold exactly. */
  AMOUNT_TOO_LARGE: defineError({
    code: 'ERP_PRICE_AMOUNT_TOO_LARGE',
    status: 422,
    title: 'Line amount is too large',
  }),
  LIST_NOT_FOUND: defineError({
    code: 'ERP_PRICE_LIST_NOT_FOUND',
    status: 404,
    title: 'No such price list',
  }),
  /** `If-Match` (expected version) names a version other than the stored one; re-read and retry. */
  VERSION_CONFLICT: defineError({
    code: 'ERP_PRICE_LIST_VERSION_CONFLICT',
    status: 409,
    title: 'Price list changed since the version the request was based on',
  }),
  /** Other lists inherit from it (`children` names them); re-parent or delete those first. */
  LIST_IN_USE: defineError({
    code: 'ERP_PRICE_LIST_IN_USE',
    status: 409,
    title: 'Other price lists inherit from this list',
  }),
};

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
};

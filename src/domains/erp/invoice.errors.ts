import { defineError } from '../../kernel/errors.js';

/** Invoicing's error codes. */
export const InvoiceErrors = {
  NOT_FOUND: defineError({ code: 'ERP_INVOICE_NOT_FOUND', status: 404, title: 'No such invoice' }),
  SERIES_NOT_FOUND: defineError({
    code: 'ERP_INVOICE_SERIES_NOT_FOUND',
    status: 422,
    title: 'No such invoice series',
  }),
  /**
   * The same reference was issued with other content: `number` names the stored document; `errors`
   * holds PRICES_INCLUDE_TAX_CHANGED when the price basis (net / gross) is what differs.
   */
  REFERENCE_CONFLICT: defineError({
    code: 'ERP_INVOICE_REFERENCE_CONFLICT',
    status: 409,
    title: 'This reference was invoiced with other content',
  }),
  NOT_CREDITABLE: defineError({
    code: 'ERP_INVOICE_NOT_CREDITABLE',
    status: 409,
    title: 'A credit note cannot be credited',
  }),
  /** `errors` lists each line asked beyond what is left to credit. */
  OVER_CREDIT: defineError({
    code: 'ERP_INVOICE_OVER_CREDIT',
    status: 409,
    title: 'More credited than invoiced',
  }),
};

/**
 * The same reference issued with other content. When the price basis is what changed, `errors`
 * says so (PRICES_INCLUDE_TAX_CHANGED): the same lines would bill other amounts.
 */
export function referenceConflict(
  kind: 'invoice' | 'credit_note',
  reference: string,
  number: string,
  pricesIncludeTax: { was: boolean; now: boolean },
) {
  const basis = (inclusive: boolean) => (inclusive ? 'including' : 'excluding');
  const { was, now } = pricesIncludeTax;
  const errors =
    was === now
      ? []
      : [
          {
            field: 'pricesIncludeTax',
            code: 'PRICES_INCLUDE_TAX_CHANGED',
            message: `${number} was issued with prices ${basis(was)} tax, this request has them ${basis(now)} it`,
          },
        ];
  const what = kind === 'invoice' ? 'an invoice' : 'a credit note';
  return InvoiceErrors.REFERENCE_CONFLICT.create(
    `${what} for "${reference}" was issued with other content (${number})${errors.length > 0 ? `: ${errors[0]!.message}` : ''}`,
    { number, ...(errors.length > 0 ? { errors } : {}) },
  );
}

import { defineError } from '../../kernel/errors.js';

/** Invoicing's error codes. */
export const InvoiceErrors = {
  NOT_FOUND: defineError({ code: 'ERP_INVOICE_NOT_FOUND', status: 404, title: 'No such invoice' }),
  SERIES_NOT_FOUND: defineError({
    code: 'ERP_INVOICE_SERIES_NOT_FOUND',
    status: 422,
    title: 'No such invoice series',
  }),
  /** The same reference was issued with other content: `number` names the stored document. */
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

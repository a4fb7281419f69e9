import { defineError } from '../../kernel/errors.js';

/**
 * Errors of procurement: suppliers, purchase orders, receiving and invoice matching. All describe
 * the caller's input or the PO's state, so none is retryable: the same command against the same
 * state fails the same way. Where a document is at fault, `errors` in the extensions lists every
 * problem `{ field, code, message }` (see procurement.validate.ts), so a UI can show them all.
 *
 * A three-way match that finds discrepancies is not an error: it is a result with status
 * `exception` (procurement.match.ts). Errors here mean the match could not be judged at all.
 */
export const ProcurementErrors = {
  SUPPLIER_INVALID: defineError({
    code: 'ERP_SUPPLIER_INVALID',
    status: 422,
    title: 'Supplier is invalid',
  }),
  SUPPLIER_NOT_FOUND: defineError({ code: 'ERP_SUPPLIER_NOT_FOUND', status: 404, title: 'No such supplier' }),
  SUPPLIER_EXISTS: defineError({
    code: 'ERP_SUPPLIER_EXISTS',
    status: 409,
    title: 'A supplier with this code exists',
  }),
  PO_INVALID: defineError({ code: 'ERP_PO_INVALID', status: 422, title: 'Purchase order is invalid' }),
  PO_NOT_FOUND: defineError({ code: 'ERP_PO_NOT_FOUND', status: 404, title: 'No such purchase order' }),
  PO_EXISTS: defineError({
    code: 'ERP_PO_EXISTS',
    status: 409,
    title: 'A purchase order with this number exists',
  }),
  /** `from` and `command` in the extensions; `allowed` lists the commands the status takes. */
  PO_TRANSITION_INVALID: defineError({
    code: 'ERP_PO_TRANSITION_INVALID',
    status: 409,
    title: 'The purchase order is not in a status that allows this',
  }),
  /** A command's own fields (its instant, its reason) are malformed. */
  /** Only a draft is edited: once sent, the supplier has it (cancel and order anew). `poStatus` says where it is. */
  PO_NOT_EDITABLE: defineError({
    code: 'ERP_PO_NOT_EDITABLE',
    status: 409,
    title: 'Only a draft purchase order can be edited',
  }),
  PO_COMMAND_INVALID: defineError({
    code: 'ERP_PO_COMMAND_INVALID',
    status: 400,
    title: 'Purchase order command is invalid',
  }),
  /** Closing a partially received PO short writes off the rest: someone must say why. */
  PO_CLOSE_REASON_REQUIRED: defineError({
    code: 'ERP_PO_CLOSE_REASON_REQUIRED',
    status: 422,
    title: 'Closing a partially received purchase order needs a reason',
  }),
  PO_RECEIPT_INVALID: defineError({
    code: 'ERP_PO_RECEIPT_INVALID',
    status: 422,
    title: 'Receipt is invalid',
  }),
  /** `skus` lists what is not on the order; the whole receipt is refused, nothing is applied. */
  PO_SKU_NOT_ON_ORDER: defineError({
    code: 'ERP_PO_SKU_NOT_ON_ORDER',
    status: 422,
    title: 'Receipt has SKUs that are not on the purchase order',
  }),
  /** `lines` lists `{ line, sku, ordered, received, allowed }` for every line beyond tolerance. */
  PO_OVER_RECEIPT: defineError({
    code: 'ERP_PO_OVER_RECEIPT',
    // 409 like ERP_INVOICE_OVER_CREDIT: the receipt conflicts with what the PO already received.
    status: 409,
    title: 'Receipt exceeds the ordered quantity beyond tolerance',
  }),
  /** The receipt id was applied before with other content; the same content again is a no-op. */
  PO_RECEIPT_DUPLICATE: defineError({
    code: 'ERP_PO_RECEIPT_DUPLICATE',
    status: 409,
    title: 'A different receipt with this id was already applied',
  }),
  PO_ASN_INVALID: defineError({
    code: 'ERP_PO_ASN_INVALID',
    status: 422,
    title: 'Advance ship notice is invalid',
  }),
  /** The receipt is not for this ASN, or the ASN not for this PO. */
  PO_ASN_MISMATCH: defineError({
    code: 'ERP_PO_ASN_MISMATCH',
    status: 422,
    title: 'Receipt and advance ship notice do not belong together',
  }),
  PO_TOLERANCES_INVALID: defineError({
    code: 'ERP_PO_TOLERANCES_INVALID',
    status: 422,
    title: 'Procurement tolerances are invalid',
  }),
  MATCH_INVOICE_INVALID: defineError({
    code: 'ERP_MATCH_INVOICE_INVALID',
    status: 422,
    title: 'Supplier invoice is invalid',
  }),
  /** The PO, a receipt, a prior invoice or the tolerances handed to the match are malformed. */
  MATCH_INPUT_INVALID: defineError({
    code: 'ERP_MATCH_INPUT_INVALID',
    status: 422,
    title: 'Three-way match input is invalid',
  }),
  /** quantity × price beyond what integer minor units can hold exactly. */
  MATCH_AMOUNT_TOO_LARGE: defineError({
    code: 'ERP_MATCH_AMOUNT_TOO_LARGE',
    status: 422,
    title: 'An invoice amount is too large',
  }),
};

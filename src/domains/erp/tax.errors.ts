import { defineError } from '../../kernel/errors.js';

/**
 * Errors of the tax rules engine. All describe the caller's input or data, so none is retryable: the
 * same document against the same rule set fails the same way. Document errors carry `field` in
 * their extensions (`lines[2].quantity`), so a UI can point at the culprit.
 */
export const TaxErrors = {
  /** `errors` lists every problem `{ field, code, message }` found by `validateRuleSet`. */
  RULESET_INVALID: defineError({
    code: 'ERP_TAX_RULESET_INVALID',
    status: 422,
    title: 'Tax rule set is invalid',
  }),
  RULESET_NOT_FOUND: defineError({
    code: 'ERP_TAX_RULESET_NOT_FOUND',
    status: 404,
    title: 'No such tax rule set (or version)',
  }),
  /** A stored version is never rewritten: a change needs a new version string. */
  RULESET_VERSION_EXISTS: defineError({
    code: 'ERP_TAX_RULESET_VERSION_EXISTS',
    status: 409,
    title: 'This rule set version is stored with other content',
  }),
  JURISDICTION_UNKNOWN: defineError({
    code: 'ERP_TAX_JURISDICTION_UNKNOWN',
    status: 422,
    title: 'The rule set has no such jurisdiction',
  }),
  CLASS_UNKNOWN: defineError({
    code: 'ERP_TAX_CLASS_UNKNOWN',
    status: 422,
    title: 'The rule set has no such tax class',
  }),
  /** The jurisdiction has rules for the class, but none in force on the document date. */
  RULE_NOT_FOUND: defineError({
    code: 'ERP_TAX_RULE_NOT_FOUND',
    status: 422,
    title: 'No tax rule in force for this class, jurisdiction and date',
  }),
  QUANTITY_INVALID: defineError({
    code: 'ERP_TAX_QUANTITY_INVALID',
    status: 400,
    title: 'Quantity must be a non-negative decimal with at most 6 decimals',
  }),
  AMOUNT_INVALID: defineError({
    code: 'ERP_TAX_AMOUNT_INVALID',
    status: 400,
    title: 'Amount must be a non-negative safe integer of minor units',
  }),
  CURRENCY_INVALID: defineError({
    code: 'ERP_TAX_CURRENCY_INVALID',
    status: 400,
    title: 'Currency is not an ISO 4217 code',
  }),
  DATE_INVALID: defineError({
    code: 'ERP_TAX_DATE_INVALID',
    status: 400,
    title: 'Date must be an ISO calendar date (YYYY-MM-DD)',
  }),
  ADDRESS_INVALID: defineError({
    code: 'ERP_TAX_ADDRESS_INVALID',
    status: 400,
    title: 'Address is incomplete or malformed for tax purposes',
  }),
  VAT_ID_MISSING: defineError({
    code: 'ERP_TAX_VAT_ID_MISSING',
    status: 422,
    title: 'A B2B intra-community sale needs the customer VAT id',
  }),
  VAT_ID_INVALID: defineError({
    code: 'ERP_TAX_VAT_ID_INVALID',
    status: 422,
    title: "VAT id is malformed or not of the destination's country",
  }),
  EXEMPTION_MISSING: defineError({
    code: 'ERP_TAX_EXEMPTION_MISSING',
    status: 422,
    title: 'An exempt customer needs an exemption certificate id',
  }),
  RATE_MALFORMED: defineError({
    code: 'ERP_TAX_RATE_MALFORMED',
    status: 400,
    title: 'Rate is not a non-negative decimal string',
  }),
  /** Duplicate line ids, a missing customer, an unknown customer type, a bad rounding override … */
  DOCUMENT_INVALID: defineError({
    code: 'ERP_TAX_DOCUMENT_INVALID',
    status: 400,
    title: 'Tax document is invalid',
  }),
};

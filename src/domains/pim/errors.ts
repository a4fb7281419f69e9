import { defineError } from '../../kernel/errors.js';

export const PimErrors = {
  PRODUCT_NOT_FOUND: defineError({ code: 'PIM_PRODUCT_NOT_FOUND', status: 404, title: 'No such product' }),
  MODEL_NOT_FOUND: defineError({ code: 'PIM_MODEL_NOT_FOUND', status: 404, title: 'No such product model' }),
  ATTRIBUTE_NOT_FOUND: defineError({
    code: 'PIM_ATTRIBUTE_NOT_FOUND',
    status: 404,
    title: 'No such attribute',
  }),
  FAMILY_NOT_FOUND: defineError({ code: 'PIM_FAMILY_NOT_FOUND', status: 404, title: 'No such family' }),
  CHANNEL_NOT_FOUND: defineError({ code: 'PIM_CHANNEL_NOT_FOUND', status: 404, title: 'No such channel' }),
  CATEGORY_NOT_FOUND: defineError({ code: 'PIM_CATEGORY_NOT_FOUND', status: 404, title: 'No such category' }),
  VERSION_NOT_FOUND: defineError({ code: 'PIM_VERSION_NOT_FOUND', status: 404, title: 'No such version' }),
  ASSET_NOT_FOUND: defineError({ code: 'PIM_ASSET_NOT_FOUND', status: 404, title: 'No such asset' }),
  /** Content failed validation: `errors` lists every problem `{ field, code, message }`. */
  PRODUCT_INVALID: defineError({
    code: 'PIM_PRODUCT_INVALID',
    status: 422,
    title: 'Product content is invalid',
  }),
  DEFINITION_INVALID: defineError({
    code: 'PIM_DEFINITION_INVALID',
    status: 422,
    title: 'Catalog definition is invalid',
  }),
  SKU_TAKEN: defineError({
    code: 'PIM_SKU_TAKEN',
    status: 409,
    title: 'SKU already used by another product',
  }),
  CATEGORY_CYCLE: defineError({
    code: 'PIM_CATEGORY_CYCLE',
    status: 422,
    title: 'Category would become its own ancestor',
  }),
  IN_USE: defineError({ code: 'PIM_IN_USE', status: 409, title: 'Still in use' }),
  TRANSITION_INVALID: defineError({
    code: 'PIM_TRANSITION_INVALID',
    status: 409,
    title: 'Workflow transition not allowed from the current status',
  }),
  ROLE_REQUIRED: defineError({
    code: 'PIM_ROLE_REQUIRED',
    status: 403,
    title: 'The caller lacks the workflow role this transition needs',
  }),
  PRODUCT_INCOMPLETE: defineError({
    code: 'PIM_PRODUCT_INCOMPLETE',
    status: 422,
    title: 'Product is not complete for any requested channel and locale',
  }),
  RULES_INVALID: defineError({
    code: 'PIM_RULES_INVALID',
    status: 422,
    title: 'Syndication rules are invalid',
  }),
  VERSION_CONFLICT: defineError({
    code: 'PIM_VERSION_CONFLICT',
    status: 409,
    title: 'Product changed since the version the request was based on',
  }),
  IMPORT_FILE_INVALID: defineError({
    code: 'PIM_IMPORT_FILE_INVALID',
    status: 422,
    title: 'Import file cannot be read',
  }),
  ASSET_TYPE_UNSUPPORTED: defineError({
    code: 'PIM_ASSET_TYPE_UNSUPPORTED',
    status: 415,
    title: 'Asset type not supported',
  }),
  ASSET_TOO_LARGE: defineError({ code: 'PIM_ASSET_TOO_LARGE', status: 413, title: 'Asset too large' }),
};

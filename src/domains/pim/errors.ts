import { defineError } from '../../kernel/errors.js';

export const PimErrors = {
  PRODUCT_NOT_FOUND: defineError({ code: 'PIM_PRODUCT_NOT_FOUND', status: 404, title: 'No such product' }),
};

import { defineError } from '../../kernel/errors.js';

export const OmsErrors = {
  ORDER_NOT_FOUND: defineError({ code: 'OMS_ORDER_NOT_FOUND', status: 404, title: 'No such order' }),
};

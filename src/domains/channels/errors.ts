import { defineError } from '../../kernel/errors.js';

export const ChannelsErrors = {
  CHANNEL_NOT_FOUND: defineError({
    code: 'CHANNELS_CHANNEL_NOT_FOUND',
    status: 404,
    title: 'No such channel',
  }),
  ORDER_NOT_FOUND: defineError({ code: 'CHANNELS_ORDER_NOT_FOUND', status: 404, title: 'No such order' }),
  ORDER_CONFLICT: defineError({
    code: 'CHANNELS_ORDER_CONFLICT',
    status: 409,
    title: 'An order with this channel order id exists with different content',
  }),
  SKU_UNAVAILABLE: defineError({
    code: 'CHANNELS_SKU_UNAVAILABLE',
    status: 422,
    title: 'Items are not sellable on this channel',
  }),
  CURRENCY_NOT_ALLOWED: defineError({
    code: 'CHANNELS_CURRENCY_NOT_ALLOWED',
    status: 422,
    title: 'The channel does not sell in this currency',
  }),
};

import { type Static, Type } from '@sinclair/typebox';
import { MoneySchema } from './money.js';

/** Order contracts shared between channels (capture), OMS (orchestration) and the flows. */
export const OrderEventTypes = {
  placed: 'keel.channels.order.placed.v1',
  accepted: 'keel.oms.order.accepted.v1',
} as const;

export const OrderLine = Type.Object({
  sku: Type.String(),
  productId: Type.String(),
  quantity: Type.Integer({ minimum: 1 }),
  unitPrice: MoneySchema,
});

export const OrderPlacedData = Type.Object({
  orderId: Type.String(),
  channelId: Type.String(),
  channelOrderId: Type.String(),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  lines: Type.Array(OrderLine, { minItems: 1 }),
  total: MoneySchema,
});
export type OrderPlacedData = Static<typeof OrderPlacedData>;

export const OrderAcceptedData = Type.Object({
  orderId: Type.String(),
  channelId: Type.String(),
  channelOrderId: Type.String(),
  total: MoneySchema,
  lineCount: Type.Integer({ minimum: 1 }),
});
export type OrderAcceptedData = Static<typeof OrderAcceptedData>;

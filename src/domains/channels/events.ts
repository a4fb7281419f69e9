import { defineEvent } from '../../kernel/events.js';
import { OrderEventTypes, OrderPlacedData } from '../../model/order.js';

/** An order was captured on a channel: the start of order-to-cash. */
export const OrderPlaced = defineEvent({
  type: OrderEventTypes.placed,
  source: '/keel/channels',
  description: 'A channel captured an order',
  schema: OrderPlacedData,
});

export const channelsEvents = [OrderPlaced];

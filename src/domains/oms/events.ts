import { defineEvent } from '../../kernel/events.js';
import { OrderAcceptedData, OrderEventTypes } from '../../model/order.js';

/** The OMS took responsibility for an order: it is now in the system of record. */
export const OrderAccepted = defineEvent({
  type: OrderEventTypes.accepted,
  source: '/keel/oms',
  description: 'The OMS accepted an order captured on a channel',
  schema: OrderAcceptedData,
});

export const omsEvents = [OrderAccepted];

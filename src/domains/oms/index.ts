import type { DomainDeps, DomainModule } from '../../kernel/ports/module.js';
import { omsEvents } from './events.js';
import { omsRoutes } from './order.http.js';
import { createOmsOrders, type OmsOrders } from './order.service.js';
import { omsMigrations } from './schema.js';

export { OmsErrors } from './errors.js';
export { OrderAccepted } from './events.js';
export type { OmsOrder } from './order.service.js';

export interface Oms extends DomainModule {
  orders: OmsOrders;
}

/** The OMS: the system of record for the order lifecycle. */
export function createOms(deps: DomainDeps): Oms {
  const orders = createOmsOrders(deps);
  return {
    name: 'oms',
    migrations: omsMigrations,
    events: omsEvents,
    subscriptions: [orders.intake],
    http: omsRoutes(orders),
    orders,
  };
}

import type { DomainDeps, DomainModule } from '../../kernel/ports/module.js';
import { catalogProjection } from './catalog.projection.js';
import { type CatalogService, createCatalogService } from './catalog.service.js';
import { channelsRoutes } from './channels.http.js';
import { channelsEvents } from './events.js';
import { createOrderService, type OrderService } from './order.service.js';
import { channelsMigrations } from './schema.js';

export { ChannelsErrors } from './errors.js';
export { OrderPlaced } from './events.js';
export type { ChannelOrder, PlaceOrderInput } from './order.service.js';

export interface Channels extends DomainModule {
  catalog: CatalogService;
  orders: OrderService;
}

/** Sales channels: the registry, each channel's catalog projection, and order capture. */
export function createChannels(deps: DomainDeps): Channels {
  const catalog = createCatalogService(deps);
  const orders = createOrderService(deps);
  return {
    name: 'channels',
    migrations: channelsMigrations,
    events: channelsEvents,
    subscriptions: [catalogProjection()],
    http: channelsRoutes(catalog, orders),
    catalog,
    orders,
  };
}

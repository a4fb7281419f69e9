import type { DomainDeps, DomainModule } from '../../kernel/ports/module.js';
import { pimEvents } from './events.js';
import { productRoutes } from './product.http.js';
import { createProductService, type ProductService } from './product.service.js';
import { pimMigrations } from './schema.js';

export { PimErrors } from './errors.js';
export { ProductPublished } from './events.js';
export type { Product, PublishProductInput } from './product.service.js';

export interface Pim extends DomainModule {
  products: ProductService;
}

/** The PIM domain: product content, the system of record for what is sold. */
export function createPim(deps: DomainDeps): Pim {
  const products = createProductService(deps);
  return {
    name: 'pim',
    migrations: pimMigrations,
    events: pimEvents,
    subscriptions: [],
    http: productRoutes(products),
    products,
  };
}

import { defineEvent } from '../../kernel/events.js';
import { ProductEventTypes, ProductPublishedData } from '../../model/product.js';

export { MoneySchema } from '../../model/money.js';

/** A product version became sellable content: channels project it, connectors syndicate it. */
export const ProductPublished = defineEvent({
  type: ProductEventTypes.published,
  source: '/keel/pim',
  description: 'A product version was published to the channels',
  schema: ProductPublishedData,
});

export const pimEvents = [ProductPublished];

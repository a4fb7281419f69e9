import { defineEvent } from '../../kernel/events.js';
import {
  ProductEventTypes,
  ProductPublishedData,
  ProductPublishedV1Data,
  ProductRetiredData,
  ProductUpdatedData,
} from '../../model/product.js';

/** A product listing went live on a channel in a locale: channels project it, connectors syndicate it. */
export const ProductPublished = defineEvent({
  type: ProductEventTypes.published,
  source: '/keel/pim',
  description: 'A product version was published to a channel in one locale, rendered by its rules',
  schema: ProductPublishedData,
});

export const ProductPublishedV1 = defineEvent({
  type: ProductEventTypes.publishedV1,
  source: '/keel/pim',
  description: 'Deprecated (walking skeleton): a product was published with a title and one price',
  schema: ProductPublishedV1Data,
});

/** Product content changed (a new version): for indexes and connectors that mirror drafts. */
export const ProductUpdated = defineEvent({
  type: ProductEventTypes.updated,
  source: '/keel/pim',
  description: 'A product got a new content version',
  schema: ProductUpdatedData,
});

/** A listing was withdrawn from a channel. */
export const ProductRetired = defineEvent({
  type: ProductEventTypes.retired,
  source: '/keel/pim',
  description: 'A product was withdrawn from a channel in one locale',
  schema: ProductRetiredData,
});

export const pimEvents = [ProductPublished, ProductPublishedV1, ProductUpdated, ProductRetired];

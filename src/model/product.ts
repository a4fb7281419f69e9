import { type Static, Type } from '@sinclair/typebox';
import { MoneySchema } from './money.js';

/**
 * Product contracts shared between domains. The PIM emits them; channels, ERP and connectors
 * consume them without importing the PIM.
 */
export const ProductEventTypes = {
  published: 'keel.pim.product.published.v1',
} as const;

export const ProductPublishedData = Type.Object({
  productId: Type.String(),
  sku: Type.String({ minLength: 1 }),
  title: Type.String({ minLength: 1 }),
  price: MoneySchema,
  version: Type.Integer({ minimum: 1 }),
});
export type ProductPublishedData = Static<typeof ProductPublishedData>;

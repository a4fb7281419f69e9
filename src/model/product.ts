import { type Static, Type } from '@sinclair/typebox';
import { MoneySchema } from './money.js';

/**
 * Product contracts shared between domains. The PIM emits them; channels, ERP and connectors
 * consume them without importing the PIM.
 */
export const ProductEventTypes = {
  /** Superseded by v2 (one event per channel × locale listing); kept so old logs stay readable. */
  publishedV1: 'keel.pim.product.published.v1',
  published: 'keel.pim.product.published.v2',
  updated: 'keel.pim.product.updated.v1',
  retired: 'keel.pim.product.retired.v1',
} as const;

export const ProductPublishedV1Data = Type.Object({
  productId: Type.String(),
  sku: Type.String({ minLength: 1 }),
  title: Type.String({ minLength: 1 }),
  price: MoneySchema,
  version: Type.Integer({ minimum: 1 }),
});
export type ProductPublishedV1Data = Static<typeof ProductPublishedV1Data>;

/** A product's content as a channel receives it in one locale: its rules applied. */
export const ProductPublishedData = Type.Object({
  productId: Type.String(),
  sku: Type.String({ minLength: 1 }),
  channel: Type.String(),
  locale: Type.String(),
  /** The product version published (versions only grow: consumers keep the highest). */
  version: Type.Integer({ minimum: 1 }),
  /** The version of the channel's syndication rules that rendered `content`. */
  rulesVersion: Type.Integer({ minimum: 0 }),
  family: Type.String(),
  parent: Type.Union([Type.String(), Type.Null()]),
  /** The family's label attribute in this locale, or the SKU. */
  title: Type.String({ minLength: 1 }),
  /** The product's prices in the channel's currencies (first price attribute of the family). */
  prices: Type.Array(MoneySchema),
  /** The rendered fields: the attributes the rules keep plus the transforms' outputs. */
  content: Type.Record(Type.String(), Type.Unknown()),
});
export type ProductPublishedData = Static<typeof ProductPublishedData>;

export const ProductUpdatedData = Type.Object({
  productId: Type.String(),
  sku: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  family: Type.String(),
  parent: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  /** Attribute codes (and `family`, `parent`, `categories`) whose content changed. */
  changed: Type.Array(Type.String()),
});
export type ProductUpdatedData = Static<typeof ProductUpdatedData>;

export const ProductRetiredData = Type.Object({
  productId: Type.String(),
  sku: Type.String({ minLength: 1 }),
  channel: Type.String(),
  locale: Type.String(),
  version: Type.Integer({ minimum: 1 }),
});
export type ProductRetiredData = Static<typeof ProductRetiredData>;

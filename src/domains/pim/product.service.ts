import type { Static } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { newId } from '../../kernel/ids.js';
import { money } from '../../kernel/money.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { MoneySchema } from '../../model/money.js';
import { PimErrors } from './errors.js';
import { ProductPublished } from './events.js';
import type { PimProductRow } from './schema.js';

export const PublishProductInput = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    price: MoneySchema,
  },
  { additionalProperties: false },
);
export type PublishProductInput = Static<typeof PublishProductInput>;

export interface Product {
  id: string;
  sku: string;
  title: string;
  price: { amount: number; currency: string };
  status: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

function toProduct(r: PimProductRow): Product {
  return {
    id: r.id,
    sku: r.sku,
    title: r.title,
    price: { amount: Number(r.price_amount), currency: r.price_currency },
    status: r.status,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The walking skeleton's slice of the PIM: create-or-update a product by SKU and publish it. The
 * full PIM (families, variants, locales, approval workflow …) replaces this in its own issue.
 */
export function createProductService({ store, bus, clock, audit }: DomainDeps) {
  return {
    async publish(input: PublishProductInput): Promise<Product> {
      const price = money(input.price.amount, input.price.currency);
      return store.tx(async (tx) => {
        const before = (await tx
          .selectFrom('pim_products')
          .selectAll()
          .where('sku', '=', input.sku)
          .executeTakeFirst()) as PimProductRow | undefined;
        const now = clock.now().toISOString();
        const row: PimProductRow = {
          id: before?.id ?? newId('prd'),
          sku: input.sku,
          title: input.title,
          price_amount: price.amount,
          price_currency: price.currency,
          status: 'published',
          version: (before ? Number(before.version) : 0) + 1,
          created_at: before?.created_at ?? now,
          updated_at: now,
        };
        if (before) {
          await tx.updateTable('pim_products').set(row).where('id', '=', row.id).execute();
        } else {
          await tx.insertInto('pim_products').values(row).execute();
        }
        await bus.append(tx, [
          ProductPublished.input(
            row.id,
            { productId: row.id, sku: row.sku, title: row.title, price, version: row.version },
            { aggregateVersion: row.version },
          ),
        ]);
        const product = toProduct(row);
        await audit.record(tx, {
          action: 'pim.product.publish',
          target: row.id,
          before: before ? toProduct(before) : undefined,
          after: product,
        });
        return product;
      });
    },

    async get(id: string): Promise<Product> {
      const row = await store.db
        .selectFrom('pim_products')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw PimErrors.PRODUCT_NOT_FOUND.create(`product ${id} does not exist`, { id });
      return toProduct(row as PimProductRow);
    },
  };
}

export type ProductService = ReturnType<typeof createProductService>;

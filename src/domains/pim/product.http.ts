import { Type } from '@sinclair/typebox';
import type { HttpPlugin } from '../../kernel/ports/http.js';
import { MoneySchema } from '../../model/money.js';
import { type ProductService, PublishProductInput } from './product.service.js';

const ProductSchema = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  title: Type.String(),
  price: MoneySchema,
  status: Type.String(),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export function productRoutes(products: ProductService): HttpPlugin {
  return {
    name: 'pim',
    prefix: '/api/v1/pim',
    register(app, h) {
      app.post<{ Body: PublishProductInput }>(
        '/products',
        {
          config: h.idempotentCreate('pim:write'),
          schema: {
            summary: 'Create or update a product by SKU and publish it to the channels',
            tags: ['pim'],
            body: PublishProductInput,
            response: { 201: ProductSchema, ...h.problems(400) },
          },
        },
        async (req, reply) => {
          const product = await products.publish(req.body);
          return reply.code(201).send(product);
        },
      );
      app.get<{ Params: { id: string } }>(
        '/products/:id',
        {
          config: h.requireScopes('pim:read'),
          schema: {
            summary: 'A product',
            tags: ['pim'],
            params: Type.Object({ id: Type.String() }),
            response: { 200: ProductSchema, ...h.problems(404) },
          },
        },
        async (req) => products.get(req.params.id),
      );
    },
  };
}

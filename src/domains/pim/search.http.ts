import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { CODE_PATTERN } from './catalog.schemas.js';
import { ProductSchema } from './pim.schemas.js';
import type { PimServices } from './pim.services.js';
import { ProductSearchQuery } from './search.service.js';
import { STATUSES } from './workflow.service.js';

/**
 * Product search: the full query (attribute filters nest, so it is a POST body) and a plain GET
 * list for the common filters.
 */

const tags = ['pim'];
const SearchResult = Type.Object({
  items: Type.Array(ProductSchema),
  next: Type.Union([Type.String(), Type.Null()]),
});

const ListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 200 })),
  family: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
  category: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
  status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

export function registerSearchRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  app.post<{ Body: ProductSearchQuery }>(
    '/products/search',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary:
          'Search products: full text, family, category (with descendants), status, completeness, attribute values',
        tags,
        body: ProductSearchQuery,
        response: { 200: SearchResult, ...h.problems(400) },
      },
    },
    async (req) => pim.search.search(req.body),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/products',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: 'List products (cursor pagination); POST /products/search for every filter',
        tags,
        querystring: ListQuery,
        response: { 200: SearchResult, ...h.problems(400) },
      },
    },
    async (req) => {
      const { family, status, ...rest } = req.query;
      return pim.search.search({
        ...rest,
        ...(family ? { family: [family] } : {}),
        ...(status ? { status: [status] } : {}),
      });
    },
  );
}

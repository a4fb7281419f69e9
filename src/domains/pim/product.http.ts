import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { ProductInputSchema, SKU_PATTERN } from './catalog.schemas.js';
import type { ProductInput } from './catalog.types.js';
import {
  CommentBody,
  CommentSchema,
  CompletenessSchema,
  IdParams,
  IfMatchHeaders,
  Items,
  ListingSchema,
  ProductSchema,
  ProductVersionSchema,
  SkuParams,
  VersionParams,
  WorkflowEntrySchema,
} from './pim.schemas.js';
import type { PimServices } from './pim.services.js';
import type { Product } from './product.service.js';

/**
 * Products: create, full replace, merge, reads, versions and restore, and what hangs off one
 * product (completeness, listings, workflow history, comments). Every product response carries
 * `ETag: "<version>"`; PUT and PATCH honour `If-Match` with it (409 PIM_VERSION_CONFLICT when the
 * product moved on), so two editors cannot silently overwrite each other.
 */

const tags = ['pim'];
type IdReq<B = unknown> = { Params: { id: string }; Body: B; Headers: { 'if-match'?: string } };

/** PUT: the whole content. The SKU identifies the product and may be repeated, never changed. */
const ReplaceBody = Type.Object(
  { ...ProductInputSchema.properties, sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })) },
  { additionalProperties: false },
);
type ReplaceBody = Omit<ProductInput, 'sku'> & { sku?: string };

/** PATCH: the attributes given replace theirs (an empty list clears one); the rest stays. */
const PatchBody = Type.Object(
  {
    family: Type.Optional(ProductInputSchema.properties.family),
    parent: ProductInputSchema.properties.parent,
    categories: ProductInputSchema.properties.categories,
    values: Type.Optional(ProductInputSchema.properties.values),
  },
  { additionalProperties: false, minProperties: 1 },
);
type PatchBody = Partial<Omit<ProductInput, 'sku'>>;

function sendProduct(reply: FastifyReply, product: Product, status = 200): FastifyReply {
  return reply.code(status).header('etag', `"${product.version}"`).send(product);
}

/** `If-Match: "7"` → 7; `*` (any current version) or no header → no check. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  return Number(header.slice(1, -1));
}

export function registerProductRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  const { products, workflow } = pim;
  const read = h.requireScopes('pim:read');

  app.post<{ Body: ProductInput }>(
    '/products',
    {
      config: h.ownedWrite('pim', { idempotent: true }),
      schema: {
        summary: 'Create a product (a draft at version 1)',
        description:
          'Writing needs `pim:write` (403 OWNERSHIP_VIOLATION otherwise, audited). 422 PIM_PRODUCT_INVALID ' +
          'lists every problem in `errors` (`field`, `code`, `message`); 409 PIM_SKU_TAKEN.',
        tags,
        body: ProductInputSchema,
        response: { 201: ProductSchema, ...h.problems(403, 409, 422) },
      },
    },
    async (req, reply) => sendProduct(reply, await products.create(req.body), 201),
  );
  app.get<IdReq>(
    '/products/:id',
    {
      config: read,
      schema: {
        summary: 'A product',
        tags,
        params: IdParams,
        response: { 200: ProductSchema, ...h.problems(404) },
      },
    },
    async (req, reply) => sendProduct(reply, await products.get(req.params.id)),
  );
  app.get<{ Params: { sku: string } }>(
    '/products/by-sku/:sku',
    {
      config: read,
      schema: {
        summary: 'A product by SKU',
        tags,
        params: SkuParams,
        response: { 200: ProductSchema, ...h.problems(404) },
      },
    },
    async (req, reply) => sendProduct(reply, await products.getBySku(req.params.sku)),
  );
  app.put<IdReq<ReplaceBody>>(
    '/products/:id',
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: "Replace a product's content",
        description:
          'Send `If-Match` with the ETag of the version the edit is based on to refuse (409 ' +
          'PIM_VERSION_CONFLICT) overwriting a newer one. An identical content makes no new version.',
        tags,
        params: IdParams,
        headers: IfMatchHeaders,
        body: ReplaceBody,
        response: { 200: ProductSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { sku, ...content } = req.body;
      if (sku !== undefined && sku !== (await products.get(req.params.id)).sku)
        throw KernelErrors.VALIDATION_FAILED.create('the SKU of a product cannot change', {
          errors: [{ path: '/body/sku', message: "must equal the product's SKU" }],
        });
      const { product } = await products.replace(
        req.params.id,
        content,
        expectedVersion(req.headers['if-match']),
      );
      return sendProduct(reply, product);
    },
  );
  app.patch<IdReq<PatchBody>>(
    '/products/:id',
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: 'Merge changes into a product',
        description:
          'The attributes in `values` replace their entries (an empty list clears one); others stay. ' +
          '`If-Match` as for PUT.',
        tags,
        params: IdParams,
        headers: IfMatchHeaders,
        body: PatchBody,
        response: { 200: ProductSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const { product } = await products.patch(
        req.params.id,
        req.body,
        expectedVersion(req.headers['if-match']),
      );
      return sendProduct(reply, product);
    },
  );
  app.get<IdReq>(
    '/products/:id/completeness',
    {
      config: read,
      schema: {
        summary: 'Completeness per channel × locale',
        tags,
        params: IdParams,
        response: { 200: Items(CompletenessSchema), ...h.problems(404) },
      },
    },
    async (req) => ({ items: await products.completeness(req.params.id) }),
  );
  app.get<IdReq>(
    '/products/:id/versions',
    {
      config: read,
      schema: {
        summary: 'Every version of the product with its diff, newest first',
        tags,
        params: IdParams,
        response: { 200: Items(ProductVersionSchema), ...h.problems(404) },
      },
    },
    async (req) => ({ items: await products.versions(req.params.id) }),
  );
  app.post<{ Params: { id: string; version: number } }>(
    '/products/:id/versions/:version/restore',
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: 'Restore the content of an earlier version, as a new version',
        tags,
        params: VersionParams,
        response: { 200: ProductSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req, reply) =>
      sendProduct(reply, (await products.restore(req.params.id, req.params.version)).product),
  );
  app.get<IdReq>(
    '/products/:id/listings',
    {
      config: read,
      schema: {
        summary: 'The listings published to channels (per channel × locale)',
        tags,
        params: IdParams,
        response: { 200: Items(ListingSchema), ...h.problems(404) },
      },
    },
    async (req) => {
      await products.get(req.params.id);
      return { items: await workflow.listings(req.params.id) };
    },
  );
  app.get<IdReq>(
    '/products/:id/workflow',
    {
      config: read,
      schema: {
        summary: "The product's workflow history: who moved it where, when, with what comment",
        tags,
        params: IdParams,
        response: { 200: Items(WorkflowEntrySchema), ...h.problems(404) },
      },
    },
    async (req) => {
      await products.get(req.params.id);
      return { items: await workflow.history(req.params.id) };
    },
  );
  app.get<IdReq>(
    '/products/:id/comments',
    {
      config: read,
      schema: {
        summary: "The product's comments, oldest first",
        tags,
        params: IdParams,
        response: { 200: Items(CommentSchema), ...h.problems(404) },
      },
    },
    async (req) => {
      await products.get(req.params.id);
      return { items: await workflow.comments(req.params.id) };
    },
  );
  app.post<IdReq<{ body: string }>>(
    '/products/:id/comments',
    {
      config: h.ownedWrite('pim', { idempotent: true }),
      schema: {
        summary: 'Comment on a product',
        tags,
        params: IdParams,
        body: CommentBody,
        response: { 201: CommentSchema, ...h.problems(403, 404, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await workflow.comment(req.params.id, req.body.body)),
  );
}

import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { ErpServices } from './erp.services.js';
import {
  ItemSchema,
  ItemsBody,
  LevelQuery,
  LevelSchema,
  MovementQuery,
  MovementSchema,
  Page,
  PostBody,
  PostResultSchema,
  SettingsBody,
  VerifyReportSchema,
} from './ledger.schemas.js';
import type { StockSetting } from './ledger.service.js';
import type { MovementInput } from './ledger.types.js';
import { SKU_PATTERN } from './ledger.validate.js';

/** The inventory ledger: movements (post, list), levels, stock settings, known SKUs, verification. */

const tags = ['erp'];

export function registerLedgerRoutes(app: FastifyInstance, h: HttpHelpers, erp: ErpServices): void {
  const read = h.requireScopes('erp:read');
  const { ledger } = erp;

  app.post<{ Body: { movements: MovementInput[] } }>(
    '/movements',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary: 'Post inventory movements (a batch, atomic)',
        description:
          'Every movement is applied, in order, or none is. A `reference` posted before with the same ' +
          'content is a no-op returning the original (`duplicate: true`); 201 when something was ' +
          'written, 200 when every movement was a repeat. 422 ERP_MOVEMENT_INVALID, 409 ' +
          'ERP_INSUFFICIENT_STOCK and 409 ERP_REFERENCE_CONFLICT list every refused movement in ' +
          '`errors` (`field` = `movements[i].…`).',
        tags,
        body: PostBody,
        response: {
          200: Type.Object({ items: Type.Array(PostResultSchema) }),
          201: Type.Object({ items: Type.Array(PostResultSchema) }),
          ...h.problems(403, 409, 422),
        },
      },
    },
    async (req, reply) => {
      const items = await ledger.post(req.body.movements);
      return reply.code(items.every((m) => m.duplicate) ? 200 : 201).send({ items });
    },
  );
  app.get<{ Querystring: Static<typeof MovementQuery> }>(
    '/movements',
    {
      config: read,
      schema: {
        summary: 'Movements with their entries, in ledger order (cursor pagination)',
        tags,
        querystring: MovementQuery,
        response: { 200: Page(MovementSchema) },
      },
    },
    async (req) => ledger.movements(req.query),
  );
  app.get<{ Querystring: Static<typeof LevelQuery> }>(
    '/levels',
    {
      config: read,
      schema: {
        summary: 'Stock levels: of a SKU at every location, of a location by SKU, or one SKU × location',
        description:
          'Give `sku`, `location` or both. Paged by location (with `sku`) or by SKU (with `location`).',
        tags,
        querystring: LevelQuery,
        response: { 200: Page(LevelSchema), ...h.problems(404) },
      },
    },
    async (req) => {
      if (!req.query.sku && !req.query.location)
        throw KernelErrors.VALIDATION_FAILED.create('give sku, location or both', {
          errors: [{ path: '/querystring/sku', message: 'give sku, location or both' }],
        });
      return ledger.levels(req.query);
    },
  );
  app.put<{ Body: { items: StockSetting[] } }>(
    '/settings',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Set safety stock and backorders per SKU × location',
        description:
          'Settings, not stock: nothing is posted. 422 ERP_SETTINGS_INVALID for unknown locations.',
        tags,
        body: SettingsBody,
        response: { 200: Type.Object({ items: Type.Array(LevelSchema) }), ...h.problems(403, 422) },
      },
    },
    async (req) => ({ items: await ledger.putSettings(req.body.items) }),
  );
  app.put<{ Body: { skus: string[] } }>(
    '/items',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Register SKUs with the ERP',
        description:
          'Movements other than receipts, expected inbound, counts and adjustments need a known SKU.',
        tags,
        body: ItemsBody,
        response: { 200: Type.Object({ registered: Type.Integer() }), ...h.problems(403) },
      },
    },
    async (req) => ledger.registerItems(req.body.skus),
  );
  app.get<{ Params: { sku: string } }>(
    '/items/:sku',
    {
      config: read,
      schema: {
        summary: 'A SKU known to the ERP',
        tags,
        params: Type.Object({
          sku: Type.String({ pattern: SKU_PATTERN, description: 'URL-encode a `/` as `%2F`' }),
        }),
        response: { 200: ItemSchema, ...h.problems(404) },
      },
    },
    async (req) => ledger.item(req.params.sku),
  );
  app.get<{ Querystring: { sku?: string } }>(
    '/verify',
    {
      config: read,
      schema: {
        summary: 'Recompute levels from the postings and report any drift',
        description:
          '`ok: false` lists each level that differs from the sum of its postings (or reserved from the active ' +
          'reservations, inbound from the open inbound lines) and any movement whose entries do not sum to zero.',
        tags,
        querystring: Type.Object({ sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })) }),
        response: { 200: VerifyReportSchema },
      },
    },
    async (req) => ledger.verify(req.query),
  );
}

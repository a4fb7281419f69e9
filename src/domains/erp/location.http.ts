import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { ErpServices } from './erp.services.js';
import { Page } from './ledger.schemas.js';
import {
  CodeParams,
  LocationInputSchema,
  LocationQuery,
  LocationReplaceSchema,
  LocationSchema,
} from './location.schemas.js';
import type { LocationInput } from './location.validate.js';

/** Locations: create, read, list, replace, delete. */

const tags = ['erp'];
type CodeReq<B = unknown> = { Params: { code: string }; Body: B };

export function registerLocationRoutes(app: FastifyInstance, h: HttpHelpers, erp: ErpServices): void {
  const read = h.requireScopes('erp:read');
  const { locations } = erp;

  app.post<{ Body: LocationInput }>(
    '/locations',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary: 'Create a location (warehouse, store, 3PL, drop-ship supplier)',
        description:
          '422 ERP_LOCATION_INVALID lists every problem in `errors` (`field`, `code`, `message`); ' +
          '409 ERP_LOCATION_EXISTS when the code is taken.',
        tags,
        body: LocationInputSchema,
        response: { 201: LocationSchema, ...h.problems(403, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await locations.create(req.body)),
  );
  app.get<{ Querystring: Static<typeof LocationQuery> }>(
    '/locations',
    {
      config: read,
      schema: {
        summary: 'List locations by code (cursor pagination)',
        tags,
        querystring: LocationQuery,
        response: { 200: Page(LocationSchema) },
      },
    },
    async (req) => locations.list(req.query),
  );
  app.get<CodeReq>(
    '/locations/:code',
    {
      config: read,
      schema: {
        summary: 'A location',
        tags,
        params: CodeParams,
        response: { 200: LocationSchema, ...h.problems(404) },
      },
    },
    async (req) => locations.get(req.params.code),
  );
  app.put<CodeReq<Static<typeof LocationReplaceSchema>>>(
    '/locations/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: "Replace a location's description",
        description:
          'The code cannot change. Deactivating (`status: inactive`) takes it out of every channel’s ATP.',
        tags,
        params: CodeParams,
        body: LocationReplaceSchema,
        response: { 200: LocationSchema, ...h.problems(403, 404, 422) },
      },
    },
    async (req) => {
      const { code, ...rest } = req.body;
      if (code !== undefined && code !== req.params.code)
        throw KernelErrors.VALIDATION_FAILED.create('the code of a location cannot change', {
          errors: [{ path: '/body/code', message: "must equal the location's code" }],
        });
      return locations.replace(req.params.code, rest as Omit<LocationInput, 'code'>);
    },
  );
  app.delete<CodeReq>(
    '/locations/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Delete a location nothing refers to',
        description:
          '409 ERP_LOCATION_IN_USE once stock has moved there or a channel sells from it: deactivate it instead.',
        tags,
        params: CodeParams,
        response: { 204: Type.Null(), ...h.problems(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await locations.remove(req.params.code);
      return reply.code(204).send();
    },
  );
}

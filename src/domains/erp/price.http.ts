import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import {
  CodeParams,
  PriceListInputSchema,
  PriceListsSchema,
  ResolveBodySchema,
  ResolveResponseSchema,
  StoredPriceListSchema,
} from './price.schemas.js';
import type { PriceService, StoredPriceList } from './price.service.js';
import type { PriceList } from './price.types.js';

/**
 * Price lists (create or replace, read, delete) and price resolution. Every list response carries
 * `ETag: "<version>"`; PUT and DELETE honour `If-Match` with it (409
 * ERP_PRICE_LIST_VERSION_CONFLICT when the list moved on), so two merchandisers cannot silently
 * overwrite each other.
 */

const tags = ['erp'];
type CodeReq<B = unknown> = { Params: { code: string }; Body: B; Headers: { 'if-match'?: string } };

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      pattern: '^(\\*|"[0-9]{1,15}")$',
      description: 'The ETag of the version the change is based on; `"0"`: the list must not exist yet',
    }),
  ),
});

/** `If-Match: "7"` → 7; `*` (any current version) or no header → no check. */
export function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined || header === '*') return undefined;
  return Number(header.slice(1, -1));
}

function sendList(reply: FastifyReply, stored: StoredPriceList): FastifyReply {
  return reply.header('etag', `"${stored.version}"`).send(stored);
}

type ResolveBody = Static<typeof ResolveBodySchema>;

export function registerPriceRoutes(app: FastifyInstance, h: HttpHelpers, prices: PriceService): void {
  const read = h.requireScopes('erp:read');

  app.get(
    '/price-lists',
    {
      config: read,
      schema: {
        summary: 'Price lists, without their entries (`entryCount` says how many)',
        tags,
        response: { 200: PriceListsSchema },
      },
    },
    async () => prices.list(),
  );
  app.get<CodeReq>(
    '/price-lists/:code',
    {
      config: read,
      schema: {
        summary: 'A price list with its entries',
        tags,
        params: CodeParams,
        response: { 200: StoredPriceListSchema, ...h.problems(404) },
      },
    },
    async (req, reply) => sendList(reply, await prices.get(req.params.code)),
  );
  app.put<CodeReq<Static<typeof PriceListInputSchema>>>(
    '/price-lists/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Create or replace a price list',
        description:
          'The whole list (a replace drops entries not sent). 422 ERP_PRICE_LIST_INVALID lists every ' +
          'problem in `errors` (`field` such as `entries[3].breaks[0].minQuantity`; problems the change ' +
          'would cause in lists inheriting from this one as `lists.<code>.parent.code`); nothing is ' +
          'written. `If-Match` with the ETag of the version the change is based on refuses (409 ' +
          'ERP_PRICE_LIST_VERSION_CONFLICT) overwriting a newer one; `If-Match: "0"` only creates. ' +
          'The same content again makes no new version. Writing needs `erp:write` (403 ' +
          'OWNERSHIP_VIOLATION, audited).',
        tags,
        params: CodeParams,
        headers: IfMatchHeaders,
        body: PriceListInputSchema,
        response: { 200: StoredPriceListSchema, ...h.problems(400, 403, 409, 422) },
      },
    },
    async (req, reply) => {
      const { code } = req.params;
      if (req.body.code != null && req.body.code !== code)
        throw KernelErrors.VALIDATION_FAILED.create(`body code "${req.body.code}" differs from the path's`, {
          errors: [{ path: '/body/code', message: 'must equal the code in the path' }],
        });
      const list = { ...req.body, code } as PriceList;
      return sendList(
        reply,
        await prices.put(list, { expectedVersion: expectedVersion(req.headers['if-match']) }),
      );
    },
  );
  app.delete<CodeReq>(
    '/price-lists/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Delete a price list',
        description:
          '409 ERP_PRICE_LIST_IN_USE while another list inherits from it (`children` names them); ' +
          '`If-Match` as for PUT.',
        tags,
        params: CodeParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Deleted' }), ...h.problems(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await prices.delete(req.params.code, { expectedVersion: expectedVersion(req.headers['if-match']) });
      return reply.code(204).send();
    },
  );
  app.post<{ Body: ResolveBody }>(
    '/prices/resolve',
    {
      config: read,
      schema: {
        summary: 'Prices of lines for a channel, currency, customer group and instant (no effects)',
        description:
          'Each line comes back in order, as a price (`found: true`: the winning list, the entry and ' +
          'break it comes from, inheritance adjustments) or a miss (`found: false`, code ' +
          'ERP_PRICE_NOT_FOUND) with an explanation of every candidate list. `explain: true` explains ' +
          'prices too. `at` defaults to now. 422 ERP_PRICE_QUERY_INVALID lists every malformed field.',
        tags,
        body: ResolveBodySchema,
        response: { 200: ResolveResponseSchema, ...h.problems(422) },
      },
    },
    async (req) => {
      const { channel, currency, customerGroup, at, lines, explain } = req.body;
      const context = {
        channel,
        currency,
        ...(customerGroup != null ? { customerGroup } : {}),
        ...(at != null ? { at } : {}),
      };
      const batch = await prices.resolveMany(context, lines, { explain: explain === true });
      const priced = batch.lines.filter((l) => l.found).length;
      return {
        channel,
        currency,
        ...(customerGroup != null ? { customerGroup } : {}),
        at: batch.at,
        revision: batch.revision,
        priced,
        missing: batch.lines.length - priced,
        lines: batch.lines,
      };
    },
  );
}

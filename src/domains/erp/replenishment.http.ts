import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { Page } from './ledger.schemas.js';
import {
  type BacktestRequest,
  BacktestRequestSchema,
  BacktestResultSchema,
  LocationSchema,
  POLICY_KINDS,
  type ReplenishmentPolicy,
  type ReplenishmentPolicyInput,
  ReplenishmentPolicyInputSchema,
  ReplenishmentPolicySchema,
  SkuSchema,
  type SuggestionRequest,
  SuggestionRequestSchema,
  SuggestionResultSchema,
} from './replenishment.schemas.js';
import type { ReplenishmentService } from './replenishment.service.js';

/**
 * Replenishment over REST: policies per SKU × location, suggestion runs and forecast backtests.
 * Reads (and a suggestion run that creates nothing) need `erp:read`; policy writes are
 * `ownedWrite('erp')`, and `createDrafts` is refused by the service without `erp:write`.
 */

const tags = ['erp'];
const KeyParams = Type.Object({ sku: SkuSchema, location: LocationSchema });
type Key = Static<typeof KeyParams>;
const ListQuery = Type.Object({
  sku: Type.Optional(SkuSchema),
  location: Type.Optional(LocationSchema),
  supplier: Type.Optional(Type.String({ maxLength: 64 })),
  kind: Type.Optional(Type.Union(POLICY_KINDS.map((k) => Type.Literal(k)))),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ pattern: '^(W/)?"?\\d+"?$' })) });

/** The policy, with its version as the ETag. */
const withEtag = (reply: FastifyReply, p: ReplenishmentPolicy) => {
  reply.header('etag', `"${p.version}"`);
  return p;
};

export function registerReplenishmentRoutes(
  app: FastifyInstance,
  h: HttpHelpers,
  replenishment: ReplenishmentService,
): void {
  const read = h.requireScopes('erp:read');
  const write = h.ownedWrite('erp');

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/replenishment/policies',
    {
      config: read,
      schema: {
        summary: 'Replenishment policies (cursor pagination)',
        tags,
        querystring: ListQuery,
        response: { 200: Page(ReplenishmentPolicySchema) },
      },
    },
    async (req) => replenishment.listPolicies(req.query),
  );
  app.get<{ Params: Key }>(
    '/replenishment/policies/:sku/:location',
    {
      config: read,
      schema: {
        summary: 'The replenishment policy of a SKU at a location (ETag: its version)',
        tags,
        params: KeyParams,
        response: { 200: ReplenishmentPolicySchema, ...h.problems(404) },
      },
    },
    async (req, reply) => withEtag(reply, await replenishment.getPolicy(req.params.sku, req.params.location)),
  );
  app.put<{ Params: Key; Body: ReplenishmentPolicyInput; Headers: Static<typeof IfMatch> }>(
    '/replenishment/policies/:sku/:location',
    {
      config: write,
      schema: {
        summary: 'Create or replace the replenishment policy of a SKU at a location',
        description:
          '422 ERP_REPLENISHMENT_POLICY_INVALID lists every problem (unknown SKU, location or supplier, ' +
          'fields of another kind, min above max…) and nothing is written. `If-Match: "<version>"` ' +
          'makes the replacement conditional (412 ERP_REPLENISHMENT_POLICY_VERSION_MISMATCH).',
        tags,
        params: KeyParams,
        headers: IfMatch,
        body: ReplenishmentPolicyInputSchema,
        response: { 200: ReplenishmentPolicySchema, ...h.problems(400, 403, 412, 422) },
      },
    },
    async (req, reply) => {
      const match = req.headers['if-match'];
      const ifMatch = match === undefined ? undefined : Number(match.replace(/\D/g, ''));
      const { sku, location } = req.params;
      return withEtag(reply, await replenishment.putPolicy(sku, location, req.body, { ifMatch }));
    },
  );
  app.delete<{ Params: Key }>(
    '/replenishment/policies/:sku/:location',
    {
      config: write,
      schema: {
        summary: 'Delete the replenishment policy of a SKU at a location',
        tags,
        params: KeyParams,
        response: { 204: Type.Null(), ...h.problems(403, 404) },
      },
    },
    async (req, reply) => {
      await replenishment.deletePolicy(req.params.sku, req.params.location);
      return reply.code(204).send();
    },
  );

  app.post<{ Body: SuggestionRequest }>(
    '/replenishment/suggestions',
    {
      // A run that only suggests is a read; `createDrafts` needs erp:write (checked by the service).
      config: h.idempotentCreate('erp:read'),
      schema: {
        summary: 'Suggested purchase orders from the replenishment policies, each line explained',
        description:
          'One suggested purchase order per supplier × location. `createDrafts: true` creates them as ' +
          'draft purchase orders numbered `<runReference>-<supplier>-<location>`; repeating the run ' +
          'finds them (`created: false`). Policies whose history cannot support their forecast are ' +
          'listed in `skipped` with the error code.',
        tags,
        body: SuggestionRequestSchema,
        response: { 200: SuggestionResultSchema, ...h.problems(400, 403, 409, 422) },
      },
    },
    async (req) => replenishment.suggest(req.body ?? {}),
  );
  app.post<{ Body: BacktestRequest }>(
    '/replenishment/backtest',
    {
      config: read,
      schema: {
        summary: 'Rolling-origin forecast accuracy (MAPE, sMAPE, MAE, RMSE, bias) per SKU × location',
        tags,
        body: BacktestRequestSchema,
        response: { 200: BacktestResultSchema, ...h.problems(400, 422) },
      },
    },
    async (req) => replenishment.backtest(req.body ?? {}),
  );
}

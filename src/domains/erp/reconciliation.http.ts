import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { Page } from './ledger.schemas.js';
import {
  AccuracySchema,
  CloseBodySchema,
  ExceptionListQuery,
  ExceptionSchema,
  type ReportInputBody,
  ReportInputSchema,
  RunDetailQuery,
  RunDetailSchema,
  RunListQuery,
  RunSchema,
} from './reconciliation.schemas.js';
import type { ReconciliationService } from './reconciliation.service.js';

/**
 * Inventory reconciliation over REST: sources submit reports, operators read runs, accuracy and
 * exceptions and close exceptions. Reads need `erp:read`; writes are `ownedWrite('erp')`.
 */

const tags = ['erp'];
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function registerReconciliationRoutes(
  app: FastifyInstance,
  h: HttpHelpers,
  reconciliation: ReconciliationService,
): void {
  const read = h.requireScopes('erp:read');
  const write = h.ownedWrite('erp');
  const create = h.ownedWrite('erp', { idempotent: true });

  app.post<{ Body: ReportInputBody }>(
    '/reconciliation/runs',
    {
      config: create,
      schema: {
        summary: "Reconcile a channel's or connector's report of quantities against the ERP",
        description:
          'Lines `{ sku, location | channel, quantity }` (up to 10,000): `available` per location or ATP per ' +
          'channel. Matching lines count towards accuracy; drifted ones are healed (the truth is ' +
          're-published); lines still drifting after `exceptionAfterRuns` runs open an exception. ' +
          '422 ERP_RECONCILIATION_REPORT_INVALID lists every problem and nothing is written.',
        tags,
        body: ReportInputSchema,
        response: { 201: RunSchema, ...h.problems(400, 403, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await reconciliation.submit(req.body)),
  );
  app.get<{ Querystring: Static<typeof RunListQuery> }>(
    '/reconciliation/runs',
    {
      config: read,
      schema: {
        summary: 'Reconciliation runs, newest first (cursor pagination)',
        tags,
        querystring: RunListQuery,
        response: { 200: Page(RunSchema) },
      },
    },
    async (req) => reconciliation.listRuns(req.query),
  );
  app.get<{ Params: { id: string }; Querystring: Static<typeof RunDetailQuery> }>(
    '/reconciliation/runs/:id',
    {
      config: read,
      schema: {
        summary: 'A reconciliation run with a page of its per-line differences',
        tags,
        params: IdParams,
        querystring: RunDetailQuery,
        response: { 200: RunDetailSchema, ...h.problems(404) },
      },
    },
    async (req) => reconciliation.getRun(req.params.id, req.query),
  );
  app.get(
    '/reconciliation/accuracy',
    {
      config: read,
      schema: {
        summary: 'Inventory accuracy: the latest run of every source, and overall',
        tags,
        response: { 200: AccuracySchema },
      },
    },
    async () => reconciliation.accuracy(),
  );
  app.get<{ Querystring: Static<typeof ExceptionListQuery> }>(
    '/reconciliation/exceptions',
    {
      config: read,
      schema: {
        summary: 'Reconciliation exceptions, newest first, by status, source and SKU',
        tags,
        querystring: ExceptionListQuery,
        response: { 200: Page(ExceptionSchema) },
      },
    },
    async (req) => reconciliation.listExceptions(req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/reconciliation/exceptions/:id',
    {
      config: read,
      schema: {
        summary: 'A reconciliation exception',
        tags,
        params: IdParams,
        response: { 200: ExceptionSchema, ...h.problems(404) },
      },
    },
    async (req) => reconciliation.getException(req.params.id),
  );
  for (const kind of ['resolve', 'ignore'] as const)
    app.post<{ Params: { id: string }; Body: Static<typeof CloseBodySchema> }>(
      `/reconciliation/exceptions/:id/${kind}`,
      {
        config: write,
        schema: {
          summary:
            kind === 'resolve'
              ? 'Resolve an open reconciliation exception (the cause was fixed)'
              : 'Ignore an open reconciliation exception (the difference is accepted)',
          description:
            'Body `{ "reason": "…" }`; who, when and why are recorded. 409 ' +
            'ERP_RECONCILIATION_EXCEPTION_NOT_OPEN unless it is open. After ignore, later reports of ' +
            'the line off by exactly the ignored difference are accepted (not healed, not escalated); ' +
            'any other drift is healed again before a new exception opens.',
          tags,
          params: IdParams,
          body: CloseBodySchema,
          response: { 200: ExceptionSchema, ...h.problems(400, 403, 404, 409) },
        },
      },
      async (req) => reconciliation[kind](req.params.id, req.body.reason),
    );
}

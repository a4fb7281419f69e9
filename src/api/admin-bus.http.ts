import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KernelErrors } from '../kernel/errors.js';
import type { AuditInput, AuditLog } from '../kernel/ports/audit.js';
import type { BusAdmin, DeadLetterStatus, ReplayFrom } from '../kernel/ports/bus.js';
import type { Store } from '../kernel/ports/store.js';
import { DeadLetterSchema, DeadLetterStatusSchema, GroupStatusSchema } from './bus.schemas.js';
import { IdParams, Limit, problemResponses } from './schemas.js';

const DeadLetterQuery = Type.Object({
  group: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(DeadLetterStatusSchema),
  limit: Type.Optional(Limit),
  after: Type.Optional(Type.String({ minLength: 1, description: 'The `next` cursor of the previous page' })),
});

const DiscardBody = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
  { additionalProperties: false },
);

const ReplayBody = Type.Object(
  {
    group: Type.String({ minLength: 1 }),
    fromPosition: Type.Optional(Type.Integer({ minimum: 0 })),
    fromTime: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false, description: 'Give exactly one of fromPosition and fromTime' },
);

interface Deps {
  admin: BusAdmin;
  audit: AuditLog;
  store: Store;
}

/**
 * Consumer groups, dead letters and replay (scope `admin`), coded against the BusAdmin port. The
 * bus records who retried or discarded a dead letter itself; the audit entry is written right after
 * the bus accepted the action, in a transaction of its own (the port's admin calls are not
 * transaction-bound), so an action is never audited that did not happen.
 */
export function registerAdminBus(app: FastifyInstance, { admin, audit, store }: Deps): void {
  const tags = ['admin: bus'];
  const config = { scopes: ['admin'] as const };
  const audited = (request: FastifyRequest, entry: Omit<AuditInput, 'actor' | 'requestId'>) =>
    store.tx((tx) =>
      audit.record(tx, { ...entry, actor: request.principal?.actor ?? 'anonymous', requestId: request.id }),
    );

  app.get(
    '/api/v1/admin/groups',
    {
      config,
      schema: {
        tags,
        summary: 'Consumer groups: position, lag, open dead letters',
        response: { 200: Type.Object({ items: Type.Array(GroupStatusSchema) }) },
      },
    },
    async () => ({ items: await admin.groups() }),
  );

  app.get<{ Querystring: Static<typeof DeadLetterQuery> }>(
    '/api/v1/admin/dead-letters',
    {
      config,
      schema: {
        tags,
        summary: 'Dead letters, newest first; page with after = next',
        querystring: DeadLetterQuery,
        response: {
          200: Type.Object({ items: Type.Array(DeadLetterSchema), next: Type.Optional(Type.String()) }),
        },
      },
    },
    async (request) =>
      admin.deadLetters({ ...request.query, status: request.query.status as DeadLetterStatus | undefined }),
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/v1/admin/dead-letters/:id',
    {
      config,
      schema: {
        tags,
        summary: 'One dead letter',
        params: IdParams,
        response: { 200: DeadLetterSchema, ...problemResponses(404) },
      },
    },
    async (request) => admin.deadLetter(request.params.id),
  );

  app.post<{ Params: Static<typeof IdParams> }>(
    '/api/v1/admin/dead-letters/:id/retry',
    {
      config,
      schema: {
        tags,
        summary: 'Deliver the event to its group again',
        params: IdParams,
        response: { 200: DeadLetterSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const before = await admin.deadLetter(request.params.id);
      const after = await admin.retryDeadLetter(request.params.id, request.principal?.actor ?? 'anonymous');
      await audited(request, { action: 'dlq.retry', target: `dlq:${after.id}`, before, after });
      return after;
    },
  );

  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof DiscardBody> }>(
    '/api/v1/admin/dead-letters/:id/discard',
    {
      config,
      // The body is optional: a bodiless POST counts as `{}`.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Give up on the event (with a reason)',
        params: IdParams,
        body: DiscardBody,
        response: { 200: DeadLetterSchema, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      const before = await admin.deadLetter(request.params.id);
      const after = await admin.discardDeadLetter(
        request.params.id,
        request.principal?.actor ?? 'anonymous',
        request.body.reason,
      );
      await audited(request, { action: 'dlq.discard', target: `dlq:${after.id}`, before, after });
      return after;
    },
  );

  app.post<{ Body: Static<typeof ReplayBody> }>(
    '/api/v1/admin/replay',
    {
      config,
      schema: {
        tags,
        summary: "Re-deliver a group's events from a log position or a time",
        body: ReplayBody,
        response: {
          202: Type.Object({ fromSeq: Type.Integer(), generation: Type.Integer() }),
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const { group, fromPosition, fromTime } = request.body;
      if ((fromPosition === undefined) === (fromTime === undefined)) {
        throw KernelErrors.VALIDATION_FAILED.create('give exactly one of fromPosition and fromTime', {
          errors: [{ path: '/body', message: 'must have exactly one of fromPosition, fromTime' }],
        });
      }
      const from: ReplayFrom = fromPosition !== undefined ? { position: fromPosition } : { time: fromTime! };
      const result = await admin.replay(group, from, request.principal?.actor ?? 'anonymous');
      await audited(request, { action: 'bus.replay', target: `group:${group}`, after: { from, ...result } });
      return reply.code(202).send(result);
    },
  );
}

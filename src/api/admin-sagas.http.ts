import { type Static, Type } from '@sinclair/typebox';
import type { SagaAdmin } from '../flows/runtime/index.js';
import { SAGA_STATUSES } from '../flows/runtime/index.js';
import { currentContext } from '../kernel/context.js';
import type { ApiPlugin } from './plugin.js';
import { Limit } from './schemas.js';

const SagaListQuery = Type.Object({
  status: Type.Optional(Type.Union(SAGA_STATUSES.map((s) => Type.Literal(s)))),
  type: Type.Optional(Type.String({ minLength: 1 })),
  correlationId: Type.Optional(Type.String({ minLength: 1 })),
  after: Type.Optional(Type.String({ minLength: 1 })),
  limit: Type.Optional(Limit),
});

const Loose = Type.Object({}, { additionalProperties: true });

/** Durable flows, for operators (scope `admin`): list, inspect with history, retry a failed one. */
export function sagaAdminPlugin(sagas: SagaAdmin): ApiPlugin {
  return {
    name: 'sagas',
    prefix: '/api/v1/sagas',
    register(app, h) {
      const tags = ['admin: sagas'];
      app.get<{ Querystring: Static<typeof SagaListQuery> }>(
        '/',
        {
          config: h.requireScopes('admin'),
          schema: {
            summary: 'Sagas, newest first (cursor pagination)',
            tags,
            querystring: SagaListQuery,
            response: { 200: Type.Object({ items: Type.Array(Loose), next: Type.Optional(Type.String()) }) },
          },
        },
        async (req) => sagas.list(req.query),
      );
      app.get(
        '/stats',
        {
          config: h.requireScopes('admin'),
          schema: { summary: 'Saga counts by status', tags, response: { 200: Loose } },
        },
        async () => sagas.stats(),
      );
      app.get<{ Params: { id: string } }>(
        '/:id',
        {
          config: h.requireScopes('admin'),
          schema: {
            summary: 'A saga with its full history',
            tags,
            params: Type.Object({ id: Type.String() }),
            response: { 200: Loose, ...h.problems(404) },
          },
        },
        async (req) => sagas.get(req.params.id),
      );
      app.post<{ Params: { id: string } }>(
        '/:id/retry',
        {
          config: h.requireScopes('admin'),
          schema: {
            summary: 'Resume a failed saga (its compensation) with a fresh attempt budget',
            tags,
            params: Type.Object({ id: Type.String() }),
            response: { 200: Loose, ...h.problems(404, 409) },
          },
        },
        async (req) => {
          const actor = currentContext()?.actor ?? 'unknown';
          const saga = await sagas.retry(req.params.id, { actor });
          await h.store.tx((tx) =>
            h.audit.record(tx, { action: 'sagas.retry', target: req.params.id, actor }),
          );
          return saga;
        },
      );
    },
  };
}

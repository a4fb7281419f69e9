import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { EventRegistry } from '../kernel/event-registry.js';
import type { BusAdmin } from '../kernel/ports/bus.js';
import { StoredEventSchema } from './bus.schemas.js';
import { Limit } from './schemas.js';

const EventsQuery = Type.Object({
  correlationId: Type.Optional(Type.String({ minLength: 1 })),
  subject: Type.Optional(Type.String({ minLength: 1 })),
  type: Type.Optional(Type.String({ minLength: 1 })),
  afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Limit),
});

/**
 * The event log (one order's trail by correlation id or subject) and the event type registry as
 * JSON Schema. Both need `admin`: events carry data of every domain.
 */
export function registerEvents(
  app: FastifyInstance,
  deps: { admin?: BusAdmin; registry?: EventRegistry },
): void {
  const tags = ['events'];
  const { admin, registry } = deps;
  if (admin) {
    app.get<{ Querystring: Static<typeof EventsQuery> }>(
      '/api/v1/events',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags,
          summary: 'Events in log order, filtered; page with afterSeq = nextAfterSeq',
          querystring: EventsQuery,
          response: {
            200: Type.Object({
              items: Type.Array(StoredEventSchema),
              nextAfterSeq: Type.Optional(Type.Integer()),
            }),
          },
        },
      },
      async (request) => {
        const limit = request.query.limit ?? 100;
        const items = await admin.events({ ...request.query, limit });
        const last = items.at(-1);
        return items.length === limit && last ? { items, nextAfterSeq: last.seq } : { items };
      },
    );
  }
  if (registry) {
    app.get(
      '/api/v1/events/schemas',
      {
        config: { scopes: ['admin'] },
        schema: {
          tags,
          summary: 'Every registered event type with its JSON Schema',
          response: {
            200: Type.Record(
              Type.String(),
              Type.Object({ source: Type.String(), description: Type.String(), dataschema: Type.Unknown() }),
            ),
          },
        },
      },
      async () => registry.jsonSchemas(),
    );
  }
}

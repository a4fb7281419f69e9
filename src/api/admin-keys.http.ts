import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { ApiKeys } from './auth/api-keys.js';
import { ALL_SCOPES } from './auth/scopes.js';
import { IdParams, problemResponses } from './schemas.js';

export const ApiKeyRecordSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

const CreateKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    // Checked by the service, so an unknown scope is API_SCOPE_INVALID rather than a schema error.
    scopes: Type.Array(Type.String(), {
      minItems: 1,
      maxItems: 50,
      description: `Any of: ${ALL_SCOPES.join(', ')}`,
    }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/**
 * API key administration (scope `admin`). Creating and revoking are audited by the service. Key
 * creation deliberately does not honour Idempotency-Key: the response holds the secret, and a stored
 * response would keep the secret at rest.
 */
export function registerAdminKeys(app: FastifyInstance, keys: ApiKeys): void {
  const tags = ['admin: keys'];
  app.post<{ Body: Static<typeof CreateKeyBody> }>(
    '/api/v1/admin/keys',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags,
        summary: 'Create an API key (the key is in this response only)',
        body: CreateKeyBody,
        response: {
          201: Type.Object({ key: Type.String(), record: ApiKeyRecordSchema }),
          ...problemResponses(400),
        },
      },
    },
    async (request, reply) => {
      const created = await keys.create(request.body);
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.get(
    '/api/v1/admin/keys',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags,
        summary: 'List API keys',
        response: { 200: Type.Object({ items: Type.Array(ApiKeyRecordSchema) }) },
      },
    },
    async () => ({ items: await keys.list() }),
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/api/v1/admin/keys/:id',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: IdParams,
        response: { 200: ApiKeyRecordSchema, ...problemResponses(404) },
      },
    },
    async (request) => keys.revoke(request.params.id),
  );
}

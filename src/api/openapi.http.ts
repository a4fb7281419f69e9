import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from './schemas.js';

/**
 * OpenAPI 3.1 generated from the route schemas, at `/openapi.json`, with Swagger UI at `/docs`.
 * Must be registered before any route: @fastify/swagger collects routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance, info: { version: string }): Promise<void> {
  app.addSchema({ $id: 'Problem', ...ProblemSchema });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keel API',
        version: info.version,
        description: 'Commerce backbone: systems of record, integration hub, durable flows. See docs/api.md.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API key: Authorization: Bearer keel_sk_…' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
}

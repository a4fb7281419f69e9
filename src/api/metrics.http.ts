import type { FastifyInstance } from 'fastify';
import { LATENCY_BUCKETS, type Metrics } from '../observability/metrics.js';

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * `keel_http_request_duration_seconds{method,route,status_code}` for every request, and the
 * Prometheus exposition at `/metrics` (public, like `/healthz`: restrict it at the network edge).
 * `route` is the route pattern (`/api/v1/admin/keys/:id`), never the raw URL, so cardinality stays
 * bounded; unmatched requests share `route="unmatched"`.
 */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  const duration = metrics.histogram({
    name: 'keel_http_request_duration_seconds',
    help: 'HTTP request duration by route, method and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: LATENCY_BUCKETS,
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    duration.observe(labels, reply.elapsedTime / 1000);
    // Probes and scrapes arrive every few seconds: keep them out of the info log.
    const level = QUIET_ROUTES.has(route) ? 'debug' : 'info';
    request.log[level](
      {
        method: request.method,
        route,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        actor: request.operation?.actor,
      },
      'request completed',
    );
  });

  app.get(
    '/metrics',
    {
      config: { public: true },
      schema: { tags: ['health'], summary: 'Prometheus metrics', produces: ['text/plain'] },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()),
  );
}

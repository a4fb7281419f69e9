import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { type Clock, systemClock } from '../kernel/clock.js';
import type { Config } from '../kernel/config.js';
import type { OperationContext } from '../kernel/context.js';
import type { EventRegistry } from '../kernel/event-registry.js';
import type { AuditLog } from '../kernel/ports/audit.js';
import type { EventBus } from '../kernel/ports/bus.js';
import type { Logger } from '../kernel/ports/logger.js';
import type { Store } from '../kernel/ports/store.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { registerAdminAudit } from './admin-audit.http.js';
import { registerAdminBus } from './admin-bus.http.js';
import { registerAdminKeys } from './admin-keys.http.js';
import type { ApiKeys } from './auth/api-keys.js';
import { registerAuth } from './auth/auth.hook.js';
import { registerRequestContext, requestIdFor } from './context.http.js';
import { applyRouteConventions } from './conventions.js';
import { ApiErrors } from './errors.js';
import { registerEvents } from './events.http.js';
import { type ReadinessCheck, registerHealth } from './health.http.js';
import { registerIdempotency } from './idempotency/idempotency.hook.js';
import { createIdempotencyStore } from './idempotency/idempotency.store.js';
import { registerMetrics } from './metrics.http.js';
import { registerOpenApi } from './openapi.http.js';
import { type ApiPlugin, createHelpers } from './plugin.js';
import { registerProblemHandling } from './problem.http.js';
import { RouteTable } from './route-table.js';

export interface ServerDeps {
  config: Readonly<Config>;
  store: Store;
  /** Optional so the HTTP layer can run (and be tested) without a bus: bus routes and check are then absent. */
  bus?: EventBus;
  audit: AuditLog;
  keys: ApiKeys;
  log: Logger;
  /** Defaults to `bus.registry`. */
  registry?: EventRegistry;
  /** The app's metrics registry (shared with the bus and others); a private one if absent. */
  metrics?: Metrics;
  clock?: Clock;
  /** Domain routes, mounted under their prefixes. */
  plugins?: readonly ApiPlugin[];
  /** Beyond the database and the bus, which are always checked. */
  readinessChecks?: readonly ReadinessCheck[];
  /** Shown in the OpenAPI document. */
  version?: string;
}

const PLUGIN_PREFIX = /^\/api\/v1\/[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)*$/;
const PURGE_INTERVAL_MS = 10 * 60_000;
const shutdownFlags = new WeakMap<FastifyInstance, () => void>();

/**
 * The HTTP server: Fastify with request context, API-key auth, problem+json errors, idempotency,
 * metrics, health, OpenAPI, the admin routes and the domains' plugins. Returned ready but not
 * listening (call `listen`, or `inject` in tests).
 */
export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, store, audit, keys, log } = deps;
  const clock = deps.clock ?? systemClock;
  const metrics = deps.metrics ?? createMetrics();
  const registry = deps.registry ?? deps.bus?.registry;
  let shuttingDown = false;
  const isShuttingDown = () => shuttingDown;

  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    // One line per request is written by the metrics hook; log lines carry `requestId`.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdFor,
    bodyLimit: config.api.bodyLimitBytes,
    requestTimeout: config.api.requestTimeoutMs,
    // Fastify's own 503 is not problem+json: requests during shutdown get SHUTTING_DOWN from our hook.
    return503OnClosing: false,
    // Reject unknown properties instead of silently dropping them; report every violation at once.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  shutdownFlags.set(app, () => {
    shuttingDown = true;
  });
  app.decorateRequest('principal', null);
  // Set by the first onRequest hook, before anything reads it.
  app.decorateRequest('operation', null as unknown as OperationContext);
  app.decorateRequest('idempotency', null);

  const routes = new RouteTable();
  app.addHook('onRoute', (route) => {
    routes.add(route.method, route.url);
    applyRouteConventions(route);
    const access = route.config ?? {};
    if (
      route.url.startsWith('/api/') &&
      !access.public &&
      !access.owner &&
      !access.scopes?.length &&
      route.method !== 'HEAD'
    ) {
      log.warn(
        { route: route.url, method: route.method },
        'route declares no scopes: every request will be refused',
      );
    }
  });
  registerProblemHandling(app, routes);
  registerRequestContext(app, isShuttingDown);
  registerAuth(app, keys);
  const idem = createIdempotencyStore({
    store,
    clock,
    lockMs: Math.max(60_000, 2 * config.api.requestTimeoutMs),
  });
  registerIdempotency(app, { store, idem });
  await registerOpenApi(app, { version: deps.version ?? 'dev' });
  registerMetrics(app, metrics);

  const checks: ReadinessCheck[] = [{ name: 'database', check: () => store.ping() }];
  if (deps.bus) checks.push({ name: 'bus', check: () => deps.bus!.ping() });
  registerHealth(app, [...checks, ...(deps.readinessChecks ?? [])], isShuttingDown);

  registerAdminKeys(app, keys);
  registerAdminAudit(app, audit);
  if (deps.bus) registerAdminBus(app, { admin: deps.bus.admin, audit, store });
  registerEvents(app, { admin: deps.bus?.admin, registry });

  const helpers = createHelpers({ store, audit, clock, log, metrics });
  for (const plugin of deps.plugins ?? []) {
    if (!PLUGIN_PREFIX.test(plugin.prefix)) {
      throw ApiErrors.PLUGIN_INVALID.create(
        `plugin "${plugin.name}": prefix "${plugin.prefix}" must be /api/v1/<name>`,
      );
    }
    await app.register(async (scope) => plugin.register(scope, helpers), { prefix: plugin.prefix });
  }

  const purge = setInterval(() => {
    idem.purgeExpired().catch((err) => log.warn({ err: (err as Error).message }, 'idempotency purge failed'));
  }, PURGE_INTERVAL_MS);
  purge.unref();
  app.addHook('preClose', async () => {
    shuttingDown = true;
  });
  app.addHook('onClose', async () => clearInterval(purge));

  await app.ready();
  return app;
}

/**
 * Graceful shutdown: new requests get 503 SHUTTING_DOWN (and readiness fails), the listener stops
 * accepting connections, in-flight requests finish. After `timeoutMs` the remaining connections are
 * cut. Resolves when the server is closed.
 */
export async function closeServer(app: FastifyInstance, timeoutMs: number): Promise<{ timedOut: boolean }> {
  shutdownFlags.get(app)?.();
  let timer: NodeJS.Timeout | undefined;
  const closed = app.close().then(() => 'closed' as const);
  const expired = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([closed, expired]);
  clearTimeout(timer);
  if (outcome === 'closed') return { timedOut: false };
  app.server.closeAllConnections();
  await closed;
  return { timedOut: true };
}

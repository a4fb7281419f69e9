import type { OperationContext } from '../kernel/context.js';
import type { HttpHelpers, HttpPlugin, Scope } from '../kernel/ports/http.js';
import type { Metrics } from '../observability/metrics.js';
import type { IdempotencyHandle } from './idempotency/idempotency.hook.js';
import { problemResponses } from './schemas.js';

/** The authenticated caller of a request. */
export interface Principal {
  keyId: string;
  /** `key:<id>`: the actor in audit entries and the operation context. */
  actor: string;
  scopes: readonly Scope[];
}

export type { RouteAccess } from '../kernel/ports/http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook for authenticated routes; null elsewhere. */
    principal: Principal | null;
    /** The operation context the handler runs in (correlation, trace, request id, actor). */
    operation: OperationContext;
    /** Set on idempotent routes when the request carries an Idempotency-Key. */
    idempotency: IdempotencyHandle | null;
  }
}

/** What the server gives a route plugin: the domain helpers plus the app's metrics. */
export interface ApiHelpers extends HttpHelpers {
  metrics: Metrics;
}

/** Routes mounted by the server under `prefix` (domain plugins implement HttpPlugin). */
export type ApiPlugin = HttpPlugin<ApiHelpers>;

export function createHelpers(
  deps: Omit<ApiHelpers, 'requireScopes' | 'idempotentCreate' | 'ownedWrite' | 'problems'>,
): ApiHelpers {
  return {
    ...deps,
    requireScopes: (...scopes) => ({ scopes }),
    idempotentCreate: (...scopes) => ({ scopes, idempotent: true }),
    ownedWrite: (owner, options) => ({ owner, idempotent: options?.idempotent ?? false }),
    problems: problemResponses,
  };
}

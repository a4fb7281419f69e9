import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import type { OperationContext } from '../kernel/context.js';
import type { AuditLog } from '../kernel/ports/audit.js';
import type { Logger } from '../kernel/ports/logger.js';
import type { Store } from '../kernel/ports/store.js';
import type { Metrics } from '../observability/metrics.js';
import type { Scope } from './auth/scopes.js';
import type { IdempotencyHandle } from './idempotency/idempotency.hook.js';
import { problemResponses } from './schemas.js';

/** The authenticated caller of a request. */
export interface Principal {
  keyId: string;
  /** `key:<id>`: the actor in audit entries and the operation context. */
  actor: string;
  scopes: readonly Scope[];
}

/** What a route declares in its `config` (see `ApiHelpers` for builders). */
export interface RouteAccess {
  /** Scopes the caller needs, all of them. A route under /api/ without scopes is denied (fail closed). */
  scopes?: readonly Scope[];
  /** No API key needed. Only for what must be reachable anonymously. */
  public?: boolean;
  /** POST that creates: honours `Idempotency-Key` (see docs/api.md). */
  idempotent?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {}
  interface FastifyRequest {
    /** Set by the auth hook for authenticated routes; null elsewhere. */
    principal: Principal | null;
    /** The operation context the handler runs in (correlation, trace, request id, actor). */
    operation: OperationContext;
    /** Set on idempotent routes when the request carries an Idempotency-Key. */
    idempotency: IdempotencyHandle | null;
  }
}

/** What the server gives a domain plugin besides the Fastify instance. */
export interface ApiHelpers {
  /** Route config requiring all of `scopes`: `config: helpers.requireScopes('oms:write')`. */
  requireScopes(...scopes: Scope[]): RouteAccess;
  /** Route config for a POST that creates and honours Idempotency-Key. */
  idempotentCreate(...scopes: Scope[]): RouteAccess;
  /** Problem+json response schemas for OpenAPI: `response: { 200: X, ...helpers.problems(404, 409) }`. */
  problems(...statuses: number[]): Record<number, TSchema>;
  store: Store;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

/** A domain's REST routes, mounted by the server under `prefix`. */
export interface ApiPlugin {
  /** For logs and errors: `pim`, `oms` … */
  name: string;
  /** Where the routes live; must start with `/api/v1/` (e.g. `/api/v1/pim`). */
  prefix: string;
  register(app: FastifyInstance, helpers: ApiHelpers): void | Promise<void>;
}

export function createHelpers(
  deps: Omit<ApiHelpers, 'requireScopes' | 'idempotentCreate' | 'problems'>,
): ApiHelpers {
  return {
    ...deps,
    requireScopes: (...scopes) => ({ scopes }),
    idempotentCreate: (...scopes) => ({ scopes, idempotent: true }),
    problems: problemResponses,
  };
}

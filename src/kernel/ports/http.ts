import type { TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { AuditLog } from './audit.js';
import type { Logger } from './logger.js';
import type { Store } from './store.js';

/**
 * The contract between the HTTP server (src/api) and the routes a domain contributes
 * (`<domain>/*.http.ts`, Fastify plugins). It lives here so domains can implement it without
 * importing the server.
 */

/** The domains whose routes are guarded by `<domain>:read` / `<domain>:write`. */
export const SCOPE_DOMAINS = ['pim', 'erp', 'oms', 'crm', 'channels'] as const;
export type ScopeDomain = (typeof SCOPE_DOMAINS)[number];

/**
 * An API scope: `<domain>:read`, `<domain>:write` (which implies read of the same domain), `admin`
 * (bus, dead letters, replay, sagas, audit, keys), or `*` (everything).
 */
export type Scope = `${ScopeDomain}:${'read' | 'write'}` | RoleScope | 'admin' | '*';

/**
 * Workflow roles beyond writing: the PIM's reviewer (approves, rejects) and publisher (publishes,
 * retires). `pim:write` is the editor. Each role also grants read of its domain.
 */
export const ROLE_SCOPES = ['pim:review', 'pim:publish'] as const;
export type RoleScope = (typeof ROLE_SCOPES)[number];

/** What a route declares in its `config`. */
export interface RouteAccess {
  /** Scopes the caller needs, all of them. A route under /api/ without scopes is denied (fail closed). */
  scopes?: readonly Scope[];
  /** No API key needed. Only for what must be reachable anonymously. */
  public?: boolean;
  /** POST that creates: honours `Idempotency-Key` (see docs/api.md). */
  idempotent?: boolean;
  /**
   * The route writes content this domain owns. Any authenticated caller reaches the handler, which
   * refuses callers without `<owner>:write` with OWNERSHIP_VIOLATION and audits the attempt.
   */
  owner?: ScopeDomain;
}

declare module 'fastify' {
  interface FastifyContextConfig extends RouteAccess {}
}

/** What the server hands a domain's route plugin besides the Fastify instance. */
export interface HttpHelpers {
  /** Route config requiring all of `scopes`: `config: helpers.requireScopes('oms:write')`. */
  requireScopes(...scopes: Scope[]): RouteAccess;
  /** Route config for a POST that creates and honours Idempotency-Key. */
  idempotentCreate(...scopes: Scope[]): RouteAccess;
  /** Route config for a write of content `owner` owns (see RouteAccess.owner); `idempotent` for creates. */
  ownedWrite(owner: ScopeDomain, options?: { idempotent?: boolean }): RouteAccess;
  /** Problem+json response schemas for OpenAPI: `response: { 200: X, ...helpers.problems(404, 409) }`. */
  problems(...statuses: number[]): Record<number, TSchema>;
  store: Store;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}

/** A domain's REST routes, mounted by the server under `prefix`. */
export interface HttpPlugin<H extends HttpHelpers = HttpHelpers> {
  /** For logs and errors: `pim`, `oms` … */
  name: string;
  /** Where the routes live; must start with `/api/v1/` (e.g. `/api/v1/pim`). */
  prefix: string;
  register(app: FastifyInstance, helpers: H): void | Promise<void>;
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { ApiKeys } from './api-keys.js';
import { missingScopes } from './scopes.js';

/** Everything under /api/ needs a key unless the route says `public: true`. */
const PROTECTED_PREFIX = '/api/';

function presentedKey(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  const bearer = typeof auth === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  if (bearer) return bearer;
  const apiKey = request.headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

function isProtected(request: FastifyRequest): boolean {
  if (request.routeOptions.config.public === true) return false;
  // The matched route's pattern decides; for unmatched requests (404/405) the path does, so that
  // the API's route map is not revealed to callers without a key.
  const url = request.is404 ? (request.url.split('?')[0] ?? '') : (request.routeOptions.url ?? '');
  return url.startsWith(PROTECTED_PREFIX);
}

/**
 * Authentication (API key as `Authorization: Bearer …` or `X-Api-Key`) and authorization (the
 * route's declared scopes), before the body is even read. Fails closed: a protected route that
 * declares no scopes is refused to every caller.
 */
export function registerAuth(app: FastifyInstance, keys: ApiKeys): void {
  app.addHook('onRequest', async (request) => {
    if (!isProtected(request)) return;
    const raw = presentedKey(request);
    if (!raw) throw KernelErrors.UNAUTHORIZED.create('send an API key as "Authorization: Bearer <key>"');
    const record = await keys.verify(raw);
    if (!record) throw KernelErrors.UNAUTHORIZED.create('the API key is invalid, revoked or expired');
    const actor = `key:${record.id}`;
    request.principal = { keyId: record.id, actor, scopes: record.scopes };
    request.operation.actor = actor;
    request.operation.scopes = record.scopes;
    if (request.is404) return;
    // The owning domain's handler decides (and audits a refusal): see RouteAccess.owner.
    if (request.routeOptions.config.owner) return;
    const required = request.routeOptions.config.scopes;
    if (!required || required.length === 0) {
      request.log.warn({ route: request.routeOptions.url }, 'route declares no scopes; refused');
      throw KernelErrors.FORBIDDEN.create('this route declares no scopes, so no key may call it', {
        requiredScopes: [],
      });
    }
    const missing = missingScopes(record.scopes, required);
    if (missing.length > 0) {
      throw KernelErrors.FORBIDDEN.create(`the API key lacks scope ${missing.join(', ')}`, {
        requiredScopes: required,
        missingScopes: missing,
      });
    }
  });
}

import { Type } from '@sinclair/typebox';
import type { RouteOptions } from 'fastify';
import { problemResponses } from './schemas.js';

/**
 * Applied to every route as it is registered (onRoute), before the OpenAPI generator sees it: the
 * security requirement, required scopes and the standard problem responses of protected routes, and
 * the Idempotency-Key header of idempotent ones. Documentation only; enforcement is in the hooks.
 */
export function applyRouteConventions(route: RouteOptions): void {
  route.schema ??= {};
  const schema = route.schema as Record<string, any>;
  if (schema.hide) return;
  const config = (route.config ?? {}) as {
    scopes?: readonly string[];
    public?: boolean;
    idempotent?: boolean;
    owner?: string;
  };
  const standard = [400, 500];
  if (route.url.startsWith('/api/') && config.public !== true) {
    schema.security = [{ bearer: [] }, { apiKey: [] }];
    standard.push(401, 403);
    const scopes = config.owner
      ? `${config.owner}:write (the ${config.owner} owns this data: other keys get OWNERSHIP_VIOLATION, audited)`
      : config.scopes?.length
        ? config.scopes.join(' and ')
        : 'none declared: refused to every key';
    schema.description = [schema.description, `Requires scope: ${scopes}.`].filter(Boolean).join('\n\n');
  }
  if (config.idempotent === true) {
    standard.push(409, 422);
    schema.headers ??= Type.Object({
      'idempotency-key': Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 255,
          description: 'Makes retries of this create safe (24 h)',
        }),
      ),
    });
  }
  schema.response = { ...problemResponses(...standard), ...(schema.response ?? {}) };
}

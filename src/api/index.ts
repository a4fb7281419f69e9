export { type ApiKeyRecord, type ApiKeys, type CreateApiKeyInput, createApiKeys } from './auth/api-keys.js';
export { ALL_SCOPES, grants, parseScopes, SCOPE_DOMAINS, type Scope } from './auth/scopes.js';
export { ApiErrors } from './errors.js';
export type { ReadinessCheck } from './health.http.js';
export type { IdempotencyHandle } from './idempotency/idempotency.hook.js';
export type { ApiHelpers, ApiPlugin, Principal, RouteAccess } from './plugin.js';
export { apiMigrations } from './schema.js';
export { closeServer, createServer, type ServerDeps } from './server.js';

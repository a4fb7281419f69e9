import { grants } from '../../kernel/ownership.js';
import { ROLE_SCOPES, SCOPE_DOMAINS, type Scope } from '../../kernel/ports/http.js';
import { ApiErrors } from '../errors.js';

export { grants, SCOPE_DOMAINS, type Scope };

const VALID = new Set<string>([
  ...SCOPE_DOMAINS.flatMap((d) => [`${d}:read`, `${d}:write`]),
  ...ROLE_SCOPES,
  'admin',
  '*',
]);

export const ALL_SCOPES: readonly Scope[] = [...VALID] as Scope[];

export function isScope(s: unknown): s is Scope {
  return typeof s === 'string' && VALID.has(s);
}

/** Validate scope strings; throws API_SCOPE_INVALID naming every unknown one. Returns them sorted, deduplicated. */
export function parseScopes(input: readonly unknown[]): Scope[] {
  const bad = input.filter((s) => !isScope(s));
  if (bad.length > 0) {
    throw ApiErrors.SCOPE_INVALID.create(
      `unknown scope(s) ${bad.map((s) => JSON.stringify(s)).join(', ')}; valid scopes are ${ALL_SCOPES.join(', ')}`,
      { invalid: bad, valid: ALL_SCOPES },
    );
  }
  if (input.length === 0) throw ApiErrors.SCOPE_INVALID.create('at least one scope is required');
  return [...new Set(input as Scope[])].sort();
}

/** The scopes of `required` (all of which a route needs) that `granted` lacks. */
export function missingScopes(granted: readonly string[], required: readonly Scope[]): Scope[] {
  return required.filter((s) => !grants(granted, s));
}

import { describe, expect, it } from 'vitest';
import { grants, missingScopes, parseScopes } from './scopes.js';

describe('scopes', () => {
  it('accepts domain read/write, admin and *; sorts and deduplicates', () => {
    expect(parseScopes(['oms:write', 'pim:read', 'oms:write', 'admin', '*'])).toEqual([
      '*',
      'admin',
      'oms:write',
      'pim:read',
    ]);
  });

  it('rejects unknown scopes naming each of them, and an empty list', () => {
    try {
      parseScopes(['oms:write', 'oms:delete', 'billing:read']);
      expect.unreachable();
    } catch (e: any) {
      expect(e.code).toBe('API_SCOPE_INVALID');
      expect(e.status).toBe(400);
      expect(e.message).toContain('"oms:delete", "billing:read"');
      expect(e.extensions.invalid).toEqual(['oms:delete', 'billing:read']);
    }
    expect(() => parseScopes([])).toThrow(/at least one scope/);
    expect(() => parseScopes([42])).toThrow(/unknown scope/);
  });

  it('write implies read of the same domain only; * grants everything; admin is separate', () => {
    expect(grants(['oms:write'], 'oms:read')).toBe(true);
    expect(grants(['oms:write'], 'oms:write')).toBe(true);
    expect(grants(['oms:read'], 'oms:write')).toBe(false);
    expect(grants(['oms:write'], 'pim:read')).toBe(false);
    expect(grants(['*'], 'admin')).toBe(true);
    expect(grants(['admin'], 'oms:read')).toBe(false);
    expect(grants(['oms:read'], 'admin')).toBe(false);
    expect(missingScopes(['pim:read'], ['pim:read', 'oms:write'])).toEqual(['oms:write']);
  });
});

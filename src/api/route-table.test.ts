import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.js';

describe('RouteTable', () => {
  it('finds the methods of matching patterns', () => {
    const t = new RouteTable();
    t.add('GET', '/api/v1/admin/keys');
    t.add(['POST'], '/api/v1/admin/keys');
    t.add('DELETE', '/api/v1/admin/keys/:id');
    t.add('GET', '/api/v1/files/*');
    t.add('GET', '/api/v1/a.b/:x-:y');
    expect(t.allowed('/api/v1/admin/keys')).toEqual(['GET', 'POST']);
    expect(t.allowed('/api/v1/admin/keys/key_1')).toEqual(['DELETE']);
    expect(t.allowed('/api/v1/admin/keys/key_1/x')).toEqual([]);
    expect(t.allowed('/api/v1/admin/keys/')).toEqual([]);
    expect(t.allowed('/api/v1/files/a/b/c')).toEqual(['GET']);
    expect(t.allowed('/api/v1/a.b/1-2')).toEqual(['GET']);
    expect(t.allowed('/api/v1/aXb/1-2')).toEqual([]);
  });
});

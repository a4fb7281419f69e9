import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiKeys, createApiKeys } from '../../src/api/auth/api-keys.js';
import { parseKey } from '../../src/api/auth/key-format.js';
import { apiMigrations } from '../../src/api/schema.js';
import { ManualClock } from '../../src/kernel/clock.js';
import { runWithContext } from '../../src/kernel/context.js';
import type { AuditLog } from '../../src/kernel/ports/audit.js';
import { auditMigrations, createAuditLog } from '../../src/platform/audit/index.js';
import { availableBackends } from '../support/backends.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

describe.each(backends)('API keys [%s]', (backend) => {
  let ts: TestStore;
  let keys: ApiKeys;
  let audit: AuditLog;
  const clock = new ManualClock('2026-05-01T08:00:00.000Z');

  beforeAll(async () => {
    ts = await createTestStore(backend);
    await ts.store.migrate([auditMigrations, apiMigrations]);
    audit = createAuditLog({ store: ts.store, clock });
    keys = createApiKeys({ store: ts.store, clock, audit });
  });
  afterAll(async () => ts?.cleanup());

  it('creates a key shown once, verifies it, and stores only its hash', async () => {
    const { key, record } = await runWithContext(
      { correlationId: 'cor_1', actor: 'cli:ops', requestId: 'req_1' },
      () => keys.create({ name: '  storefront  ', scopes: ['oms:write', 'pim:read'] }),
    );
    expect(key).toMatch(/^keel_sk_key_[0-9a-z]{26}_[0-9a-z]{52}$/);
    expect(record).toEqual({
      id: parseKey(key)!.keyId,
      name: 'storefront',
      scopes: ['oms:write', 'pim:read'],
      createdAt: '2026-05-01T08:00:00.000Z',
      createdBy: 'cli:ops',
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    expect(await keys.verify(key)).toMatchObject({ id: record.id, lastUsedAt: '2026-05-01T08:00:00.000Z' });
    const { secret } = parseKey(key)!;
    const table = JSON.stringify(await ts.store.db.selectFrom('keel_api_keys').selectAll().execute());
    expect(table).not.toContain(secret);
    expect(table).toContain(record.id);
    const auditTable = JSON.stringify(await ts.store.db.selectFrom('keel_audit').selectAll().execute());
    expect(auditTable).not.toContain(secret);
    expect(await audit.list({ target: `key:${record.id}` })).toMatchObject([
      { action: 'keys.create', actor: 'cli:ops', requestId: 'req_1' },
    ]);
    expect(await keys.list()).toContainEqual(expect.objectContaining({ id: record.id }));
  });

  it('rejects wrong secrets, unknown ids and garbage', async () => {
    const { key } = await keys.create({ name: 'a', scopes: ['*'] });
    const { keyId, secret } = parseKey(key)!;
    const flipped = secret.slice(0, -1) + (secret.endsWith('0') ? '1' : '0');
    expect(await keys.verify(`keel_sk_${keyId}_${flipped}`)).toBeNull();
    expect(await keys.verify(key.replace(keyId, 'key_00000000000000000000000000'))).toBeNull();
    expect(await keys.verify('Bearer nonsense')).toBeNull();
    expect(await keys.verify('')).toBeNull();
  });

  it('updates last_used_at at most once a minute', async () => {
    const { key, record } = await keys.create({ name: 'b', scopes: ['crm:read'] });
    const lastUsed = async () => (await keys.get(record.id)).lastUsedAt;
    await keys.verify(key);
    const first = await lastUsed();
    clock.advance(30_000);
    await keys.verify(key);
    expect(await lastUsed()).toBe(first);
    clock.advance(31_000);
    await keys.verify(key);
    expect(await lastUsed()).toBe(clock.now().toISOString());
  });

  it('revokes (audited, idempotent) so the key stops working', async () => {
    const { key, record } = await keys.create({ name: 'c', scopes: ['admin'] });
    const revoked = await keys.revoke(record.id);
    expect(revoked.revokedAt).toBe(clock.now().toISOString());
    expect(await keys.verify(key)).toBeNull();
    expect(await keys.revoke(record.id)).toEqual(revoked);
    expect((await audit.list({ target: `key:${record.id}` })).map((e) => e.action)).toEqual([
      'keys.create',
      'keys.revoke',
    ]);
    await expect(keys.revoke('key_00000000000000000000000000')).rejects.toMatchObject({
      code: 'API_KEY_NOT_FOUND',
      status: 404,
    });
  });

  it('stops accepting a key once it expires', async () => {
    const expiresAt = new Date(clock.now().getTime() + 3_600_000).toISOString();
    const { key, record } = await keys.create({ name: 'd', scopes: ['erp:read'], expiresAt });
    expect(record.expiresAt).toBe(expiresAt);
    expect(await keys.verify(key)).not.toBeNull();
    clock.advance(3_600_000);
    expect(await keys.verify(key)).toBeNull();
  });

  it('validates name, scopes and expiry', async () => {
    await expect(keys.create({ name: 'x', scopes: ['oms:admin'] })).rejects.toMatchObject({
      code: 'API_SCOPE_INVALID',
    });
    await expect(keys.create({ name: ' ', scopes: ['*'] })).rejects.toMatchObject({
      code: 'API_KEY_INPUT_INVALID',
    });
    await expect(
      keys.create({ name: 'x', scopes: ['*'], expiresAt: new Date(clock.now().getTime() - 1) }),
    ).rejects.toMatchObject({ code: 'API_KEY_INPUT_INVALID' });
    await expect(keys.create({ name: 'x', scopes: ['*'], expiresAt: 'soon' })).rejects.toMatchObject({
      code: 'API_KEY_INPUT_INVALID',
    });
    expect(await audit.verify()).toMatchObject({ ok: true });
  });
});

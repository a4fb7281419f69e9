import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from '../support/backends.js';
import { FakeBus } from './support/fake-bus.js';
import { createHarness, type Harness } from './support/harness.js';

const backends = await availableBackends();

describe.each(backends)('admin routes [%s]', (backend) => {
  let h: Harness;
  let admin: string;
  let adminId: string;
  let bus: FakeBus;

  beforeAll(async () => {
    bus = new FakeBus();
    h = await createHarness(backend, { deps: { bus } });
    admin = await h.keyWith('admin');
    adminId = (await h.keys.verify(admin))!.id;
  });
  afterAll(async () => h?.close());

  it('require the admin scope', async () => {
    const domainKey = await h.keyWith('oms:write', 'pim:write');
    for (const url of ['/api/v1/admin/keys', '/api/v1/admin/groups', '/api/v1/audit', '/api/v1/events']) {
      const res = await h.call({ method: 'GET', url, key: domainKey });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().missingScopes).toEqual(['admin']);
    }
  });

  describe('keys', () => {
    it('creates a key shown once, lists it without secret, revokes it; all audited', async () => {
      const created = await h.call({
        method: 'POST',
        url: '/api/v1/admin/keys',
        key: admin,
        headers: { 'x-request-id': 'req-key-create' },
        payload: { name: 'storefront', scopes: ['channels:write'] },
      });
      expect(created.statusCode).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const { key, record } = created.json();
      expect(key).toMatch(/^keel_sk_/);
      expect(record).toMatchObject({
        name: 'storefront',
        scopes: ['channels:write'],
        createdBy: `key:${adminId}`,
      });

      const listed = await h.call({ method: 'GET', url: '/api/v1/admin/keys', key: admin });
      expect(listed.body).not.toContain(key.split('_').at(-1));
      expect(listed.json().items).toContainEqual(expect.objectContaining({ id: record.id, revokedAt: null }));

      expect((await h.call({ method: 'GET', url: '/api/v1/events/schemas', key })).statusCode).toBe(403);
      const revoked = await h.call({ method: 'DELETE', url: `/api/v1/admin/keys/${record.id}`, key: admin });
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().revokedAt).not.toBeNull();
      expect((await h.call({ method: 'GET', url: '/api/v1/admin/keys', key })).statusCode).toBe(401);

      const trail = await h.audit.list({ target: `key:${record.id}` });
      expect(trail).toMatchObject([
        { action: 'keys.create', actor: `key:${adminId}`, requestId: 'req-key-create' },
        { action: 'keys.revoke', actor: `key:${adminId}` },
      ]);
    });

    it('rejects unknown scopes with API_SCOPE_INVALID and unknown keys with 404', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/admin/keys',
        key: admin,
        payload: { name: 'x', scopes: ['oms:write', 'oms:everything'] },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'API_SCOPE_INVALID', invalid: ['oms:everything'] });
      const missing = await h.call({ method: 'DELETE', url: '/api/v1/admin/keys/key_nope', key: admin });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('API_KEY_NOT_FOUND');
    });
  });

  describe('audit', () => {
    it('lists with filters and pagination, and verifies the chain', async () => {
      const page1 = await h.call({
        method: 'GET',
        url: '/api/v1/audit?action=keys.create&limit=2',
        key: admin,
      });
      expect(page1.statusCode).toBe(200);
      const body1 = page1.json();
      expect(body1.items).toHaveLength(2);
      expect(body1.items.every((e: any) => e.action === 'keys.create')).toBe(true);
      expect(body1.nextAfterSeq).toBe(body1.items[1].seq);
      const page2 = await h.call({
        method: 'GET',
        url: `/api/v1/audit?action=keys.create&limit=2&afterSeq=${body1.nextAfterSeq}`,
        key: admin,
      });
      expect(page2.json().items[0].seq).toBeGreaterThan(body1.nextAfterSeq);

      const verify = await h.call({ method: 'GET', url: '/api/v1/audit/verify', key: admin });
      expect(verify.json()).toMatchObject({ ok: true, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const again = await h.call({
        method: 'GET',
        url: `/api/v1/audit/verify?expectedHead=${verify.json().headHash}`,
        key: admin,
      });
      expect(again.json().ok).toBe(true);
      const bogus = await h.call({
        method: 'GET',
        url: `/api/v1/audit/verify?expectedHead=${'a'.repeat(64)}`,
        key: admin,
      });
      expect(bogus.json()).toMatchObject({ ok: false, failure: { reason: 'deleted_or_reordered' } });
      const bad = await h.call({ method: 'GET', url: '/api/v1/audit?limit=5000', key: admin });
      expect(bad.json().code).toBe('VALIDATION_FAILED');
    });
  });

  describe('bus', () => {
    it('lists groups and dead letters with filters and cursor', async () => {
      expect((await h.call({ method: 'GET', url: '/api/v1/admin/groups', key: admin })).json().items).toEqual(
        [{ group: 'oms.orders', position: 3, head: 5, lag: 2, openDeadLetters: 2, generation: 1 }],
      );
      const page = await h.call({
        method: 'GET',
        url: '/api/v1/admin/dead-letters?group=oms.orders&limit=1',
        key: admin,
      });
      expect(page.json().items.map((d: any) => d.id)).toEqual(['dlq_1']);
      expect(page.json().next).toBe('dlq_1');
      expect(page.json().items[0].event).toMatchObject({ id: 'evt_1', data: { name: 'thing 1' }, seq: 1 });
      const next = await h.call({
        method: 'GET',
        url: '/api/v1/admin/dead-letters?group=oms.orders&limit=1&after=dlq_1',
        key: admin,
      });
      expect(next.json().items.map((d: any) => d.id)).toEqual(['dlq_2']);
      const one = await h.call({ method: 'GET', url: '/api/v1/admin/dead-letters/dlq_3', key: admin });
      expect(one.json()).toMatchObject({ id: 'dlq_3', group: 'erp.stock', status: 'open' });
      const missing = await h.call({ method: 'GET', url: '/api/v1/admin/dead-letters/dlq_9', key: admin });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().code).toBe('DEAD_LETTER_NOT_FOUND');
      const badStatus = await h.call({
        method: 'GET',
        url: '/api/v1/admin/dead-letters?status=weird',
        key: admin,
      });
      expect(badStatus.statusCode).toBe(400);
    });

    it('retries and discards dead letters as the caller, audited; a second retry conflicts', async () => {
      const retried = await h.call({
        method: 'POST',
        url: '/api/v1/admin/dead-letters/dlq_1/retry',
        key: admin,
      });
      expect(retried.statusCode).toBe(200);
      expect(retried.json()).toMatchObject({
        status: 'retry_requested',
        resolution: { actor: `key:${adminId}` },
      });
      const again = await h.call({
        method: 'POST',
        url: '/api/v1/admin/dead-letters/dlq_1/retry',
        key: admin,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('DEAD_LETTER_STATE');

      const discarded = await h.call({
        method: 'POST',
        url: '/api/v1/admin/dead-letters/dlq_2/discard',
        key: admin,
        payload: { reason: 'duplicate order' },
      });
      expect(discarded.json()).toMatchObject({
        status: 'discarded',
        resolution: { reason: 'duplicate order' },
      });
      const noBody = await h.call({
        method: 'POST',
        url: '/api/v1/admin/dead-letters/dlq_3/discard',
        key: admin,
      });
      expect(noBody.statusCode).toBe(200);

      expect((await h.audit.list({ target: 'dlq:dlq_1' })).map((e) => e.action)).toEqual(['dlq.retry']);
      expect((await h.audit.list({ target: 'dlq:dlq_2' }))[0]).toMatchObject({
        action: 'dlq.discard',
        actor: `key:${adminId}`,
      });
    });

    it('replays a group from a position or a time, audited, and needs exactly one of them', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/admin/replay',
        key: admin,
        payload: { group: 'oms.orders', fromPosition: 2 },
      });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toEqual({ fromSeq: 2, generation: 2 });
      const byTime = await h.call({
        method: 'POST',
        url: '/api/v1/admin/replay',
        key: admin,
        payload: { group: 'oms.orders', fromTime: '2026-01-01T00:00:00.000Z' },
      });
      expect(byTime.statusCode).toBe(202);
      expect(bus.calls.filter((c) => c.method === 'replay').map((c) => c.args)).toEqual([
        ['oms.orders', { position: 2 }, `key:${adminId}`],
        ['oms.orders', { time: '2026-01-01T00:00:00.000Z' }, `key:${adminId}`],
      ]);
      for (const payload of [
        { group: 'oms.orders' },
        { group: 'oms.orders', fromPosition: 1, fromTime: '2026-01-01T00:00:00Z' },
      ]) {
        const bad = await h.call({ method: 'POST', url: '/api/v1/admin/replay', key: admin, payload });
        expect(bad.statusCode).toBe(400);
        expect(bad.json().code).toBe('VALIDATION_FAILED');
      }
      const unknown = await h.call({
        method: 'POST',
        url: '/api/v1/admin/replay',
        key: admin,
        payload: { group: 'x', fromPosition: 0 },
      });
      expect(unknown.statusCode).toBe(404);
      expect((await h.audit.list({ target: 'group:oms.orders' })).map((e) => e.action)).toEqual([
        'bus.replay',
        'bus.replay',
      ]);
    });

    it('serves the event log by correlation id with paging, and the schema registry', async () => {
      const res = await h.call({
        method: 'GET',
        url: '/api/v1/events?correlationId=cor_a&limit=2',
        key: admin,
      });
      expect(res.json().items.map((e: any) => e.seq)).toEqual([1, 2]);
      expect(res.json().nextAfterSeq).toBe(2);
      expect(bus.calls.find((c) => c.method === 'events')?.args[0]).toEqual({
        correlationId: 'cor_a',
        limit: 2,
      });
      const schemas = await h.call({ method: 'GET', url: '/api/v1/events/schemas', key: admin });
      expect(schemas.json()['keel.test.thing.created.v1']).toMatchObject({
        source: '/keel/test',
        dataschema: { type: 'object', properties: { name: { type: 'string' } } },
      });
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/api/server.js';
import { resolveConfig } from '../../src/kernel/config.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { availableBackends } from '../support/backends.js';
import { createHarness, type Harness } from './support/harness.js';
import { testPlugin } from './support/test-plugin.js';

const backends = await availableBackends();
const PROBLEM = 'application/problem+json; charset=utf-8';

describe.each(backends)('HTTP server [%s]', (backend) => {
  let h: Harness;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    h = await createHarness(backend, { plugins: [testPlugin({})] });
    reader = await h.keyWith('oms:read');
    writer = await h.keyWith('oms:write');
  });
  afterAll(async () => h?.close());

  describe('authentication and scopes', () => {
    it('401 without a key, with WWW-Authenticate', async () => {
      const res = await h.call({ method: 'GET', url: '/api/v1/test/things' });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="keel"');
      expect(res.json()).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    });

    it('401 with an invalid, malformed, revoked or expired key', async () => {
      const revoked = await h.keys.create({ name: 'r', scopes: ['*'] });
      await h.keys.revoke(revoked.record.id);
      const expiring = await h.keys.create({
        name: 'e',
        scopes: ['*'],
        expiresAt: new Date(h.clock.now().getTime() + 1000),
      });
      h.clock.advance(1000);
      const tampered = `${reader.slice(0, -4)}aaaa`;
      for (const key of ['nonsense', tampered, revoked.key, expiring.key]) {
        const res = await h.call({ method: 'GET', url: '/api/v1/test/things', key });
        expect(res.statusCode).toBe(401);
        expect(res.json().code).toBe('UNAUTHORIZED');
      }
    });

    it('403 naming the missing scope when the key lacks it', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/things',
        key: reader,
        payload: { name: 'a', qty: 1 },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({
        code: 'FORBIDDEN',
        missingScopes: ['oms:write'],
        requiredScopes: ['oms:write'],
      });
      expect(res.json().detail).toContain('oms:write');
    });

    it('200 with the scope, with write implying read, and via X-Api-Key', async () => {
      expect((await h.call({ method: 'GET', url: '/api/v1/test/things', key: reader })).statusCode).toBe(200);
      expect((await h.call({ method: 'GET', url: '/api/v1/test/things', key: writer })).statusCode).toBe(200);
      const viaHeader = await h.call({
        method: 'GET',
        url: '/api/v1/test/things',
        headers: { 'x-api-key': reader },
      });
      expect(viaHeader.statusCode).toBe(200);
    });

    it('fails closed: a route without declared scopes is refused even to a * key; public routes need no key', async () => {
      const all = await h.keyWith('*');
      const res = await h.call({ method: 'GET', url: '/api/v1/test/no-scopes', key: all });
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toContain('declares no scopes');
      expect((await h.call({ method: 'GET', url: '/api/v1/test/public' })).json()).toEqual({ public: true });
    });
  });

  it('refuses to mount a plugin outside /api/v1/', async () => {
    await expect(
      createServer({
        config: resolveConfig().config,
        store: h.ts.store,
        audit: h.audit,
        keys: h.keys,
        log: silentLogger,
        plugins: [{ name: 'bad', prefix: '/pim', register() {} }],
      }),
    ).rejects.toMatchObject({ code: 'API_PLUGIN_INVALID' });
  });

  describe('errors as problem+json', () => {
    it('404 ROUTE_NOT_FOUND (after authentication under /api/)', async () => {
      expect((await h.call({ method: 'GET', url: '/api/v1/nope' })).statusCode).toBe(401);
      const res = await h.call({ method: 'GET', url: '/api/v1/nope', key: reader });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', status: 404, instance: '/api/v1/nope' });
      expect((await h.call({ method: 'GET', url: '/nope' })).json().code).toBe('ROUTE_NOT_FOUND');
    });

    it('405 METHOD_NOT_ALLOWED with an Allow header', async () => {
      const res = await h.call({ method: 'PUT', url: '/api/v1/test/things', key: reader });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD, POST');
      expect(res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED', allow: ['GET', 'HEAD', 'POST'] });
      const keyRoute = await h.call({ method: 'PATCH', url: '/api/v1/admin/keys/key_123', key: reader });
      expect(keyRoute.statusCode).toBe(405);
      expect(keyRoute.headers.allow).toBe('DELETE');
    });

    it('400 MALFORMED_JSON', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/echo',
        key: writer,
        headers: { 'content-type': 'application/json' },
        payload: '{"text": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.json().code).toBe('MALFORMED_JSON');
    });

    it('400 VALIDATION_FAILED with every error as path + message', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/things',
        key: writer,
        payload: { qty: 0, colour: 'red' },
      });
      expect(res.statusCode).toBe(400);
      const p = res.json();
      expect(p.code).toBe('VALIDATION_FAILED');
      expect(p.errors).toEqual(
        expect.arrayContaining([
          { path: '/body/name', message: expect.any(String) },
          { path: '/body/qty', message: expect.any(String) },
          { path: '/body/colour', message: expect.any(String) },
        ]),
      );
    });

    it('415 UNSUPPORTED_MEDIA_TYPE for a non-JSON body', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/echo',
        key: writer,
        headers: { 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('413 PAYLOAD_TOO_LARGE over api.bodyLimitBytes', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/echo',
        key: writer,
        payload: { text: 'x'.repeat(5000) },
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
      const ok = await h.call({
        method: 'POST',
        url: '/api/v1/test/echo',
        key: writer,
        payload: { text: 'x' },
      });
      expect(ok.json()).toEqual({ text: 'x' });
    });

    it('500 INTERNAL for a thrown non-Error, without internals; the server carries on', async () => {
      const res = await h.call({ method: 'GET', url: '/api/v1/test/throw-string', key: reader });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.json()).toMatchObject({ code: 'INTERNAL', requestId: res.headers['x-request-id'] });
      expect(res.body).not.toContain('a thrown string');
      const logged = h.logs.find(
        (l) => l.requestId === res.headers['x-request-id'] && l.msg === 'request failed',
      );
      expect(JSON.stringify(logged)).toContain('a thrown string');
      expect((await h.call({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('500 INTERNAL hides the message and stack of an Error', async () => {
      const res = await h.call({ method: 'GET', url: '/api/v1/test/throw-error', key: reader });
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('hunter2');
      expect(res.body).not.toContain('at ');
      expect(res.json().detail).toMatch(/request id/);
    });
  });

  describe('request context', () => {
    it('echoes a sane X-Request-Id and replaces an insane one', async () => {
      const ok = await h.call({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'client-123.a_b' },
      });
      expect(ok.headers['x-request-id']).toBe('client-123.a_b');
      const bad = await h.call({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'evil\u0000"id' },
      });
      expect(bad.headers['x-request-id']).toMatch(/^req_[0-9a-z]{26}$/);
      const long = await h.call({
        method: 'GET',
        url: '/healthz',
        headers: { 'x-request-id': 'a'.repeat(129) },
      });
      expect(long.headers['x-request-id']).toMatch(/^req_/);
      const none = await h.call({ method: 'GET', url: '/nope' });
      expect(none.json().requestId).toBe(none.headers['x-request-id']);
    });

    it('runs the handler in the operation context: actor, request id, correlation id, trace', async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await h.call({
        method: 'GET',
        url: '/api/v1/test/context',
        key: reader,
        headers: {
          'x-request-id': 'req-ctx-1',
          'x-correlation-id': 'order-77',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      });
      const ctx = res.json();
      const keyId = (await h.keys.verify(reader))!.id;
      expect(ctx).toMatchObject({ actor: `key:${keyId}`, requestId: 'req-ctx-1', correlationId: 'order-77' });
      expect(ctx.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(ctx.traceparent).not.toContain('00f067aa0ba902b7');
      expect(res.headers['x-correlation-id']).toBe('order-77');
      const fresh = await h.call({ method: 'GET', url: '/api/v1/test/context', key: reader });
      expect(fresh.json().correlationId).toMatch(/^cor_/);
      expect(fresh.headers['x-correlation-id']).toBe(fresh.json().correlationId);
    });

    it('writes audit entries with the caller as actor and the request id', async () => {
      const res = await h.call({
        method: 'POST',
        url: '/api/v1/test/things',
        key: writer,
        headers: { 'x-request-id': 'req-audit-1' },
        payload: { name: 'widget', qty: 2 },
      });
      expect(res.statusCode).toBe(201);
      const [entry] = await h.audit.list({ target: res.json().id });
      expect(entry).toMatchObject({
        actor: `key:${(await h.keys.verify(writer))!.id}`,
        requestId: 'req-audit-1',
      });
    });

    it('attributes concurrent requests to their own callers', async () => {
      const keys = await Promise.all([1, 2, 3, 4].map(() => h.keyWith('oms:write')));
      const responses = await Promise.all(
        keys.map((key, i) =>
          h.call({
            method: 'POST',
            url: '/api/v1/test/things',
            key,
            headers: { 'x-request-id': `req-conc-${i}` },
            payload: { name: `concurrent ${i}`, qty: 1 },
          }),
        ),
      );
      for (const [i, res] of responses.entries()) {
        const keyId = (await h.keys.verify(keys[i]!))!.id;
        expect(res.json().ctx).toMatchObject({ actor: `key:${keyId}`, requestId: `req-conc-${i}` });
        const [entry] = await h.audit.list({ target: res.json().id });
        expect(entry).toMatchObject({ actor: `key:${keyId}`, requestId: `req-conc-${i}` });
      }
    });

    it('logs one line per request with the request id and never the key', async () => {
      const res = await h.call({
        method: 'GET',
        url: '/api/v1/test/things',
        key: reader,
        headers: { 'x-request-id': 'req-log-1' },
      });
      expect(res.statusCode).toBe(200);
      const lines = h.logs.filter((l) => l.requestId === 'req-log-1');
      expect(lines).toContainEqual(
        expect.objectContaining({ msg: 'request completed', status: 200, route: '/api/v1/test/things' }),
      );
      expect(JSON.stringify(h.logs)).not.toContain(reader);
    });
  });
});

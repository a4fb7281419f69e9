import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from '../support/backends.js';
import { FakeBus } from './support/fake-bus.js';
import { createHarness, type Harness } from './support/harness.js';
import { testPlugin } from './support/test-plugin.js';

const backends = await availableBackends();

describe.each(backends)('health, metrics and OpenAPI [%s]', (backend) => {
  let h: Harness;
  let bus: FakeBus;
  let extraUp = true;

  beforeAll(async () => {
    bus = new FakeBus();
    h = await createHarness(backend, {
      plugins: [testPlugin({})],
      deps: {
        bus,
        readinessChecks: [
          {
            name: 'vault',
            check: async () => {
              if (!extraUp) throw new Error('vault sealed');
            },
          },
        ],
      },
    });
  });
  afterAll(async () => h?.close());

  it('/healthz answers without auth', async () => {
    const res = await h.call({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when database, bus and extra checks answer; 503 naming what is down', async () => {
    const ok = await h.call({ method: 'GET', url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ready', checks: { database: 'ok', bus: 'ok', vault: 'ok' } });

    bus.reachable = false;
    extraUp = false;
    const down = await h.call({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(down.json()).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      retryable: true,
      checks: { database: 'ok', bus: 'down', vault: 'down' },
      down: ['bus', 'vault'],
    });
    expect(down.json().detail).toContain('bus, vault');
    expect(down.body).not.toContain('sealed');
    bus.reachable = true;
    extraUp = true;
  });

  it('/metrics exposes default metrics and the request histogram by route, method and status', async () => {
    const key = await h.keyWith('oms:read');
    await h.call({ method: 'GET', url: '/api/v1/test/things', key });
    await h.call({ method: 'GET', url: '/api/v1/test/things' });
    await h.call({ method: 'GET', url: '/no/such/thing/123' });
    const res = await h.call({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.body).toContain('process_cpu_user_seconds_total');
    expect(res.body).toContain('nodejs_eventloop_lag_seconds');
    expect(res.body).toMatch(
      /keel_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/test\/things",status_code="200"\} 1/,
    );
    expect(res.body).toMatch(/route="\/api\/v1\/test\/things",status_code="401"/);
    expect(res.body).toMatch(/route="unmatched",status_code="404"/);
    expect(res.body).not.toContain('/no/such/thing');
  });

  it('/openapi.json is OpenAPI 3.1 with every route, its schemas, scopes and security', async () => {
    const res = await h.call({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\.1\./);
    for (const path of [
      '/healthz',
      '/readyz',
      '/metrics',
      '/api/v1/admin/keys',
      '/api/v1/admin/keys/{id}',
      '/api/v1/admin/groups',
      '/api/v1/admin/dead-letters',
      '/api/v1/admin/dead-letters/{id}',
      '/api/v1/admin/dead-letters/{id}/retry',
      '/api/v1/admin/dead-letters/{id}/discard',
      '/api/v1/admin/replay',
      '/api/v1/events',
      '/api/v1/events/schemas',
      '/api/v1/audit',
      '/api/v1/audit/verify',
      '/api/v1/test/things',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    expect(doc.paths['/openapi.json']).toBeUndefined();
    const create = doc.paths['/api/v1/test/things'].post;
    expect(create.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(create.description).toContain('Requires scope: oms:write');
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['name', 'qty']);
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['400', '401', '403', '409', '422', '500']),
    );
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
  });

  it('/docs serves Swagger UI', async () => {
    const res = await h.call({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('/readyz reports the database down once the store is closed', async () => {
    await h.ts.store.close();
    const res = await h.call({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE', down: ['database'] });
    expect((await h.call({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

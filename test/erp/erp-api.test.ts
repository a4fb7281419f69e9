import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { location } from '../support/erp-fixture.js';

const backends = await availableBackends();

type Res = { status: number; body: any; headers: Headers };
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Res>;

describe.each(backends)('ERP REST API [%s]', (backend) => {
  let t: TestApp;
  let api: Call;
  let reader: Call;
  beforeAll(async () => {
    t = await createTestApp(backend);
    api = (method, path, body, headers) => t.api(method, `/api/v1/erp${path}`, body, headers);
    const { key } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    reader = async (method, path, body) => {
      const res = await fetch(`${t.url}/api/v1/erp${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    };
  });
  afterAll(async () => t?.cleanup());

  it('manages locations', async () => {
    const created = await api('POST', '/locations', location('WH1'), { 'idempotency-key': 'loc-wh1' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: 'WH1', type: 'warehouse', version: 1 });
    const replay = await api('POST', '/locations', location('WH1'), { 'idempotency-key': 'loc-wh1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await api('POST', '/locations', location('ST1', { type: 'store' }))).status).toBe(201);
    expect((await api('GET', '/locations/ST1')).body.type).toBe('store');
    expect(
      (await api('GET', '/locations?type=warehouse')).body.items.map((l: { code: string }) => l.code),
    ).toEqual(['WH1']);
    const { code: _c, ...rest } = location('ST1', { type: 'store', name: 'Berlin Mitte' });
    expect((await api('PUT', '/locations/ST1', rest)).body).toMatchObject({
      name: 'Berlin Mitte',
      version: 2,
    });
    expect((await api('PUT', '/locations/ST1', { ...rest, code: 'ST2' })).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await api('POST', '/locations', location('TMP'))).status).toBe(201);
    expect((await api('DELETE', '/locations/TMP')).status).toBe(204);
    expect((await api('GET', '/locations/TMP')).body.code).toBe('ERP_LOCATION_NOT_FOUND');
  });

  it('answers bad locations with problem+json listing every problem', async () => {
    const res = await api(
      'POST',
      '/locations',
      location('WH9', { coordinates: { lat: 100, lon: 0 }, timezone: 'Nowhere/City' }),
    );
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({
      code: 'ERP_LOCATION_INVALID',
      errors: [
        { field: 'coordinates.lat', code: 'LATITUDE_OUT_OF_RANGE' },
        { field: 'timezone', code: 'TIMEZONE_UNKNOWN' },
      ],
    });
    expect((await api('POST', '/locations', { code: 'X' })).body.code).toBe('VALIDATION_FAILED');
    expect((await api('POST', '/locations', location('WH1'))).status).toBe(409);
    expect((await reader('POST', '/locations', location('WH8'))).body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await reader('GET', '/locations/WH1')).status).toBe(200);
  });

  it('posts movements in batches, reads levels and movements, verifies', async () => {
    const movements = [
      { type: 'receipt', reference: 'po:100:1', sku: 'API-1', location: 'WH1', quantity: 10 },
      { type: 'reservation', reference: 'order:api:1', sku: 'API-1', location: 'WH1', quantity: 4 },
      {
        type: 'transfer_out',
        reference: 'tr:1:out',
        sku: 'API-1',
        location: 'WH1',
        toLocation: 'ST1',
        quantity: 3,
      },
    ];
    const posted = await api('POST', '/movements', { movements });
    expect(posted.status).toBe(201);
    expect(posted.body.items.map((m: { type: string; duplicate: boolean }) => [m.type, m.duplicate])).toEqual(
      [
        ['receipt', false],
        ['reservation', false],
        ['transfer_out', false],
      ],
    );
    const again = await api('POST', '/movements', { movements });
    expect(again.status).toBe(200);
    expect(again.body.items.every((m: { duplicate: boolean }) => m.duplicate)).toBe(true);

    const levels = await api('GET', '/levels?sku=API-1');
    expect(levels.body.items).toMatchObject([
      { location: 'ST1', onHand: 0, inTransit: 3 },
      { location: 'WH1', onHand: 7, available: 3, reserved: 4 },
    ]);
    expect((await api('GET', '/levels?sku=API-1&location=WH1')).body.items).toHaveLength(1);
    expect((await api('GET', '/levels?sku=NONE-1&location=WH1')).body.items[0]).toMatchObject({ onHand: 0 });
    expect((await api('GET', '/levels')).body.code).toBe('VALIDATION_FAILED');
    expect((await api('GET', '/levels?location=MOON')).body.code).toBe('ERP_LOCATION_NOT_FOUND');

    const page1 = await api('GET', '/movements?sku=API-1&limit=2');
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api('GET', `/movements?sku=API-1&limit=2&after=${page1.body.next}`);
    expect(page2.body.items.map((m: { reference: string }) => m.reference)).toEqual(['tr:1:out']);
    expect(page2.body.next).toBeUndefined();
    expect((await api('GET', '/movements?reference=order:api:1')).body.items[0].entries).toEqual([
      { location: 'WH1', account: 'available', quantity: -4 },
      { location: 'WH1', account: 'reserved', quantity: 4 },
    ]);

    expect(
      (
        await api('PUT', '/settings', {
          items: [{ sku: 'API-1', location: 'WH1', safetyStock: 1, allowBackorder: true }],
        })
      ).body.items[0],
    ).toMatchObject({
      safetyStock: 1,
      allowBackorder: true,
    });
    expect((await api('PUT', '/items', { skus: ['API-2'] })).body).toEqual({ registered: 1 });
    expect((await api('GET', '/items/API-2')).body).toMatchObject({ sku: 'API-2', registeredBy: 'explicit' });
    expect((await api('GET', '/verify')).body).toMatchObject({ ok: true, drift: [], unbalanced: [] });
  });

  it('refuses bad movements with stable codes and writes nothing', async () => {
    const bad = await api('POST', '/movements', {
      movements: [
        { type: 'receipt', reference: 'bad:1', sku: 'API-1', location: 'WH1', quantity: 0 },
        { type: 'warp', reference: 'bad:2', sku: 'API-1', location: 'WH1', quantity: 1 },
        { type: 'receipt', reference: 'bad:3', sku: 'API-1', location: 'MOON', quantity: 1 },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('ERP_MOVEMENT_INVALID');
    expect(bad.body.errors.map((e: { field: string; code: string }) => `${e.field} ${e.code}`)).toEqual([
      'movements[0].quantity QUANTITY_INVALID',
      'movements[1].type TYPE_UNKNOWN',
    ]);
    const short = await api('POST', '/movements', {
      movements: [{ type: 'scrap', reference: 'bad:4', sku: 'API-1', location: 'ST1', quantity: 1 }],
    });
    expect(short).toMatchObject({ status: 409, body: { code: 'ERP_INSUFFICIENT_STOCK' } });
    const conflict = await api('POST', '/movements', {
      movements: [{ type: 'receipt', reference: 'po:100:1', sku: 'API-1', location: 'WH1', quantity: 11 }],
    });
    expect(conflict).toMatchObject({ status: 409, body: { code: 'ERP_REFERENCE_CONFLICT' } });
    expect((await api('POST', '/movements', { movements: [] })).body.code).toBe('VALIDATION_FAILED');
    expect((await api('POST', '/movements', { movements: [{ type: 'receipt' }] })).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await api('GET', '/movements?sku=API-1&type=scrap')).body.items).toEqual([]);
    expect((await api('GET', '/movements?reference=bad:1')).body.items).toEqual([]);
  });

  it('reserves, allocates, releases and sweeps over HTTP', async () => {
    const body = { reference: 'order:http:1', sku: 'API-1', location: 'WH1', quantity: 2, ttlSeconds: 600 };
    const r = await api('POST', '/reservations', body);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ key: 'order:http:1', status: 'active', remaining: 2 });
    expect((await api('POST', '/reservations', body)).status).toBe(200);
    const key = encodeURIComponent('order:http:1');
    expect((await api('GET', `/reservations/${key}`)).body.expiresAt).not.toBeNull();
    expect((await api('POST', `/reservations/${key}/allocate`, { quantity: 1 })).body).toMatchObject({
      remaining: 1,
      allocated: 1,
    });
    expect((await api('DELETE', `/reservations/${key}`)).body).toMatchObject({
      status: 'released',
      released: 1,
    });
    expect(
      (await api('GET', '/reservations?status=released')).body.items.map((x: { key: string }) => x.key),
    ).toEqual(['order:http:1']);
    expect((await api('POST', '/reservations/sweep')).body).toEqual({ released: 0 });
    expect((await api('GET', '/reservations/order:none')).body.code).toBe('ERP_RESERVATION_NOT_FOUND');
    // ST1 has nothing on hand yet (the transfer is in transit) and no backorders.
    const short = await api('POST', '/reservations', {
      ...body,
      reference: 'order:http:2',
      location: 'ST1',
      quantity: 1,
    });
    expect(short.body).toMatchObject({
      code: 'ERP_INSUFFICIENT_STOCK',
      errors: [{ code: 'INSUFFICIENT_STOCK' }],
    });
  });

  it('configures channel sources and answers ATP', async () => {
    expect(
      (await api('PUT', '/channels/web', { locations: ['WH1', 'ST1'], inboundHorizonDays: 14 })).body,
    ).toMatchObject({
      channel: 'web',
      locations: ['ST1', 'WH1'],
      inboundHorizonDays: 14,
    });
    expect((await api('GET', '/channels')).body.items.map((c: { channel: string }) => c.channel)).toEqual([
      'web',
    ]);
    const atp = await api('GET', '/atp?channel=web&skus=API-1,API-2');
    expect(atp.status).toBe(200);
    // WH1: 10 received − 3 sent − 4 reserved − 1 allocated (HTTP test) − 1 safety = 1; ST1: nothing arrived yet.
    expect(atp.body.items.map((i: { sku: string; atp: number }) => [i.sku, i.atp])).toEqual([
      ['API-1', 1],
      ['API-2', 0],
    ]);
    expect((await api('GET', '/atp?channel=none&skus=API-1')).body.code).toBe('ERP_CHANNEL_NOT_FOUND');
    expect((await api('GET', '/atp?channel=web&skus=no%20sku')).body.code).toBe('VALIDATION_FAILED');
    expect((await api('PUT', '/channels/web', { locations: ['MOON'] })).body.code).toBe(
      'ERP_SETTINGS_INVALID',
    );
  });

  it('is in the OpenAPI document under the erp tag', async () => {
    const doc = (await t.api('GET', '/openapi.json')).body;
    for (const path of [
      '/api/v1/erp/movements',
      '/api/v1/erp/atp',
      '/api/v1/erp/locations/{code}',
      '/api/v1/erp/reservations/{key}',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
    expect(doc.paths['/api/v1/erp/movements'].post.tags).toEqual(['erp']);
  });
});

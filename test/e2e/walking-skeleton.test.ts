import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';

const backends = await availableBackends();

describe.each(backends)('walking skeleton: publish → catalog → order → accepted → trail [%s]', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend);
  });
  afterAll(async () => t?.cleanup());

  it('a product approved and published by pim appears in the channel catalog projection', async () => {
    const pim = t.app.domains.pim;
    await pim.setup.putChannel({ code: 'web', locales: ['en_US'], currencies: ['USD'] });
    await pim.setup.putAttribute({ code: 'name', type: 'text', localizable: true });
    await pim.setup.putAttribute({ code: 'msrp', type: 'price' });
    await pim.setup.putFamily({
      code: 'apparel',
      attributes: ['name', 'msrp'],
      labelAttribute: 'name',
      requirements: [
        { channel: 'web', attribute: 'name' },
        { channel: 'web', attribute: 'msrp' },
      ],
    });
    const values = (amount: number) => ({
      name: [{ locale: 'en_US', channel: null, data: 'Red T-shirt (M)' }],
      msrp: [{ locale: null, channel: null, data: [{ amount, currency: 'USD' }] }],
    });
    const created = await t.api('POST', '/api/v1/pim/products', {
      sku: 'TSHIRT-RED-M',
      family: 'apparel',
      values: values(1999),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'TSHIRT-RED-M', status: 'draft', version: 1 });
    const id = created.body.id as string;
    const step = async (action: string) => {
      const res = await t.api('POST', `/api/v1/pim/products/${id}/transitions`, { action });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    };
    for (const action of ['submit', 'approve', 'publish']) await step(action);
    await waitFor(
      async () => (await t.api('GET', '/api/v1/channels/web/catalog')).body.items.length === 1,
      10_000,
      'catalog',
    );
    const catalog = await t.api('GET', '/api/v1/channels/web/catalog');
    expect(catalog.body.items[0]).toMatchObject({
      sku: 'TSHIRT-RED-M',
      title: 'Red T-shirt (M)',
      price: { amount: 1999, currency: 'USD' },
    });

    // A new version, once approved and published, replaces the projected one.
    expect((await t.api('PATCH', `/api/v1/pim/products/${id}`, { values: values(1799) })).status).toBe(200);
    for (const action of ['submit', 'approve', 'publish']) await step(action);
    await waitFor(
      async () => (await t.api('GET', '/api/v1/channels/web/catalog')).body.items[0].version === 2,
      10_000,
      'v2',
    );
    expect((await t.api('GET', '/api/v1/channels/web/catalog')).body.items[0].price.amount).toBe(1799);
  });

  it('an order placed on a channel is accepted by oms and its events share one correlation id', async () => {
    const placed = await t.api(
      'POST',
      '/api/v1/channels/web/orders',
      { channelOrderId: 'WEB-1001', currency: 'USD', lines: [{ sku: 'TSHIRT-RED-M', quantity: 2 }] },
      { 'x-correlation-id': 'cor_checkout_1001' },
    );
    expect(placed.status).toBe(201);
    expect(placed.body.total).toEqual({ amount: 3598, currency: 'USD' });
    const orderId = placed.body.orderId as string;
    expect(placed.body.correlationId).toBe('cor_checkout_1001');

    await waitFor(
      async () => (await t.api('GET', `/api/v1/oms/orders/${orderId}`)).status === 200,
      10_000,
      'oms order',
    );
    const oms = await t.api('GET', `/api/v1/oms/orders/${orderId}`);
    expect(oms.body).toMatchObject({ id: orderId, status: 'accepted', channelOrderId: 'WEB-1001' });

    await waitFor(
      async () => (await t.api('GET', `/api/v1/oms/orders/${orderId}/events`)).body.items.length >= 2,
      10_000,
      'trail',
    );
    const trail = (await t.api('GET', `/api/v1/oms/orders/${orderId}/events`)).body.items as any[];
    expect(trail.map((e) => e.type)).toEqual(['keel.channels.order.placed.v1', 'keel.oms.order.accepted.v1']);
    expect(new Set(trail.map((e) => e.correlationid))).toEqual(new Set(['cor_checkout_1001']));
    expect(trail[1].causationid).toBe(trail[0].id);
    expect(trail[0].traceparent.split('-')[1]).toBe(trail[1].traceparent.split('-')[1]);
  });

  it('is idempotent by channel order id and rejects conflicting or unsellable orders', async () => {
    const body = {
      channelOrderId: 'WEB-1002',
      currency: 'USD',
      lines: [{ sku: 'TSHIRT-RED-M', quantity: 1 }],
    };
    const first = await t.api('POST', '/api/v1/channels/web/orders', body);
    const again = await t.api('POST', '/api/v1/channels/web/orders', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body.orderId).toBe(first.body.orderId);
    const conflict = await t.api('POST', '/api/v1/channels/web/orders', {
      ...body,
      lines: [{ sku: 'TSHIRT-RED-M', quantity: 5 }],
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('CHANNELS_ORDER_CONFLICT');
    const unknown = await t.api('POST', '/api/v1/channels/web/orders', {
      channelOrderId: 'WEB-1003',
      currency: 'USD',
      lines: [{ sku: 'NOPE', quantity: 1 }],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'CHANNELS_SKU_UNAVAILABLE', skus: ['NOPE'] });
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    const noChannel = await t.api('POST', '/api/v1/channels/mars/orders', body);
    expect(noChannel.status).toBe(404);
    expect(noChannel.body.code).toBe('CHANNELS_CHANNEL_NOT_FOUND');
    // Exactly one order.placed for WEB-1002 despite the replays.
    const events = await t.app.bus.admin.events({ type: 'keel.channels.order.placed.v1', limit: 100 });
    expect(events.filter((e) => (e.data as any).channelOrderId === 'WEB-1002')).toHaveLength(1);
  });

  it('audits the writes and keeps the chain valid', async () => {
    const entries = await t.app.audit.list({ limit: 100 });
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'pim.product.create',
        'pim.workflow.publish',
        'channels.order.place',
        'oms.order.accept',
      ]),
    );
    expect((await t.app.audit.verify()).ok).toBe(true);
  });
});

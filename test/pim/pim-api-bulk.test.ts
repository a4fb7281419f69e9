import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';

const backends = await availableBackends();

const CSV = [
  'sku,family,parent,categories,name-en_US,color,size,msrp-USD',
  'API-RED-S,tshirt,tee_classic,tshirts,Red S,red,s,19.99',
  'API-BAD,tshirt,tee_classic,tshirts,Bad,mauve,s,19.99',
  'API-RED-M,tshirt,tee_classic,tshirts,Red M,red,m,19.99',
].join('\n');

describe.each(backends)('PIM bulk API: import, rejects, exports, feed [%s]', (backend) => {
  let t: TestApp;
  const raw = (method: string, path: string, body?: string, type?: string, key?: string) =>
    fetch(`${t.url}/api/v1/pim${path}`, {
      method,
      headers: { authorization: `Bearer ${key ?? t.key}`, ...(type ? { 'content-type': type } : {}) },
      body,
    });
  beforeAll(async () => {
    t = await createTestApp(backend);
    await seedApparel(t.app.domains.pim);
  });
  afterAll(async () => t?.cleanup());

  it('imports a streamed CSV body, reports the bad row and serves the rejects file', async () => {
    const res = await raw('POST', '/imports', CSV, 'text/csv');
    expect(res.status).toBe(200);
    const report = (await res.json()) as any;
    expect(report).toMatchObject({
      rows: 3,
      created: 2,
      rejected: 1,
      rejectsKey: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(report.problems[0]).toMatchObject({ line: 3, sku: 'API-BAD', code: 'OPTION_UNKNOWN' });
    const rejects = await raw('GET', `/imports/rejects/${report.rejectsKey}`);
    expect(rejects.status).toBe(200);
    const text = await rejects.text();
    expect(text).toContain('API-BAD');
    expect(text).toContain('OPTION_UNKNOWN');
    expect(text).not.toContain('API-RED-S');
  });

  it('refuses other content types, bad headers and callers without pim:write', async () => {
    expect((await raw('POST', '/imports', '{}', 'application/json')).status).toBe(415);
    const bad = await raw('POST', '/imports', 'sku,family,bogus\nX,tshirt,1\n', 'text/csv');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as any).code).toBe('PIM_IMPORT_FILE_INVALID');
    const { key } = await t.app.keys.create({ name: 'reader', scopes: ['pim:read'] });
    const refused = await raw('POST', '/imports', CSV, 'text/csv', key);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as any).code).toBe('OWNERSHIP_VIOLATION');
  });

  it('searches over HTTP: a plain list with filters, and the full query as a body', async () => {
    const list = (await (await raw('GET', '/products?q=red&limit=1')).json()) as any;
    expect(list.items).toHaveLength(1);
    expect(list.next).toEqual(expect.any(String));
    const rest = (await (
      await raw('GET', `/products?q=red&after=${encodeURIComponent(list.next)}`)
    ).json()) as any;
    expect([...list.items, ...rest.items].map((p: { sku: string }) => p.sku).sort()).toEqual([
      'API-RED-M',
      'API-RED-S',
    ]);
    const body = JSON.stringify({
      attributes: [{ code: 'size', op: 'eq', value: 'm' }],
      completeness: { channel: 'web', locale: 'en_US', max: 99 },
    });
    const found = (await (await raw('POST', '/products/search', body, 'application/json')).json()) as any;
    expect(found.items.map((p: { sku: string }) => p.sku)).toEqual(['API-RED-M']);
    const bad = await raw(
      'POST',
      '/products/search',
      JSON.stringify({ attributes: [{ code: 'nope', op: 'eq', value: 1 }] }),
      'application/json',
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).errors[0].code).toBe('ATTRIBUTE_UNKNOWN');
  });

  it('streams a product export that re-imports unchanged', async () => {
    for (const [format, type] of [
      ['csv', 'text/csv'],
      ['jsonl', 'application/x-ndjson'],
    ] as const) {
      const res = await raw('GET', `/exports/products?format=${format}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain(format === 'csv' ? 'text/csv' : 'ndjson');
      const body = await res.text();
      expect(body).toContain('API-RED-M');
      const again = (await (await raw('POST', '/imports', body, type)).json()) as any;
      expect(again).toMatchObject({ rows: 2, unchanged: 2, created: 0, updated: 0, rejected: 0 });
    }
  });

  it('streams a Google feed of the published products and refuses an unknown locale up front', async () => {
    const pim = t.app.domains.pim;
    await pim.rules.put('google', {
      // A variant needs what tells it from its siblings (colour, size): Google refuses it otherwise.
      attributes: ['name', 'brand', 'ean', 'msrp', 'description', 'color', 'size'],
      transforms: {
        title: 'name',
        link: "'https://shop.example.com/p/' & sku",
        image_link: "'https://cdn.example.com/' & sku & '.jpg'",
        gtin: 'ean',
        price: 'msrp',
      },
    });
    const p = await pim.products.create({
      sku: 'FEED-1',
      family: 'tshirt',
      parent: 'tee_classic',
      values: teeValues('green', 'l', '4006381333931'),
    });
    await pim.products.patch(p.id, {
      values: { description: [{ locale: 'en_US', channel: 'google', data: 'Green tee' }] },
    });
    for (const action of ['submit', 'approve', 'publish'] as const)
      await pim.workflow.transition(action, [p.id]);
    const res = await raw('GET', '/channels/google/feeds/google?locale=en_US&link=https://shop.example.com');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/rss+xml');
    const xml = await res.text();
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<g:id>FEED-1</g:id>');
    const bad = await raw('GET', '/channels/google/feeds/google?locale=de_DE&link=https://shop.example.com');
    expect(bad.status).toBe(422);
    expect((await raw('GET', '/channels/nope/feeds/google?locale=en_US&link=https://x.example')).status).toBe(
      404,
    );
  });
});

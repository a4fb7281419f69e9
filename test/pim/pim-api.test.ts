import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim } from '../../src/domains/pim/index.js';
import type { Scope } from '../../src/kernel/ports/http.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';

const backends = await availableBackends();

type Res = { status: number; body: any; headers: Headers };
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Res>;

/** Calls under /api/v1/pim with one key; a Uint8Array body is sent as is (set its content-type). */
function client(t: TestApp, key: string): Call {
  return async (method, path, body, headers = {}) => {
    const binary = body instanceof Uint8Array;
    const res = await fetch(`${t.url}/api/v1/pim${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && !binary ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    const json = /json/.test(res.headers.get('content-type') ?? '') && bytes.length > 0;
    return { status: res.status, headers: res.headers, body: json ? JSON.parse(bytes.toString()) : bytes };
  };
}

async function keyWith(t: TestApp, name: string, scopes: Scope[]) {
  const { key, record } = await t.app.keys.create({ name, scopes });
  return { call: client(t, key), actor: `key:${record.id}` };
}

/** The apparel fixture, written through the API: each `put` must answer 200. */
function overHttp(call: Call): Pim {
  const put = (path: string) => async (body: { code: string }) => {
    // Categories and channels leave the code to the path; the others repeat it (both are allowed).
    const { code, ...rest } = body;
    const sent = /^(categories|channels)$/.test(path) ? rest : body;
    const res = await call('PUT', `/${path}/${code}`, sent);
    if (res.status !== 200)
      throw new Error(`PUT /${path}/${code}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    setup: {
      putCategory: put('categories'),
      putChannel: put('channels'),
      putAttribute: put('attributes'),
      putFamily: put('families'),
    },
    models: { put: put('models') },
  } as unknown as Pim;
}

/** A valid PNG (RGB, random pixels so it does not compress: size ≈ 3 × width × height). */
function png(width: number, height: number): Uint8Array {
  const be32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    return Buffer.concat([be32(data.length), body, be32(crc32(body))]);
  };
  const rows = Array.from({ length: height }, () =>
    Buffer.concat([Buffer.from([0]), randomBytes(width * 3)]),
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', Buffer.concat([be32(width), be32(height), Buffer.from([8, 2, 0, 0, 0])])),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', new Uint8Array()),
  ]);
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));

describe.each(backends)('PIM API [%s]', (backend) => {
  let t: TestApp;
  let admin: Call;
  let editor: Awaited<ReturnType<typeof keyWith>>;
  let reviewer: Awaited<ReturnType<typeof keyWith>>;
  let publisher: Awaited<ReturnType<typeof keyWith>>;
  let oms: Awaited<ReturnType<typeof keyWith>>;
  beforeAll(async () => {
    t = await createTestApp(backend);
    admin = client(t, t.key);
    editor = await keyWith(t, 'editor', ['pim:write']);
    reviewer = await keyWith(t, 'reviewer', ['pim:review']);
    publisher = await keyWith(t, 'publisher', ['pim:publish']);
    oms = await keyWith(t, 'oms', ['oms:write']);
  });
  afterAll(async () => t?.cleanup());

  const create = (sku: string, color: string, size: string, ean?: string) =>
    editor.call('POST', '/products', {
      sku,
      family: 'tshirt',
      parent: 'tee_classic',
      categories: ['tshirts'],
      values: teeValues(color, size, ean),
    });

  it('defines the catalog setup through HTTP', async () => {
    await seedApparel(overHttp(editor.call));
    const web = await admin('GET', '/channels/web');
    expect(web.body).toEqual({
      code: 'web',
      labels: {},
      locales: ['en_US', 'fr_FR'],
      currencies: ['USD'],
      categoryTree: 'master',
    });
    expect((await admin('GET', '/channels')).body.items.map((c: any) => c.code)).toEqual(['google', 'web']);
    expect((await admin('GET', '/attributes/ean')).body).toMatchObject({
      type: 'text',
      unique: true,
      pattern: '^[0-9]{8,14}$',
    });
    expect((await admin('GET', '/attributes')).body.items).toHaveLength(14);
    expect((await admin('GET', '/families/tshirt')).body).toMatchObject({ labelAttribute: 'name' });
    expect((await admin('GET', '/families')).body.items).toHaveLength(1);
    expect((await admin('GET', '/models/tee_classic')).body).toMatchObject({
      axes: ['color', 'size'],
      variants: [],
      version: 1,
    });
    expect((await admin('GET', '/models')).body.items).toHaveLength(1);
    const tree = (await admin('GET', '/categories')).body.items;
    expect(tree.find((c: any) => c.code === 'tshirts').path).toEqual(['master', 'men', 'tshirts']);

    const mismatch = await editor.call('PUT', '/channels/web', {
      code: 'other',
      locales: ['en_US'],
      currencies: [],
    });
    expect(mismatch).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    const unknown = await admin('GET', '/channels/nope');
    expect(unknown).toMatchObject({ status: 404, body: { code: 'PIM_CHANNEL_NOT_FOUND' } });
    const bad = await editor.call('PUT', '/attributes/dims', { type: 'measure' });
    expect(bad).toMatchObject({ status: 422, body: { code: 'PIM_DEFINITION_INVALID' } });
    expect(bad.body.errors).toContainEqual(
      expect.objectContaining({ field: 'units', code: 'SETTING_REQUIRED' }),
    );

    expect((await editor.call('PUT', '/categories/sale', { parent: 'master' })).status).toBe(200);
    expect((await editor.call('DELETE', '/categories/sale')).status).toBe(204);
    expect((await editor.call('DELETE', '/categories/sale')).body.code).toBe('PIM_CATEGORY_NOT_FOUND');
    expect((await editor.call('DELETE', '/categories/men')).body.code).toBe('PIM_IN_USE');

    expect((await admin('GET', '/channels/web/rules')).body).toMatchObject({ channel: 'web', version: 0 });
    const rules = await editor.call('PUT', '/channels/web/rules', {
      attributes: ['name', 'description', 'msrp', 'brand', 'color', 'size'],
    });
    expect(rules).toMatchObject({ status: 200, body: { version: 1, author: editor.actor } });
    expect((await admin('GET', '/channels/web/rules/history')).body.items.map((r: any) => r.version)).toEqual(
      [1],
    );
    expect((await admin('GET', '/channels/nope/rules/history')).status).toBe(404);
  });

  it('creates, reads, replaces and merges products with ETags and If-Match', async () => {
    const created = await create('TEE-RED-M', 'red', 'm');
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      sku: 'TEE-RED-M',
      status: 'draft',
      version: 1,
      parent: 'tee_classic',
    });
    const id = created.body.id as string;

    const got = await admin('GET', `/products/${id}`);
    expect(got.headers.get('etag')).toBe('"1"');
    expect(got.body).toEqual(created.body);
    expect((await admin('GET', '/products/by-sku/TEE-RED-M')).body.id).toBe(id);
    expect((await admin('GET', '/products/prd_nope')).body.code).toBe('PIM_PRODUCT_NOT_FOUND');

    const invalid = await editor.call('POST', '/products', {
      sku: 'TEE-BAD',
      family: 'tshirt',
      values: {
        nope: [{ locale: null, channel: null, data: 1 }],
        in_stock_count: [{ locale: null, channel: null, data: 'x' }],
      },
    });
    expect(invalid).toMatchObject({ status: 422, body: { code: 'PIM_PRODUCT_INVALID' } });
    expect(invalid.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'values.nope', code: 'ATTRIBUTE_UNKNOWN' }),
        expect.objectContaining({ field: expect.stringContaining('in_stock_count'), code: 'VALUE_TYPE' }),
      ]),
    );
    const duplicate = await create('TEE-RED-M', 'red', 'l');
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'PIM_SKU_TAKEN' } });

    const { sku: _sku, ...content } = { ...created.body, values: teeValues('red', 'm', '4006381333931') };
    const body = {
      family: content.family,
      parent: content.parent,
      categories: content.categories,
      values: content.values,
    };
    const replaced = await editor.call('PUT', `/products/${id}`, body, { 'if-match': '"1"' });
    expect(replaced).toMatchObject({ status: 200, body: { version: 2 } });
    expect(replaced.headers.get('etag')).toBe('"2"');
    const stale = await editor.call(
      'PUT',
      `/products/${id}`,
      { ...body, categories: [] },
      { 'if-match': '"1"' },
    );
    expect(stale).toMatchObject({ status: 409, body: { code: 'PIM_VERSION_CONFLICT' } });
    expect((await editor.call('PUT', `/products/${id}`, { ...body, sku: 'OTHER' })).status).toBe(400);
    expect((await editor.call('PUT', `/products/${id}`, body, { 'if-match': 'W/"2"' })).status).toBe(400);

    const patched = await editor.call('PATCH', `/products/${id}`, {
      values: { material: [{ locale: null, channel: null, data: ['cotton'] }] },
    });
    expect(patched.body).toMatchObject({
      version: 3,
      values: { ean: [{ data: '4006381333931' }], material: [{ data: ['cotton'] }] },
    });
    const completeness = (await admin('GET', `/products/${id}/completeness`)).body.items;
    expect(completeness.every((c: any) => c.ratio === 100)).toBe(true);

    // A SKU may hold a `/`: encoded in the path, it is one segment.
    const slashed = await editor.call('POST', '/products', {
      sku: 'TEE/PLAIN',
      family: 'tshirt',
      values: {},
    });
    expect(slashed.status).toBe(201);
    expect((await admin('GET', '/products/by-sku/TEE%2FPLAIN')).body.id).toBe(slashed.body.id);
  });

  it('replays a create with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'create-tee-blue-s' };
    const body = {
      sku: 'TEE-BLUE-S',
      family: 'tshirt',
      parent: 'tee_classic',
      values: teeValues('blue', 's'),
    };
    const first = await editor.call('POST', '/products', body, headers);
    expect(first.status).toBe(201);
    const again = await editor.call('POST', '/products', body, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const reused = await editor.call('POST', '/products', { ...body, sku: 'TEE-BLUE-L' }, headers);
    expect(reused).toMatchObject({ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED' } });
  });

  it('lists versions with diffs and restores one as a new version', async () => {
    const { id, values } = (await admin('GET', '/products/by-sku/TEE-RED-M')).body;
    const versions = (await admin('GET', `/products/${id}/versions`)).body.items;
    expect(versions.map((v: any) => [v.version, v.reason, v.author])).toEqual([
      [3, 'update', editor.actor],
      [2, 'update', editor.actor],
      [1, 'create', editor.actor],
    ]);
    expect(Object.keys(versions[0].diff)).toEqual(['values.material']);
    const restored = await editor.call('POST', `/products/${id}/versions/1/restore`);
    expect(restored).toMatchObject({ status: 200, body: { version: 4 } });
    expect(restored.headers.get('etag')).toBe('"4"');
    expect(restored.body.values.ean).toBeUndefined();
    expect(restored.body.values.name).toEqual(values.name);
    expect((await admin('GET', `/products/${id}/versions`)).body.items[0].reason).toBe('restore:1');
    expect((await editor.call('POST', `/products/${id}/versions/9/restore`)).body.code).toBe(
      'PIM_VERSION_NOT_FOUND',
    );
  });

  it('refuses writes from keys without pim:write, audited, and leaves the product unchanged', async () => {
    const before = (await admin('GET', '/products/by-sku/TEE-RED-M')).body;
    const refused = await oms.call('PATCH', `/products/${before.id}`, {
      values: { brand: [{ locale: null, channel: null, data: 'Hijacked' }] },
    });
    expect(refused).toMatchObject({ status: 403, body: { code: 'OWNERSHIP_VIOLATION' } });
    expect((await admin('GET', `/products/${before.id}`)).body).toEqual(before);
    const audit = await fetch(`${t.url}/api/v1/audit?action=pim.ownership.violation`, {
      headers: { authorization: `Bearer ${t.key}` },
    }).then((r) => r.json() as Promise<any>);
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        actor: oms.actor,
        action: 'pim.ownership.violation',
        target: `product:${before.id}`,
      }),
    );
    // Reads are guarded by scope, before any handler runs.
    expect((await oms.call('GET', `/products/${before.id}`)).body).toMatchObject({
      code: 'FORBIDDEN',
      missingScopes: ['pim:read'],
    });
  });

  it('gates workflow transitions by role and records who did what', async () => {
    const { id } = (await create('TEE-GREEN-L', 'green', 'l')).body;
    const move = (who: Call, action: string, extra: object = {}) =>
      who('POST', `/products/${id}/transitions`, { action, ...extra });

    expect((await move(editor.call, 'submit')).body).toMatchObject({ id, ok: true, status: 'in_review' });
    const notReviewer = await move(editor.call, 'approve');
    expect(notReviewer).toMatchObject({
      status: 403,
      body: { code: 'PIM_ROLE_REQUIRED', scope: 'pim:review' },
    });
    const noComment = await move(reviewer.call, 'reject');
    expect(noComment).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await move(reviewer.call, 'reject', { comment: 'Add the EAN' })).body.status).toBe('draft');
    expect((await move(reviewer.call, 'approve')).body.code).toBe('PIM_TRANSITION_INVALID');
    await move(editor.call, 'submit');
    expect((await move(reviewer.call, 'approve', { comment: 'Good to go' })).body.status).toBe('approved');
    expect((await move(reviewer.call, 'publish')).body.code).toBe('PIM_ROLE_REQUIRED');

    const published = await move(publisher.call, 'publish');
    expect(published).toMatchObject({ status: 200, body: { ok: true, status: 'published' } });
    expect(published.body.published).toContainEqual({ channel: 'web', locale: 'en_US' });
    expect(published.body.skipped).toContainEqual(
      expect.objectContaining({ channel: 'google', missing: ['ean'] }),
    );
    const listings = (await admin('GET', `/products/${id}/listings`)).body.items;
    expect(listings).toContainEqual(
      expect.objectContaining({ channel: 'web', locale: 'en_US', status: 'published' }),
    );

    const history = (await admin('GET', `/products/${id}/workflow`)).body.items;
    expect(history.map((e: any) => [e.action, e.actor, e.comment])).toEqual([
      ['submit', editor.actor, null],
      ['reject', reviewer.actor, 'Add the EAN'],
      ['submit', editor.actor, null],
      ['approve', reviewer.actor, 'Good to go'],
      ['publish', publisher.actor, null],
    ]);
    const note = await editor.call('POST', `/products/${id}/comments`, {
      body: 'EAN requested from supplier',
    });
    expect(note).toMatchObject({ status: 201, body: { author: editor.actor } });
    const comments = (await admin('GET', `/products/${id}/comments`)).body.items;
    expect(comments.map((c: any) => c.body)).toEqual([
      'Add the EAN',
      'Good to go',
      'EAN requested from supplier',
    ]);
  });

  it('applies a bulk action per product and refuses to publish what is complete nowhere', async () => {
    const a = (await create('TEE-RED-S', 'red', 's')).body.id;
    const b = (await editor.call('POST', '/products', { sku: 'TEE-BARE', family: 'tshirt', values: {} })).body
      .id;
    const submitted = await editor.call('POST', '/workflow/submit', { ids: [a, b, 'prd_missing', a] });
    expect(submitted.body).toMatchObject({ succeeded: 2, failed: 1 });
    expect(submitted.body.results.find((r: any) => r.id === 'prd_missing').errors[0].code).toBe(
      'PIM_PRODUCT_NOT_FOUND',
    );
    expect((await reviewer.call('POST', '/workflow/approve', { ids: [a, b] })).body.succeeded).toBe(2);
    const bare = await publisher.call('POST', `/products/${b}/transitions`, { action: 'publish' });
    expect(bare).toMatchObject({ status: 422, body: { code: 'PIM_PRODUCT_INCOMPLETE' } });
    expect(bare.body.errors[0].code).toBe('PIM_PRODUCT_INCOMPLETE');
    expect((await admin('GET', `/products/${b}`)).body.status).toBe('approved');
    expect((await editor.call('POST', '/workflow/publish', { ids: [a] })).body.code).toBe(
      'PIM_ROLE_REQUIRED',
    );
    expect((await editor.call('POST', '/workflow/explode', { ids: [a] })).status).toBe(400);
  });

  it('uploads, deduplicates, serves and links assets', async () => {
    const image = png(8, 4);
    const up = await editor.call('POST', '/assets?filename=tiny.png', image, { 'content-type': 'image/png' });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      deduplicated: false,
      asset: { mime: 'image/png', kind: 'image', width: 8, height: 4 },
    });
    expect(up.body.asset).toMatchObject({
      filename: 'tiny.png',
      size: image.length,
      createdBy: editor.actor,
    });
    const { id, checksum } = up.body.asset;
    expect(up.headers.get('location')).toBe(`/api/v1/pim/assets/${id}`);

    const again = await editor.call('POST', '/assets', image, {
      'content-type': 'application/octet-stream',
      'content-disposition': 'attachment; filename="copy.png"',
    });
    expect(again).toMatchObject({ status: 200, body: { deduplicated: true, asset: { id } } });

    const content = await admin('GET', `/assets/${id}/content`);
    expect(content.status).toBe(200);
    expect(Buffer.compare(content.body, Buffer.from(image))).toBe(0);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(content.headers.get('content-length')).toBe(String(image.length));
    expect(content.headers.get('etag')).toBe(`"${checksum}"`);
    expect(content.headers.get('content-disposition')).toBe(
      `inline; filename="tiny.png"; filename*=UTF-8''tiny.png`,
    );
    expect(
      (await admin('GET', `/assets/${id}/content`, undefined, { 'if-none-match': `"${checksum}"` })).status,
    ).toBe(304);

    const named = await editor.call('POST', '/assets', png(2, 2), {
      'content-type': 'image/png; name="x.png"', // parameters are allowed
      'content-disposition': `attachment; filename="x.png"; filename*=UTF-8''${encodeURIComponent('Tée "spécial".png')}`,
    });
    expect(named.body.asset.filename).toBe('Tée "spécial".png');
    expect(
      (await admin('GET', `/assets/${named.body.asset.id}/content`)).headers.get('content-disposition'),
    ).toBe(`inline; filename="T_e _sp_cial_.png"; filename*=UTF-8''T%C3%A9e%20%22sp%C3%A9cial%22.png`);

    const page1 = (await admin('GET', '/assets?limit=1')).body;
    expect(page1.items.map((a: any) => a.id)).toEqual([id]);
    const page2 = (await admin('GET', `/assets?limit=1&after=${page1.next}`)).body;
    expect(page2).toEqual({ items: [named.body.asset] });
    expect((await admin('GET', `/assets/${id}`)).body).toEqual(up.body.asset);

    const product = (await admin('GET', '/products/by-sku/TEE-BLUE-S')).body;
    await editor.call('PATCH', `/products/${product.id}`, {
      values: { image: [{ locale: null, channel: null, data: id }] },
    });
    expect((await admin('GET', `/assets/${id}/links`)).body).toEqual({
      products: [{ id: product.id, sku: 'TEE-BLUE-S' }],
      models: [],
    });

    const text = new TextEncoder().encode('just some text, not an image\n');
    const sniffed = await editor.call('POST', '/assets?filename=a.png', text, {
      'content-type': 'application/octet-stream',
    });
    expect(sniffed).toMatchObject({ status: 415, body: { code: 'PIM_ASSET_TYPE_UNSUPPORTED' } });
    const declared = await editor.call('POST', '/assets', text, { 'content-type': 'text/plain' });
    expect(declared).toMatchObject({ status: 415, body: { code: 'PIM_ASSET_TYPE_UNSUPPORTED' } });
    expect((await oms.call('POST', '/assets', image, { 'content-type': 'image/png' })).body.code).toBe(
      'OWNERSHIP_VIOLATION',
    );
    expect((await admin('GET', '/assets')).body.items).toHaveLength(2);
    expect((await admin('GET', '/assets/ast_nope/content')).body.code).toBe('PIM_ASSET_NOT_FOUND');
  });

  it('documents the PIM routes in OpenAPI', async () => {
    const doc: any = await fetch(`${t.url}/openapi.json`).then((r) => r.json());
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/v1/pim/channels/{code}',
      '/api/v1/pim/categories/{code}',
      '/api/v1/pim/models/{code}',
      '/api/v1/pim/products',
      '/api/v1/pim/products/{id}',
      '/api/v1/pim/products/by-sku/{sku}',
      '/api/v1/pim/products/{id}/versions/{version}/restore',
      '/api/v1/pim/products/{id}/transitions',
      '/api/v1/pim/workflow/{action}',
      '/api/v1/pim/channels/{code}/rules/history',
      '/api/v1/pim/assets',
      '/api/v1/pim/assets/{id}/content',
    ])
      expect(paths).toContain(p);
    expect(doc.paths['/api/v1/pim/products/{id}'].patch).toMatchObject({
      tags: ['pim'],
      summary: expect.any(String),
    });
  });

  // Last: should a write get through, it must not disturb the other cases.
  it('refuses setup, rules, model and comment writes from keys without pim:write', async () => {
    const { id } = (await admin('GET', '/products/by-sku/TEE-RED-M')).body;
    const attempts: [string, string, unknown][] = [
      ['PUT', '/categories/hijack', {}],
      ['DELETE', '/categories/hijack', undefined],
      ['PUT', '/channels/hijack', { locales: ['en_US'], currencies: [] }],
      ['PUT', '/attributes/hijack', { type: 'text' }],
      ['PUT', '/families/hijack', { attributes: [] }],
      ['PUT', '/models/hijack', { family: 'tshirt', axes: ['size'] }],
      ['PUT', '/channels/web/rules', { attributes: ['name'] }],
      ['POST', `/products/${id}/comments`, { body: 'hi' }],
    ];
    const refused: string[] = [];
    for (const [method, path, body] of attempts)
      if ((await oms.call(method, path, body)).body?.code === 'OWNERSHIP_VIOLATION')
        refused.push(`${method} ${path}`);
    expect(refused).toEqual(attempts.map(([m, p]) => `${m} ${p}`));
  });
});

describe.each(backends)('PIM API: asset size limit [%s]', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    // The JSON body limit is below the asset limit: uploads must not be held to it.
    t = await createTestApp(backend, { 'assets.maxBytes': 2048, 'api.bodyLimitBytes': 1024 });
  });
  afterAll(async () => t?.cleanup());

  it('refuses an asset over assets.maxBytes with 413 and stores nothing', async () => {
    const call = client(t, t.key);
    const big = png(40, 40); // ≈ 4.9 kB of incompressible pixels
    const refused = await call('POST', '/assets?filename=big.png', big, { 'content-type': 'image/png' });
    expect(refused).toMatchObject({ status: 413, body: { code: 'PIM_ASSET_TOO_LARGE', maxBytes: 2048 } });
    expect((await call('GET', '/assets')).body.items).toEqual([]);
    const blobs = resolve(t.app.config.dataDir, t.app.config.assets.dir);
    expect(filesUnder(blobs)).toEqual([]);

    const fits = png(20, 20); // ≈ 1.3 kB: over api.bodyLimitBytes, under assets.maxBytes
    expect(fits.length).toBeGreaterThan(1024);
    expect((await call('POST', '/assets', fits, { 'content-type': 'image/png' })).status).toBe(201);
    expect(filesUnder(blobs)).toHaveLength(1);
  });
});

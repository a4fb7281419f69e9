import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type KeelApp } from '../../src/app.js';
import type { Erp, PriceList } from '../../src/domains/erp/index.js';
import { resolveConfig } from '../../src/kernel/config.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';

const backends = await availableBackends();

type Res = { status: number; body: any; headers: Headers };
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Res>;

const AT = '2026-03-01T12:00:00.000Z';

/** A public list (everyday prices with a volume break) and a B2B contract derived from it. */
const publicList = (code: string, over: Partial<PriceList> = {}): PriceList => ({
  code,
  name: `Public ${code}`,
  currency: 'EUR',
  channels: ['web'],
  priority: 0,
  pricesIncludeTax: true,
  entries: [
    { sku: 'TEE-1', unitPrice: 2_000, breaks: [{ minQuantity: 10, unitPrice: 1_800 }] },
    { sku: 'MUG-1', unitPrice: 1_200 },
  ],
  ...over,
});
const contract = (code: string, parent: string, over: Partial<PriceList> = {}): PriceList => ({
  code,
  name: `Contract ${code}`,
  currency: 'EUR',
  channels: ['web', 'b2b'],
  customerGroup: 'acme',
  priority: 0,
  pricesIncludeTax: false,
  parent: { code: parent, adjustmentPercent: -15 },
  entries: [{ sku: 'MUG-1', unitPrice: 900 }],
  ...over,
});
const codesOf = (body: { errors?: { code: string }[] }) => (body.errors ?? []).map((e) => e.code).sort();

describe.each(backends)('ERP price lists [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let api: Call;
  let reader: Call;
  const revision = async () => (await erp.prices.list()).revision;

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    api = (method, path, body, headers) => t.api(method, `/api/v1/erp${path}`, body, headers);
    const { key } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    reader = async (method, path, body) => {
      const res = await fetch(`${t.url}/api/v1/erp${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    };
  });
  afterAll(async () => t?.cleanup());

  it('creates, reads, lists, replaces and deletes a list, versioned and audited', async () => {
    const { code: _code, ...body } = publicList('crud-web');
    const created = await api('PUT', '/price-lists/crud-web', body);
    expect(created.status).toBe(200);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({ code: 'crud-web', version: 1, list: publicList('crud-web') });

    const got = await reader('GET', '/price-lists/crud-web');
    expect(got.body.list).toEqual(publicList('crud-web'));
    expect(got.headers.get('etag')).toBe('"1"');

    // The same content again is no change: no new version, no revision bump.
    const before = await revision();
    expect((await api('PUT', '/price-lists/crud-web', body)).body.version).toBe(1);
    expect(await revision()).toBe(before);

    // Nulls read as absent; a replace drops entries not sent.
    const replaced = await api('PUT', '/price-lists/crud-web', {
      ...body,
      customerGroup: null,
      entries: [{ sku: 'TEE-1', unitPrice: 2_100, breaks: null }],
    });
    expect(replaced.body).toMatchObject({
      version: 2,
      list: { entries: [{ sku: 'TEE-1', unitPrice: 2_100 }] },
    });
    expect(replaced.body.list).not.toHaveProperty('customerGroup');
    expect(await revision()).toBe(before + 1);

    const listed = (await reader('GET', '/price-lists')).body;
    expect(listed.revision).toBe(before + 1);
    const summary = listed.items.find((i: { code: string }) => i.code === 'crud-web');
    expect(summary).toMatchObject({ version: 2, entryCount: 1, currency: 'EUR', channels: ['web'] });
    expect(summary).not.toHaveProperty('entries');

    expect((await api('DELETE', '/price-lists/crud-web')).status).toBe(204);
    const gone = await reader('GET', '/price-lists/crud-web');
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
    expect(gone.body.code).toBe('ERP_PRICE_LIST_NOT_FOUND');
    expect((await api('DELETE', '/price-lists/crud-web')).body.code).toBe('ERP_PRICE_LIST_NOT_FOUND');

    const trail = await t.app.audit.list({ target: 'price-list:crud-web' });
    expect(trail.map((e) => e.action)).toEqual([
      'erp.price_list.created',
      'erp.price_list.replaced',
      'erp.price_list.deleted',
    ]);
  });

  it('lists every problem of a list and of the set it joins, and writes nothing', async () => {
    const before = await revision();
    const bad = await api('PUT', '/price-lists/bad-1', {
      name: 'Bad',
      currency: 'EUX',
      channels: ['web'],
      priority: 0,
      pricesIncludeTax: true,
      validFrom: '2026-02-01T00:00:00Z',
      validTo: '2026-01-01T00:00:00Z',
      parent: { code: 'no-such-list', adjustmentPercent: 5 },
      entries: [
        { sku: 'TEE-1', unitPrice: -5 },
        { sku: 'MUG-1', unitPrice: 100 },
        { sku: 'MUG-1', unitPrice: 110 },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.code).toBe('ERP_PRICE_LIST_INVALID');
    expect(codesOf(bad.body)).toEqual([
      'CURRENCY_INVALID',
      'ENTRY_OVERLAP',
      'PARENT_UNKNOWN',
      'PRICE_INVALID',
      'RANGE_INVERTED',
    ]);
    expect(bad.body.errors.find((e: { code: string }) => e.code === 'PRICE_INVALID').field).toBe(
      'entries[0].unitPrice',
    );
    expect((await reader('GET', '/price-lists/bad-1')).status).toBe(404);
    expect(await revision()).toBe(before);

    // Set problems: a cycle, a parent in another currency, and what a change would do to a child.
    await erp.prices.put(publicList('set-base'));
    await erp.prices.put(contract('set-child', 'set-base'));
    const cycle = await api('PUT', '/price-lists/set-base', {
      ...publicList('set-base'),
      parent: { code: 'set-child', adjustmentPercent: 0 },
    });
    expect(cycle.status).toBe(422);
    expect(codesOf(cycle.body)).toEqual(['INHERITANCE_CYCLE', 'INHERITANCE_CYCLE']);
    expect(cycle.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'lists.set-child.parent.code',
      'parent.code',
    ]);
    const usd = await api('PUT', '/price-lists/set-usd', {
      ...contract('set-usd', 'set-base'),
      currency: 'USD',
    });
    expect(codesOf(usd.body)).toEqual(['PARENT_CURRENCY_MISMATCH']);
    const moved = await api('PUT', '/price-lists/set-base', { ...publicList('set-base'), currency: 'GBP' });
    expect(moved.body.errors).toEqual([
      expect.objectContaining({ field: 'lists.set-child.parent.code', code: 'PARENT_CURRENCY_MISMATCH' }),
    ]);
    expect((await erp.prices.get('set-base')).version).toBe(1);
    expect((await reader('GET', '/price-lists/set-usd')).status).toBe(404);

    // Shape errors are 400 with every path; a body code must agree with the path's.
    const shape = await api('PUT', '/price-lists/bad-2', { name: 1, entries: 'none' });
    expect(shape.status).toBe(400);
    expect(shape.body.code).toBe('VALIDATION_FAILED');
    const other = await api('PUT', '/price-lists/bad-2', publicList('bad-3'));
    expect(other.status).toBe(400);
    expect((await reader('GET', '/price-lists/bad-3')).status).toBe(404);
  });

  it('announces every change as price-list.changed, with the SKUs and channels it touches', async () => {
    const events = async (code: string) =>
      (await t.app.bus.admin.events({ type: 'keel.erp.price-list.changed.v1', limit: 500 }))
        .filter((e) => (e.data as { code: string }).code === code)
        .map((e) => e.data as Record<string, unknown>);
    await erp.prices.put(publicList('EV-PUB'));
    await erp.prices.put(publicList('EV-PUB')); // the same content: no change, no event
    await erp.prices.put(
      publicList('EV-PUB', {
        entries: [
          { sku: 'TEE-1', unitPrice: 2_100, breaks: [{ minQuantity: 10, unitPrice: 1_800 }] },
          { sku: 'MUG-1', unitPrice: 1_200 },
        ],
      }),
    );
    await erp.prices.put(contract('EV-B2B', 'EV-PUB'));
    await erp.prices.delete('EV-B2B');
    // PostgreSQL numbers appended events a moment after their commit.
    await waitFor(async () => (await events('EV-B2B')).length === 2, 10_000, 'price-list events');
    expect(await events('EV-PUB')).toEqual([
      expect.objectContaining({ change: 'created', version: 1, skus: ['MUG-1', 'TEE-1'], allSkus: false }),
      expect.objectContaining({
        change: 'replaced',
        version: 2,
        skus: ['TEE-1'],
        allSkus: false,
        channels: ['web'],
        inheritedBy: [],
      }),
    ]);
    expect(await events('EV-B2B')).toEqual([
      expect.objectContaining({
        change: 'created',
        allSkus: true,
        customerGroup: 'acme',
        channels: ['b2b', 'web'],
      }),
      expect.objectContaining({ change: 'deleted', version: 1, allSkus: true }),
    ]);
    // A refused write announces nothing.
    await expect(erp.prices.put(publicList('EV-PUB', { currency: 'usd' }))).rejects.toMatchObject({
      code: 'ERP_PRICE_LIST_INVALID',
    });
    expect(await events('EV-PUB')).toHaveLength(2);
  });

  it('refuses to delete a list others inherit from', async () => {
    await erp.prices.put(publicList('del-base'));
    await erp.prices.put(contract('del-child-a', 'del-base'));
    await erp.prices.put(contract('del-child-b', 'del-base', { customerGroup: 'globex' }));
    const refused = await api('DELETE', '/price-lists/del-base');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      code: 'ERP_PRICE_LIST_IN_USE',
      children: ['del-child-a', 'del-child-b'],
    });
    expect((await reader('GET', '/price-lists/del-base')).status).toBe(200);
    await erp.prices.delete('del-child-a');
    await expect(erp.prices.delete('del-base')).rejects.toMatchObject({ code: 'ERP_PRICE_LIST_IN_USE' });
    await erp.prices.delete('del-child-b');
    expect((await api('DELETE', '/price-lists/del-base')).status).toBe(204);
  });

  it('resolves contract and public prices over REST, with the explanation', async () => {
    await erp.prices.put(publicList('rs-public', { channels: ['rs'] }));
    await erp.prices.put(contract('rs-acme', 'rs-public', { channels: ['rs'] }));
    const lines = [
      { sku: 'TEE-1', quantity: 1 },
      { sku: 'TEE-1', quantity: 12 },
      { sku: 'MUG-1', quantity: 2 },
      { sku: 'NOPE-1', quantity: 1 },
    ];
    const b2b = await reader('POST', '/prices/resolve', {
      channel: 'rs',
      currency: 'EUR',
      customerGroup: 'acme',
      at: AT,
      lines,
      explain: true,
    });
    expect(b2b.status).toBe(200);
    expect(b2b.body).toMatchObject({ at: AT, priced: 3, missing: 1 });
    const [tee1, tee12, mug, nope] = b2b.body.lines;
    // Inherited from the public list, 15 % off: 2,000 → 1,700; the 10+ break 1,800 → 1,530.
    expect(tee1).toMatchObject({
      found: true,
      list: 'rs-acme',
      unitPrice: 1_700,
      amount: 1_700,
      pricesIncludeTax: false,
      source: { list: 'rs-public', entryIndex: 0, breakIndex: null, unitPrice: 2_000 },
      adjustments: [{ list: 'rs-acme', adjustmentPercent: -15 }],
    });
    expect(tee12).toMatchObject({
      unitPrice: 1_530,
      amount: 18_360,
      source: { breakIndex: 0, minQuantity: 10 },
    });
    expect(mug).toMatchObject({ list: 'rs-acme', unitPrice: 900, adjustments: [] });
    // Lists of other tests price the SKUs too (on other channels): only this test's are looked at.
    const mine = (e: { list: string }[]) => e.filter((c) => c.list.startsWith('rs-'));
    expect(mine(tee1.explanation).map((c: any) => [c.list, c.reason ?? c.outcome])).toEqual([
      ['rs-acme', 'won'],
      ['rs-public', 'lower_priority'],
    ]);
    expect(mine(tee1.explanation)[1]).toMatchObject({
      unitPrice: 2_000,
      message: expect.stringContaining('contract'),
    });
    expect(nope).toMatchObject({ found: false, code: 'ERP_PRICE_NOT_FOUND', explanation: [] });
    expect(nope.message).toContain('NOPE-1');

    // The public customer pays list price; the contract is explained as not theirs.
    const web = await reader('POST', '/prices/resolve', {
      channel: 'rs',
      currency: 'EUR',
      at: AT,
      lines: [{ sku: 'MUG-1', quantity: 1 }],
      explain: true,
    });
    expect(web.body.lines[0]).toMatchObject({
      found: true,
      list: 'rs-public',
      unitPrice: 1_200,
      pricesIncludeTax: true,
    });
    expect(mine(web.body.lines[0].explanation)[0]).toMatchObject({ list: 'rs-acme', reason: 'wrong_group' });
    // Without `explain`, prices come bare; misses are always explained.
    const bare = await reader('POST', '/prices/resolve', { channel: 'rs', currency: 'EUR', at: AT, lines });
    expect(bare.body.lines[0]).not.toHaveProperty('explanation');
    expect(bare.body.lines[3].explanation).toEqual([]);
    const inUsd = await reader('POST', '/prices/resolve', {
      channel: 'rs',
      currency: 'USD',
      at: AT,
      lines: [{ sku: 'MUG-1', quantity: 1 }],
    });
    expect(inUsd.body.lines[0]).toMatchObject({ found: false });
    expect(mine(inUsd.body.lines[0].explanation).map((c: any) => c.reason)).toEqual([
      'wrong_currency',
      'wrong_currency',
    ]);

    const one = await erp.prices.resolve({
      channel: 'rs',
      currency: 'EUR',
      at: AT,
      sku: 'MUG-1',
      quantity: 1,
    });
    expect(one).toMatchObject({ list: 'rs-public', unitPrice: 1_200 });
    await expect(
      erp.prices.resolve({ channel: 'rs', currency: 'EUR', at: AT, sku: 'NOPE-1', quantity: 1 }),
    ).rejects.toMatchObject({ code: 'ERP_PRICE_NOT_FOUND' });
  });

  it('answers malformed queries with every problem, and defaults `at` to now', async () => {
    const bad = await reader('POST', '/prices/resolve', {
      channel: 'web',
      currency: 'EURO',
      at: 'yesterday',
      lines: [
        { sku: 'TEE-1', quantity: 1 },
        { sku: 'TEE-1', quantity: 0.5 },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('ERP_PRICE_QUERY_INVALID');
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'at',
      'currency',
      'lines[1].quantity',
    ]);

    const day = 86_400_000;
    const now = Date.now();
    await erp.prices.put(
      publicList('now-web', {
        channels: ['now'],
        entries: [
          { sku: 'TEE-1', unitPrice: 1_000, effectiveTo: new Date(now - day).toISOString() },
          { sku: 'TEE-1', unitPrice: 1_111, effectiveFrom: new Date(now - day).toISOString() },
        ],
      }),
    );
    // null reads as absent: no group, and now.
    const res = await reader('POST', '/prices/resolve', {
      channel: 'now',
      currency: 'EUR',
      customerGroup: null,
      at: null,
      lines: [{ sku: 'TEE-1', quantity: 1 }],
    });
    expect(res.body.lines[0]).toMatchObject({ found: true, unitPrice: 1_111 });
    expect(Date.parse(res.body.at)).toBeGreaterThanOrEqual(now);
    expect(Date.parse(res.body.at)).toBeLessThanOrEqual(Date.now());
  });

  it('sees a change at the next resolution, in this process and in another one', async () => {
    await erp.prices.put(publicList('cache-web', { channels: ['cache'] }));
    const ask = { channel: 'cache', currency: 'EUR', at: AT };
    const priceOf = async (prices = erp.prices) =>
      (await prices.resolveMany(ask, [{ sku: 'MUG-1', quantity: 1 }])).lines[0];
    expect(await priceOf()).toMatchObject({ unitPrice: 1_200 });

    const changed = publicList('cache-web', { channels: ['cache'] });
    changed.entries[1]!.unitPrice = 1_250;
    expect((await api('PUT', '/price-lists/cache-web', changed)).status).toBe(200);
    const again = await reader('POST', '/prices/resolve', { ...ask, lines: [{ sku: 'MUG-1', quantity: 1 }] });
    expect(again.body.lines[0]).toMatchObject({ unitPrice: 1_250 });
    expect(again.body.revision).toBe(await revision());

    // A second process on the same database, with its own warm cache, notices the next change.
    const { config } = resolveConfig({ overrides: { ...t.overrides, port: 0 } });
    const other: KeelApp = await createApp({ config, log: silentLogger });
    try {
      const otherPrices = other.domains.erp.prices;
      expect(await priceOf(otherPrices)).toMatchObject({ unitPrice: 1_250 });
      changed.entries[1]!.unitPrice = 1_300;
      await erp.prices.put(changed);
      expect(await priceOf(otherPrices)).toMatchObject({ unitPrice: 1_300 });
      await otherPrices.put({ ...changed, channels: ['elsewhere'] });
      expect(await priceOf()).toMatchObject({ found: false });
    } finally {
      await other.stop();
    }
  });

  it('refuses a write based on a stale version, and lets one of two racing writers win', async () => {
    const v1 = await api('PUT', '/price-lists/occ-web', publicList('occ-web'), { 'if-match': '"0"' });
    expect(v1.status).toBe(200);
    const again = await api('PUT', '/price-lists/occ-web', publicList('occ-web', { priority: 1 }), {
      'if-match': '"0"',
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ERP_PRICE_LIST_VERSION_CONFLICT', currentVersion: 1 });
    const v2 = await api('PUT', '/price-lists/occ-web', publicList('occ-web', { priority: 2 }), {
      'if-match': '"1"',
    });
    expect(v2.headers.get('etag')).toBe('"2"');
    const stale = await api('PUT', '/price-lists/occ-web', publicList('occ-web', { priority: 3 }), {
      'if-match': '"1"',
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('ERP_PRICE_LIST_VERSION_CONFLICT');
    expect((await api('DELETE', '/price-lists/occ-web', undefined, { 'if-match': '"1"' })).status).toBe(409);
    expect((await erp.prices.get('occ-web')).list.priority).toBe(2);

    // Two editors of version 2 at once: exactly one wins, the other is told to re-read.
    const results = await Promise.allSettled(
      [10, 20].map((priority) => erp.prices.put(publicList('occ-web', { priority }), { expectedVersion: 2 })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'ERP_PRICE_LIST_VERSION_CONFLICT' });
    const after = await erp.prices.get('occ-web');
    expect(after.version).toBe(3);
    expect([10, 20]).toContain(after.list.priority);
  });

  it('lets a reader resolve but not write', async () => {
    const denied = await reader('PUT', '/price-lists/rd-web', publicList('rd-web'));
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await reader('GET', '/price-lists/rd-web')).status).toBe(404);
    await erp.prices.put(publicList('rd-web', { channels: ['rd'] }));
    expect((await reader('DELETE', '/price-lists/rd-web')).status).toBe(403);
    expect((await reader('GET', '/price-lists/rd-web')).status).toBe(200);
    const trail = await t.app.audit.list({ action: 'erp.ownership.violation' });
    expect(trail.map((e) => e.target)).toContain('price-list:rd-web');
  });

  it('documents the routes in OpenAPI', async () => {
    const res = await fetch(`${t.url}/openapi.json`);
    const doc = (await res.json()) as { paths: Record<string, Record<string, any>> };
    const put = doc.paths['/api/v1/erp/price-lists/{code}']?.put;
    expect(put?.requestBody.content['application/json'].schema.properties.entries.type).toBe('array');
    expect(Object.keys(put?.responses ?? {})).toEqual(expect.arrayContaining(['200', '403', '409', '422']));
    expect(doc.paths['/api/v1/erp/prices/resolve']?.post.responses['200']).toBeDefined();
  });

  it('resolves thousands of lines in one request', async () => {
    const skus = Array.from({ length: 5_000 }, (_, i) => `BULK-${i}`);
    await erp.prices.put(
      publicList('bulk-web', {
        channels: ['bulk'],
        entries: skus.map((sku, i) => ({
          sku,
          unitPrice: 100 + i,
          breaks: [{ minQuantity: 10, unitPrice: 90 }],
        })),
      }),
    );
    const lines = skus.map((sku, i) => ({ sku, quantity: 1 + (i % 12) }));
    // How fast is the bench's to say (no timed tests): this checks a request of this size works.
    const res = await reader('POST', '/prices/resolve', { channel: 'bulk', currency: 'EUR', at: AT, lines });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ priced: 5_000, missing: 0 });
    expect(res.body.lines[11]).toMatchObject({ sku: 'BULK-11', quantity: 12, unitPrice: 90 });
    expect(res.body.lines[1]).toMatchObject({ sku: 'BULK-1', quantity: 2, unitPrice: 101 });
    expect(res.body.lines[4_999]).toMatchObject({ sku: 'BULK-4999', quantity: 8, unitPrice: 5_099 });
  });
});

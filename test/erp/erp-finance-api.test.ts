import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EU_VAT, saleEntry } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();

type Res = { status: number; body: any; headers: Headers };
type Call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Res>;

/** A German seller's B2C sale to France (OSS: French VAT) and a B2B sale to an Italian business. */
const sale = (customer: object, country = 'FR') => ({
  date: '2026-11-20',
  currency: 'EUR',
  pricesIncludeTax: false,
  destination: { country },
  customer,
  lines: [{ id: 'l1', taxClass: 'standard', quantity: 2, unitPrice: 5_000 }],
});

describe.each(backends)('ERP finance REST API: journal, periods, tax [%s]', (backend) => {
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

  it('posts, reads, reverses and balances journal entries', async () => {
    const entry = saleEntry({ date: '2026-11-03', currency: 'EUR', invoice: 'INV-9', net: 1_000, tax: 190 });
    const posted = await api(
      'POST',
      '/journal/entries',
      { entries: [entry] },
      { 'idempotency-key': 'jnl-1' },
    );
    expect(posted.status).toBe(201);
    const id = posted.body.items[0].id as string;
    expect((await api('GET', `/journal/entries/${id}`)).body).toMatchObject({
      reference: 'INV-9',
      totals: { debit: 1_190 },
    });
    expect(
      (await reader('GET', '/journal/entries?account=2100')).body.items.map((e: { id: string }) => e.id),
    ).toEqual([id]);
    const reversed = await api('POST', `/journal/entries/${id}/reverse`, { date: '2026-11-04' });
    expect(reversed.status).toBe(201);
    expect(reversed.body.reverses).toBe(id);
    expect((await api('POST', `/journal/entries/${id}/reverse`, {})).body.code).toBe(
      'ERP_JOURNAL_ENTRY_REVERSED',
    );
    const tb = await reader('GET', '/journal/trial-balance?currency=EUR');
    expect(tb.body.items).toHaveLength(1);
    expect(tb.body.items[0]).toMatchObject({
      currency: 'EUR',
      balanced: true,
      totals: { debit: 2_380, credit: 2_380 },
    });
    expect(tb.body.items[0].rows.every((r: { balance: number }) => r.balance === 0)).toBe(true);
    expect((await reader('GET', '/journal/verify')).body).toMatchObject({ unbalanced: [], drift: [] });
  });

  it('answers bad entries with problem+json and writes nothing', async () => {
    const res = await api('POST', '/journal/entries', {
      entries: [
        {
          date: '2026-11-31',
          source: 'manual',
          reference: 'bad-1',
          currency: 'EUR',
          lines: [
            { account: '1000', debit: 10 },
            { account: 'nope', credit: 9 },
          ],
        },
      ],
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.code).toBe('ERP_JOURNAL_ENTRY_INVALID');
    expect(res.body.errors.map((e: { code: string }) => e.code).sort()).toEqual([
      'ACCOUNT_UNKNOWN',
      'DATE_INVALID',
      'UNBALANCED',
    ]);
    expect((await reader('GET', '/journal/entries?reference=bad-1')).body.items).toEqual([]);
    const schema = await api('POST', '/journal/entries', { entries: [{ date: 'x', lines: [] }] });
    expect(schema.status).toBe(400);
    const denied = await reader('POST', '/journal/entries', {
      entries: [saleEntry({ date: '2026-11-03', currency: 'EUR', invoice: 'INV-R', net: 1, tax: 0 })],
    });
    expect(denied.status).toBe(403);
    expect((await reader('GET', '/journal/entries?reference=INV-R')).body.items).toEqual([]);
  });

  it('closes and reopens periods', async () => {
    const closed = await api('POST', '/periods/2026-10/close', { note: 'October close' });
    expect(closed.status).toBe(200);
    expect(closed.body.items.at(-1)).toMatchObject({
      period: '2026-10',
      status: 'closed',
      note: 'October close',
    });
    const late = await api('POST', '/journal/entries', {
      entries: [saleEntry({ date: '2026-10-31', currency: 'EUR', invoice: 'INV-LATE', net: 100, tax: 0 })],
    });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('ERP_PERIOD_CLOSED');
    expect((await api('POST', '/periods/2026-10/reopen', {})).status).toBe(400);
    expect((await api('POST', '/periods/2026-10/reopen', { reason: 'missed invoice' })).body.status).toBe(
      'open',
    );
    expect(
      (await reader('GET', '/periods')).body.items.find((p: { period: string }) => p.period === '2026-10')
        .status,
    ).toBe('open');
  });

  it('keeps the chart of accounts', async () => {
    expect((await reader('GET', '/accounts')).body.items.length).toBeGreaterThanOrEqual(14);
    const put = await api('PUT', '/accounts/6200', { name: 'Payment fees', type: 'expense' });
    expect(put.body).toMatchObject({ code: '6200', active: true });
    expect((await api('PUT', '/accounts/4000', { name: 'Sales', type: 'expense' })).body.code).toBe(
      'ERP_ACCOUNT_TYPE_LOCKED',
    );
  });

  it('quotes tax against the stored rule sets: OSS destination VAT and intra-EU reverse charge', async () => {
    expect(
      (await reader('GET', '/tax/rule-sets')).body.items.map((r: { id: string }) => r.id).sort(),
    ).toEqual(['eu-vat', 'uk-vat', 'us-sales-tax'].sort());
    const b2c = await reader('POST', '/tax/quote', { ruleSet: EU_VAT.id, document: sale({ type: 'b2c' }) });
    expect(b2c.status).toBe(200);
    expect(b2c.body).toMatchObject({
      placeOfSupply: 'destination',
      totals: { net: 10_000, tax: 2_000, gross: 12_000 },
    });
    const b2b = await reader('POST', '/tax/quote', {
      ruleSet: EU_VAT.id,
      document: sale({ type: 'b2b', vatId: 'IT12345678901' }, 'IT'),
    });
    expect(b2b.body).toMatchObject({ reverseCharge: true, totals: { tax: 0 } });
    expect(b2b.body.notes.join(' ')).toMatch(/reverse charge/i);
    const missing = await reader('POST', '/tax/quote', {
      ruleSet: EU_VAT.id,
      document: sale({ type: 'b2b' }, 'IT'),
    });
    expect(missing.status).toBe(422);
    expect(missing.body.code).toBe('ERP_TAX_VAT_ID_MISSING');
    const garbage = await reader('POST', '/tax/quote', { ruleSet: EU_VAT.id, document: { lines: 'x' } });
    expect(garbage.status).toBe(400);
    expect(garbage.body.code).toMatch(/^ERP_TAX_/);
    expect(
      (await reader('POST', '/tax/quote', { ruleSet: 'nope', document: sale({ type: 'b2c' }) })).body.code,
    ).toBe('ERP_TAX_RULESET_NOT_FOUND');
  });

  it('stores rule set versions, refuses invalid ones whole, and never rewrites a version', async () => {
    const next = { ...EU_VAT, version: '2027.1', name: 'EU VAT 2027' };
    const put = await api('PUT', `/tax/rule-sets/${EU_VAT.id}`, next);
    expect(put.status).toBe(200);
    expect((await reader('GET', `/tax/rule-sets/${EU_VAT.id}`)).body.version).toBe('2027.1');
    expect((await reader('GET', `/tax/rule-sets/${EU_VAT.id}?version=${EU_VAT.version}`)).body.version).toBe(
      EU_VAT.version,
    );
    expect(
      (await reader('GET', `/tax/rule-sets/${EU_VAT.id}/versions`)).body.items.map(
        (v: { version: string }) => v.version,
      ),
    ).toEqual([EU_VAT.version, '2027.1']);
    expect((await api('PUT', `/tax/rule-sets/${EU_VAT.id}`, next)).status).toBe(200);
    const rewrite = await api('PUT', `/tax/rule-sets/${EU_VAT.id}`, { ...next, name: 'changed' });
    expect(rewrite.status).toBe(409);
    expect(rewrite.body.code).toBe('ERP_TAX_RULESET_VERSION_EXISTS');
    const invalid = await api('PUT', `/tax/rule-sets/${EU_VAT.id}`, {
      ...next,
      version: '2027.2',
      jurisdictions: [
        {
          ...EU_VAT.jurisdictions[0],
          rules: [{ id: 'x', taxClass: 'nope', rate: 'abc', validFrom: '2020-01-01' }],
        },
      ],
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('ERP_TAX_RULESET_INVALID');
    expect(invalid.body.errors.length).toBeGreaterThanOrEqual(2);
    expect((await reader('GET', `/tax/rule-sets/${EU_VAT.id}`)).body.version).toBe('2027.1');
    expect((await api('PUT', '/tax/rule-sets/other', next)).status).toBe(400);
    expect((await reader('PUT', `/tax/rule-sets/${EU_VAT.id}`, next)).status).toBe(403);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saleEntry } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { location } from '../support/erp-fixture.js';
import { type CliResult, envFor, runCli, show } from './run-cli.js';

/** `keel erp …` as operators run it: a separate process on a live Keel's storage. */
const backends = await availableBackends();

describe.each(backends)('keel erp [%s]', (backend) => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  const keel = (...args: string[]) => runCli(args, { env });
  const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

  beforeAll(async () => {
    t = await createTestApp(backend);
    env = envFor(t.overrides);
    await t.app.domains.erp.locations.create(location('WH1'));
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-erp-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts movements from a JSONL file and shows the levels', async () => {
    const file = join(dir, 'moves.jsonl');
    writeFileSync(
      file,
      [
        { type: 'receipt', reference: 'cli:r1', sku: 'CLI-1', location: 'WH1', quantity: 10 },
        { type: 'reservation', reference: 'cli:res1', sku: 'CLI-1', location: 'WH1', quantity: 3 },
      ]
        .map((m) => JSON.stringify(m))
        .join('\n'),
    );
    const posted = await keel('--json', 'erp', 'post', file);
    expectExit(posted, 0);
    expect(JSON.parse(posted.stdout)).toEqual({ posted: 2, repeats: 0 });
    const levels = await keel('--json', 'erp', 'levels', 'CLI-1');
    expectExit(levels, 0);
    expect(JSON.parse(levels.stdout)[0]).toMatchObject({
      location: 'WH1',
      onHand: 10,
      reserved: 3,
      available: 7,
    });
    const human = await keel('erp', 'levels', 'CLI-1');
    expect(human.stdout).toMatch(/LOCATION\s+ONHAND/);
  });

  it('refuses a bad file with a clear message and exit code, writing nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      '[{"type":"shipment","reference":"cli:x","sku":"CLI-1","location":"WH1","quantity":-1}]',
    );
    const r = await keel('erp', 'post', bad);
    expectExit(r, 7);
    expect(r.stderr).toMatch(/quantity|VALIDATION|ERP_MOVEMENT_INVALID/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '[{');
    const b = await keel('erp', 'post', broken);
    expectExit(b, 7);
    expect(b.stderr).toContain('not valid JSON');
    expectExit(await keel('erp', 'post', join(dir, 'missing.json')), 4);
  });

  it('verifies, prints the trial balance, closes a period', async () => {
    await t.app.domains.erp.journal.post([
      saleEntry({ date: '2026-10-03', currency: 'EUR', invoice: 'CLI-INV-1', net: 1_000, tax: 190 }),
    ]);
    const v = await keel('--json', 'erp', 'verify');
    expectExit(v, 0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, journal: { entries: 1 } });
    const tb = await keel('erp', 'trial-balance', '--currency', 'EUR');
    expectExit(tb, 0);
    expect(tb.stdout).toContain('balanced');
    expect(tb.stdout).toContain('1100');
    const closed = await keel('--json', 'erp', 'period', 'close', '2026-10', '--note', 'October');
    expectExit(closed, 0);
    expect(JSON.parse(closed.stdout).at(-1)).toMatchObject({ period: '2026-10', status: 'closed' });
    expectExit(await keel('erp', 'period', 'reopen', '2026-09', '--reason', 'x'), 5);
    expectExit(await keel('erp', 'period', 'close', '2026-13'), 7);
  });

  it('quotes tax from a document file and prints an invoice as PDF', async () => {
    const doc = join(dir, 'doc.json');
    writeFileSync(
      doc,
      JSON.stringify({
        date: '2026-11-20',
        currency: 'GBP',
        pricesIncludeTax: false,
        destination: { country: 'GB' },
        customer: { type: 'b2c' },
        lines: [{ id: 'a', taxClass: 'standard', quantity: 1, unitPrice: 1_000 }],
      }),
    );
    const q = await keel('--json', 'erp', 'tax-quote', 'uk-vat', doc);
    expectExit(q, 0);
    expect(JSON.parse(q.stdout).totals).toEqual({ net: 1_000, tax: 200, gross: 1_200 });
    const erp = t.app.domains.erp;
    await erp.invoices.putSeries({
      code: 'UK',
      prefix: 'UK-',
      seller: {
        legalName: 'Keel Demo Ltd',
        vatId: 'GB123456789',
        address: { line1: '1 Lane', city: 'London', country: 'GB' },
      },
    });
    const inv = await erp.invoices.issue({
      series: 'UK',
      reference: 'cli-order',
      issueDate: '2026-11-20',
      currency: 'GBP',
      taxRuleSet: 'uk-vat',
      buyer: { name: 'Ann', type: 'b2c', address: { line1: '2 Road', city: 'Leeds', country: 'GB' } },
      lines: [{ sku: 'A', description: 'A thing', quantity: 1, unitPrice: 1_000, taxClass: 'standard' }],
    });
    const pdf = join(dir, 'inv.pdf');
    const r = await keel('erp', 'invoice', inv.id, '--pdf', pdf);
    expectExit(r, 0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    expectExit(await keel('erp', 'invoice', 'inv_nope', '--pdf', pdf), 4);
    expectExit(await keel('erp', 'invoice', inv.id), 7);
  });
});

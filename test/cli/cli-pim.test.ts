import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel } from '../support/pim-fixture.js';
import { type CliResult, envFor, runCli, show } from './run-cli.js';

/** `keel pim import|export|feed` as users run them: a separate process on a live Keel's storage. */
const backends = await availableBackends();

const CSV = [
  'sku,family,parent,categories,name-en_US,description-en_US-google,color,size,msrp-USD,msrp-EUR,ean',
  'CLI-RED-S,tshirt,tee_classic,tshirts,Red S,Soft tee,red,s,19.99,18.00,4006381333931',
  'CLI-BAD,tshirt,tee_classic,tshirts,Bad,Soft tee,mauve,s,19.99,18.00,4006381333948',
  'CLI-RED-M,tshirt,tee_classic,tshirts,Red M,Soft tee,red,m,19.99,18.00,4006381333955',
].join('\n');

describe.each(backends)('keel pim [%s]', (backend) => {
  let t: TestApp;
  let env: Record<string, string>;
  let dir: string;
  const keel = (...args: string[]) => runCli(args, { env });
  const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

  beforeAll(async () => {
    t = await createTestApp(backend);
    env = envFor(t.overrides);
    await seedApparel(t.app.domains.pim);
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-pim-'));
    writeFileSync(join(dir, 'products.csv'), CSV);
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a CSV, reports the bad row, writes the rejects file and exits 7', async () => {
    const r = await keel('pim', 'import', join(dir, 'products.csv'), '--json');
    expectExit(r, 7);
    expect(r.json()).toMatchObject({
      rows: 3,
      created: 2,
      rejected: 1,
      rejectsFile: join(dir, 'products.csv.rejects.csv'),
      problems: [expect.objectContaining({ line: 3, code: 'OPTION_UNKNOWN' })],
    });
    const rejects = readFileSync(join(dir, 'products.csv.rejects.csv'), 'utf8');
    expect(rejects).toContain('CLI-BAD');
    expect(rejects).not.toContain('CLI-RED-S');
    // Again: nothing changes, so no version and no event.
    const again = await keel('pim', 'import', join(dir, 'products.csv'), '--json');
    expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 1 });
    const human = await keel('pim', 'import', join(dir, 'products.csv'));
    expect(human.stdout).toMatch(/unchanged:\s+2/);
    expect(human.stdout).toMatch(/line 3 .*OPTION_UNKNOWN/);
  });

  it('exports JSONL and CSV that import back unchanged, and writes a valid Google feed', async () => {
    for (const file of ['all.jsonl', 'all.csv']) {
      const out = await keel('pim', 'export', join(dir, file), '--json');
      expectExit(out, 0);
      expect(out.json()).toMatchObject({ rows: 2 });
      const back = await keel('pim', 'import', join(dir, file), '--json');
      expectExit(back, 0);
      expect(back.json()).toMatchObject({ unchanged: 2, rejected: 0 });
      expect(existsSync(`${join(dir, file)}.rejects.${file.split('.').pop()}`)).toBe(false);
    }
    const pim = t.app.domains.pim;
    await pim.rules.put('google', {
      attributes: ['name', 'description', 'brand', 'ean', 'msrp', 'color', 'size'],
      transforms: {
        title: 'name',
        link: "'https://shop.example.com/p/' & sku",
        image_link: "'https://cdn.example.com/' & sku & '.jpg'",
        gtin: 'ean',
        price: 'msrp',
      },
    });
    const red = await pim.products.getBySku('CLI-RED-S');
    for (const action of ['submit', 'approve', 'publish'] as const)
      await pim.workflow.transition(action, [red.id]);
    const feed = join(dir, 'google.xml');
    const r = await keel(
      'pim',
      'feed',
      feed,
      '--channel',
      'google',
      '--locale',
      'en_US',
      '--link',
      'https://shop.example.com',
      '--json',
    );
    expectExit(r, 0);
    expect(r.json()).toMatchObject({ written: 1, rejected: 0 });
    const xml = readFileSync(feed, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<g:gtin>4006381333931</g:gtin>');
  });

  it('fails clearly on a missing file, a bad header or an unknown channel, leaving nothing behind', async () => {
    const missing = await keel('pim', 'import', join(dir, 'nope.csv'));
    expectExit(missing, 4);
    expect(missing.stderr).toContain('nope.csv');
    writeFileSync(join(dir, 'bad.csv'), 'sku,family,bogus\nX,tshirt,1\n');
    const bad = await keel('pim', 'import', join(dir, 'bad.csv'), '--json');
    expectExit(bad, 7);
    expect(bad.errorJson().code).toBe('PIM_IMPORT_FILE_INVALID');
    expect(existsSync(join(dir, 'bad.csv.rejects.csv'))).toBe(false);
    const noChannel = await keel(
      'pim',
      'feed',
      join(dir, 'x.xml'),
      '--channel',
      'mars',
      '--locale',
      'en_US',
      '--link',
      'https://x.example',
    );
    expectExit(noChannel, 4);
    expect(existsSync(join(dir, 'x.xml'))).toBe(false);
  });
});

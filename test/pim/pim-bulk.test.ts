import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim } from '../../src/domains/pim/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel } from '../support/pim-fixture.js';

const backends = await availableBackends();

const HEADER =
  'sku,family,parent,categories,name-en_US,name-fr_FR,description-en_US-web,msrp-USD,msrp-EUR,color,size,ean,material,weight';

function rows(lines: string[]): Readable {
  return Readable.from([`${HEADER}\n${lines.join('\n')}\n`]);
}

const row = (sku: string, color: string, size: string, ean: string, extra = '') =>
  `${sku},tshirt,tee_classic,tshirts,Tee ${color} ${size},T-shirt ${color},<p>Soft</p>,19.99,18.50,${color},${size},${ean},"cotton,linen",${extra || '180 g'}`;

async function collect(stream: PassThrough): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

describe.each(backends)('PIM bulk import, export and the Google feed [%s]', (backend) => {
  let t: TestApp;
  let pim: Pim;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    pim = t.app.domains.pim;
    await seedApparel(pim);
    dir = mkdtempSync(join(tmpdir(), 'keel-pim-bulk-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports good rows, reports bad ones (line, column, code) with a rejects file, and goes on', async () => {
    const rejects = new PassThrough();
    const rejected = collect(rejects);
    const report = await pim.imports.importProducts(
      rows([
        row('TEE-RED-S', 'red', 's', '4006381333931'),
        row('TEE-RED-M', 'red', 'm', '4006381333948'),
        row('TEE-BAD-1', 'purple', 'm', '4006381333955'), // unknown option
        row('TEE-BAD-2', 'red', 'l', '4006381333962', 'heavy'), // measure without a unit
        row('TEE-RED-S', 'red', 'l', '4006381333979'), // SKU twice in the file
        'TEE-BAD-3,tshirt,tee_cl"assic,tshirts,,,,,,,,,,',
        row('TEE-BAD-4', 'red', 'xl', '4006381333986'),
      ]),
      { format: 'csv', rejects, batchSize: 2 },
    );
    rejects.end();
    expect(report).toMatchObject({ rows: 7, created: 2, updated: 0, unchanged: 0, rejected: 5 });
    const codesAt = (line: number) => report.problems.filter((p) => p.line === line).map((p) => p.code);
    expect(codesAt(4)).toContain('OPTION_UNKNOWN');
    expect(report.problems.find((p) => p.line === 4)?.sku).toBe('TEE-BAD-1');
    expect(report.problems.find((p) => p.line === 5)).toMatchObject({ code: 'VALUE_TYPE', field: 'weight' });
    expect(codesAt(6)).toEqual(['SKU_DUPLICATE']);
    expect(codesAt(7)).toEqual(['CSV_BAD_QUOTING']);
    expect(codesAt(8)).toContain('OPTION_UNKNOWN');
    const text = await rejected;
    expect(text.split(/\r?\n/)[0]).toBe(`${HEADER},_errors`);
    expect(text).toContain('TEE-BAD-1');
    expect(text).toContain('OPTION_UNKNOWN');
    await expect(pim.products.getBySku('TEE-BAD-1')).rejects.toMatchObject({ code: 'PIM_PRODUCT_NOT_FOUND' });
    const s = await pim.products.getBySku('TEE-RED-S');
    expect(s.values.msrp).toEqual([
      {
        locale: null,
        channel: null,
        data: [
          { amount: 1850, currency: 'EUR' },
          { amount: 1999, currency: 'USD' },
        ],
      },
    ]);
    expect(s.values.weight?.[0]?.data).toEqual({ amount: 180, unit: 'g' });
  });

  it('re-importing the same rows makes no version and no event', async () => {
    const before = await t.app.bus.admin.events({ type: 'keel.pim.product.updated.v1', limit: 1000 });
    const report = await pim.imports.importProducts(
      rows([row('TEE-RED-S', 'red', 's', '4006381333931'), row('TEE-RED-M', 'red', 'm', '4006381333948')]),
      { format: 'csv' },
    );
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 2, rejected: 0 });
    const s = await pim.products.getBySku('TEE-RED-S');
    expect(s.version).toBe(1);
    const after = await t.app.bus.admin.events({ type: 'keel.pim.product.updated.v1', limit: 1000 });
    expect(after.length).toBe(before.length);
  });

  it('refuses a file whose header is wrong before writing anything', async () => {
    const unknown = Readable.from(['sku,family,nosuch\nX,tshirt,1\n']);
    await expect(pim.imports.importProducts(unknown, { format: 'csv' })).rejects.toMatchObject({
      code: 'PIM_IMPORT_FILE_INVALID',
      extensions: { errors: [expect.objectContaining({ code: 'ATTRIBUTE_UNKNOWN' })] },
    });
    const dup = Readable.from(['sku,family,sku\nX,tshirt,X\n']);
    await expect(pim.imports.importProducts(dup, { format: 'csv' })).rejects.toMatchObject({
      code: 'PIM_IMPORT_FILE_INVALID',
    });
    await expect(pim.products.getBySku('X')).rejects.toMatchObject({ code: 'PIM_PRODUCT_NOT_FOUND' });
  });

  it('imports JSONL with malformed lines reported and skipped', async () => {
    const good = {
      sku: 'TEE-BLUE-S',
      family: 'tshirt',
      parent: 'tee_classic',
      values: {
        color: [{ locale: null, channel: null, data: 'blue' }],
        size: [{ locale: null, channel: null, data: 's' }],
      },
    };
    const report = await pim.imports.importProducts(
      Readable.from([`${JSON.stringify(good)}\n{"sku": "broken"\n[1,2]\n`]),
      { format: 'jsonl' },
    );
    expect(report).toMatchObject({ rows: 3, created: 1, rejected: 2 });
    expect(report.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'JSONL_MALFORMED'],
      [3, 'JSONL_NOT_OBJECT'],
    ]);
  });

  it('exports CSV and JSONL that re-import as a no-op', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const file = join(dir, `export.${format}`);
      const { rows: n } = await pim.exports.exportProducts(file, { format });
      expect(n).toBe(3);
      const report = await pim.imports.importProducts(Readable.from([readFileSync(file)]), { format });
      expect(report, format).toMatchObject({ rows: 3, unchanged: 3, created: 0, updated: 0, rejected: 0 });
    }
  });

  it('exports the published listings as a Google feed with every required field', async () => {
    await pim.rules.put('google', {
      attributes: ['name', 'description', 'brand', 'ean', 'msrp', 'color', 'size'],
      transforms: {
        title: 'name',
        description: '$stripHtml(description)',
        link: "'https://shop.example.com/p/' & sku",
        image_link: "'https://cdn.example.com/' & sku & '.jpg'",
        gtin: 'ean',
        price: 'msrp',
      },
    });
    // google requires description per channel: give the two valid products one.
    for (const sku of ['TEE-RED-S', 'TEE-RED-M']) {
      const p = await pim.products.getBySku(sku);
      await pim.products.patch(p.id, {
        values: {
          description: [{ locale: 'en_US', channel: 'google', data: `<p>Tee &amp; more ${sku}</p>` }],
        },
      });
      await pim.workflow.transition('submit', [p.id]);
      await pim.workflow.transition('approve', [p.id]);
      const [r] = await pim.workflow.transition('publish', [p.id], { channels: ['google'] });
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
    }
    const file = join(dir, 'google.xml');
    const result = await pim.exports.exportGoogleFeed(file, {
      channel: 'google',
      locale: 'en_US',
      link: 'https://shop.example.com',
    });
    expect(result).toMatchObject({ written: 2, rejected: 0 });
    const xml = readFileSync(file, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, parseTagValue: false }).parse(xml);
    expect(doc.rss['@_xmlns:g']).toBe('http://base.google.com/ns/1.0');
    const items = doc.rss.channel.item as Record<string, string>[];
    expect(items.map((i) => i['g:id']).sort()).toEqual(['TEE-RED-M', 'TEE-RED-S']);
    for (const item of items) {
      for (const field of [
        'g:id',
        'g:title',
        'g:description',
        'g:link',
        'g:image_link',
        'g:availability',
        'g:price',
        'g:brand',
        'g:gtin',
        'g:condition',
      ])
        expect(item[field], field).toBeTruthy();
      expect(item['g:price']).toBe('19.99 USD');
      expect(item['g:description']).toBe(`Tee & more ${item['g:id']}`);
      expect(item['g:item_group_id']).toBe('tee_classic');
    }
  });
});

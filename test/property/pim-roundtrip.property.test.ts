/**
 * Property: for any catalog content, import → export → import is a fixed point. The second import
 * changes nothing (no version, no event), and exporting again gives the same bytes — in both of
 * the bulk formats, whatever the text holds (separators, quotes, newlines, any Unicode).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim, ProductInput } from '../../src/domains/pim/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel } from '../support/pim-fixture.js';

const backends = await availableBackends();

const COLORS = ['red', 'blue', 'green'];
const SIZES = ['s', 'm', 'l'];
const text = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
  .filter((s) => s.trim() === s && s.length > 0);
const entry = <T>(data: T, locale: string | null = null, channel: string | null = null) => ({
  locale,
  channel,
  data,
});

/** One product's optional content; SKUs and axes are assigned by position so they never collide. */
const content = fc.record(
  {
    nameEn: text,
    nameFr: fc.option(text, { nil: undefined }),
    description: fc.option(
      text.map((s) => `<p>${s}</p>`),
      { nil: undefined },
    ),
    usd: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: undefined }),
    eur: fc.option(fc.integer({ min: 1, max: 10_000_000 }), { nil: undefined }),
    organic: fc.option(fc.boolean(), { nil: undefined }),
    weight: fc.option(
      fc.integer({ min: 1, max: 100_000 }).map((n) => n / 8),
      { nil: undefined },
    ),
    material: fc.subarray(['cotton', 'polyester', 'linen'], { minLength: 0 }),
    release: fc.option(
      fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
      { nil: undefined },
    ),
    stock: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: undefined }),
  },
  { requiredKeys: ['nameEn', 'material'] },
);

type Content = typeof content extends fc.Arbitrary<infer T> ? T : never;

function product(run: number, i: number, c: Content): ProductInput {
  const values: ProductInput['values'] = {
    color: [entry(COLORS[i % 3]!)],
    size: [entry(SIZES[Math.floor(i / 3) % 3]!)],
    name: [entry(c.nameEn, 'en_US'), ...(c.nameFr ? [entry(c.nameFr, 'fr_FR')] : [])],
  };
  if (c.description) values.description = [entry(c.description, 'en_US', 'web')];
  const prices = [
    ...(c.eur !== undefined ? [{ amount: c.eur, currency: 'EUR' }] : []),
    ...(c.usd !== undefined ? [{ amount: c.usd, currency: 'USD' }] : []),
  ];
  if (prices.length) values.msrp = [entry(prices)];
  if (c.organic !== undefined) values.organic = [entry(c.organic)];
  if (c.weight !== undefined) values.weight = [entry({ amount: c.weight, unit: 'kg' })];
  if (c.material.length) values.material = [entry(c.material)];
  if (c.release) values.release_date = [entry(c.release.toISOString().slice(0, 10))];
  if (c.stock !== undefined) values.in_stock_count = [entry(c.stock)];
  return { sku: `P${run}-${i}`, family: 'tshirt', parent: `m${run}`, categories: ['tshirts'], values };
}

describe.each(backends)('property: PIM import → export → import is a fixed point [%s]', (backend) => {
  let t: TestApp;
  let pim: Pim;
  let dir: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    pim = t.app.domains.pim;
    await seedApparel(pim);
    dir = mkdtempSync(join(tmpdir(), 'keel-pim-prop-'));
  });
  afterAll(async () => {
    await t?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds for CSV and JSONL', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(content, { minLength: 1, maxLength: 9 }),
        fc.constantFrom('csv', 'jsonl'),
        async (contents, format) => {
          run++;
          await pim.models.put({ code: `m${run}`, family: 'tshirt', axes: ['color', 'size'] });
          const products = contents.map((c, i) => product(run, i, c));
          const jsonl = products.map((p) => JSON.stringify(p)).join('\n');
          const first = await pim.imports.importProducts(Readable.from([jsonl]), { format: 'jsonl' });
          expect(first.rejected, JSON.stringify(first.problems)).toBe(0);
          const exported = join(dir, `run${run}.${format}`);
          await pim.exports.exportProducts(exported, { format });
          const again = await pim.imports.importProducts(Readable.from([readFileSync(exported)]), { format });
          expect(again.rejected, JSON.stringify(again.problems)).toBe(0);
          expect(again.created + again.updated).toBe(0);
          const reexported = join(dir, `run${run}.again.${format}`);
          await pim.exports.exportProducts(reexported, { format });
          expect(readFileSync(reexported).equals(readFileSync(exported))).toBe(true);
          for (const p of products) {
            const stored = await pim.products.getBySku(p.sku);
            expect(stored.version).toBe(1);
          }
        },
      ),
      { numRuns: backend === 'sqlite' ? 25 : 8 },
    );
  });
});

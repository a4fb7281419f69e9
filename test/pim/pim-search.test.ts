import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValueData } from '../../src/domains/pim/catalog.types.js';
import type { Pim, ProductValues } from '../../src/domains/pim/index.js';
import { searchDocsTable } from '../../src/domains/pim/search.schema.js';
import {
  createSearchService,
  type ProductSearchQuery,
  type SearchService,
} from '../../src/domains/pim/search.service.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';

const backends = await availableBackends();

const v = (data: ValueData, locale: string | null = null, channel: string | null = null) => [
  { locale, channel, data },
];
const names = (en: string, fr: string) => [
  { locale: 'en_US', channel: null, data: en },
  { locale: 'fr_FR', channel: null, data: fr },
];

interface Seeded {
  sku: string;
  family: string;
  parent?: string;
  categories: string[];
  values: ProductValues;
}

/** ~30 products with varied values; `effective` adds the model's values (what filters see). */
function catalog(): Seeded[] {
  const out: Seeded[] = [];
  for (const color of ['red', 'blue', 'green'])
    for (const size of ['s', 'm', 'l'])
      out.push({
        sku: `TEE-${color.toUpperCase()}-${size.toUpperCase()}`,
        family: 'tshirt',
        parent: 'tee_classic',
        categories: ['tshirts'],
        values: teeValues(
          color,
          size,
          color === 'red' ? `400638133${{ s: 1, m: 2, l: 3 }[size]}931` : undefined,
        ),
      });
  out.push({
    sku: 'LINEN-SHIRT',
    family: 'tshirt',
    categories: ['women'],
    values: {
      name: names('Linen summer shirt', 'Chemise légère en lin'),
      description: [{ locale: 'fr_FR', channel: 'web', data: '<p>Très <em>élégante</em> &amp; fraîche</p>' }],
      material: v(['linen']),
      weight: v({ amount: 0.25, unit: 'kg' }),
      organic: v(true),
      in_stock_count: v(12),
      color: v('green'),
    },
  });
  out.push({
    sku: 'POLO-NAVY',
    family: 'tshirt',
    categories: ['men'],
    values: {
      name: names('Navy polo', 'Polo marine'),
      material: v(['cotton', 'polyester']),
      weight: v({ amount: 300, unit: 'g' }),
      organic: v(false),
      in_stock_count: v(0),
    },
  });
  out.push({
    sku: 'HOODIE-1',
    family: 'tshirt',
    categories: ['men'],
    values: {
      name: names('Cozy hoodie', 'Sweat à capuche'),
      brand: v('Zephyr'),
      material: v(['cotton']),
      weight: v({ amount: 1.2, unit: 'kg' }),
      in_stock_count: v(40),
    },
  });
  for (let n = 1; n <= 15; n++)
    out.push({
      sku: `SOCK-${String(n).padStart(3, '0')}`,
      family: 'sock',
      categories: ['socks'],
      values: {
        name: names(`Sport sock ${n}`, `Chaussette sport ${n}`),
        material: v(n % 2 === 0 ? ['cotton'] : ['polyester']),
        weight: v({ amount: 50 + n, unit: 'g' }),
        organic: v(n % 2 === 0),
        in_stock_count: v(n * 10),
        color: v(['red', 'blue', 'green'][n % 3]!),
        ...(n <= 6 ? { release_date: v(`2025-0${n}-15`) } : {}),
      },
    });
  out.push({
    sku: 'SOCK-RIB',
    family: 'sock',
    categories: ['socks'],
    values: { name: names('Ribbed socks', 'Chaussettes côtelées'), material: v(['cotton']) },
  });
  return out;
}

const MODEL_VALUES: ProductValues = { brand: v('Keel Apparel') };
const effective = (p: Seeded): ProductValues => (p.parent ? { ...MODEL_VALUES, ...p.values } : p.values);
const data = (p: Seeded, code: string) => effective(p)[code]?.[0]?.data;

describe.each(backends)('PIM product search [%s]', (backend) => {
  let t: TestApp;
  let pim: Pim;
  let search: SearchService;
  const seeded = catalog();
  const ids = new Map<string, string>();

  const skus = async (q: ProductSearchQuery) => (await search.search(q)).items.map((p) => p.sku).sort();
  const expected = (pred: (p: Seeded) => boolean) =>
    seeded
      .filter(pred)
      .map((p) => p.sku)
      .sort();
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => [],
      (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
    );

  beforeAll(async () => {
    t = await createTestApp(backend);
    pim = t.app.domains.pim;
    search = createSearchService(t.app.store);
    await seedApparel(pim);
    await pim.setup.putCategory({ code: 'socks', parent: 'master' });
    await pim.setup.putFamily({
      code: 'sock',
      labelAttribute: 'name',
      attributes: [
        'name',
        'description',
        'brand',
        'material',
        'weight',
        'organic',
        'in_stock_count',
        'color',
        'release_date',
      ],
      requirements: [{ channel: 'web', attribute: 'material' }],
    });
    for (const p of seeded) {
      const created = await pim.products.create({
        sku: p.sku,
        family: p.family,
        parent: p.parent ?? null,
        categories: p.categories,
        values: p.values as ProductValues,
      });
      ids.set(p.sku, created.id);
    }
  });
  afterAll(async () => t?.cleanup());

  it('indexes one document per product and locale of the catalog', async () => {
    const table = backend === 'sqlite' ? 'pim_search_docs' : 'pim_search';
    const rows = await t.app.store.db.selectFrom(table).select(['product_id', 'locale']).execute();
    expect(rows.length).toBe(seeded.length * 2);
    expect(new Set(rows.map((r) => r.locale))).toEqual(new Set(['en_US', 'fr_FR']));
  });

  it('finds a product by its localized name in that locale only', async () => {
    expect(await skus({ q: 'chemise', locale: 'fr_FR' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'chemise', locale: 'en_US' })).toEqual([]);
    expect(await skus({ q: 'chemise' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'linen summer', locale: 'en_US' })).toEqual(['LINEN-SHIRT']);
    // Every word must occur in the same locale's document.
    expect(await skus({ q: 'chemise summer' })).toEqual([]);
    // By SKU, in every locale; and by a model's searchable value, inherited by its variants.
    expect(await skus({ q: 'POLO-NAVY', locale: 'en_US' })).toEqual(['POLO-NAVY']);
    expect(await skus({ q: 'keel apparel' })).toEqual(expected((p) => p.parent === 'tee_classic'));
  });

  it('ignores case and accents, in the index and in the query', async () => {
    expect(await skus({ q: 'legere', locale: 'fr_FR' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'LÉGÈRE' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'cotelees' })).toEqual(['SOCK-RIB']);
    expect(await skus({ q: 'Côtelées', locale: 'fr_FR' })).toEqual(['SOCK-RIB']);
    // Rich text is indexed without its markup; entities are decoded.
    expect(await skus({ q: 'elegante fraiche' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'amp ' })).toEqual([]);
    expect(await skus({ q: 'em ' })).toEqual([]);
  });

  it('matches the last word as a prefix (type-ahead)', async () => {
    const socks = expected((p) => p.family === 'sock');
    expect(await skus({ q: 'chau' })).toEqual(socks);
    expect(await skus({ q: 'Chaussette sp', locale: 'fr_FR' })).toEqual(
      socks.filter((s) => s !== 'SOCK-RIB'),
    );
    expect(await skus({ q: 'hood' })).toEqual(['HOODIE-1']);
    expect(await skus({ q: 'TEE-RE' })).toEqual(['TEE-RED-L', 'TEE-RED-M', 'TEE-RED-S']);
    // A finished word (followed by a space) is not a prefix.
    expect(await skus({ q: 'hood ' })).toEqual([]);
    // Ranked: the best match first.
    const ranked = await search.search({ q: 'sock 12' });
    expect(ranked.items[0]?.sku).toBe('SOCK-012');
  });

  it('treats SQL and FTS syntax in user input as plain text', async () => {
    for (const q of [
      '"',
      '*',
      'OR',
      'AND NOT',
      "'; drop table pim_products; --",
      'sock" OR "1',
      'NEAR(sock chaussette)',
      'name:sock',
      '^sock',
      'sock:* | !x',
      "o'reilly & (x)",
      '\\',
      '%_',
      'x'.repeat(200),
    ]) {
      const res = await search.search({ q });
      expect(Array.isArray(res.items), q).toBe(true);
    }
    expect(await skus({ q: '"sock" OR "polo"' })).toEqual([]);
    expect(await skus({ q: 'name:chemise' })).toEqual([]);
    expect(await skus({ attributes: [{ code: 'brand', op: 'eq', value: "x' OR '1'='1" }] })).toEqual([]);
    expect(await failure(search.search({ category: "x'; drop table pim_products; --" }))).toEqual([
      'VALIDATION_FAILED',
      'SCHEMA',
    ]);
    expect(await failure(search.search({ q: 'x'.repeat(201) }))).toEqual(['VALIDATION_FAILED', 'SCHEMA']);
    expect((await search.search({ limit: 500 })).items).toHaveLength(seeded.length);
  });

  it('filters by family, category (with descendants), status and parent', async () => {
    expect(await skus({ family: ['sock'], limit: 500 })).toEqual(expected((p) => p.family === 'sock'));
    expect(await skus({ family: ['sock', 'tshirt'], limit: 500 })).toEqual(expected(() => true));
    expect(await skus({ category: 'tshirts' })).toEqual(expected((p) => p.categories.includes('tshirts')));
    expect(await skus({ category: 'men' })).toEqual(
      expected((p) => p.categories.includes('men') || p.categories.includes('tshirts')),
    );
    expect(await skus({ category: 'master', limit: 500 })).toEqual(expected(() => true));
    expect(await failure(search.search({ category: 'nope' }))).toEqual([
      'VALIDATION_FAILED',
      'CATEGORY_UNKNOWN',
    ]);
    expect(await skus({ parent: 'tee_classic' })).toEqual(expected((p) => p.parent === 'tee_classic'));

    await pim.workflow.transition('submit', [ids.get('POLO-NAVY')!, ids.get('SOCK-003')!]);
    expect(await skus({ status: ['in_review'] })).toEqual(['POLO-NAVY', 'SOCK-003']);
    expect(await skus({ status: ['draft'], limit: 500 })).toHaveLength(seeded.length - 2);
    expect(await skus({ status: ['in_review', 'draft'], family: ['sock'], q: 'sock 3' })).toEqual([
      'SOCK-003',
    ]);
  });

  it('filters by stored completeness', async () => {
    const ratios = new Map<string, Map<string, number>>();
    for (const p of seeded) {
      const rows = await pim.products.completeness(ids.get(p.sku)!);
      ratios.set(p.sku, new Map(rows.map((r) => [`${r.channel}/${r.locale}`, r.ratio])));
    }
    const ratio = (p: Seeded, key: string) => ratios.get(p.sku)?.get(key);
    const complete = expected((p) => ratio(p, 'google/en_US') === 100);
    expect(complete.length).toBeGreaterThan(0);
    expect(complete.length).toBeLessThan(seeded.length);
    expect(
      await skus({ completeness: { channel: 'google', locale: 'en_US', min: 100 }, limit: 500 }),
    ).toEqual(complete);
    const partial = expected((p) => {
      const r = ratio(p, 'web/fr_FR');
      return r !== undefined && r >= 20 && r <= 80;
    });
    expect(partial.length).toBeGreaterThan(0);
    expect(
      await skus({ completeness: { channel: 'web', locale: 'fr_FR', min: 20, max: 80 }, limit: 500 }),
    ).toEqual(partial);
  });

  it('filters by attribute values, model values included', async () => {
    const cases: [ProductSearchQuery['attributes'], (p: Seeded) => boolean][] = [
      [[{ code: 'color', op: 'eq', value: 'red' }], (p) => data(p, 'color') === 'red'],
      [
        [{ code: 'color', op: 'in', value: ['red', 'green'] }],
        (p) => ['red', 'green'].includes(data(p, 'color') as string),
      ],
      [
        [{ code: 'material', op: 'contains', value: 'cotton' }],
        (p) => ((data(p, 'material') as string[]) ?? []).includes('cotton'),
      ],
      [[{ code: 'material', op: 'contains', value: ['cotton', 'polyester'] }], (p) => p.sku === 'POLO-NAVY'],
      [
        [{ code: 'material', op: 'in', value: ['linen', 'polyester'] }],
        (p) => ((data(p, 'material') as string[]) ?? []).some((m) => m === 'linen' || m === 'polyester'),
      ],
      [
        [{ code: 'material', op: 'eq', value: ['cotton'] }],
        (p) => JSON.stringify(data(p, 'material')) === '["cotton"]',
      ],
      [
        [
          { code: 'in_stock_count', op: 'gte', value: 50 },
          { code: 'in_stock_count', op: 'lt', value: 120 },
        ],
        (p) => (data(p, 'in_stock_count') as number) >= 50 && (data(p, 'in_stock_count') as number) < 120,
      ],
      [[{ code: 'in_stock_count', op: 'eq', value: 0 }], (p) => data(p, 'in_stock_count') === 0],
      [
        [{ code: 'in_stock_count', op: 'in', value: [10, 40] }],
        (p) => [10, 40].includes(data(p, 'in_stock_count') as number),
      ],
      [
        [{ code: 'weight', op: 'gt', value: { amount: 0.2, unit: 'kg' } }],
        (p) => ['LINEN-SHIRT', 'POLO-NAVY', 'HOODIE-1'].includes(p.sku),
      ],
      // A bare number is in the attribute's first unit (g): 0.25 kg = 250 g counts, 1.2 kg does not.
      [
        [{ code: 'weight', op: 'lte', value: 300 }],
        (p) => data(p, 'weight') !== undefined && p.sku !== 'HOODIE-1',
      ],
      [[{ code: 'weight', op: 'eq', value: { amount: 250, unit: 'g' } }], (p) => p.sku === 'LINEN-SHIRT'],
      [[{ code: 'organic', op: 'eq', value: true }], (p) => data(p, 'organic') === true],
      [[{ code: 'organic', op: 'eq', value: false }], (p) => data(p, 'organic') === false],
      [[{ code: 'ean', op: 'empty' }], (p) => data(p, 'ean') === undefined],
      [[{ code: 'ean', op: 'notEmpty' }], (p) => data(p, 'ean') !== undefined],
      [[{ code: 'brand', op: 'eq', value: 'Keel Apparel' }], (p) => p.parent === 'tee_classic'],
      [[{ code: 'brand', op: 'notEmpty' }], (p) => p.parent === 'tee_classic' || p.sku === 'HOODIE-1'],
      [[{ code: 'name', op: 'contains', value: 'POLO', locale: 'en_US' }], (p) => p.sku === 'POLO-NAVY'],
      [[{ code: 'name', op: 'contains', value: 'chaussette', locale: 'en_US' }], () => false],
      [[{ code: 'description', op: 'notEmpty', locale: 'fr_FR', channel: 'google' }], () => false],
      [
        [{ code: 'description', op: 'notEmpty', locale: 'fr_FR', channel: 'web' }],
        (p) => data(p, 'description') !== undefined,
      ],
      [
        [{ code: 'msrp', op: 'gte', value: { amount: 1999, currency: 'USD' } }],
        (p) => p.parent === 'tee_classic',
      ],
      [[{ code: 'msrp', op: 'lt', value: { amount: 1900, currency: 'USD' } }], () => false],
      [
        [{ code: 'msrp', op: 'lt', value: { amount: 1900, currency: 'EUR' } }],
        (p) => p.parent === 'tee_classic',
      ],
      [
        [{ code: 'release_date', op: 'gt', value: '2025-03-15' }],
        (p) => ((data(p, 'release_date') as string) ?? '') > '2025-03-15',
      ],
      [[{ code: 'release_date', op: 'eq', value: '2025-02-15' }], (p) => p.sku === 'SOCK-002'],
    ];
    for (const [attributes, pred] of cases)
      expect(await skus({ attributes, limit: 500 }), JSON.stringify(attributes)).toEqual(expected(pred));
    // Combined with full text and other filters.
    expect(
      await skus({
        q: 'sport',
        family: ['sock'],
        attributes: [{ code: 'organic', op: 'eq', value: true }],
        limit: 500,
      }),
    ).toEqual(expected((p) => p.family === 'sock' && p.sku !== 'SOCK-RIB' && data(p, 'organic') === true));
  });

  it('rejects unknown attributes and filters that do not fit the attribute', async () => {
    expect(await failure(search.search({ attributes: [{ code: 'nosuch', op: 'eq', value: 1 }] }))).toEqual([
      'VALIDATION_FAILED',
      'ATTRIBUTE_UNKNOWN',
    ]);
    expect(await failure(search.search({ attributes: [{ code: 'color', op: 'gt', value: 'a' }] }))).toEqual([
      'VALIDATION_FAILED',
      'FILTER_INVALID',
    ]);
    expect(
      await failure(search.search({ attributes: [{ code: 'in_stock_count', op: 'gt', value: '5' }] })),
    ).toEqual(['VALIDATION_FAILED', 'FILTER_VALUE']);
    expect(await failure(search.search({ attributes: [{ code: 'color', op: 'in', value: [] }] }))).toEqual([
      'VALIDATION_FAILED',
      'FILTER_VALUE',
    ]);
    expect(await failure(search.search({ q: 'sock', after: 'prd_x' }))).toEqual([
      'VALIDATION_FAILED',
      'CURSOR_INVALID',
    ]);
    expect(await failure(search.search({ limit: 501 }))).toEqual(['VALIDATION_FAILED', 'SCHEMA']);
  });

  it('pages with a cursor: every product exactly once, in id order or by relevance', async () => {
    const pages = async (q: ProductSearchQuery) => {
      const seen: string[] = [];
      let after: string | undefined;
      for (let i = 0; i < 100; i++) {
        const page = await search.search({ ...q, ...(after ? { after } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(q.limit ?? 50);
        seen.push(...page.items.map((p) => p.sku));
        if (!page.next) return seen;
        after = page.next;
      }
      throw new Error('no last page');
    };
    const all = await pages({ limit: 7 });
    expect(all).toHaveLength(seeded.length);
    expect([...all].sort()).toEqual(expected(() => true));
    const byId = [...seeded].sort((a, b) => (ids.get(a.sku)! < ids.get(b.sku)! ? -1 : 1)).map((p) => p.sku);
    expect(all).toEqual(byId);
    const socks = await pages({ q: 'chaus', limit: 4 });
    expect(socks).toHaveLength(16);
    expect([...socks].sort()).toEqual(expected((p) => p.family === 'sock'));
    const exact = await pages({ limit: seeded.length });
    expect(exact).toHaveLength(seeded.length);
  });

  it('keeps the index current with updates, in the writer transaction', async () => {
    const id = ids.get('LINEN-SHIRT')!;
    await pim.products.patch(id, { values: { name: names('Breezy shirt', 'Chemise aérée') } });
    expect(await skus({ q: 'aeree', locale: 'fr_FR' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'breezy' })).toEqual(['LINEN-SHIRT']);
    expect(await skus({ q: 'legere' })).toEqual([]);
    expect(await skus({ q: 'linen summer' })).toEqual([]);
    // A refused write leaves the index as it was.
    await expect(
      pim.products.patch(id, { values: { name: names('Ghost shirt', 'x'), color: v('purple') } }),
    ).rejects.toMatchObject({ code: 'PIM_PRODUCT_INVALID' });
    expect(await skus({ q: 'ghost' })).toEqual([]);
    expect(await skus({ q: 'breezy' })).toEqual(['LINEN-SHIRT']);
  });
  it('rewrites derived rows only when they change, and keeps them right when they do', async () => {
    const dialect = t.app.store.dialect;
    const rowKey = dialect === 'sqlite' ? sql`rowid` : sql`ctid::text`;
    /**
     * Physical identities of a product's rows: a delete and re-insert changes them. Search
     * documents are overwritten in place when their text changes, so theirs include the text.
     */
    const identities = async (table: string, productId: string) =>
      (
        await sql<{
          k: unknown;
          x: unknown;
        }>`select ${rowKey} as k, ${table === searchDocsTable(dialect) ? sql`text` : sql`''`} as x
          from ${sql.table(table)} where product_id = ${productId} order by 1`.execute(t.app.store.db)
      ).rows.map((r) => `${String(r.k)} ${String(r.x)}`);
    const tables = [
      searchDocsTable(dialect),
      'pim_completeness',
      'pim_product_categories',
      'pim_unique_values',
    ];
    const snapshot = async (id: string) => Promise.all(tables.map((tb) => identities(tb, id)));
    const id = ids.get('TEE-RED-S')!;
    const before = await snapshot(id);
    expect(before.every((rows) => rows.length > 0)).toBe(true);

    // A stock count is neither searchable, required, a category nor unique: nothing derived moves.
    await pim.products.patch(id, { values: { in_stock_count: v(3) } });
    expect(await snapshot(id)).toEqual(before);

    // A new EAN (searchable and unique) rewrites the search documents and the unique values;
    // completeness and categories stay. The old EAN is free again, the new one taken.
    await pim.products.patch(id, { values: { ean: v('4006381339991') } });
    const afterEan = await snapshot(id);
    expect([afterEan[1], afterEan[2]]).toEqual([before[1], before[2]]);
    expect(afterEan[0]).not.toEqual(before[0]);
    expect(afterEan[3]).not.toEqual(before[3]);
    expect(await skus({ q: '4006381339991' })).toEqual(['TEE-RED-S']);
    expect(await skus({ q: '4006381331931' })).toEqual([]);
    await pim.products.patch(ids.get('TEE-BLUE-S')!, { values: { ean: v('4006381331931') } });
    await expect(
      pim.products.patch(ids.get('TEE-BLUE-M')!, { values: { ean: v('4006381339991') } }),
    ).rejects.toMatchObject({ code: 'PIM_PRODUCT_INVALID' });

    // Without an EAN it is no longer complete for google; moved to another category, it is found there.
    await pim.products.patch(id, { values: { ean: [] }, categories: ['women'] });
    const google = (await pim.products.completeness(id)).find(
      (r) => r.channel === 'google' && r.locale === 'en_US',
    );
    expect(google!.ratio).toBeLessThan(100);
    expect(google!.missing).toContain('ean');
    expect(await skus({ category: 'women', limit: 500 })).toContain('TEE-RED-S');
    expect(await skus({ category: 'tshirts', limit: 500 })).not.toContain('TEE-RED-S');
    expect(
      await skus({ completeness: { channel: 'google', locale: 'en_US', min: 100 }, limit: 500 }),
    ).not.toContain('TEE-RED-S');
  });
});

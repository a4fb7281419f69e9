import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim } from '../../src/domains/pim/index.js';
import { runWithContext } from '../../src/kernel/context.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';

const backends = await availableBackends();

const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

describe.each(backends)('PIM content: setup, validation, completeness, versions [%s]', (backend) => {
  let t: TestApp;
  let pim: Pim;
  beforeAll(async () => {
    t = await createTestApp(backend);
    pim = t.app.domains.pim;
    await seedApparel(pim);
  });
  afterAll(async () => t?.cleanup());

  it('refuses a category cycle and re-roots a moved subtree', async () => {
    expect(await codes(pim.setup.putCategory({ code: 'men', parent: 'tshirts' }))).toEqual([
      'PIM_CATEGORY_CYCLE',
    ]);
    expect(await codes(pim.setup.putCategory({ code: 'men', parent: 'men' }))).toEqual([
      'PIM_CATEGORY_CYCLE',
    ]);
    await pim.setup.putCategory({ code: 'tshirts', parent: 'women' });
    const cats = await pim.setup.listCategories();
    expect(cats.find((c) => c.code === 'tshirts')?.path).toEqual(['master', 'women', 'tshirts']);
    await pim.setup.putCategory({ code: 'tshirts', parent: 'men' });
    expect((await pim.setup.listCategories()).find((c) => c.code === 'tshirts')?.path).toEqual([
      'master',
      'men',
      'tshirts',
    ]);
  });

  it('creates a variant as a draft, version 1, with completeness per channel × locale', async () => {
    const p = await pim.products.create({
      sku: 'TEE-RED-M',
      family: 'tshirt',
      parent: 'tee_classic',
      categories: ['tshirts'],
      values: teeValues('red', 'm'),
    });
    expect(p).toMatchObject({ sku: 'TEE-RED-M', status: 'draft', version: 1, parent: 'tee_classic' });
    const c = await pim.products.completeness(p.id);
    // Hand-computed: web requires name, description, msrp (+ material in fr_FR); google requires
    // name, brand (inherited from the model), msrp in USD and EUR, ean (missing).
    expect(c).toEqual([
      { channel: 'google', locale: 'en_US', required: 4, missing: ['ean'], ratio: 75 },
      { channel: 'web', locale: 'en_US', required: 3, missing: [], ratio: 100 },
      { channel: 'web', locale: 'fr_FR', required: 4, missing: ['material'], ratio: 75 },
    ]);
    const patched = await pim.products.patch(p.id, {
      values: {
        ean: [{ locale: null, channel: null, data: '4006381333931' }],
        material: [{ locale: null, channel: null, data: ['cotton'] }],
      },
    });
    expect(patched.product.version).toBe(2);
    expect((await pim.products.completeness(p.id)).map((r) => r.ratio)).toEqual([100, 100, 100]);
  });

  it('reports every content problem precisely and writes nothing', async () => {
    const err = await pim.products
      .create({
        sku: 'TEE-BAD',
        family: 'tshirt',
        parent: 'tee_classic',
        categories: ['nope'],
        values: {
          color: [{ locale: null, channel: null, data: 'purple' }],
          name: [{ locale: 'xx_XX', channel: null, data: 'x' }],
          weight: [{ locale: null, channel: null, data: { amount: 1, unit: 'stone' } }],
          organic: [{ locale: null, channel: null, data: 'yes' }],
          release_date: [{ locale: null, channel: null, data: '2026-02-30' }],
          nosuch: [{ locale: null, channel: null, data: 1 }],
          description: [{ locale: 'en_US', channel: 'tv', data: 'x' }],
          in_stock_count: [{ locale: null, channel: null, data: -1 }],
        },
      })
      .catch((e) => e);
    expect(err.code).toBe('PIM_PRODUCT_INVALID');
    const found = new Set(err.extensions.errors.map((e: { code: string }) => e.code));
    for (const code of [
      'CATEGORY_UNKNOWN',
      'OPTION_UNKNOWN',
      'LOCALE_UNKNOWN',
      'UNIT_UNKNOWN',
      'VALUE_TYPE',
      'ATTRIBUTE_UNKNOWN',
      'CHANNEL_UNKNOWN',
      'VALUE_OUT_OF_RANGE',
    ])
      expect(found, code).toContain(code);
    await expect(pim.products.getBySku('TEE-BAD')).rejects.toMatchObject({ code: 'PIM_PRODUCT_NOT_FOUND' });
  });

  it('refuses duplicate SKUs, duplicate variant axes, missing axes and non-unique values', async () => {
    expect(await codes(pim.products.create({ sku: 'TEE-RED-M', family: 'tshirt', values: {} }))).toEqual([
      'PIM_SKU_TAKEN',
      'SKU_TAKEN',
    ]);
    expect(
      await codes(
        pim.products.create({
          sku: 'TEE-RED-M2',
          family: 'tshirt',
          parent: 'tee_classic',
          values: teeValues('red', 'm'),
        }),
      ),
    ).toEqual(['PIM_PRODUCT_INVALID', 'VARIANT_AXES_DUPLICATE']);
    const { size: _size, ...noSize } = teeValues('blue', 'm');
    expect(
      await codes(
        pim.products.create({ sku: 'TEE-BLUE', family: 'tshirt', parent: 'tee_classic', values: noSize }),
      ),
    ).toEqual(['PIM_PRODUCT_INVALID', 'VARIANT_AXES_MISSING']);
    expect(
      await codes(
        pim.products.create({
          sku: 'TEE-BLUE-S',
          family: 'tshirt',
          parent: 'tee_classic',
          values: teeValues('blue', 's', '4006381333931'),
        }),
      ),
    ).toEqual(['PIM_PRODUCT_INVALID', 'VALUE_NOT_UNIQUE']);
    // An update that moves a variant onto a sibling's axis values is refused too.
    const large = await pim.products.create({
      sku: 'TEE-RED-L',
      family: 'tshirt',
      parent: 'tee_classic',
      values: teeValues('red', 'l'),
    });
    expect(
      await codes(
        pim.products.patch(large.id, { values: { size: [{ locale: null, channel: null, data: 'm' }] } }),
      ),
    ).toEqual(['PIM_PRODUCT_INVALID', 'VARIANT_AXES_DUPLICATE']);
    // …while one that keeps its axes goes through.
    const renamed = await pim.products.patch(large.id, {
      values: { organic: [{ locale: null, channel: null, data: false }] },
    });
    expect(renamed.product.version).toBe(2);
  });

  it('versions every change with a diff; an identical write makes no version; restore is a new version', async () => {
    const p = await pim.products.getBySku('TEE-RED-M');
    const same = await pim.products.patch(p.id, { values: { organic: [] } });
    expect(same.change).toBe('unchanged');
    await pim.products.patch(p.id, { values: { organic: [{ locale: null, channel: null, data: true }] } });
    const history = await pim.products.versions(p.id);
    expect(history.map((v) => v.version)).toEqual([3, 2, 1]);
    expect(history[0]!.diff).toEqual({
      'values.organic': [null, [{ locale: null, channel: null, data: true }]],
    });
    expect(Object.keys(history[1]!.diff).sort()).toEqual(['values.ean', 'values.material']);
    // A creation stores a mark, not the content: the content it shows is today's with every later
    // change undone — what restoring version 1 writes back, before and after that restore.
    const stored = await t.app.store.db
      .selectFrom('pim_versions')
      .select('diff')
      .where('subject', '=', p.id)
      .where('version', '=', 1)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(stored.diff as string)).toEqual({ '*': 'created' });
    const created = history[2]!.diff['*']![1] as {
      family: string;
      parent: string;
      categories: string[];
      values: any;
    };
    expect(history[2]!.diff['*']![0]).toBeNull();
    expect(created).toMatchObject({ family: 'tshirt', parent: 'tee_classic', categories: ['tshirts'] });
    expect(created.values.name).toEqual(teeValues('red', 'm').name);
    expect(created.values.ean).toBeUndefined();
    const restored = await pim.products.restore(p.id, 1);
    expect(restored.product.version).toBe(4);
    expect(restored.product.values.organic).toBeUndefined();
    expect(restored.product.values.ean).toBeUndefined();
    expect(restored.product.values.name).toEqual(teeValues('red', 'm').name);
    expect(restored.product.values).toEqual(created.values);
    const after = await pim.products.versions(p.id);
    expect(after[0]!.reason).toBe('restore:1');
    expect(after.at(-1)!.diff).toEqual(history[2]!.diff);
    // Restoring version 2 undoes the restore and version 3: ean and material come back, organic does not.
    const two = await pim.products.restore(p.id, 2);
    expect(two.product.values.ean).toBeDefined();
    expect(two.product.values.organic).toBeUndefined();
    expect(Object.keys(after[2]!.diff).sort()).toEqual(['values.ean', 'values.material']);
    await expect(pim.products.restore(p.id, 99)).rejects.toMatchObject({ code: 'PIM_VERSION_NOT_FOUND' });
  });

  it('recomputes completeness when a family requirement changes', async () => {
    const p = await pim.products.getBySku('TEE-RED-M');
    const family = await pim.setup.getFamily('tshirt');
    await pim.setup.putFamily({
      ...family,
      requirements: [...family.requirements, { channel: 'web', attribute: 'weight', locales: [] }],
    });
    const web = (await pim.products.completeness(p.id)).filter((r) => r.channel === 'web');
    expect(web.every((r) => r.missing.includes('weight'))).toBe(true);
    await pim.setup.putFamily(family);
    const again = (await pim.products.completeness(p.id)).find(
      (r) => r.channel === 'web' && r.locale === 'en_US',
    );
    expect(again?.ratio).toBe(100);
  });

  it("re-derives variants' completeness and search text when their model's values change", async () => {
    const p = await pim.products.getBySku('TEE-RED-M');
    const model = await pim.models.get('tee_classic');
    const found = async (q: string) => (await pim.search.search({ q })).items.map((i) => i.sku).sort();
    expect(await found('Zephyrwear')).toEqual([]);
    await pim.models.put({
      code: model.code,
      family: model.family,
      axes: model.axes,
      categories: model.categories,
      values: { brand: [{ locale: null, channel: null, data: 'Zephyrwear' }] },
    });
    expect(await found('Zephyrwear')).toEqual(['TEE-RED-L', 'TEE-RED-M']);
    // google requires brand: without it on the model, the variant is incomplete there.
    await pim.models.put({
      code: model.code,
      family: model.family,
      axes: model.axes,
      categories: model.categories,
    });
    const google = (await pim.products.completeness(p.id)).find((r) => r.channel === 'google');
    expect(google?.missing).toContain('brand');
    expect(await found('Zephyrwear')).toEqual([]);
    await pim.models.put({
      code: model.code,
      family: model.family,
      axes: model.axes,
      categories: model.categories,
      values: model.values,
    });
  });

  it('refuses content writes from another domain with OWNERSHIP_VIOLATION and audits the attempt', async () => {
    const p = await pim.products.getBySku('TEE-RED-M');
    const attempt = runWithContext({ correlationId: 'cor_x', actor: 'system:bus/channels.catalog' }, () =>
      pim.products.patch(p.id, { values: { brand: [{ locale: null, channel: null, data: 'Hacked' }] } }),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'OWNERSHIP_VIOLATION', status: 403 });
    const entries = await t.app.audit.list({ action: 'pim.ownership.violation' });
    expect(entries.some((e) => e.actor === 'system:bus/channels.catalog')).toBe(true);
    expect((await pim.products.get(p.id)).values.brand).toBeUndefined();
  });
});

import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Pim } from '../../src/domains/pim/index.js';

/**
 * The `pim` scenario's catalog: an apparel family sold on a Google channel, a category tree, and
 * product models whose variants (colour × size) come from a generated CSV in the import layout
 * (docs/pim.md, "Bulk import and export"). Every row is a pure function of its index, so the delta
 * file re-creates exact rows with only the name and the price changed.
 */

export const CHANNEL = 'google';
export const LOCALE = 'en_US';
export const CURRENCY = 'USD';
export const FAMILY = 'apparel';

export const CSV_HEADER = [
  'sku',
  'family',
  'parent',
  'categories',
  `name-${LOCALE}`,
  `description-${LOCALE}`,
  'brand',
  'ean',
  `msrp-${CURRENCY}`,
  'color',
  'size',
  'image_url',
  'material',
] as const;

const COLORS = [
  'black',
  'white',
  'navy',
  'red',
  'green',
  'blue',
  'grey',
  'beige',
  'brown',
  'pink',
  'purple',
  'yellow',
  'orange',
  'olive',
  'teal',
  'burgundy',
  'khaki',
  'cream',
  'charcoal',
  'sky',
] as const;
const SIZES = ['xxs', 'xs', 's', 'm', 'l', 'xl', 'xxl', 'xxxl'] as const;
const MATERIALS = ['cotton', 'polyester', 'linen', 'wool', 'elastane', 'viscose', 'silk', 'nylon'] as const;
const GENDERS = ['men', 'women', 'kids'] as const;
/** Product types: model code prefix, label, category suffix, base price in cents. */
const TYPES = [
  { code: 'tee', label: 'T-Shirt', category: 'tshirts', cents: 1999 },
  { code: 'polo', label: 'Polo Shirt', category: 'polos', cents: 3499 },
  { code: 'hoodie', label: 'Hoodie', category: 'sweats', cents: 5999 },
  { code: 'sweater', label: 'Sweater', category: 'knitwear', cents: 6999 },
  { code: 'shirt', label: 'Oxford Shirt', category: 'shirts', cents: 4999 },
  { code: 'chino', label: 'Chino Trousers', category: 'trousers', cents: 5499 },
  { code: 'jeans', label: 'Slim Jeans', category: 'jeans', cents: 7999 },
  { code: 'jacket', label: 'Rain Jacket', category: 'jackets', cents: 12999 },
  { code: 'shorts', label: 'Cargo Shorts', category: 'shorts', cents: 2999 },
  { code: 'dress', label: 'Wrap Dress', category: 'dresses', cents: 6499 },
] as const;
const BRANDS = [
  'Keel Apparel',
  'Northwind',
  'Harbor & Co',
  'Blue Ridge',
  'Atlas Outfitters',
  'Marlowe',
  'Fjord Basics',
  'Sunday Studio',
  'Ironwood',
  'Cobalt Line',
  'Meridian',
  'Old Quay',
] as const;
const ADJECTIVES = [
  'Classic',
  'Essential',
  'Relaxed',
  'Heritage',
  'Everyday',
  'Organic',
  'Premium',
  'Lightweight',
  'Tailored',
  'Vintage',
] as const;
const SENTENCES = [
  'Cut for an easy, relaxed fit that keeps its shape wash after wash.',
  'Garment-dyed for a soft hand feel and a colour that ages well.',
  'Finished with flat seams and a reinforced neckline for comfort all day.',
  'Breathable fabric that works on its own or as a layer when it gets cold.',
  'Designed in our studio and made in audited factories with fair wages.',
  'Pre-shrunk and enzyme washed, so the size you order is the size you keep.',
  'A wardrobe staple that pairs with denim, chinos and everything between.',
  'Tested for pilling and colour fastness to last for seasons, not weeks.',
] as const;
const FEATURES = [
  'Machine washable at 30°C',
  'Regular fit, true to size',
  'Reinforced stitching at stress points',
  'Recycled packaging',
  'Tagless label for comfort',
  'Made with responsibly sourced fibres',
  'Side pockets',
  'Ribbed cuffs and hem',
] as const;

export interface CatalogPlan {
  /** Variant rows in the catalog file. */
  variants: number;
  /** Variants per product model (colours × sizes). */
  perModel: number;
  colorsPerModel: number;
  sizesPerModel: number;
  /** Rows of the delta file (existing SKUs, new name and price). */
  delta: number;
}

/** `variants` spread over models of `perModel` variants each (perModel = colours × sizes, ≤ 20 × 8). */
export function catalogPlan(variants: number, perModel: number, delta: number): CatalogPlan {
  let colorsPerModel = 0;
  for (let c = Math.min(COLORS.length, perModel); c >= 1; c--) {
    if (perModel % c === 0 && perModel / c <= SIZES.length) {
      colorsPerModel = c;
      break;
    }
  }
  if (colorsPerModel === 0 || variants % perModel !== 0)
    throw new Error(`cannot lay out ${variants} variants in models of ${perModel}`);
  return { variants, perModel, colorsPerModel, sizesPerModel: perModel / colorsPerModel, delta };
}

export function modelCount(plan: CatalogPlan): number {
  return plan.variants / plan.perModel;
}

// ---------------------------------------------------------------------------------------------
// Deterministic content
// ---------------------------------------------------------------------------------------------

/** A small integer hash (mulberry32 step): content varies with the index, and is reproducible. */
function hash(n: number): number {
  let t = (n + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

interface ModelInfo {
  code: string;
  type: (typeof TYPES)[number];
  gender: (typeof GENDERS)[number];
  brand: string;
  adjective: string;
  materials: string[];
  description: string;
}

function modelInfo(m: number): ModelInfo {
  const h = hash(m);
  const type = pick(TYPES, Math.floor(m / 3));
  const gender = pick(GENDERS, m);
  const first = pick(MATERIALS, h);
  const second = pick(MATERIALS, h >>> 8);
  const materials = first === second || (h & 1) === 0 ? [first] : [first, second];
  const brand = pick(BRANDS, h >>> 4);
  const adjective = pick(ADJECTIVES, h >>> 12);
  const s1 = pick(SENTENCES, h >>> 16);
  const s2 = pick(SENTENCES, (h >>> 16) + 3);
  const f = (k: number) => pick(FEATURES, (h >>> 20) + k);
  const description =
    `<p>The <b>${adjective.toLowerCase()} ${type.label.toLowerCase()}</b> by ${brand}, ` +
    `in ${materials.join(' and ')}. ${s1} ${s2}</p>` +
    `<ul><li>${f(0)}</li><li>${f(3)}</li><li>${f(5)}</li></ul>`;
  return {
    code: `${type.code}_${String(m).padStart(6, '0')}`,
    type,
    gender,
    brand,
    adjective,
    materials,
    description,
  };
}

export function categoryOf(model: ModelInfo): string {
  return `${model.gender}_${model.type.category}`;
}

/** A valid GTIN-13 in GS1 prefix 50 (no restricted or coupon range), unique per index. */
export function ean13(n: number): string {
  const body = `50${String(n).padStart(10, '0')}`;
  let sum = 0;
  for (let k = 0; k < 12; k++) sum += (body.charCodeAt(k) - 48) * (k % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

function cents(amount: number): string {
  return `${Math.floor(amount / 100)}.${String(amount % 100).padStart(2, '0')}`;
}

/** RFC 4180: quote fields holding a separator, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV cells of variant `i`; `changed` gives the delta file's version of the same row. */
export function variantRow(plan: CatalogPlan, i: number, changed = false): string[] {
  const m = Math.floor(i / plan.perModel);
  const j = i % plan.perModel;
  const model = modelInfo(m);
  const h = hash(m);
  const color = COLORS[(h + (j % plan.colorsPerModel)) % COLORS.length]!;
  const sizeOffset = h % (SIZES.length - plan.sizesPerModel + 1);
  const size = SIZES[sizeOffset + Math.floor(j / plan.colorsPerModel)]!;
  const sku = `${model.code.toUpperCase().replace('_', '-')}-${color.toUpperCase()}-${size.toUpperCase()}`;
  const name =
    `${changed ? 'New ' : ''}${model.brand} ${model.adjective} ${model.type.label}, ` +
    `${color[0]!.toUpperCase()}${color.slice(1)}, ${size.toUpperCase()}`;
  const price = model.type.cents + (SIZES.indexOf(size) >= 5 ? 500 : 0) + (changed ? 100 : 0);
  return [
    sku,
    FAMILY,
    model.code,
    categoryOf(model),
    name,
    model.description,
    model.brand,
    ean13(i + 1),
    cents(price),
    color,
    size,
    `https://cdn.example.com/img/${model.code}/${color}.jpg`,
    model.materials.join(','),
  ];
}

export function skuOf(plan: CatalogPlan, i: number): string {
  return variantRow(plan, i)[0]!;
}

/** Indexes of the delta's rows: spread evenly over the catalog. */
export function deltaIndexes(plan: CatalogPlan): number[] {
  const step = Math.floor(plan.variants / plan.delta);
  return Array.from({ length: plan.delta }, (_, d) => d * step + (d % step));
}

/** Stream rows to a CSV file in ~1 MiB writes, honouring backpressure; never the whole file in memory. */
async function writeCsv(path: string, rows: Iterable<string[]>): Promise<number> {
  const out = createWriteStream(path);
  let chunk = `${CSV_HEADER.join(',')}\r\n`;
  let count = 0;
  for (const row of rows) {
    chunk += `${row.map(csvField).join(',')}\r\n`;
    count++;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
  return count;
}

export function writeCatalogCsv(path: string, plan: CatalogPlan): Promise<number> {
  return writeCsv(
    path,
    (function* () {
      for (let i = 0; i < plan.variants; i++) yield variantRow(plan, i);
    })(),
  );
}

export function writeDeltaCsv(path: string, plan: CatalogPlan): Promise<number> {
  return writeCsv(
    path,
    (function* () {
      for (const i of deltaIndexes(plan)) yield variantRow(plan, i, true);
    })(),
  );
}

// ---------------------------------------------------------------------------------------------
// Catalog setup
// ---------------------------------------------------------------------------------------------

/** The Google channel's syndication rules: every attribute, fields named after Google's. */
export const GOOGLE_RULES = {
  attributes: ['name', 'description', 'brand', 'ean', 'msrp', 'color', 'size', 'image_url', 'material'],
  transforms: {
    title: '$truncate(name, 150)',
    description: '$stripHtml(description)',
    link: "'https://shop.example.com/p/' & sku",
    image_link: 'image_url',
    gtin: 'ean',
    price: 'msrp',
    brand: 'brand',
    color: 'color',
    size: 'size',
  },
};

/** Channel, attributes, family and category tree (small: a handful of transactions). */
export async function seedSetup(pim: Pim): Promise<void> {
  await pim.setup.putCategory({ code: 'master', labels: { en_US: 'All products' } });
  for (const g of GENDERS) {
    await pim.setup.putCategory({ code: g, parent: 'master' });
    for (const t of TYPES) await pim.setup.putCategory({ code: `${g}_${t.category}`, parent: g });
  }
  await pim.setup.putChannel({
    code: CHANNEL,
    labels: { en_US: 'Google Shopping' },
    locales: [LOCALE],
    currencies: [CURRENCY],
    categoryTree: 'master',
  });
  const option = (code: string) => ({ code, labels: { en_US: code[0]!.toUpperCase() + code.slice(1) } });
  await pim.setup.putAttribute({ code: 'name', type: 'text', localizable: true, maxLength: 150 });
  await pim.setup.putAttribute({ code: 'description', type: 'richtext', localizable: true });
  await pim.setup.putAttribute({ code: 'brand', type: 'text' });
  await pim.setup.putAttribute({ code: 'ean', type: 'text', unique: true, pattern: '^[0-9]{8,14}$' });
  await pim.setup.putAttribute({ code: 'msrp', type: 'price' });
  await pim.setup.putAttribute({ code: 'color', type: 'select', options: COLORS.map(option) });
  await pim.setup.putAttribute({ code: 'size', type: 'select', options: SIZES.map(option) });
  await pim.setup.putAttribute({ code: 'image_url', type: 'text', maxLength: 500 });
  await pim.setup.putAttribute({ code: 'material', type: 'multiselect', options: MATERIALS.map(option) });
  await pim.setup.putFamily({
    code: FAMILY,
    labels: { en_US: 'Apparel' },
    labelAttribute: 'name',
    attributes: ['name', 'description', 'brand', 'ean', 'msrp', 'color', 'size', 'image_url', 'material'],
    requirements: ['name', 'description', 'brand', 'ean', 'msrp'].map((attribute) => ({
      channel: CHANNEL,
      attribute,
    })),
  });
}

/**
 * The product models, through the service (one transaction each, as the API writes them);
 * `concurrency` puts in flight at once (PostgreSQL runs them side by side; SQLite queues them).
 */
export async function seedModels(
  pim: Pim,
  plan: CatalogPlan,
  concurrency: number,
  onProgress?: (done: number) => void,
): Promise<number> {
  const total = modelCount(plan);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let m = next++; m < total; m = next++) {
      const model = modelInfo(m);
      await pim.models.put({
        code: model.code,
        family: FAMILY,
        axes: ['color', 'size'],
        categories: [categoryOf(model)],
        values: {
          brand: [{ locale: null, channel: null, data: model.brand }],
          material: [{ locale: null, channel: null, data: model.materials }],
        },
      });
      if (++done % 5000 === 0) onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return total;
}

import type { Pim } from '../../src/domains/pim/index.js';

/**
 * A small apparel catalog: two channels, every attribute type, a family with per-channel and
 * per-locale requirements, a category tree and a T-shirt model with size × colour variants.
 */
export async function seedApparel(pim: Pim): Promise<void> {
  await pim.setup.putCategory({ code: 'master' });
  await pim.setup.putCategory({ code: 'men', parent: 'master' });
  await pim.setup.putCategory({ code: 'tshirts', parent: 'men' });
  await pim.setup.putCategory({ code: 'women', parent: 'master' });
  await pim.setup.putChannel({
    code: 'web',
    locales: ['en_US', 'fr_FR'],
    currencies: ['USD'],
    categoryTree: 'master',
  });
  await pim.setup.putChannel({ code: 'google', locales: ['en_US'], currencies: ['USD', 'EUR'] });
  const attrs = [
    { code: 'name', type: 'text', localizable: true, maxLength: 120 },
    { code: 'description', type: 'richtext', localizable: true, scopable: true },
    { code: 'brand', type: 'text' },
    { code: 'ean', type: 'text', unique: true, pattern: '^[0-9]{8,14}$' },
    { code: 'weight', type: 'measure', units: ['g', 'kg', 'lb'] },
    { code: 'msrp', type: 'price' },
    { code: 'in_stock_count', type: 'number', integer: true, min: 0 },
    { code: 'organic', type: 'boolean' },
    { code: 'release_date', type: 'date' },
    { code: 'image', type: 'media', mediaKinds: ['image'] },
    { code: 'related', type: 'reference' },
    {
      code: 'color',
      type: 'select',
      options: [{ code: 'red', labels: { en_US: 'Red' } }, { code: 'blue' }, { code: 'green' }],
    },
    { code: 'size', type: 'select', options: [{ code: 's' }, { code: 'm' }, { code: 'l' }] },
    {
      code: 'material',
      type: 'multiselect',
      options: [{ code: 'cotton' }, { code: 'polyester' }, { code: 'linen' }],
    },
  ] as const;
  for (const a of attrs) await pim.setup.putAttribute(a as any);
  await pim.setup.putFamily({
    code: 'tshirt',
    labelAttribute: 'name',
    attributes: attrs.map((a) => a.code),
    requirements: [
      { channel: 'web', attribute: 'name' },
      { channel: 'web', attribute: 'description' },
      { channel: 'web', attribute: 'msrp' },
      { channel: 'web', attribute: 'material', locales: ['fr_FR'] },
      { channel: 'google', attribute: 'name' },
      { channel: 'google', attribute: 'brand' },
      { channel: 'google', attribute: 'msrp' },
      { channel: 'google', attribute: 'ean' },
    ],
  });
  await pim.models.put({
    code: 'tee_classic',
    family: 'tshirt',
    axes: ['color', 'size'],
    categories: ['tshirts'],
    values: { brand: [{ locale: null, channel: null, data: 'Keel Apparel' }] },
  });
}

/** Values of a variant complete for web en_US (not fr_FR: no material) and google (when `ean`). */
export function teeValues(color: string, size: string, ean?: string) {
  return {
    color: [{ locale: null, channel: null, data: color }],
    size: [{ locale: null, channel: null, data: size }],
    name: [
      { locale: 'en_US', channel: null, data: `Classic tee ${color} ${size}` },
      { locale: 'fr_FR', channel: null, data: `T-shirt classique ${color} ${size}` },
    ],
    description: [
      { locale: 'en_US', channel: 'web', data: '<p>Soft <b>cotton</b> tee</p>' },
      { locale: 'fr_FR', channel: 'web', data: '<p>T-shirt doux</p>' },
      { locale: 'en_US', channel: 'google', data: 'Soft cotton tee' },
    ],
    msrp: [
      {
        locale: null,
        channel: null,
        data: [
          { amount: 1999, currency: 'USD' },
          { amount: 1899, currency: 'EUR' },
        ],
      },
    ],
    ...(ean ? { ean: [{ locale: null, channel: null, data: ean }] } : {}),
  };
}

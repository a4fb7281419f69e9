import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttributeDef, CatalogSnapshot, ChannelDef, ProductInput, ValueEntry } from './catalog.types.js';
import { csvLine } from './export.writer.js';
import { type ColumnPlan, decodeRow, encodeRow, headerFor, parseHeader } from './import.codec.js';
import { readCsvRecords } from './import.reader.js';

function attr(code: string, type: AttributeDef['type'], extra: Partial<AttributeDef> = {}): AttributeDef {
  return {
    code,
    type,
    labels: {},
    localizable: false,
    scopable: false,
    unique: false,
    searchable: false,
    ...extra,
  };
}
function channel(code: string, locales: string[], currencies: string[]): ChannelDef {
  return { code, labels: {}, locales, currencies, categoryTree: null };
}

const options = (codes: string[]) => codes.map((code) => ({ code, labels: {} }));
const attributes = [
  attr('name', 'text', { localizable: true }),
  attr('description', 'richtext', { localizable: true, scopable: true }),
  attr('ean', 'text'),
  attr('count', 'number'),
  attr('weight', 'measure', { units: ['kg', 'g'] }),
  attr('active', 'boolean', { scopable: true }),
  attr('color', 'select', { options: options(['red', 'blue']) }),
  attr('tags', 'multiselect', { options: options(['new', 'sale', 'eco']) }),
  attr('released', 'date'),
  attr('msrp', 'price'),
  attr('price', 'price', { scopable: true }),
  attr('image', 'media'),
  attr('related', 'reference'),
  attr('constructor', 'text'), // a code that is also a property of every object
];
const channels = [
  channel('ecommerce', ['en_US', 'de_DE'], ['USD', 'EUR']),
  channel('print', ['de_DE'], ['EUR', 'KWD']),
  channel('japan', ['ja_JP'], ['JPY']),
];
const snapshot: CatalogSnapshot = {
  attributes: new Map(attributes.map((a) => [a.code, a])),
  families: new Map(),
  channels: new Map(channels.map((c) => [c.code, c])),
  locales: new Set(['en_US', 'de_DE', 'ja_JP']),
  categories: new Set(['men', 'shoes']),
};

function planOf(columns: string[]): ColumnPlan {
  const parsed = parseHeader(columns, snapshot);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.plan;
}
const entry = (data: ValueEntry['data'], locale: string | null = null, channel: string | null = null) => ({
  locale,
  channel,
  data,
});

describe('parseHeader', () => {
  it('plans every column kind', () => {
    const plan = planOf([
      'sku',
      'family',
      'name-de_DE',
      'description-en_US-ecommerce',
      'price-print-KWD',
      'msrp-JPY',
    ]);
    expect(plan.family).toBe(1);
    expect(plan.parent).toBe(-1);
    expect(plan.cells.map((c) => [c.attribute, c.locale, c.channel, c.currency, c.exponent])).toEqual([
      ['name', 'de_DE', null, null, 0],
      ['description', 'en_US', 'ecommerce', null, 0],
      ['price', null, 'print', 'KWD', 3],
      ['msrp', null, null, 'JPY', 0],
    ]);
  });

  it('reports every bad column at once, each with its code', () => {
    const result = parseHeader(
      [
        'family',
        'nope',
        'name-xx_XX',
        'description-en_US-web',
        'msrp-XYZ',
        'msrp-GBP',
        'ean-en_US',
        'name',
        'description-ecommerce',
        'msrp',
        'count-ecommerce',
        'ean-',
        'name-en_US-x-y',
        'Name',
        'family',
      ],
      snapshot,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.field} ${e.code}`)).toEqual([
      'sku CSV_HEADER_MISSING',
      'nope ATTRIBUTE_UNKNOWN',
      'name-xx_XX LOCALE_UNKNOWN',
      'description-en_US-web CHANNEL_UNKNOWN',
      'msrp-XYZ CURRENCY_UNKNOWN',
      'msrp-GBP CURRENCY_UNKNOWN',
      'ean-en_US COLUMN_INVALID',
      'name COLUMN_INVALID',
      'description-ecommerce COLUMN_INVALID',
      'msrp COLUMN_INVALID',
      'count-ecommerce COLUMN_INVALID',
      'ean- COLUMN_INVALID',
      'name-en_US-x-y COLUMN_INVALID',
      'Name ATTRIBUTE_UNKNOWN',
      'family CSV_HEADER_DUPLICATE',
    ]);
    expect(result.errors.find((e) => e.field === 'name')?.message).toContain('name-<locale>');
  });
});

describe('decodeRow', () => {
  const plan = planOf([
    'sku',
    'family',
    'parent',
    'categories',
    'name-en_US',
    'count',
    'weight',
    'active-ecommerce',
    'tags',
    'msrp-EUR',
    'msrp-USD',
    'price-japan-JPY',
    'price-print-KWD',
    'released',
  ]);

  it('reads each cell format; empty cells are absent', () => {
    const decoded = decodeRow(plan, {
      sku: 'S1',
      family: 'shoes',
      parent: '',
      categories: 'men, shoes',
      'name-en_US': ' Runner ',
      count: '-1.5e3',
      weight: '1.5 kg',
      'active-ecommerce': 'TRUE',
      tags: 'new, sale',
      'msrp-EUR': '12.99',
      'msrp-USD': '0.29',
      'price-japan-JPY': '1299',
      'price-print-KWD': '4.350',
      released: '',
    });
    expect(decoded).toEqual({
      input: {
        sku: 'S1',
        family: 'shoes',
        parent: null,
        categories: ['men', 'shoes'],
        values: {
          name: [entry(' Runner ', 'en_US')],
          count: [entry(-1500)],
          weight: [entry({ amount: 1.5, unit: 'kg' })],
          active: [entry(true, null, 'ecommerce')],
          tags: [entry(['new', 'sale'])],
          msrp: [
            entry([
              { amount: 1299, currency: 'EUR' },
              { amount: 29, currency: 'USD' },
            ]),
          ],
          price: [
            entry([{ amount: 1299, currency: 'JPY' }], null, 'japan'),
            entry([{ amount: 4350, currency: 'KWD' }], null, 'print'),
          ],
        },
      },
    });
  });

  it('converts prices exactly, where floats would not', () => {
    const cases: [string, number][] = [
      ['4.35', 435],
      ['1.005', Number.NaN],
      ['0.1', 10],
      ['-3.50', -350],
      ['12.990', 1299],
      ['.5', 50],
      ['7.', 700],
      ['90071992547409.91', 9007199254740991],
    ];
    for (const [cell, amount] of cases) {
      const decoded = decodeRow(plan, { sku: 'S', 'msrp-EUR': cell });
      if (Number.isNaN(amount)) expect(decoded).toMatchObject({ errors: [{ code: 'VALUE_TYPE' }] });
      else expect(decoded).toMatchObject({ input: { values: { msrp: [{ data: [{ amount }] }] } } });
    }
  });

  it('reports each unreadable cell as VALUE_TYPE naming its column', () => {
    const bad: Record<string, string[]> = {
      count: ['NaN', '0x10', ' ', ' 1', '1,5', 'Infinity', '1e400', '--1', '.'],
      weight: ['1.5kg', 'kg 1.5', '1.5', 'x kg'],
      'active-ecommerce': ['maybe', 'constructor', '2'],
      tags: [',', ' , '],
      'msrp-EUR': ['12.999', '12,99', '1 299', '', 'abc', '9007199254740992'].filter((c) => c !== ''),
      'price-japan-JPY': ['12.5', '1e3'],
    };
    for (const [column, cells] of Object.entries(bad)) {
      for (const cell of cells) {
        const decoded = decodeRow(plan, { sku: 'S', [column]: cell });
        expect(decoded, `${column}=${JSON.stringify(cell)}`).toEqual({
          errors: [{ field: column, code: 'VALUE_TYPE', message: expect.stringContaining('expected') }],
        });
      }
    }
    const two = decodeRow(plan, { sku: 'S', count: 'x', 'msrp-USD': 'y' });
    expect('errors' in two && two.errors.map((e) => e.field)).toEqual(['count', 'msrp-USD']);
  });

  it('leaves parent and categories out when their columns are absent', () => {
    expect(decodeRow(planOf(['sku']), { sku: 'S' })).toEqual({ input: { sku: 'S', family: '', values: {} } });
  });
});

describe('headerFor and encodeRow', () => {
  it('lists columns in a stable order: a scopable attribute only in its channel locales and currencies', () => {
    expect(headerFor(snapshot, ['name', 'description', 'price', 'msrp', 'ean'])).toEqual([
      'sku',
      'family',
      'parent',
      'categories',
      'name-de_DE',
      'name-en_US',
      'name-ja_JP',
      'description-de_DE-ecommerce',
      'description-de_DE-print',
      'description-en_US-ecommerce',
      'description-ja_JP-japan',
      'price-ecommerce-EUR',
      'price-ecommerce-USD',
      'price-japan-JPY',
      'price-print-EUR',
      'price-print-KWD',
      'msrp-EUR',
      'msrp-JPY',
      'msrp-KWD',
      'msrp-USD',
      'ean',
    ]);
    expect(headerFor(snapshot)).toEqual(headerFor(snapshot, [...snapshot.attributes.keys()].sort()));
    expect(() => headerFor(snapshot, ['nope'])).toThrow('nope');
  });

  it('writes cells in the format decodeRow reads', () => {
    const plan = planOf(headerFor(snapshot));
    const row = encodeRow(plan, {
      sku: 'S',
      family: 'f',
      parent: null,
      categories: ['a', 'b'],
      values: {
        count: [entry(-0)],
        weight: [entry({ amount: 1e21, unit: 'g' })],
        msrp: [
          entry([
            { amount: 5, currency: 'EUR' },
            { amount: -123456, currency: 'JPY' },
            { amount: 7, currency: 'KWD' },
          ]),
        ],
        active: [entry(false, null, 'print')],
      },
    });
    const cells = Object.fromEntries(plan.columns.map((c, i) => [c, row[i]]).filter(([, v]) => v !== ''));
    expect(cells).toEqual({
      sku: 'S',
      family: 'f',
      categories: 'a,b',
      count: '-0',
      weight: '1e+21 g',
      'msrp-EUR': '0.05',
      'msrp-JPY': '-123456',
      'msrp-KWD': '0.007',
      'active-print': '0',
    });
    expect(() => encodeRow(plan, { sku: 'S', family: 'f', values: { count: [entry('12')] } })).toThrow(
      'count',
    );
  });

  describe('round trip', () => {
    const plan = planOf(headerFor(snapshot));
    const text = fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\0'));
    const code = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
    const number = fc.double({ noNaN: true, noDefaultInfinity: true });
    // Cells of one (attribute, locale, channel) form one entry; prices gather their currencies.
    const slots = new Map<string, ColumnPlan['cells'][number][]>();
    for (const cell of plan.cells) {
      const key = `${cell.attribute}|${cell.locale}|${cell.channel}`;
      slots.set(key, [...(slots.get(key) ?? []), cell]);
    }
    const dataOf = (cells: ColumnPlan['cells'][number][]): fc.Arbitrary<ValueEntry['data']> => {
      const def = snapshot.attributes.get(cells[0]!.attribute)!;
      switch (def.type) {
        case 'number':
          return number;
        case 'measure':
          return fc.record({ amount: number, unit: fc.constantFrom(...def.units!) });
        case 'boolean':
          return fc.boolean();
        case 'multiselect':
          return fc.shuffledSubarray(
            def.options!.map((o) => o.code),
            { minLength: 1 },
          );
        case 'price':
          return fc
            .subarray(cells, { minLength: 1 })
            .chain((some) =>
              fc.tuple(
                ...some.map((c) => fc.maxSafeInteger().map((amount) => ({ amount, currency: c.currency! }))),
              ),
            );
        default:
          return text;
      }
    };
    const product: fc.Arbitrary<ProductInput> = fc
      .record({
        sku: text,
        family: code,
        parent: fc.option(code, { nil: null }),
        categories: fc.array(code, { maxLength: 3 }),
        entries: fc.tuple(
          ...[...slots.values()].map((cells) => fc.option(dataOf(cells), { nil: undefined })),
        ),
      })
      .map(({ entries, ...rest }) => {
        const values: ProductInput['values'] = {};
        [...slots.values()].forEach((cells, i) => {
          const data = entries[i];
          if (data === undefined) return;
          const { attribute, locale, channel } = cells[0]!;
          const before = Object.hasOwn(values, attribute) ? values[attribute]! : [];
          values[attribute] = [...before, { locale, channel, data }];
        });
        return { ...rest, values };
      });
    const record = (row: string[]) => Object.fromEntries(plan.columns.map((c, i) => [c, row[i]!]));

    it('decodeRow(encodeRow(p)) equals p', () => {
      fc.assert(
        fc.property(product, (p) => {
          expect(decodeRow(plan, record(encodeRow(plan, p)))).toEqual({ input: p });
        }),
        { numRuns: 300 },
      );
    });

    it('survives a trip through CSV text', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(product, { minLength: 1, maxLength: 5 }), async (products) => {
          const text = [plan.columns, ...products.map((p) => encodeRow(plan, p))].map(csvLine).join('');
          const back: ProductInput[] = [];
          for await (const item of readCsvRecords(Readable.from([Buffer.from(text)]))) {
            if (!('record' in item)) throw new Error(JSON.stringify(item.errors));
            const decoded = decodeRow(plan, item.record);
            if ('input' in decoded) back.push(decoded.input);
          }
          expect(back).toEqual(products);
        }),
        { numRuns: 100 },
      );
    });
  });
});

import type { AttributeDef, ChannelDef, ProductValues } from '../../src/domains/pim/catalog.types.js';
import { compileRules } from '../../src/domains/pim/syndication.compile.js';
import type {
  ApplyResult,
  CompiledRules,
  CompileResult,
  SyndicationProduct,
} from '../../src/domains/pim/syndication.types.js';

/**
 * Shared fixtures of the syndication engine's tests (syndication.compile.test.ts and
 * syndication.apply.test.ts): a catalog of attributes, two channels, a fully valued product, and
 * helpers that compile a rule set or unwrap a result. A module of its own so both test files use the
 * same catalog; it holds no tests.
 */

export function attr(
  code: string,
  type: AttributeDef['type'],
  localizable = false,
  scopable = false,
): AttributeDef {
  return { code, type, labels: {}, localizable, scopable, unique: false, searchable: false };
}

export const ATTRIBUTES = new Map(
  [
    attr('name', 'text', true),
    attr('description', 'richtext', true, true),
    attr('weight', 'measure'),
    attr('price', 'price'),
    attr('ean', 'text'),
    attr('color', 'select'),
    attr('internal_note', 'text'),
    attr('material', 'text', false, true),
    attr('tags', 'multiselect'),
    attr('constructor', 'text'),
  ].map((a) => [a.code, a]),
);

export const WEBSHOP: ChannelDef = {
  code: 'webshop',
  labels: {},
  locales: ['en_US', 'de_DE', 'de_CH'],
  currencies: ['EUR', 'CHF'],
  categoryTree: null,
};
export const AMAZON_DE: ChannelDef = {
  ...WEBSHOP,
  code: 'amazon_de',
  locales: ['de_DE'],
  currencies: ['EUR'],
};

export const ctx = { attributes: ATTRIBUTES, channel: WEBSHOP };

export function compiled(input: unknown, c: Parameters<typeof compileRules>[1] = ctx): CompiledRules {
  const r = compileRules(input, c);
  if (!r.ok) throw new Error(`unexpected compile errors: ${JSON.stringify(r.errors)}`);
  return r.rules;
}

export function errorsOf(r: CompileResult | ApplyResult) {
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

export function payloadOf(r: ApplyResult): Record<string, unknown> {
  if (!r.ok) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.payload;
}

export function product(values: ProductValues, extra: Partial<SyndicationProduct> = {}): SyndicationProduct {
  return { sku: 'SKU-1', family: 'shirts', parent: null, categories: ['men', 'summer'], values, ...extra };
}

export const FULL: ProductValues = {
  name: [
    { locale: 'en_US', channel: null, data: 'Linen shirt' },
    { locale: 'de_DE', channel: null, data: 'Leinenhemd' },
  ],
  description: [
    { locale: 'en_US', channel: 'webshop', data: '<p>Cool <b>linen</b> &amp; cotton</p>' },
    { locale: 'en_US', channel: 'amazon_de', data: '<p>Amazon copy</p>' },
    { locale: 'de_DE', channel: 'amazon_de', data: '<p>Amazon Text</p>' },
  ],
  weight: [{ locale: null, channel: null, data: { amount: 1250, unit: 'g' } }],
  price: [
    {
      locale: null,
      channel: null,
      data: [
        { amount: 1299, currency: 'EUR' },
        { amount: 1499, currency: 'CHF' },
      ],
    },
  ],
  ean: [{ locale: null, channel: null, data: '4006381333931' }],
  internal_note: [{ locale: null, channel: null, data: 'do not publish' }],
  material: [
    { locale: null, channel: 'webshop', data: 'linen' },
    { locale: null, channel: 'amazon_de', data: 'Leinen' },
  ],
};

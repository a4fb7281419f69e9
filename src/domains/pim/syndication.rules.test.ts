import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it, vi } from 'vitest';
import type { AttributeDef, ChannelDef, ProductValues } from './catalog.types.js';
import { convertUnit, formatPrice, stripHtml, truncate } from './syndication.functions.js';
import {
  type ApplyResult,
  applyRules,
  type CompiledRules,
  type CompileResult,
  compileRules,
  RULE_LIMITS,
  type SyndicationProduct,
} from './syndication.rules.js';

// A transparent wrapper: it lets tests count how often expressions are parsed and evaluated.
const evaluations = vi.hoisted(() => ({ count: 0 }));
vi.mock('jsonata', async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import('jsonata') }>()).default;
  const parse = (source: string, options?: Parameters<typeof real>[1]) => {
    const expression = real(source, options);
    const evaluate = expression.evaluate.bind(expression) as (input: unknown) => Promise<unknown>;
    expression.evaluate = ((input: unknown) => {
      evaluations.count++;
      return evaluate(input);
    }) as typeof expression.evaluate;
    return expression;
  };
  return { default: vi.fn(parse) };
});

function attr(code: string, type: AttributeDef['type'], localizable = false, scopable = false): AttributeDef {
  return { code, type, labels: {}, localizable, scopable, unique: false, searchable: false };
}

const ATTRIBUTES = new Map(
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

const WEBSHOP: ChannelDef = {
  code: 'webshop',
  labels: {},
  locales: ['en_US', 'de_DE', 'de_CH'],
  currencies: ['EUR', 'CHF'],
  categoryTree: null,
};
const AMAZON_DE: ChannelDef = { ...WEBSHOP, code: 'amazon_de', locales: ['de_DE'], currencies: ['EUR'] };

const ctx = { attributes: ATTRIBUTES, channel: WEBSHOP };

function compiled(input: unknown, c: Parameters<typeof compileRules>[1] = ctx): CompiledRules {
  const r = compileRules(input, c);
  if (!r.ok) throw new Error(`unexpected compile errors: ${JSON.stringify(r.errors)}`);
  return r.rules;
}

function errorsOf(r: CompileResult | ApplyResult) {
  if (r.ok) throw new Error('expected errors');
  return r.errors;
}

function payloadOf(r: ApplyResult): Record<string, unknown> {
  if (!r.ok) throw new Error(`unexpected errors: ${JSON.stringify(r.errors)}`);
  return r.payload;
}

function product(values: ProductValues, extra: Partial<SyndicationProduct> = {}): SyndicationProduct {
  return { sku: 'SKU-1', family: 'shirts', parent: null, categories: ['men', 'summer'], values, ...extra };
}

const FULL: ProductValues = {
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

// ---------------------------------------------------------------------------------------------

describe('$stripHtml', () => {
  it('removes tags, decodes entities once and collapses whitespace', () => {
    expect(
      stripHtml('<p>Cool <b>linen</b>\n\n  &amp; <i>cotton</i>&nbsp;&mdash; 100&#37; &#x2713;</p>'),
    ).toBe('Cool linen & cotton — 100% ✓');
    // Decoded after the tags are gone, in one pass: escaped markup stays text, `&amp;lt;` stays `&lt;`.
    expect(stripHtml('&lt;b&gt;bold&lt;/b&gt; &amp;lt;')).toBe('<b>bold</b> &lt;');
    expect(stripHtml('&unknown; &copy &#0; &#xD800; &#99999999;')).toBe(
      '&unknown; &copy \ufffd \ufffd &#99999999;',
    );
    expect(stripHtml('caf&eacute; &quot;Gr&uuml;&szlig;e&quot; &#39;x&#39;')).toBe('café "Grüße" \'x\'');
  });

  it('separates block elements and joins inline ones', () => {
    expect(stripHtml('<ul><li>One</li><li>Two</li></ul><p>Three<br/>Four</p>')).toBe('One Two Three Four');
    expect(stripHtml('<div><span>Lin</span><em>en</em></div>')).toBe('Linen');
    expect(
      stripHtml('<div><div><section><p>deep <strong><em>nest</em></strong></p></section></div></div>'),
    ).toBe('deep nest');
  });

  it('drops script and style contents, even when they hold markup', () => {
    expect(
      stripHtml(
        'a<script type="text/javascript">if (x < 1 && y > 2) { document.write("</p><b>") }</script>b',
      ),
    ).toBe('ab');
    expect(stripHtml('a<SCRIPT>alert(1)</SCRIPT >b<style>p > b { color: red }</style>c')).toBe('abc');
    // `</scripts>` does not close <script>; an unclosed script swallows the rest rather than leaking it.
    expect(stripHtml('x<script>var s = "</scripts>"; steal()</script>y')).toBe('xy');
    expect(stripHtml('visible<script>never closed <p>secret</p>')).toBe('visible');
    expect(stripHtml('a<!-- <p>hidden</p> -->b<!DOCTYPE html><![CDATA[x]]>c<?xml version="1.0"?>d')).toBe(
      'abcd',
    );
  });

  it('is not fooled by > inside quoted attributes, and keeps a lone <', () => {
    expect(stripHtml('<a title="x > y" data-q=\'1>0\' href=/p>link</a> text')).toBe('link text');
    expect(stripHtml('<img alt="<script>" src="a.png">after')).toBe('after');
    expect(stripHtml('3 < 5 and 5 > 3, a <- b')).toBe('3 < 5 and 5 > 3, a <- b');
    // A quote that does not open a value does not swallow the rest.
    expect(stripHtml('<br">after')).toBe('after');
  });

  it('runs in linear time on hostile input', () => {
    const hostile = `${'<a title="'.repeat(50_000)}${'<'.repeat(100_000)}${'&#'.repeat(100_000)}`;
    const started = performance.now();
    expect(typeof stripHtml(hostile)).toBe('string');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('passes undefined through and rejects non-strings', () => {
    expect(stripHtml(undefined)).toBeUndefined();
    expect(() => stripHtml(42)).toThrow(/stripHtml: expects a string/);
  });
});

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('$truncate', () => {
  it('leaves strings of at most n code points alone, exact length included', () => {
    expect(truncate('Linen shirt', 11)).toBe('Linen shirt');
    expect(truncate('Linen shirt', 200)).toBe('Linen shirt');
    // 5 emoji = 10 UTF-16 units but 5 code points: exactly the limit, not cut.
    expect(truncate('😀😀😀😀😀', 5)).toBe('😀😀😀😀😀');
    expect(truncate('', 0)).toBe('');
  });

  it('cuts at a word boundary with an ellipsis that counts', () => {
    expect(truncate('Linen shirt with pockets', 12)).toBe('Linen shirt…');
    expect(truncate('Linen shirt with pockets', 16)).toBe('Linen shirt…');
    expect(truncate('Linen shirt with pockets', 17)).toBe('Linen shirt with…');
    expect(truncate('Linen shirt, blue', 13)).toBe('Linen shirt,…');
  });

  it('cuts a long word hard rather than keeping too little', () => {
    expect(truncate('Ab Donaudampfschifffahrtsgesellschaft', 10)).toBe('Ab Donaud…');
    expect(truncate('Supercalifragilistic', 8)).toBe('Superca…');
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('abcdef', 2.9)).toBe('a…');
  });

  it('counts emoji as one and never splits a surrogate pair', () => {
    expect(truncate('😀😀😀😀😀😀', 5)).toBe('😀😀😀😀…');
    expect(truncate('I ❤️ 🐕🐕🐕🐕🐕🐕', 6)).toBe('I ❤️…');
    expect(truncate('👍👍👍 ok', 3)).toBe('👍👍…');
    // A zero-width joiner is not left dangling at the end.
    expect(truncate('ab👨‍👩‍👧', 4)).toBe('ab👨…');
  });

  it('never exceeds n code points (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.nat(80), (s, n) => {
        const r = truncate(s, n)!;
        const points = [...r].length;
        expect(points).toBeLessThanOrEqual(n);
        if ([...s].length <= n) expect(r).toBe(s);
        else if (n > 0) expect(r.endsWith('…')).toBe(true);
        expect(r).not.toMatch(LONE_SURROGATE);
      }),
    );
  });

  it('passes undefined through and rejects bad arguments', () => {
    expect(truncate(undefined, 3)).toBeUndefined();
    expect(() => truncate(5, 3)).toThrow(/expects a string/);
    expect(() => truncate('abc', -1)).toThrow(/length/);
    expect(() => truncate('abc', Number.NaN)).toThrow(/length/);
  });
});

describe('$convertUnit', () => {
  it('converts mass, length and volume both ways, to 6 significant digits', () => {
    expect(convertUnit({ amount: 1250, unit: 'g' }, 'kg')).toBe(1.25);
    expect(convertUnit({ amount: 1.25, unit: 'kg' }, 'g')).toBe(1250);
    expect(convertUnit({ amount: 1, unit: 'lb' }, 'kg')).toBe(0.453592);
    expect(convertUnit({ amount: 1, unit: 'kg' }, 'lb')).toBe(2.20462);
    expect(convertUnit({ amount: 16, unit: 'oz' }, 'lb')).toBe(1);
    expect(convertUnit({ amount: 1, unit: 'oz' }, 'g')).toBe(28.3495);
    expect(convertUnit({ amount: 1, unit: 'in' }, 'cm')).toBe(2.54);
    expect(convertUnit({ amount: 100, unit: 'cm' }, 'in')).toBe(39.3701);
    expect(convertUnit({ amount: 3, unit: 'ft' }, 'm')).toBe(0.9144);
    expect(convertUnit({ amount: 1, unit: 'm' }, 'mm')).toBe(1000);
    expect(convertUnit({ amount: 750, unit: 'ml' }, 'l')).toBe(0.75);
    expect(convertUnit({ amount: 1.5, unit: 'l' }, 'ml')).toBe(1500);
    expect(convertUnit({ amount: 0.1 + 0.2, unit: 'kg' }, 'kg')).toBe(0.3);
    expect(convertUnit({ amount: 1, unit: 'g' }, 'g')).toBe(1);
    expect(convertUnit({ amount: 0, unit: 'kg' }, 'lb')).toBe(0);
    expect(convertUnit({ amount: 1, unit: 'KG' }, 'G')).toBe(1000);
  });

  it('refuses incompatible or unknown units', () => {
    expect(() => convertUnit({ amount: 1, unit: 'kg' }, 'cm')).toThrow(
      /cannot convert kg \(mass\) to cm \(length\)/,
    );
    expect(() => convertUnit({ amount: 1, unit: 'l' }, 'kg')).toThrow(/cannot convert/);
    expect(() => convertUnit({ amount: 1, unit: 'kg' }, 'stone')).toThrow(/unknown unit "stone"/);
    expect(() => convertUnit({ amount: 1, unit: 'constructor' }, 'kg')).toThrow(/unknown unit/);
    expect(() => convertUnit({ amount: '1', unit: 'kg' }, 'g')).toThrow(/measure/);
    expect(convertUnit(undefined, 'kg')).toBeUndefined();
  });
});

describe('$formatPrice', () => {
  const prices = [
    { amount: 1299, currency: 'USD' },
    { amount: 1299, currency: 'JPY' },
    { amount: 12990, currency: 'KWD' },
    { amount: 5, currency: 'EUR' },
  ];

  it('formats with the currency exponent', () => {
    expect(formatPrice(prices, 'USD')).toBe('12.99 USD');
    expect(formatPrice(prices, 'JPY')).toBe('1299 JPY');
    expect(formatPrice(prices, 'KWD')).toBe('12.990 KWD');
    expect(formatPrice(prices, 'EUR')).toBe('0.05 EUR');
    expect(formatPrice({ amount: 100, currency: 'USD' }, 'USD')).toBe('1.00 USD');
  });

  it('gives undefined when there is no price in that currency', () => {
    expect(formatPrice(prices, 'CHF')).toBeUndefined();
    expect(formatPrice([], 'USD')).toBeUndefined();
    expect(formatPrice(undefined, 'USD')).toBeUndefined();
  });

  it('refuses bad currencies and amounts', () => {
    expect(() => formatPrice(prices, 'usd')).toThrow(/ISO 4217/);
    expect(() => formatPrice([{ amount: 12.5, currency: 'USD' }], 'USD')).toThrow(/minor units/);
    expect(() => formatPrice([{ amount: 1, currency: 'XYZ' }], 'XYZ')).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------

describe('compileRules', () => {
  it('compiles a valid rule set and exposes what it holds', () => {
    const rules = compiled({
      attributes: ['name', 'price'],
      localeFallbacks: { de_CH: ['de_DE', 'en_US'] },
      transforms: { title: '$truncate(name, 150)' },
    });
    expect(rules.channel).toBe('webshop');
    expect(rules.attributes).toEqual(['name', 'price']);
    expect(rules.localeChains.get('de_CH')).toEqual(['de_CH', 'de_DE', 'en_US']);
    expect(rules.localeChains.get('en_US')).toEqual(['en_US']);
    expect(rules.transforms).toEqual({ title: '$truncate(name, 150)' });
  });

  it('reports schema violations with their path', () => {
    const errors = errorsOf(
      compileRules({ attributes: ['name'], transforms: { Title: 'name', ok: 'name' }, extra: true }, ctx),
    );
    expect(errors.every((e) => e.code === 'SCHEMA')).toBe(true);
    expect(errors.map((e) => e.field)).toEqual(expect.arrayContaining(['/transforms/Title']));
    expect(
      errorsOf(compileRules({ attributes: Array.from({ length: 201 }, (_, i) => `a${i}`) }, ctx))[0]!.code,
    ).toBe('SCHEMA');
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`f${i}`, 'name']));
    expect(errorsOf(compileRules({ attributes: [], transforms: many }, ctx))[0]!.code).toBe('SCHEMA');
    expect(errorsOf(compileRules(null, ctx))[0]!.code).toBe('SCHEMA');
  });

  it('reports unknown attributes and locales, all at once', () => {
    const errors = errorsOf(
      compileRules(
        {
          attributes: ['name', 'colour', 'ean'],
          localeFallbacks: { fr_FR: ['de_DE'], de_CH: ['de_DE', 'it_IT', 'de_CH'] },
        },
        ctx,
      ),
    );
    expect(errors).toEqual([
      expect.objectContaining({ field: 'attributes[1]', code: 'ATTRIBUTE_UNKNOWN' }),
      expect.objectContaining({ field: 'localeFallbacks.fr_FR', code: 'LOCALE_UNKNOWN' }),
      expect.objectContaining({ field: 'localeFallbacks.de_CH[1]', code: 'LOCALE_UNKNOWN' }),
      expect.objectContaining({ field: 'localeFallbacks.de_CH[2]', code: 'LOCALE_FALLBACK_SELF' }),
    ]);
  });

  it('refuses attributes that would shadow the identity fields of the view', () => {
    const attributes = new Map([...ATTRIBUTES, ['family', attr('family', 'text')]]);
    const errors = errorsOf(compileRules({ attributes: ['family'] }, { attributes, channel: WEBSHOP }));
    expect(errors).toEqual([expect.objectContaining({ field: 'attributes[0]', code: 'ATTRIBUTE_RESERVED' })]);
  });

  it('accepts a fallback to a catalog locale the channel does not publish when told the catalog locales', () => {
    const input = { attributes: ['name'], localeFallbacks: { de_DE: ['en_US'] } };
    expect(errorsOf(compileRules(input, { attributes: ATTRIBUTES, channel: AMAZON_DE }))[0]!.code).toBe(
      'LOCALE_UNKNOWN',
    );
    const locales = new Set(['en_US', 'de_DE', 'de_CH']);
    expect(compileRules(input, { attributes: ATTRIBUTES, channel: AMAZON_DE, locales }).ok).toBe(true);
  });

  it('reports JSONata syntax errors with the position and message', () => {
    const errors = errorsOf(
      compileRules(
        { attributes: ['name'], transforms: { title: 'name &', ok: 'name', bad: '$truncate(name, ' } },
        ctx,
      ),
    );
    expect(errors).toEqual([
      {
        field: 'transforms.title',
        code: 'RULE_EXPRESSION_INVALID',
        message: 'S0207: Unexpected end of expression at position 6',
        position: 6,
      },
      expect.objectContaining({ field: 'transforms.bad', code: 'RULE_EXPRESSION_INVALID', position: 16 }),
    ]);
    expect(errors[1]!.message).toMatch(/Expected "\)"/);
    const unterminated = errorsOf(compileRules({ attributes: [], transforms: { t: '"abc' } }, ctx))[0]!;
    expect(unterminated).toMatchObject({ code: 'RULE_EXPRESSION_INVALID', position: 4 });
    expect(unterminated.message).toMatch(/String literal must be terminated/);
  });

  it('refuses regular expressions that can backtrack exponentially', () => {
    const unsafe = [
      '$match(name, /(a+)+$/)',
      '$replace(name, /(\\w+\\s?)*$/, "")',
      '$contains(name, /(x{2,})*y/)',
      '$split(name, /(a)\\1/)',
      '$map(categories, function($c) { $replace($c, /((ab)*c)+/, "") })',
    ];
    for (const source of unsafe) {
      const errors = errorsOf(compileRules({ attributes: ['name'], transforms: { x: source } }, ctx));
      expect(errors, source).toEqual([
        expect.objectContaining({
          field: 'transforms.x',
          code: 'RULE_EXPRESSION_INVALID',
          position: expect.any(Number),
        }),
      ]);
      expect(errors[0]!.message).toMatch(/exponential/);
    }
    const safe = [
      '$replace(name, /\\s+/, " ")',
      '$replace(name, /(\\s|-)+/, " ")',
      '$match(name, /[(a+)+]+/)',
      '$match(name, /\\(a+\\)+/)',
      '$match(name, /(?:ab){2}c*/)',
      '$match(name, /(a+)?b/)',
    ];
    for (const source of safe) {
      expect(compileRules({ attributes: ['name'], transforms: { x: source } }, ctx).ok, source).toBe(true);
    }
  });

  it('limits an expression to 4 KiB of UTF-8', () => {
    // 2,000 characters but 6,000 bytes: within the schema's length, over the byte limit.
    const source = `"${'€'.repeat(2000)}"`;
    expect(errorsOf(compileRules({ attributes: [], transforms: { t: source } }, ctx))[0]).toMatchObject({
      field: 'transforms.t',
      code: 'RULE_EXPRESSION_TOO_LONG',
    });
    expect(compileRules({ attributes: [], transforms: { t: `"${'e'.repeat(4000)}"` } }, ctx).ok).toBe(true);
  });

  it('parses each expression once, not once per product', async () => {
    const parse = vi.mocked(jsonata);
    parse.mockClear();
    const rules = compiled({
      attributes: ['name'],
      transforms: { a: '$uppercase(name)', b: '$truncate(name, 5)', c: 'name & "!"' },
    });
    expect(parse).toHaveBeenCalledTimes(3);
    for (let i = 0; i < 20; i++) await applyRules(rules, product(FULL), 'en_US');
    expect(parse).toHaveBeenCalledTimes(3);
  });
});

// ---------------------------------------------------------------------------------------------

describe('applyRules', () => {
  it('builds the view: identity fields plus the listed attributes only', async () => {
    const rules = compiled({ attributes: ['name', 'weight', 'price', 'ean', 'material', 'color'] });
    const payload = payloadOf(await applyRules(rules, product(FULL), 'en_US'));
    expect(payload).toEqual({
      sku: 'SKU-1',
      family: 'shirts',
      parent: null,
      categories: ['men', 'summer'],
      name: 'Linen shirt',
      weight: { amount: 1250, unit: 'g' },
      price: [
        { amount: 1299, currency: 'EUR' },
        { amount: 1499, currency: 'CHF' },
      ],
      ean: '4006381333931',
      material: 'linen',
    });
    // Not listed (internal_note, description) or without a value (color): absent, not undefined.
    expect(Object.keys(payload)).not.toContain('internal_note');
    expect(Object.keys(payload)).not.toContain('color');
  });

  it('picks scopable values for the channel the rules are for', async () => {
    const input = { attributes: ['description', 'material'] };
    const web = payloadOf(await applyRules(compiled(input), product(FULL), 'en_US'));
    expect(web).toMatchObject({ description: '<p>Cool <b>linen</b> &amp; cotton</p>', material: 'linen' });
    const amazon = compiled(input, { attributes: ATTRIBUTES, channel: AMAZON_DE });
    const az = payloadOf(await applyRules(amazon, product(FULL), 'de_DE'));
    expect(az).toMatchObject({ description: '<p>Amazon Text</p>', material: 'Leinen' });
    // No webshop description in de_DE and no fallback configured: absent.
    expect(payloadOf(await applyRules(compiled(input), product(FULL), 'de_DE'))).not.toHaveProperty(
      'description',
    );
  });

  it('falls back along the configured locales, in order', async () => {
    const rules = compiled({
      attributes: ['name', 'description'],
      localeFallbacks: { de_CH: ['de_DE', 'en_US'] },
    });
    const names = (entries: [string, string][]): ProductValues => ({
      name: entries.map(([locale, data]) => ({ locale, channel: null, data })),
    });
    const nameIn = async (values: ProductValues, locale = 'de_CH') =>
      payloadOf(await applyRules(rules, product(values), locale)).name;

    expect(
      await nameIn(
        names([
          ['en_US', 'Shirt'],
          ['de_DE', 'Hemd'],
          ['de_CH', 'Hemmli'],
        ]),
      ),
    ).toBe('Hemmli');
    expect(
      await nameIn(
        names([
          ['en_US', 'Shirt'],
          ['de_DE', 'Hemd'],
        ]),
      ),
    ).toBe('Hemd');
    expect(await nameIn(names([['en_US', 'Shirt']]))).toBe('Shirt');
    // An empty value does not count as present.
    expect(
      await nameIn(
        names([
          ['de_CH', ''],
          ['en_US', 'Shirt'],
        ]),
      ),
    ).toBe('Shirt');
    expect(await nameIn(names([['fr_FR', 'Chemise']]))).toBeUndefined();
    // Fallbacks are per locale: de_DE has none.
    expect(await nameIn(names([['en_US', 'Shirt']]), 'de_DE')).toBeUndefined();

    // Scopable and localizable: the fallback stays within the channel.
    const desc = payloadOf(await applyRules(rules, product(FULL), 'de_CH'));
    expect(desc.description).toBe('<p>Cool <b>linen</b> &amp; cotton</p>');
  });

  it('refuses a locale the channel does not have', async () => {
    const r = await applyRules(compiled({ attributes: ['name'] }), product(FULL), 'fr_FR');
    expect(errorsOf(r)).toEqual([expect.objectContaining({ field: 'locale', code: 'LOCALE_UNKNOWN' })]);
  });

  it('adds transform outputs: overriding attributes, omitting undefined, each seeing the original view', async () => {
    const rules = compiled({
      attributes: ['name', 'description', 'weight', 'price', 'color'],
      transforms: {
        title: '$truncate(name, 8)',
        description: '$stripHtml(description)',
        weight_kg: "$convertUnit(weight, 'kg')",
        price: "$formatPrice(price, 'EUR')",
        price_usd: "$formatPrice(price, 'USD')",
        color: "$uppercase(color) & '!'",
        shout: '$uppercase(title ? title : name)',
        tags: 'categories.$uppercase($)',
        ean: 'sku',
      },
    });
    const payload = payloadOf(await applyRules(rules, product(FULL), 'en_US'));
    expect(payload).toEqual({
      sku: 'SKU-1',
      family: 'shirts',
      parent: null,
      categories: ['men', 'summer'],
      name: 'Linen shirt',
      title: 'Linen…',
      description: 'Cool linen & cotton',
      weight: { amount: 1250, unit: 'g' },
      weight_kg: 1.25,
      price: '12.99 EUR',
      color: '!',
      shout: 'LINEN SHIRT',
      tags: ['MEN', 'SUMMER'],
      ean: 'SKU-1',
    });
    // The JSONata sequence became a plain list.
    expect(Object.keys(payload.tags as object)).toEqual(['0', '1']);
    expect(payload).not.toHaveProperty('price_usd');
    // Without a EUR price, the overridden `price` attribute is left out, not sent raw.
    const noEur = {
      ...FULL,
      price: [{ locale: null, channel: null, data: [{ amount: 1, currency: 'USD' }] }],
    } as ProductValues;
    expect(payloadOf(await applyRules(rules, product(noEur), 'en_US'))).not.toHaveProperty('price');
  });

  it('does not expose inherited properties as attributes', async () => {
    const rules = compiled({ attributes: ['constructor', 'name'], transforms: { c: 'constructor' } });
    const payload = payloadOf(await applyRules(rules, product({}), 'en_US'));
    expect(payload).not.toHaveProperty('constructor');
    expect(payload).not.toHaveProperty('c');
  });

  it('reports a failing transform with its field, keeping the other errors', async () => {
    const rules = compiled({
      attributes: ['weight', 'name'],
      transforms: { w: "$convertUnit(weight, 'cm')", n: '$number(name)', ok: 'name' },
    });
    const errors = errorsOf(await applyRules(rules, product(FULL), 'en_US'));
    expect(errors).toEqual([
      {
        field: 'transforms.w',
        code: 'RULE_EVALUATION_FAILED',
        message: '$convertUnit: cannot convert g (mass) to cm (length) (at position 13)',
        position: 13,
      },
      expect.objectContaining({ field: 'transforms.n', code: 'RULE_EVALUATION_FAILED', position: 8 }),
    ]);
    expect(errors[1]!.message).toMatch(/^D3030: /);
  });

  it('refuses $eval, however it is reached', async () => {
    for (const source of ['$eval("1 + 1")', '($e := $eval; $e("2"))']) {
      const rules = compiled({ attributes: [], transforms: { x: source } });
      expect(errorsOf(await applyRules(rules, product(FULL), 'en_US'))[0]!.message).toMatch(
        /\$eval is not available/,
      );
    }
  });

  it('refuses a transform that returns a function', async () => {
    const rules = compiled({ attributes: [], transforms: { f: 'function($x) { $x }' } });
    expect(errorsOf(await applyRules(rules, product(FULL), 'en_US'))[0]!.message).toMatch(/function/);
  });

  it('stops runaway expressions with RULE_EVALUATION_FAILED instead of hanging', async () => {
    const runaway = {
      range: '[1..100000000]',
      long_sequence: '$count([1..1000000])',
      loop: '$count($map([1..99999], function($v) { $sum([1..$v]) }))',
      tail_recursion: '($f := function($n) { $f($n + 1) }; $f(0))',
      deep_recursion: '($f := function($n) { 1 + $f($n + 1) }; $f(0))',
      eval_loop: '($f := function() { $eval("$f()") }; $f())',
    };
    for (const [field, source] of Object.entries(runaway)) {
      const rules = compiled({ attributes: ['name'], transforms: { [field]: source } });
      const errors = errorsOf(await applyRules(rules, product(FULL), 'en_US'));
      expect(errors, field).toEqual([
        expect.objectContaining({ field: `transforms.${field}`, code: 'RULE_EVALUATION_FAILED' }),
      ]);
    }
    // Doubling strings and nested lists hit V8's string limit and the sequence limit, not the heap.
    for (const source of [
      '$length($reduce([1..40], function($a, $v) { $a & $a }, "x"))',
      '$string($reduce([1..25], function($a, $v) { [$a, $a] }, [1]))',
    ]) {
      const rules = compiled({ attributes: [], transforms: { x: source } });
      expect(errorsOf(await applyRules(rules, product(FULL), 'en_US'))[0]!.code).toBe(
        'RULE_EVALUATION_FAILED',
      );
    }
    // The budget is per product: the next product evaluates normally.
    const rules = compiled({
      attributes: ['name'],
      transforms: { big: '$count([1..5000])', x: '$uppercase(name)' },
    });
    for (let i = 0; i < 3; i++) {
      expect(payloadOf(await applyRules(rules, product(FULL), 'en_US'))).toMatchObject({
        big: 5000,
        x: 'LINEN SHIRT',
      });
    }
  });

  it('retries once when the clock, not the expression, spent the time budget', async () => {
    // A pause (GC, a descheduled process) during an ordinary product: the first check sees the
    // deadline passed, the retry does not.
    const rules = compiled({
      attributes: ['name'],
      transforms: { n: '$count($map([1..20], function($v) { $v + 1 }))' },
    });
    let calls = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => {
      calls++;
      return calls === 2 ? 1_000_000 : calls;
    });
    try {
      expect(payloadOf(await applyRules(rules, product(FULL), 'en_US')).n).toBe(20);
      expect(calls).toBeGreaterThanOrEqual(3);
    } finally {
      now.mockRestore();
    }
  });

  it('stops at the first exhausted budget instead of repeating the error per transform', async () => {
    const loop = '($f := function($n) { $f($n + 1) }; $f(0))';
    const rules = compiled({ attributes: [], transforms: { a: loop, b: loop, c: loop } });
    const errors = errorsOf(await applyRules(rules, product(FULL), 'en_US'));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(new RegExp(`${RULE_LIMITS.steps} steps|${RULE_LIMITS.timeMs} ms`));
  });

  it('evaluates many products concurrently without charging one for another', async () => {
    const rules = compiled({
      attributes: ['name', 'price'],
      transforms: { title: '$uppercase(name)', p: "$formatPrice(price, 'EUR')", n: '$count([1..2000])' },
    });
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => applyRules(rules, product(FULL, { sku: `S${i}` }), 'en_US')),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => payloadOf(r).sku)).toEqual(Array.from({ length: 500 }, (_, i) => `S${i}`));
  });

  it('calls the custom functions directly for `$fn(field, literal)` and plain fields', async () => {
    const direct = compiled({
      attributes: ['name', 'description', 'weight', 'price'],
      transforms: {
        title: '$truncate(name, 150)',
        description: '$stripHtml(description)',
        weight_kg: "$convertUnit(weight, 'kg')",
        price: "$formatPrice(price, 'EUR')",
        label: 'name',
        neg: '$truncate(name, -1)',
      },
    });
    evaluations.count = 0;
    await applyRules(direct, product(FULL), 'en_US');
    expect(evaluations.count).toBe(0);
    // Anything else goes through JSONata: a builtin, a predicate, a nested path, a block.
    for (const source of ['$uppercase(name)', 'name[0]', 'weight.amount', '($truncate(name, 1))', 'name[]']) {
      const rules = compiled({ attributes: ['name', 'weight'], transforms: { x: source } });
      evaluations.count = 0;
      await applyRules(rules, product(FULL), 'en_US');
      expect(evaluations.count, source).toBe(1);
    }
  });

  it('gives the same results and errors through the short-cut as through JSONata', async () => {
    // `(expr)` is a block: JSONata interprets it, while `expr` alone takes the direct route.
    const expressions = [
      'name',
      'categories',
      'price',
      'parent',
      'missing',
      '$truncate(name, 4)',
      '$truncate(missing, 4)',
      '$stripHtml(description)',
      "$convertUnit(weight, 'lb')",
      "$convertUnit(weight, 'cm')",
      "$formatPrice(price, 'EUR')",
      "$formatPrice(price, 'JPY')",
      '$formatPrice(price, true)',
      '$truncate(tags, 3)',
      '$stripHtml()',
      '$truncate(name, null)',
    ];
    const values: ProductValues[] = [
      FULL,
      {},
      { ...FULL, price: [{ locale: null, channel: null, data: [{ amount: 1, currency: 'EUR' }] }] },
      { tags: [{ locale: null, channel: null, data: ['a'] }] },
      { tags: [{ locale: null, channel: null, data: [] }] },
    ];
    const shape = (r: ApplyResult) =>
      r.ok ? r.payload.out : r.errors.map((e) => e.message.replace(/\(at position \d+\)/, ''));
    for (const source of expressions) {
      const direct = compiled({ attributes: [...ATTRIBUTES.keys()], transforms: { out: source } });
      const viaJsonata = compiled({ attributes: [...ATTRIBUTES.keys()], transforms: { out: `(${source})` } });
      for (const v of values) {
        const [a, b] = await Promise.all([
          applyRules(direct, product(v), 'en_US'),
          applyRules(viaJsonata, product(v), 'en_US'),
        ]);
        expect(shape(a), source).toEqual(shape(b));
        if (!a.ok && !b.ok) expect(a.errors[0]!.position! + 1, source).toBe(b.errors[0]!.position);
      }
    }
  });
});

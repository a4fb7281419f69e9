/** Unit tests of applying compiled syndication rules to products (syndication.apply.ts). */
import { describe, expect, it, vi } from 'vitest';
import {
  AMAZON_DE,
  ATTRIBUTES,
  compiled,
  errorsOf,
  FULL,
  payloadOf,
  product,
} from '../../../test/support/syndication-fixtures.js';
import type { ProductValues } from './catalog.types.js';
import { applyRules } from './syndication.apply.js';
import { type ApplyResult, RULE_LIMITS } from './syndication.types.js';

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

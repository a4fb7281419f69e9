/** Unit tests of compiling syndication rule sets (syndication.compile.ts). */
import jsonata from 'jsonata';
import { describe, expect, it, vi } from 'vitest';
import {
  AMAZON_DE,
  ATTRIBUTES,
  attr,
  compiled,
  ctx,
  errorsOf,
  FULL,
  product,
  WEBSHOP,
} from '../../../test/support/syndication-fixtures.js';
import { applyRules } from './syndication.apply.js';
import { compileRules } from './syndication.compile.js';

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

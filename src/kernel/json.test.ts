import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, digest, sameJson, sha256Hex } from './json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785)', () => {
    // '\u20ac' (euro) sorts after 'a'; an astral character's high surrogate sorts before '\ufb01'.
    expect(canonicalJson({ '\u20ac': 1, a: 2, '\ufb01': 3, '\u{1f600}': 4 })).toBe(
      '{"a":2,"\u20ac":1,"\u{1f600}":4,"\ufb01":3}',
    );
  });

  it('serializes numbers and strings like JSON.stringify', () => {
    expect(canonicalJson([1e21, 0.1, -0, 1.5e-7, 'é"\n\u2028'])).toBe(
      JSON.stringify([1e21, 0.1, 0, 1.5e-7, 'é"\n\u2028']),
    );
  });

  it('follows JSON.stringify for undefined, functions and toJSON', () => {
    const d = new Date('2026-01-02T03:04:05.000Z');
    expect(canonicalJson({ a: undefined, b: () => 1, c: [undefined, d] })).toBe(
      '{"c":[null,"2026-01-02T03:04:05.000Z"]}',
    );
  });

  it('refuses values that would serialize lossily or not at all', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/non-finite/);
    expect(() => canonicalJson({ x: Number.POSITIVE_INFINITY })).toThrow(/non-finite/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
    expect(() => canonicalJson(undefined)).toThrow(/no JSON representation/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson([shared, { shared }])).toBe('[{"k":1},{"shared":{"k":1}}]');
  });

  it('round-trips: parsing the canonical form gives an equal value, and is independent of key order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = canonicalJson(v);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
        const reordered = JSON.parse(text, (_k, val) =>
          val && typeof val === 'object' && !Array.isArray(val)
            ? Object.fromEntries(Object.entries(val).reverse())
            : val,
        );
        expect(canonicalJson(reordered)).toBe(text);
      }),
    );
  });
});

describe('digest', () => {
  it('is the SHA-256 hex of the canonical JSON', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(digest({ b: 2, a: 1 })).toBe(sha256Hex('{"a":1,"b":2}'));
    expect(digest({ a: 1, b: 2 })).toBe(digest({ b: 2, a: 1 }));
    expect(digest({ a: 1 })).not.toBe(digest({ a: '1' }));
  });
});

describe('sameJson', () => {
  it('agrees with comparing canonical texts, for any two JSON values', () => {
    const value = fc.jsonValue({ maxDepth: 3 });
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(sameJson(a, structuredClone(a))).toBe(true);
      }),
    );
  });

  it('ignores member order and undefined members, not array order', () => {
    expect(sameJson({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(sameJson({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson([], {})).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson('1', 1)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalJson, isPlainObject, parseObject } from './json.js';

describe('canonicalJson', () => {
  it('is independent of key order at every level, but not of array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 })).toBe(
      canonicalJson({ b: 1, a: { d: [2, 1], c: null } }),
    );
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });

  it('serialises Dates as JSON does, drops undefined members, and maps undefined to null', () => {
    expect(canonicalJson({ at: new Date('2026-01-01T00:00:00Z'), x: undefined })).toBe(
      '{"at":"2026-01-01T00:00:00.000Z"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('throws on values JSON cannot hold', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => canonicalJson(circular)).toThrow();
    expect(() => canonicalJson({ n: 1n })).toThrow();
  });
});

describe('parseObject / isPlainObject', () => {
  it('parses objects and turns anything else into {}', () => {
    expect(parseObject('{"a":1}')).toEqual({ a: 1 });
    expect(parseObject('[1]')).toEqual({});
    expect(parseObject(null)).toEqual({});
  });

  it('accepts only plain objects', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });
});

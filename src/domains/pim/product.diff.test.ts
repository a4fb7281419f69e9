import { describe, expect, it } from 'vitest';
import type { ValueEntry } from './catalog.types.js';
import { diffContent, isCreation, type ProductContent, unwindDiffs } from './product.diff.js';

const v = (data: string): ValueEntry[] => [{ locale: null, channel: null, data }];

describe('unwindDiffs', () => {
  it('undoes later diffs, newest first, back to an earlier content', () => {
    const v1: ProductContent = {
      family: 'shoe',
      parent: null,
      categories: ['a'],
      values: { name: v('One') },
    };
    const v2: ProductContent = {
      family: 'shoe',
      parent: 'm1',
      categories: ['a', 'b'],
      values: { name: v('Two'), ean: v('1') },
    };
    const v3: ProductContent = { family: 'boot', parent: 'm1', categories: [], values: { ean: v('1') } };
    const d2 = diffContent(v1, v2);
    const d3 = diffContent(v2, v3);
    expect(unwindDiffs(v3, [d3])).toEqual(v2);
    expect(unwindDiffs(v3, [d3, d2])).toEqual(v1);
    expect(unwindDiffs(v3, [])).toEqual(v3);
  });

  it('stops at a creation, stored as the mark or with its content', () => {
    const now: ProductContent = { family: 'f', parent: null, categories: [], values: { name: v('x') } };
    expect(unwindDiffs(now, [{ '*': 'created' } as never])).toEqual(now);
    expect(unwindDiffs(now, [{ '*': [null, { family: 'old' }] }])).toEqual(now);
    expect(isCreation({ '*': 'created' })).toBe(true);
    expect(isCreation({ 'values.name': [null, 1] })).toBe(false);
  });

  it('leaves the content it is given untouched', () => {
    const now: ProductContent = { family: 'f', parent: null, categories: ['c'], values: { name: v('new') } };
    const copy = structuredClone(now);
    unwindDiffs(now, [{ 'values.name': [v('old'), v('new')], categories: [[], ['c']] }]);
    expect(now).toEqual(copy);
  });
});

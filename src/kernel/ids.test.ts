import { describe, expect, it } from 'vitest';
import { idTime, isId, newId } from './ids.js';

describe('ids', () => {
  it('are prefixed, well-formed and carry their time', () => {
    const id = newId('ord', Date.parse('2026-11-27T10:00:00.000Z'));
    expect(id).toMatch(/^ord_[0-9a-z]{26}$/);
    expect(isId(id, 'ord')).toBe(true);
    expect(isId(id, 'prd')).toBe(false);
    expect(idTime(id).toISOString()).toBe('2026-11-27T10:00:00.000Z');
  });

  it('sort by creation, strictly increasing within one millisecond', () => {
    const ms = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId('evt', ms));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(1000);
    const later = newId('evt', ms + 1);
    expect(later > ids.at(-1)!).toBe(true);
  });

  it('rejects bad prefixes', () => {
    expect(() => newId('Order')).toThrow(/invalid id prefix/);
    expect(isId('ord_123')).toBe(false);
    expect(isId(42)).toBe(false);
  });
});

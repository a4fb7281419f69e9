import { describe, expect, it } from 'vitest';
import { poolRandomBytes, poolRandomHex } from './random.js';

describe('pooled randomness', () => {
  it('gives distinct values across pool refills, at the asked length', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) seen.add(poolRandomHex(8));
    expect(seen.size).toBe(5000);
    const a = poolRandomBytes(10);
    const b = poolRandomBytes(10);
    expect(a).toHaveLength(10);
    expect(a.equals(b)).toBe(false);
    expect(poolRandomHex(16)).toMatch(/^[0-9a-f]{32}$/);
  });
});

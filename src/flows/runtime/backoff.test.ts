import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const opts = { initialMs: 100, maxMs: 1000 };

describe('backoffDelay', () => {
  it('doubles per failed attempt, up to the cap', () => {
    const max = (n: number) => backoffDelay(n, opts, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(max)).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitters within the upper half of the exponential delay', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(300);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, opts);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('never returns less than 1 ms, nor overflows on huge attempt counts', () => {
    expect(backoffDelay(1, { initialMs: 1, maxMs: 1 }, () => 0)).toBe(1);
    expect(backoffDelay(5000, opts, () => 1)).toBe(1000);
  });
});

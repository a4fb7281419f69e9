import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateLargestRemainder,
  convertMinor,
  parseDecimal,
  parseQuantity,
  parseRatePercent,
  roundDiv,
} from './tax.rounding.js';

describe('exact decimals', () => {
  it('parses percent rates exactly and canonically', () => {
    expect(parseRatePercent('8.875')).toEqual({ num: 8875n, den: 100000n, percent: '8.875' });
    expect(parseRatePercent('19.50')).toMatchObject({ num: 1950n, den: 10000n, percent: '19.5' });
    expect(parseRatePercent('0')).toMatchObject({ num: 0n, percent: '0' });
    expect(parseRatePercent('100')).toMatchObject({ num: 100n, den: 100n });
    for (const bad of ['19%', '-1', '100.01', '08', '1e2', ' 5', '5.', '.5', '1.1234567', 19, null])
      expect(parseRatePercent(bad)).toBeUndefined();
  });

  it('reads quantities from numbers and strings, refusing float artefacts', () => {
    expect(parseQuantity(2.5, 6)).toEqual({ digits: 25n, scale: 1 });
    expect(parseQuantity('0.125', 6)).toEqual({ digits: 125n, scale: 3 });
    expect(parseQuantity(0.1 + 0.2, 6)).toBeUndefined();
    expect(parseQuantity(-1, 6)).toBeUndefined();
    expect(parseQuantity(Number.NaN, 6)).toBeUndefined();
    expect(parseDecimal('1.0834', 12)).toEqual({ digits: 10834n, scale: 4 });
  });
});

describe('rounding', () => {
  it('half-up and half-even differ only on exact halves', () => {
    expect([5n, 15n, 25n, 24n, 26n].map((n) => roundDiv(n, 10n, 'half_up'))).toEqual([1n, 2n, 3n, 2n, 3n]);
    expect([5n, 15n, 25n, 24n, 26n].map((n) => roundDiv(n, 10n, 'half_even'))).toEqual([0n, 2n, 2n, 2n, 3n]);
    expect(() => roundDiv(-1n, 10n, 'half_up')).toThrow(RangeError);
  });

  it('allocates a rounded total by largest remainder, earlier parts winning ties', () => {
    // Exact shares 0.8, 0.8, 0.8 (den 10); total 2 → the first two get the extra unit.
    expect(allocateLargestRemainder([8n, 8n, 8n], 10n, 2n)).toEqual([1n, 1n, 0n]);
    expect(allocateLargestRemainder([13n, 19n, 5n], 10n, 4n)).toEqual([1n, 2n, 1n]);
    expect(() => allocateLargestRemainder([10n, 10n], 10n, 3n)).toThrow(RangeError);
  });

  it('allocation sums to the rounded total and moves no part past its floor or ceiling', () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { maxLength: 20 }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        fc.constantFrom('half_up' as const, 'half_even' as const),
        (nums, den, mode) => {
          const total = roundDiv(
            nums.reduce((a, b) => a + b, 0n),
            den,
            mode,
          );
          const parts = allocateLargestRemainder(nums, den, total);
          expect(parts.reduce((a, b) => a + b, 0n)).toBe(total);
          parts.forEach((p, i) => {
            const floor = nums[i]! / den;
            expect(p === floor || (p === floor + 1n && nums[i]! % den !== 0n)).toBe(true);
          });
        },
      ),
    );
  });

  it('converts between currency exponents', () => {
    const rate = parseDecimal('161.25', 12)!;
    expect(convertMinor(1900n, rate, 2, 0)).toBe(3064n);
    expect(convertMinor(3064n, parseDecimal('0.0062', 12)!, 0, 2)).toBe(1900n);
    expect(convertMinor(1000n, parseDecimal('3.6725', 12)!, 2, 3)).toBe(36725n);
  });
});

import type { RoundingMode } from './tax.types.js';

/**
 * Exact decimal and rational arithmetic for tax: every amount is an integer of minor units and every
 * rate a fraction of bigints, so nothing is ever a binary float. Rounding happens only where the law
 * says (per line or per rate group), and the one rounding step is `roundDiv`.
 */

/** value = digits / 10^scale */
export interface Decimal {
  readonly digits: bigint;
  readonly scale: number;
}

/** A non-negative rate as an exact fraction: rate = num / den (19% → 19/100). */
export interface Rate {
  readonly num: bigint;
  readonly den: bigint;
  /** Canonical percent text: no trailing zeros ("19.50" → "19.5"). */
  readonly percent: string;
}

const DECIMAL_RE = /^(0|[1-9]\d*)(?:\.(\d+))?$/;
export const MAX_RATE_SCALE = 6;

export function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parse a plain non-negative decimal ("8.875"); no sign, exponent, spaces or leading zeros. */
export function parseDecimal(text: unknown, maxScale: number): Decimal | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > maxScale) return undefined;
  return { digits: BigInt(`${m[1]}${frac}`), scale: frac.length };
}

/** A JSON number or string quantity as a decimal; numbers go through their shortest text form. */
export function parseQuantity(q: unknown, maxScale: number): Decimal | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? parseDecimal(String(q), maxScale) : undefined;
  return parseDecimal(q, maxScale);
}

export function formatDecimal(d: Decimal): string {
  let { digits, scale } = d;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale -= 1;
  }
  const s = digits.toString().padStart(scale + 1, '0');
  return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
}

/** Parse a percent string in [0, 100] with at most 6 decimals into an exact rate. */
export function parseRatePercent(text: unknown): Rate | undefined {
  const d = parseDecimal(text, MAX_RATE_SCALE);
  if (!d) return undefined;
  const den = 100n * pow10(d.scale);
  if (d.digits > den) return undefined;
  return { num: d.digits, den, percent: formatDecimal(d) };
}

export const ZERO_RATE: Rate = { num: 0n, den: 100n, percent: '0' };

/** n / d rounded to an integer; n >= 0, d > 0. Half-up rounds .5 away from zero; half-even to even. */
export function roundDiv(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (n < 0n || d <= 0n) throw new RangeError('roundDiv expects n >= 0 and d > 0');
  const q = n / d;
  const twice = 2n * (n % d);
  if (twice > d) return q + 1n;
  if (twice < d) return q;
  return mode === 'half_up' || q % 2n === 1n ? q + 1n : q;
}

/**
 * Split an already rounded `total` over parts whose exact shares are `numerators[i] / d`, by the
 * largest-remainder method: each part gets its floor, and the units left go to the largest
 * fractional remainders (ties to the earlier part, so the result is deterministic). The parts sum
 * to `total` exactly. `total` must lie between the sum of floors and the sum of ceilings, which
 * holds for any rounding of the sum to the nearest integer.
 */
export function allocateLargestRemainder(numerators: bigint[], d: bigint, total: bigint): bigint[] {
  const parts = numerators.map((n) => n / d);
  let left = total - parts.reduce((a, b) => a + b, 0n);
  const order = numerators
    .map((n, i) => ({ i, rem: n % d }))
    .filter((x) => x.rem > 0n)
    .sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  if (left < 0n || left > BigInt(order.length)) throw new RangeError('total outside the allocatable range');
  for (const { i } of order) {
    if (left === 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left -= 1n;
  }
  return parts;
}

/** Convert minor units between currencies at a decimal rate (per major unit), rounding half-up. */
export function convertMinor(
  amount: bigint,
  rate: Decimal,
  fromExponent: number,
  toExponent: number,
): bigint {
  const num = amount * rate.digits * pow10(toExponent);
  const den = pow10(rate.scale + fromExponent);
  return roundDiv(num, den, 'half_up');
}

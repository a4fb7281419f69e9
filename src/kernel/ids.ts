import { poolRandomBytes } from './random.js';

/**
 * Prefixed, time-sortable identifiers: `ord_01jdx3…` (prefix + 26 chars of a ULID in lowercase
 * Crockford base32). Sorting ids sorts by creation time; ids made in the same millisecond by one
 * process are strictly increasing (monotonic random part), so `ORDER BY id` is a stable order.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const PREFIX_RE = /^[a-z][a-z0-9]{1,11}$/;
const ID_RE = /^([a-z][a-z0-9]{1,11})_([0-9a-hjkmnp-tv-z]{26})$/;

let lastMs = -1;
let lastRandom: Uint8Array = new Uint8Array(10);

function incrementRandom(bytes: Uint8Array): Uint8Array {
  const next = new Uint8Array(bytes);
  for (let i = next.length - 1; i >= 0; i--) {
    const v = next[i]!;
    if (v < 255) {
      next[i] = v + 1;
      return next;
    }
    next[i] = 0;
  }
  // 80 bits overflowed within one millisecond: practically impossible; fresh randomness keeps ids unique.
  return new Uint8Array(poolRandomBytes(10));
}

function encodeTime(ms: number): string {
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/**
 * Crockford base32, lowercase, 5 bits at a time, most significant first; trailing bits padded with
 * zeros. (80 random bits of an id make exactly 16 characters.)
 */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** A new id with the given prefix (lowercase letters/digits, 2–12 chars), e.g. `newId('ord')`. */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  if (!PREFIX_RE.test(prefix)) throw new TypeError(`invalid id prefix "${prefix}"`);
  if (nowMs <= lastMs) {
    lastRandom = incrementRandom(lastRandom);
  } else {
    lastMs = nowMs;
    lastRandom = new Uint8Array(poolRandomBytes(10));
  }
  return `${prefix}_${encodeTime(lastMs)}${base32(lastRandom)}`;
}

/** True when `id` is a well-formed Keel id, optionally with the given prefix. */
export function isId(id: unknown, prefix?: string): id is string {
  if (typeof id !== 'string') return false;
  const m = ID_RE.exec(id);
  return m !== null && (prefix === undefined || m[1] === prefix);
}

/** The creation time encoded in an id (millisecond precision). */
export function idTime(id: string): Date {
  const m = ID_RE.exec(id);
  if (!m) throw new TypeError(`not a Keel id: "${id}"`);
  let ms = 0;
  for (const ch of m[2]!.slice(0, 10)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return new Date(ms);
}

/** The smallest id with this prefix created at or after `ms`: a range bound for "since a time". */
export function idLowerBound(prefix: string, ms: number): string {
  return `${prefix}_${encodeTime(Math.max(0, ms))}${'0'.repeat(16)}`;
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { base32 } from '../../kernel/ids.js';

/**
 * API key format: `keel_sk_<keyId>_<secret>`, e.g. `keel_sk_key_01jdx…_7hq3…`.
 * - The `keel_sk_` prefix makes leaked keys easy to spot (secret scanners, logs).
 * - The key id is the record's id, so verification is one primary-key lookup, never a scan.
 * - The secret is 32 random bytes in lowercase Crockford base32 (52 characters): no `_` or `-`, so
 *   the whole key is one "word" for double-click selection and parses unambiguously.
 */
const SECRET_BYTES = 32;
const KEY_RE = /^keel_sk_(key_[0-9a-hjkmnp-tv-z]{26})_([0-9a-hjkmnp-tv-z]{52})$/;

export function generateSecret(): string {
  return base32(randomBytes(SECRET_BYTES));
}

export function formatKey(keyId: string, secret: string): string {
  return `keel_sk_${keyId}_${secret}`;
}

/** Split a raw key into id and secret; null if it is not shaped like a Keel key. */
export function parseKey(raw: string): { keyId: string; secret: string } | null {
  const m = KEY_RE.exec(raw);
  return m ? { keyId: m[1]!, secret: m[2]! } : null;
}

/**
 * SHA-256 of the secret. A plain fast hash is right here (unlike for passwords): the secret has 256
 * bits of entropy, so there is nothing to brute-force, and verification stays cheap per request.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

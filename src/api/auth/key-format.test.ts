import { describe, expect, it } from 'vitest';
import { newId } from '../../kernel/ids.js';
import { formatKey, generateSecret, hashSecret, parseKey, sameHash } from './key-format.js';

describe('API key format', () => {
  it('is keel_sk_<keyId>_<52 base32 chars of 32 random bytes> and parses back', () => {
    const id = newId('key');
    const secret = generateSecret();
    expect(secret).toMatch(/^[0-9a-hjkmnp-tv-z]{52}$/);
    expect(generateSecret()).not.toBe(secret);
    const key = formatKey(id, secret);
    expect(key.startsWith(`keel_sk_${id}_`)).toBe(true);
    expect(parseKey(key)).toEqual({ keyId: id, secret });
  });

  it('rejects anything else', () => {
    const key = formatKey(newId('key'), generateSecret());
    for (const bad of [
      '',
      'keel_sk_',
      key.slice(0, -1),
      `${key}x`,
      key.replace('keel_sk_', 'keel_pk_'),
      ` ${key}`,
    ]) {
      expect(parseKey(bad)).toBeNull();
    }
  });

  it('compares hashes in constant time and never matches empty or malformed ones', () => {
    const h = hashSecret('s');
    expect(sameHash(h, hashSecret('s'))).toBe(true);
    expect(sameHash(h, hashSecret('t'))).toBe(false);
    expect(sameHash('', '')).toBe(false);
    expect(sameHash(h, h.slice(0, 10))).toBe(false);
  });
});

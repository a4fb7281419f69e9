import { createHash } from 'node:crypto';

/**
 * Canonical JSON (RFC 8785, JCS, for the values Keel produces): object keys sorted by UTF-16 code
 * units, no whitespace, numbers and strings serialized exactly as ECMAScript `JSON.stringify` does.
 * Two values that mean the same JSON serialize to the same text whatever their key order, so their
 * digests can be compared across processes, engines and time (audit chain, idempotency hashes).
 *
 * Like `JSON.stringify`: `toJSON` is honoured (dates become ISO strings), object members whose value
 * is `undefined`, a function or a symbol are left out, and such values inside arrays become `null`.
 * Unlike it, non-finite numbers throw instead of silently becoming `null` (a digest of a lossy
 * serialization would hide a difference), as do cycles and bigints.
 */
export function canonicalJson(value: unknown): string {
  const out = serialize(value, new Set());
  if (out === undefined) throw new TypeError('canonicalJson: value has no JSON representation');
  return out;
}

function serialize(input: unknown, ancestors: Set<object>): string | undefined {
  let value = input;
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('canonicalJson: bigint has no JSON representation');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.has(obj)) throw new TypeError('canonicalJson: cyclic structure');
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((v) => serialize(v, ancestors) ?? 'null').join(',')}]`;
    }
    const parts: string[] = [];
    // Default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
    for (const key of Object.keys(obj).sort()) {
      const v = serialize((obj as Record<string, unknown>)[key], ancestors);
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.delete(obj);
  }
}

/** SHA-256 of the UTF-8 bytes of `text`, as 64 lowercase hex characters. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The SHA-256 digest of a value's canonical JSON: equal for equal JSON values, whatever key order. */
export function digest(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

/**
 * Whether two JSON values are equal as JSON: same primitives, arrays equal element by element,
 * objects with the same members in any order (a member whose value is `undefined` counts as
 * absent, as in JSON). Compares in place — several times faster than comparing two
 * `JSON.stringify` texts on the write paths that diff every product of an import.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let members = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined) continue;
    if (!sameJson(x[k], y[k])) return false;
    members++;
  }
  for (const k in y) if (Object.hasOwn(y, k) && y[k] !== undefined) members--;
  return members === 0;
}

/**
 * JSON helpers for saga input, state and payloads. They are stored as text on both engines, so the
 * runner owns their encoding: input is canonicalised (sorted keys) so that "the same input" in an
 * idempotent `start` means the same document, whatever order its keys were built in.
 */
export type JsonObject = Record<string, unknown>;

/** JSON with object keys sorted at every level; `undefined` becomes `null` at the top level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value === undefined ? null : value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  // Dates and other objects with toJSON serialise as themselves, not as their (empty) own keys.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as JsonObject)[key]);
  return out;
}

/** Parse stored JSON text that must hold an object (state, details); anything else becomes `{}`. */
export function parseObject(text: string | null | undefined): JsonObject {
  if (!text) return {};
  const v: unknown = JSON.parse(text);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonObject) : {};
}

export function parseJson(text: string | null | undefined): unknown {
  return text == null ? null : JSON.parse(text);
}

/** True for plain `{…}` objects (what a step may return as a state patch). */
export function isPlainObject(v: unknown): v is JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

import { createHash } from 'node:crypto';
import { sameJson } from '../../kernel/json.js';
import type { ProductInput, ProductValues } from './catalog.types.js';

/**
 * Product content as versions see it: a canonical text (for hashing), diffs between two states,
 * and the state at a version rebuilt from its diffs.
 */

/** The content a version covers (status and ids are not content). */
export interface ProductContent {
  family: string;
  parent: string | null;
  categories: string[];
  values: ProductValues;
}

/** `field` → `[before, after]`; `null` when absent on that side. Value fields are `values.<attr>`. */
export type ContentDiff = Record<string, [unknown, unknown]>;

export function contentOf(input: ProductInput): ProductContent {
  return {
    family: input.family,
    parent: input.parent ?? null,
    categories: input.categories ?? [],
    values: input.values,
  };
}

/** The content's text parts, serialized once and reused for the row, the hash and the version. */
export interface ContentText {
  categories: string;
  values: string;
}

export function contentText(c: ProductContent): ContentText {
  return { categories: JSON.stringify(c.categories), values: JSON.stringify(c.values) };
}

/** Inputs are canonical (sorted keys and entries, see product.validate), so text equality is content equality. */
export function contentHash(c: ProductContent, text: ContentText = contentText(c)): string {
  return createHash('sha256')
    .update(`${c.family}\u0000${c.parent ?? ''}\u0000${text.categories}\u0000${text.values}`)
    .digest('base64url');
}

/**
 * What a creation stores as its version's diff: a mark, not the content. The content a product
 * was created with is the product's content with every later version's diff undone
 * (`unwindDiffs`), so storing it again — ≈ 1 KB per product, about a fifth of what an import
 * writes — bought nothing; the API still shows the creation as `{ "*": [null, <content>] }`.
 * (Older databases hold the content itself there; both read the same.)
 */
export const CREATION_MARK = '{"*":"created"}';

/** True for a creation's diff, stored as the mark or (before the mark) with its content. */
export function isCreation(diff: Record<string, unknown>): boolean {
  return '*' in diff;
}

export function diffContent(before: ProductContent | null, after: ProductContent): ContentDiff {
  const diff: ContentDiff = {};
  if (!before || before.family !== after.family) diff.family = [before?.family ?? null, after.family];
  if (!before || before.parent !== after.parent) {
    if (before || after.parent !== null) diff.parent = [before?.parent ?? null, after.parent];
  }
  if (!before || !sameJson(before.categories, after.categories))
    diff.categories = [before?.categories ?? null, after.categories];
  const codes = new Set([...Object.keys(before?.values ?? {}), ...Object.keys(after.values)]);
  for (const code of [...codes].sort()) {
    const b = before?.values[code] ?? null;
    const a = after.values[code] ?? null;
    if (!sameJson(b, a)) diff[`values.${code}`] = [b, a];
  }
  return diff;
}

/** The names of what changed, for events: attribute codes, `family`, `parent`, `categories`. */
export function changedFields(diff: ContentDiff): string[] {
  return Object.keys(diff).map((k) => (k.startsWith('values.') ? k.slice(7) : k));
}

/** What a creation sets: every attribute with a value, and the structure. */
export function createdFields(c: ProductContent): string[] {
  return ['family', ...(c.parent ? ['parent'] : []), 'categories', ...Object.keys(c.values)];
}

/**
 * The content before some changes: `current` with `diffs` (newest first) undone, each field set
 * back to its `before`. Creations are not undone (nothing came before them).
 */
export function unwindDiffs(current: ProductContent, diffs: readonly ContentDiff[]): ProductContent {
  const state = structuredClone(current);
  for (const diff of diffs) {
    if (isCreation(diff)) break;
    for (const [field, [before]] of Object.entries(diff)) {
      if (field === 'family') state.family = before as string;
      else if (field === 'parent') state.parent = (before as string | null) ?? null;
      else if (field === 'categories') state.categories = (before as string[] | null) ?? [];
      else {
        const code = field.slice(7);
        if (before === null) delete state.values[code];
        else state.values[code] = before as ProductValues[string];
      }
    }
  }
  return state;
}

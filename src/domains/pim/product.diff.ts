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
 * The first version's diff, as text, built from the serialized content: `{ "*": [null, content] }`
 * ("created with this content") rather than one entry per attribute, because imports create
 * products by the million and this costs no second serialization.
 */
export function creationDiffText(c: ProductContent, text: ContentText): string {
  return `{"*":[null,{"family":${JSON.stringify(c.family)},"parent":${JSON.stringify(c.parent)},"categories":${text.categories},"values":${text.values}}]}`;
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

/** Fold diffs (oldest first) into the content they lead to. */
export function replayDiffs(diffs: readonly ContentDiff[]): ProductContent {
  const state: ProductContent = { family: '', parent: null, categories: [], values: {} };
  for (const diff of diffs) {
    for (const [field, [, after]] of Object.entries(diff)) {
      if (field === '*') Object.assign(state, structuredClone(after as ProductContent));
      else if (field === 'family') state.family = after as string;
      else if (field === 'parent') state.parent = (after as string | null) ?? null;
      else if (field === 'categories') state.categories = (after as string[] | null) ?? [];
      else {
        const code = field.slice(7);
        if (after === null) delete state.values[code];
        else state.values[code] = after as ProductValues[string];
      }
    }
  }
  return state;
}

import { sameJson } from '../../kernel/json.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows } from '../../kernel/sql.js';
import type { AttributeDef, CatalogSnapshot } from './catalog.types.js';
import type { ProductIndexHook, WrittenProduct } from './product.store.js';
import { searchDocsTable } from './search.schema.js';
import { stripHtml } from './syndication.functions.js';

/**
 * The product search index's maintenance: a `ProductIndexHook` run by the product write path in
 * the writer's transaction, so that the index commits (or rolls back) with the content it
 * describes. Set-based (a delete and a multi-row insert per 500 rows, no per-product query): it
 * runs inside the bulk importer.
 */

/** One search document: a product's searchable text in one locale. */
export interface SearchDoc {
  product_id: string;
  locale: string;
  text: string;
}

const SEARCH_COLUMNS = ['product_id', 'locale', 'text'] as const;
const DELETE_CHUNK = 500;
const SEARCH_UPSERT = 'on conflict ("product_id", "locale") do update set "text" = excluded."text"';
/** Bound on one document's text: PostgreSQL refuses a tsvector over 1 MB. */
const MAX_TEXT = 200_000;

const NON_ASCII = /\P{ASCII}/u;
const ASCII_SEPARATORS = /[^a-z0-9]+/g;
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
const MARKS = /\p{M}/gu;

/**
 * The normalized form of text, for the index and for queries alike: lower case, compatibility
 * decomposition with the combining marks removed (é → e, ﬁ → fi, ２ → 2), then the words — runs of
 * letters and digits — joined by single spaces. Not folded: letters without a decomposition (ß, ø,
 * æ, ł), which are indexed as they are.
 */
export function searchText(s: string): string {
  const lower = s.toLowerCase();
  if (!NON_ASCII.test(lower)) return lower.replace(ASCII_SEPARATORS, ' ').trim();
  return lower.normalize('NFKD').replace(MARKS, '').replace(SEPARATORS, ' ').trim();
}

/** The words of a query, in the same normal form as the index. */
export function searchTokens(s: string): string[] {
  const t = searchText(s);
  return t === '' ? [] : t.split(' ');
}

/** The attributes full-text search covers. */
export function searchableAttributes(snap: CatalogSnapshot): AttributeDef[] {
  return [...snap.attributes.values()].filter(
    (a) => a.searchable && (a.type === 'text' || a.type === 'richtext'),
  );
}

/**
 * A product's documents: one per locale of the catalog (the union of the channels' locales), each
 * holding the SKU, the non-localizable searchable values and the values of that locale. Values of
 * a scopable attribute are taken from every channel, each distinct text once.
 */
export function searchDocs(
  locales: readonly string[],
  attributes: readonly AttributeDef[],
  product: Pick<WrittenProduct, 'id' | 'sku' | 'values'>,
): SearchDoc[] {
  const common = new Set<string>([searchText(product.sku)]);
  let localized: Map<string, Set<string>> | undefined;
  for (const attr of attributes) {
    const entries = product.values[attr.code];
    if (!entries) continue;
    for (const e of entries) {
      if (typeof e.data !== 'string') continue;
      const text = searchText(attr.type === 'richtext' ? (stripHtml(e.data) ?? '') : e.data);
      if (text === '') continue;
      if (e.locale === null) common.add(text);
      else {
        localized ??= new Map();
        const set = localized.get(e.locale);
        if (set) set.add(text);
        else localized.set(e.locale, new Set([text]));
      }
    }
  }
  const base = [...common].join(' ');
  return locales.map((locale) => {
    const own = localized?.get(locale);
    let text = base;
    if (own) for (const t of own) if (!common.has(t)) text += ` ${t}`;
    return { product_id: product.id, locale, text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text };
  });
}

/**
 * Replace the documents of these products (values are effective: the model's values applied).
 * An update whose documents come out as they were (a price edit) is left alone.
 */
export async function writeSearchDocs(
  tx: Tx,
  dialect: Dialect,
  snap: CatalogSnapshot,
  products: readonly (Pick<WrittenProduct, 'id' | 'sku' | 'values'> &
    Partial<Pick<WrittenProduct, 'created' | 'previous'>>)[],
): Promise<void> {
  if (products.length === 0) return;
  const table = searchDocsTable(dialect);
  const locales = [...snap.locales];
  const attributes = searchableAttributes(snap);
  // A product written twice in one batch keeps its last content (the store dedups SKUs, but be safe).
  const latest = new Map<string, (typeof products)[number]>();
  for (const p of products) latest.set(p.id, p);
  const inserts: unknown[][] = [];
  const updates: unknown[][] = [];
  // Rewritten without a known previous state (a reindex, a move to another model): removed first.
  const stale: string[] = [];
  for (const p of latest.values()) {
    // The documents are a function of the SKU and the searchable values only: when those are as
    // before (a price edit), the stored documents stand. When they differ, the documents almost
    // always do too, so they are rewritten without rendering the old ones to compare.
    const previous = p.previous?.values;
    if (previous && attributes.every((a) => sameJson(previous[a.code], p.values[a.code]))) continue;
    if (!p.created && !previous) stale.push(p.id);
    // An update's stored documents cover the same locales (catalog changes reindex in their own
    // transaction), so it overwrites them in place: one upsert instead of a delete and an insert
    // of the content rows and their index entries.
    const target = previous ? updates : inserts;
    for (const d of searchDocs(locales, attributes, p)) target.push(SEARCH_COLUMNS.map((c) => d[c]));
  }
  for (const part of chunked(stale, DELETE_CHUNK))
    await tx.deleteFrom(table).where('product_id', 'in', part).execute();
  await insertRows(tx, dialect, table, SEARCH_COLUMNS, inserts);
  await insertRows(tx, dialect, table, SEARCH_COLUMNS, updates, SEARCH_UPSERT);
}

/** The hook the product write path runs in the writer's transaction. */
export function searchIndexHook(dialect: Dialect): ProductIndexHook {
  return (tx, snap, products) => writeSearchDocs(tx, dialect, snap, products);
}

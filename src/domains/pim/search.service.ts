import { type Static, Type } from '@sinclair/typebox';
import { type RawBuilder, sql } from 'kysely';
import { KernelErrors } from '../../kernel/errors.js';
import type { Dialect, Store } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { toAttribute } from './catalog.repo.js';
import { CODE_PATTERN, LOCALE_PATTERN } from './catalog.schemas.js';
import type { AttributeDef, FieldError } from './catalog.types.js';
import { type Product, toProduct } from './product.service.js';
import type { PimAttributeRow, PimProductRow } from './schema.js';
import {
  AttributeFilter,
  attributeCondition,
  num,
  postgresEntry,
  type Sql,
  sqliteEntry,
} from './search.filters.js';
import { searchTokens } from './search.index.js';
import { STATUSES } from './workflow.service.js';

/**
 * Product search: filters on the product's columns, categories (with descendants), stored
 * completeness and attribute values, combined with full-text search over the index kept by
 * `searchIndexHook`. Every piece of user input reaches SQL as a bound parameter.
 *
 * Order and cursor: without `q`, results are in id order and `next` is the last id returned
 * (keyset pagination: stable under concurrent writes). With `q`, results are by relevance (best
 * first, then id) and `next` is an opaque offset cursor, valid for the same query only: relevance
 * has no stable key to resume after, so concurrent writes may shift a ranked page by a few rows.
 * A `q` without any word (only punctuation) is no full-text condition.
 *
 * Full-text semantics: `q` is normalized like the index (case and accents folded, split into
 * words); every word must occur in one locale's document (the SKU, the non-localizable and that
 * locale's searchable values); the last word also matches as a prefix (type-ahead) when it has at
 * least two characters and `q` does not end with a space or punctuation.
 *
 * Attribute filters read the effective values (a variant's own values, else its model's); their
 * operators per attribute type are listed in search.filters.ts.
 */

export { ATTRIBUTE_FILTER_OPS, AttributeFilter, type AttributeFilterOp } from './search.filters.js';

const Code = Type.String({ pattern: CODE_PATTERN });
const Locale = Type.String({ pattern: LOCALE_PATTERN });

export const ProductSearchQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({ maxLength: 200, description: 'Full text: all words, the last one also as a prefix' }),
    ),
    locale: Type.Optional(
      Type.String({ pattern: LOCALE_PATTERN, description: 'Restrict the full-text match to this locale' }),
    ),
    family: Type.Optional(Type.Array(Code, { minItems: 1, maxItems: 100 })),
    category: Type.Optional(
      Type.String({ pattern: CODE_PATTERN, description: 'In this category or one of its descendants' }),
    ),
    status: Type.Optional(Type.Array(Type.Union(STATUSES.map((s) => Type.Literal(s))), { minItems: 1 })),
    parent: Type.Optional(
      Type.String({ pattern: CODE_PATTERN, description: 'Variants of this product model' }),
    ),
    completeness: Type.Optional(
      Type.Object(
        {
          channel: Code,
          locale: Locale,
          min: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
          max: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    attributes: Type.Optional(Type.Array(AttributeFilter, { maxItems: 20 })),
    after: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` of the previous page' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
export type ProductSearchQuery = Static<typeof ProductSearchQuery>;

export interface ProductSearchResult {
  items: Product[];
  /** The cursor of the next page (pass it as `after`), or null on the last page. */
  next: string | null;
}

const checkQuery = inputValidator(ProductSearchQuery, 'product search');

function invalid(errors: FieldError[]): never {
  throw KernelErrors.VALIDATION_FAILED.create(
    `product search: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`,
    { errors },
  );
}

/** `after` of a ranked search: an offset, opaque to clients. */
const RANK_CURSOR = /^r:(\d{1,9})$/;
const encodeOffset = (n: number) => Buffer.from(`r:${n}`).toString('base64url');
function decodeOffset(after: string): number | undefined {
  const m = RANK_CURSOR.exec(Buffer.from(after, 'base64url').toString('latin1'));
  return m ? Number(m[1]) : undefined;
}

/** The full-text source: product ids with a score (lower is better). */
function fullText(dialect: Dialect, tokens: string[], prefix: boolean, locale: string | undefined): Sql {
  const onLocale = locale ? sql` AND locale = ${locale}` : sql``;
  if (dialect === 'sqlite') {
    // Each word quoted: FTS5 operators (AND, OR, NOT, NEAR, *, ^, :) in user input are plain words.
    const match = tokens
      .map((t, i) => `"${t.replaceAll('"', '""')}"${prefix && i === tokens.length - 1 ? '*' : ''}`)
      .join(' ');
    return sql`(SELECT product_id, min(rank) AS score FROM pim_search WHERE pim_search MATCH ${match}${onLocale} GROUP BY product_id)`;
  }
  // Words are letters and digits only (searchTokens), so they carry no tsquery syntax.
  const tsquery = tokens.map((t, i) => (prefix && i === tokens.length - 1 ? `${t}:*` : t)).join(' & ');
  return sql`(SELECT product_id, -max(ts_rank(tsv, query)) AS score FROM pim_search, to_tsquery('simple', ${tsquery}::text) query WHERE tsv @@ query${onLocale} GROUP BY product_id)`;
}

export function createSearchService(store: Pick<Store, 'db' | 'dialect'>) {
  const { db, dialect } = store;
  const entry = dialect === 'sqlite' ? sqliteEntry : postgresEntry;

  async function attributesByCode(codes: string[]): Promise<Map<string, AttributeDef>> {
    if (codes.length === 0) return new Map();
    const rows = (await db
      .selectFrom('pim_attributes')
      .selectAll()
      .where('code', 'in', codes)
      .execute()) as PimAttributeRow[];
    return new Map(rows.map((r) => [r.code, toAttribute(r)]));
  }

  return {
    /** Products matching every given condition; see the module comment for order and cursors. */
    async search(raw: ProductSearchQuery): Promise<ProductSearchResult> {
      const query = checkQuery(raw);
      const limit = query.limit ?? 50;
      const tokens = query.q ? searchTokens(query.q) : [];
      const ranked = tokens.length > 0;
      const errors: FieldError[] = [];
      let offset = 0;
      if (query.after !== undefined) {
        const o = decodeOffset(query.after);
        if (ranked && o === undefined)
          errors.push({
            field: '/after',
            code: 'CURSOR_INVALID',
            message: 'not a cursor of a full-text search',
          });
        else if (!ranked && o !== undefined)
          errors.push({
            field: '/after',
            code: 'CURSOR_INVALID',
            message: 'a full-text cursor without a full-text query',
          });
        else offset = o ?? 0;
      }

      const filters = query.attributes ?? [];
      const attrs = await attributesByCode([...new Set(filters.map((f) => f.code))]);
      const conditions: Sql[] = [];
      filters.forEach((f, i) => {
        const attr = attrs.get(f.code);
        if (!attr) {
          errors.push({
            field: `/attributes/${i}/code`,
            code: 'ATTRIBUTE_UNKNOWN',
            message: `no attribute "${f.code}"`,
          });
          return;
        }
        const c = attributeCondition(entry, dialect, attr, f, `/attributes/${i}`, errors);
        if (c) conditions.push(c);
      });

      if (query.category !== undefined) {
        const cat = await db
          .selectFrom('pim_categories')
          .select('path')
          .where('code', '=', query.category)
          .executeTakeFirst();
        if (!cat)
          errors.push({
            field: '/category',
            code: 'CATEGORY_UNKNOWN',
            message: `no category "${query.category}"`,
          });
        else {
          const path = cat.path as string;
          conditions.push(
            sql`EXISTS (SELECT 1 FROM pim_product_categories pc WHERE pc.product_id = p.id AND pc.category IN (SELECT c.code FROM pim_categories c WHERE substr(c.path, 1, ${path.length}) = ${path}))`,
          );
        }
      }
      const c = query.completeness;
      if (c) {
        if (c.min !== undefined && c.max !== undefined && c.min > c.max)
          errors.push({ field: '/completeness', code: 'RANGE_INVALID', message: 'min is greater than max' });
        const bounds = [
          ...(c.min !== undefined ? [sql` AND pcs.ratio >= ${num(dialect, c.min)}`] : []),
          ...(c.max !== undefined ? [sql` AND pcs.ratio <= ${num(dialect, c.max)}`] : []),
        ];
        conditions.push(
          sql`EXISTS (SELECT 1 FROM pim_completeness pcs WHERE pcs.product_id = p.id AND pcs.channel = ${c.channel} AND pcs.locale = ${c.locale}${sql.join(bounds, sql``)})`,
        );
      }
      if (errors.length > 0) invalid(errors);

      let qb = db.selectFrom('pim_products as p').selectAll('p');
      if (query.family) qb = qb.where('p.family', 'in', query.family);
      if (query.status) qb = qb.where('p.status', 'in', query.status);
      if (query.parent !== undefined) qb = qb.where('p.parent', '=', query.parent);
      for (const cond of conditions) qb = qb.where(cond as RawBuilder<boolean>);
      if (ranked) {
        const q = query.q ?? '';
        const prefix = tokens[tokens.length - 1]!.length >= 2 && /[\p{L}\p{N}\p{M}]$/u.test(q);
        qb = qb
          .innerJoin(fullText(dialect, tokens, prefix, query.locale).as('s'), (j) =>
            j.onRef('s.product_id', '=', 'p.id'),
          )
          .orderBy('s.score')
          .orderBy('p.id')
          .limit(limit + 1)
          .offset(offset);
      } else {
        if (query.after !== undefined) qb = qb.where('p.id', '>', query.after);
        qb = qb.orderBy('p.id').limit(limit + 1);
      }
      const rows = (await qb.execute()) as PimProductRow[];
      const more = rows.length > limit;
      const items = (more ? rows.slice(0, limit) : rows).map(toProduct);
      const next = !more ? null : ranked ? encodeOffset(offset + limit) : items[items.length - 1]!.id;
      return { items, next };
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;

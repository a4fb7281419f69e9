import { newId } from '../../kernel/ids.js';
import { sameJson } from '../../kernel/json.js';
import type { EventBus } from '../../kernel/ports/bus.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows } from '../../kernel/sql.js';
import { loadSnapshot } from './catalog.repo.js';
import type {
  AttributeDef,
  CatalogSnapshot,
  FieldError,
  ProductInput,
  ProductValues,
} from './catalog.types.js';
import { effectiveValues } from './completeness.js';
import type { CompletenessIndex } from './completeness.store.js';
import { ProductUpdated } from './events.js';
import {
  CREATION_MARK,
  changedFields,
  contentHash,
  contentOf,
  contentText,
  createdFields,
  diffContent,
} from './product.diff.js';
import {
  existingAssets,
  existingBySku,
  existingSkus,
  loadModels,
  type ModelInfo,
  type ProductScope,
  scanProducts,
  siblings,
  uniqueOwners,
} from './product.lookups.js';
import type { ValidatedProduct } from './product.validate.js';
import type { PimProductRow } from './schema.js';

/**
 * The one write path for product content, set-based: the API's single writes and the importer's
 * batches of thousands both come through here, so validation against other rows, versions,
 * completeness, the search index and events are maintained identically.
 */

export type WriteMode = 'create' | 'update' | 'upsert';

export interface WriteItem extends ValidatedProduct {
  /** Optimistic concurrency: refuse if the stored version differs. */
  expectedVersion?: number;
}

export type WriteResult =
  | { ok: true; id: string; sku: string; version: number; change: 'created' | 'updated' | 'unchanged' }
  | { ok: false; sku: string; errors: FieldError[] };

/** Kept current with product content in the writer's transaction (e.g. the search index). */
export type ProductIndexHook = (
  tx: Tx,
  snap: CatalogSnapshot,
  products: readonly WrittenProduct[],
) => Promise<void>;

export interface WrittenProduct {
  id: string;
  sku: string;
  family: string;
  parent: string | null;
  /** Model values applied. */
  values: ProductValues;
  /** New: derived rows of it cannot exist yet, so nothing needs deleting first. */
  created: boolean;
  /**
   * An update under the same model: the family and effective values it had, which its stored
   * derived rows describe. Indexes compare and rewrite only what changed (a price edit leaves the
   * search documents and completeness as they were — no deletes, no inserts, fewer dirty pages).
   */
  previous?: { family: string; values: ProductValues };
}

export interface WriteContext {
  mode: WriteMode;
  author: string;
  /** `create`, `update`, `import`, `restore:3` … */
  reason: string;
  now: string;
}

/** Content edits send a product back to draft: what is approved or published must be what was reviewed. */
const REOPENED = new Set(['in_review', 'approved', 'published']);

function axisKey(input: ProductInput, model: ModelInfo, errors: FieldError[]): string | null {
  const parts: unknown[] = [];
  for (const axis of model.axes) {
    const entry = input.values[axis]?.find((e) => e.locale === null && e.channel === null);
    // An invalid axis value was reported already (and dropped): "missing" would only repeat it.
    const reported = errors.some(
      (e) => e.field === `values.${axis}` || e.field.startsWith(`values.${axis}[`),
    );
    if (!entry && reported) continue;
    if (!entry) {
      errors.push({
        field: `values.${axis}`,
        code: 'VARIANT_AXES_MISSING',
        message: `a variant of "${input.parent}" needs a value for its axis "${axis}"`,
      });
    } else parts.push(entry.data);
  }
  return parts.length === model.axes.length ? JSON.stringify(parts) : null;
}

const PRODUCT_COLUMNS = [
  'id',
  'sku',
  'family',
  'parent',
  'axis_key',
  'categories',
  'values',
  'status',
  'version',
  'content_hash',
  'created_at',
  'updated_at',
] as const;
/** Columns of the product row that other indexes are built on, in groups of one index each. */
const INDEXED_GROUPS = [['family'], ['parent', 'axis_key'], ['status']] as const;
const CONTENT_COLUMNS = ['categories', 'values', 'version', 'content_hash', 'updated_at'] as const;

/**
 * The upsert of product rows whose indexed columns changed as `mask` says (bit i: group i). SQLite
 * deletes and re-inserts the entries of every index whose columns the SET names, even unchanged —
 * a random page each — so an update names only the groups that really change.
 */
const upsertClauses = new Map<number, string>();
function productUpsert(mask: number): string {
  let clause = upsertClauses.get(mask);
  if (!clause) {
    const columns = [
      ...INDEXED_GROUPS.flatMap((g, i) => (mask & (1 << i) ? [...g] : [])),
      ...CONTENT_COLUMNS,
    ];
    clause = `on conflict ("sku") do update set ${columns.map((c) => `"${c}" = excluded."${c}"`).join(', ')}`;
    upsertClauses.set(mask, clause);
  }
  return clause;
}
const ALL_INDEXED = (1 << INDEXED_GROUPS.length) - 1;

/** Which index groups of `row` differ from the stored `before` (all, for a new product). */
function changedIndexes(row: PimProductRow, before: PimProductRow | undefined): number {
  if (!before) return ALL_INDEXED;
  let mask = 0;
  INDEXED_GROUPS.forEach((g, i) => {
    if (g.some((c) => (row[c] ?? null) !== (before[c] ?? null))) mask |= 1 << i;
  });
  return mask;
}

/** A product's values of unique attributes, as [attribute, value] pairs in a stable order. */
function uniqueEntries(attrs: readonly AttributeDef[], values: ProductValues): [string, string][] {
  const out: [string, string][] = [];
  for (const a of attrs) for (const e of values[a.code] ?? []) out.push([a.code, String(e.data)]);
  return out;
}

export function createProductStore(
  dialect: Dialect,
  bus: EventBus,
  completeness: CompletenessIndex,
  hooks: ProductIndexHook[],
) {
  return {
    /**
     * Rebuild the derived rows (completeness, the hooks' indexes) of a scope's products, for catalog
     * changes the write path does not see: a model's values, a family's requirements, a channel's
     * locales, an attribute made (un)searchable. In the caller's transaction, 1,000 at a time.
     */
    async reindex(tx: Tx, scope: ProductScope): Promise<number> {
      const snap = await loadSnapshot(tx);
      let total = 0;
      for await (const chunk of scanProducts(tx, dialect, scope)) {
        await completeness.write(tx, snap, chunk);
        for (const hook of hooks) await hook(tx, snap, chunk);
        total += chunk.length;
      }
      return total;
    },

    async write(
      tx: Tx,
      snap: CatalogSnapshot,
      items: readonly WriteItem[],
      ctx: WriteContext,
    ): Promise<WriteResult[]> {
      const existing = await existingBySku(
        tx,
        dialect,
        items.map((i) => i.input.sku),
      );
      const parents = [...new Set(items.map((i) => i.input.parent).filter((p): p is string => !!p))];
      const models = await loadModels(tx, dialect, parents);
      // Siblings are read only for models where a variant arrives or its axis values change: an
      // update that keeps its axes cannot collide (its key was unique when it was stored).
      const moving = new Set<string>();
      for (const item of items) {
        const parent = item.input.parent;
        const model = parent ? models.get(parent) : undefined;
        if (!parent || !model) continue;
        const before = existing.get(item.input.sku);
        if (!before || before.parent !== parent || before.axis_key !== axisKey(item.input, model, []))
          moving.add(parent);
      }
      const taken = await siblings(tx, dialect, [...moving]);
      const batchSkus = new Set(items.map((i) => i.input.sku));
      const refs = await existingSkus(
        tx,
        dialect,
        items.flatMap((i) => i.references).filter((s) => !batchSkus.has(s)),
      );
      const assets = await existingAssets(
        tx,
        dialect,
        items.flatMap((i) => i.assets),
      );
      const uniqueAttrs = [...snap.attributes.values()].filter((a) => a.unique);
      const uniquePairs = items.flatMap((i) =>
        uniqueAttrs.flatMap((a) =>
          (i.input.values[a.code] ?? []).map((e) => ({ attribute: a.code, value: String(e.data) })),
        ),
      );
      const owners =
        uniquePairs.length > 0 ? await uniqueOwners(tx, dialect, uniquePairs) : new Map<string, string>();

      const results: WriteResult[] = [];
      const seen = new Set<string>();
      const rows: PimProductRow[] = [];
      const versions: unknown[][] = [];
      const written: WrittenProduct[] = [];
      const events = [];
      const categoriesChanged: string[] = [];
      const uniquesChanged: string[] = [];
      const categoryRows: string[][] = [];
      const uniqueRows: string[][] = [];

      for (const item of items) {
        const { input } = item;
        const errors = [...item.errors];
        const before = existing.get(input.sku);
        const fail = () => results.push({ ok: false, sku: input.sku, errors });
        if (seen.has(input.sku)) {
          errors.push({
            field: 'sku',
            code: 'SKU_DUPLICATE',
            message: `SKU "${input.sku}" appears earlier in the same batch`,
          });
          fail();
          continue;
        }
        seen.add(input.sku);
        if (ctx.mode === 'create' && before)
          errors.push({
            field: 'sku',
            code: 'SKU_TAKEN',
            message: `SKU "${input.sku}" is already used by ${before.id}`,
          });
        if (ctx.mode === 'update' && !before)
          errors.push({
            field: 'sku',
            code: 'PRODUCT_NOT_FOUND',
            message: `no product with SKU "${input.sku}"`,
          });
        if (item.expectedVersion !== undefined && before && Number(before.version) !== item.expectedVersion)
          errors.push({
            field: 'version',
            code: 'VERSION_CONFLICT',
            message: `stored version is ${before.version}, not ${item.expectedVersion}`,
          });
        for (const r of item.references)
          if (!refs.has(r) && !batchSkus.has(r))
            errors.push({
              field: 'values',
              code: 'REFERENCE_UNKNOWN',
              message: `no product with SKU "${r}"`,
            });
        for (const [code, entries] of Object.entries(input.values)) {
          const attr = snap.attributes.get(code);
          if (attr?.type !== 'media') continue;
          for (const e of entries) {
            const kind = assets.get(e.data as string);
            if (!kind)
              errors.push({ field: `values.${code}`, code: 'ASSET_UNKNOWN', message: `no asset ${e.data}` });
            else if (attr.mediaKinds && !attr.mediaKinds.includes(kind as 'image'))
              errors.push({
                field: `values.${code}`,
                code: 'ASSET_KIND',
                message: `"${code}" takes ${attr.mediaKinds.join('/')}, not ${kind}`,
              });
          }
        }
        let key: string | null = null;
        let model: ModelInfo | undefined;
        if (input.parent) {
          model = models.get(input.parent);
          if (!model)
            errors.push({
              field: 'parent',
              code: 'MODEL_UNKNOWN',
              message: `product model "${input.parent}" does not exist`,
            });
          else if (model.family !== input.family)
            errors.push({
              field: 'family',
              code: 'FAMILY_MISMATCH',
              message: `model "${input.parent}" is of family "${model.family}"`,
            });
          else {
            key = axisKey(input, model, errors);
            const holder = key ? taken.get(`${input.parent}\u0000${key}`) : undefined;
            if (key && holder && holder !== input.sku)
              errors.push({
                field: 'values',
                code: 'VARIANT_AXES_DUPLICATE',
                message: `variant ${holder} of "${input.parent}" already has these axis values`,
              });
          }
        }
        const id = before?.id ?? newId('prd');
        for (const a of uniqueAttrs)
          for (const e of input.values[a.code] ?? []) {
            const owner = owners.get(`${a.code}\u0000${String(e.data)}`);
            if (owner && owner !== id)
              errors.push({
                field: `values.${a.code}`,
                code: 'VALUE_NOT_UNIQUE',
                message: `"${e.data}" is used by ${owner}`,
              });
          }
        if (errors.length > 0) {
          fail();
          continue;
        }
        if (key && input.parent) taken.set(`${input.parent}\u0000${key}`, input.sku);
        const content = contentOf(input);
        const text = contentText(content);
        const hash = contentHash(content, text);
        if (before && before.content_hash === hash) {
          results.push({
            ok: true,
            id,
            sku: input.sku,
            version: Number(before.version),
            change: 'unchanged',
          });
          continue;
        }
        let diffText: string;
        let changed: string[];
        let beforeValues: ProductValues | undefined;
        if (before) {
          beforeValues = JSON.parse(before.values) as ProductValues;
          const diff = diffContent(
            {
              family: before.family,
              parent: before.parent,
              categories: JSON.parse(before.categories),
              values: beforeValues,
            },
            content,
          );
          diffText = JSON.stringify(diff);
          changed = changedFields(diff);
        } else {
          diffText = CREATION_MARK;
          changed = createdFields(content);
        }
        const version = before ? Number(before.version) + 1 : 1;
        const status = !before ? 'draft' : REOPENED.has(before.status) ? 'draft' : before.status;
        rows.push({
          id,
          sku: input.sku,
          family: input.family,
          parent: content.parent,
          axis_key: key,
          categories: text.categories,
          values: text.values,
          status,
          version,
          content_hash: hash,
          created_at: before?.created_at ?? ctx.now,
          updated_at: ctx.now,
        });
        versions.push([id, version, ctx.author, ctx.now, ctx.reason, diffText]);
        written.push({
          id,
          sku: input.sku,
          family: input.family,
          parent: content.parent,
          values: effectiveValues(model?.values, content.values),
          created: !before,
          ...(before && beforeValues && before.parent === content.parent
            ? { previous: { family: before.family, values: effectiveValues(model?.values, beforeValues) } }
            : {}),
        });
        // Categories and unique values are rewritten only when they changed.
        if (!before || before.categories !== text.categories) {
          if (before) categoriesChanged.push(id);
          for (const c of content.categories) categoryRows.push([c, id]);
        }
        const unique = uniqueEntries(uniqueAttrs, content.values);
        const uniqueBefore = beforeValues ? uniqueEntries(uniqueAttrs, beforeValues) : undefined;
        if (!uniqueBefore || !sameJson(unique, uniqueBefore)) {
          if (before) uniquesChanged.push(id);
          for (const [attribute, value] of unique) uniqueRows.push([attribute, value, id]);
        }
        events.push(
          ProductUpdated.input(
            id,
            {
              productId: id,
              sku: input.sku,
              version,
              family: input.family,
              parent: content.parent,
              status,
              changed,
            },
            { aggregateVersion: version },
          ),
        );
        results.push({ ok: true, id, sku: input.sku, version, change: before ? 'updated' : 'created' });
      }

      if (rows.length === 0) return results;
      const byMask = new Map<number, PimProductRow[]>();
      for (const r of rows) {
        const mask = changedIndexes(r, existing.get(r.sku));
        const group = byMask.get(mask);
        if (group) group.push(r);
        else byMask.set(mask, [r]);
      }
      for (const [mask, group] of byMask)
        await insertRows(
          tx,
          dialect,
          'pim_products',
          PRODUCT_COLUMNS,
          group.map((r) => PRODUCT_COLUMNS.map((c) => r[c])),
          productUpsert(mask),
        );
      await insertRows(
        tx,
        dialect,
        'pim_versions',
        ['subject', 'version', 'author', 'at', 'reason', 'diff'],
        versions,
      );
      for (const part of chunked(categoriesChanged, 500))
        await tx.deleteFrom('pim_product_categories').where('product_id', 'in', part).execute();
      for (const part of chunked(uniquesChanged, 500))
        await tx.deleteFrom('pim_unique_values').where('product_id', 'in', part).execute();
      await insertRows(tx, dialect, 'pim_product_categories', ['category', 'product_id'], categoryRows);
      await insertRows(tx, dialect, 'pim_unique_values', ['attribute', 'value', 'product_id'], uniqueRows);
      await completeness.write(tx, snap, written);
      for (const hook of hooks) await hook(tx, snap, written);
      await bus.append(tx, events);
      return results;
    },
  };
}

export type ProductStore = ReturnType<typeof createProductStore>;

import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { loadSnapshot } from './catalog.repo.js';
import { ProductModelInput } from './catalog.schemas.js';
import type { FieldError, ProductValues } from './catalog.types.js';
import { PimErrors } from './errors.js';
import { contentHash, diffContent } from './product.diff.js';
import type { ProductScope } from './product.lookups.js';
import { author } from './product.service.js';
import { validateValues } from './product.validate.js';
import type { PimModelRow } from './schema.js';

/**
 * Product models: the shared content of a set of variants (a T-shirt), and the axes that tell its
 * variants apart (size × colour). A variant's effective content is the model's values overlaid
 * with its own; changing the model recomputes its variants' completeness.
 */

const checkModel = inputValidator(ProductModelInput, 'product model');
const AXIS_TYPES = new Set(['select', 'boolean', 'number', 'measure', 'text']);

export interface ProductModel {
  code: string;
  family: string;
  axes: string[];
  categories: string[];
  values: ProductValues;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const toModel = (r: PimModelRow): ProductModel => ({
  code: r.code,
  family: r.family,
  axes: JSON.parse(r.axes),
  categories: JSON.parse(r.categories),
  values: JSON.parse(r.values),
  version: Number(r.version),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createModelService(
  deps: DomainDeps,
  reindex: (tx: Tx, scope: ProductScope) => Promise<number>,
) {
  const { store, clock, audit } = deps;
  return {
    async put(raw: ProductModelInput): Promise<ProductModel> {
      const input = checkModel(raw);
      await assertOwnership(deps, 'pim', `model:${input.code}`, Object.keys(input.values ?? {}));
      return store.tx(async (tx) => {
        const snap = await loadSnapshot(tx);
        const errors: FieldError[] = [];
        const family = snap.families.get(input.family);
        if (!family)
          errors.push({
            field: 'family',
            code: 'FAMILY_UNKNOWN',
            message: `family "${input.family}" does not exist`,
          });
        for (const axis of input.axes) {
          const attr = snap.attributes.get(axis);
          if (!attr || !family?.attributes.includes(axis))
            errors.push({
              field: 'axes',
              code: 'ATTRIBUTE_NOT_IN_FAMILY',
              message: `"${axis}" is not an attribute of the family`,
            });
          else if (!AXIS_TYPES.has(attr.type) || attr.localizable || attr.scopable)
            errors.push({
              field: 'axes',
              code: 'AXIS_INVALID',
              message: `"${axis}" cannot be an axis: axes are non-localizable, non-scopable ${[...AXIS_TYPES].join('/')}`,
            });
        }
        const categories = [...new Set(input.categories ?? [])].sort();
        for (const c of categories)
          if (!snap.categories.has(c))
            errors.push({
              field: 'categories',
              code: 'CATEGORY_UNKNOWN',
              message: `category "${c}" does not exist`,
            });
        // Axis values belong to each variant, never to the model.
        const allowed = new Set((family?.attributes ?? []).filter((a) => !input.axes.includes(a)));
        const values = validateValues(input.values ?? {}, allowed, snap, errors, {
          assets: [],
          references: [],
        });
        const beforeRow = (await tx
          .selectFrom('pim_models')
          .selectAll()
          .where('code', '=', input.code)
          .executeTakeFirst()) as PimModelRow | undefined;
        const before = beforeRow ? toModel(beforeRow) : undefined;
        if (
          before &&
          (before.family !== input.family || JSON.stringify(before.axes) !== JSON.stringify(input.axes))
        ) {
          const variant = await tx
            .selectFrom('pim_products')
            .select('id')
            .where('parent', '=', input.code)
            .limit(1)
            .executeTakeFirst();
          if (variant)
            errors.push({
              field: 'axes',
              code: 'IMMUTABLE',
              message: 'family and axes cannot change while the model has variants',
            });
        }
        if (errors.length > 0)
          throw PimErrors.PRODUCT_INVALID.create(errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
            errors,
          });
        const content = { family: input.family, parent: null, categories, values };
        const beforeContent = before
          ? { family: before.family, parent: null, categories: before.categories, values: before.values }
          : null;
        if (
          before &&
          beforeContent &&
          contentHash(beforeContent) === contentHash(content) &&
          JSON.stringify(before.axes) === JSON.stringify(input.axes)
        )
          return before;
        const at = clock.now().toISOString();
        const row: PimModelRow = {
          code: input.code,
          family: input.family,
          axes: JSON.stringify(input.axes),
          categories: JSON.stringify(categories),
          values: JSON.stringify(values),
          version: (before?.version ?? 0) + 1,
          created_at: before?.createdAt ?? at,
          updated_at: at,
        };
        await tx
          .insertInto('pim_models')
          .values(row)
          .onConflict((oc) => oc.column('code').doUpdateSet({ ...row }))
          .execute();
        await tx
          .insertInto('pim_versions')
          .values({
            subject: `model:${input.code}`,
            version: row.version,
            author: author(),
            at,
            reason: before ? 'update' : 'create',
            diff: JSON.stringify(diffContent(beforeContent, content)),
          })
          .execute();
        await audit.record(tx, {
          action: 'pim.model.put',
          target: `model:${input.code}`,
          before,
          after: row,
        });
        if (before) await reindex(tx, { model: input.code });
        return toModel(row);
      });
    },

    async get(code: string): Promise<ProductModel & { variants: string[] }> {
      const row = await store.db
        .selectFrom('pim_models')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (!row) throw PimErrors.MODEL_NOT_FOUND.create(`product model "${code}" does not exist`, { code });
      const variants = await store.db
        .selectFrom('pim_products')
        .select('sku')
        .where('parent', '=', code)
        .orderBy('sku')
        .execute();
      return { ...toModel(row as PimModelRow), variants: variants.map((v) => v.sku as string) };
    },

    async list(): Promise<ProductModel[]> {
      const rows = await store.db.selectFrom('pim_models').selectAll().orderBy('code').execute();
      return (rows as PimModelRow[]).map(toModel);
    },
  };
}

export type ModelService = ReturnType<typeof createModelService>;

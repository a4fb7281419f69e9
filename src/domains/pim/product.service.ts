import { currentContext } from '../../kernel/context.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { inputValidator } from '../../kernel/validate.js';
import { loadSnapshot } from './catalog.repo.js';
import { ProductInputSchema } from './catalog.schemas.js';
import type { ProductInput, ProductValues } from './catalog.types.js';
import type { CompletenessRow } from './completeness.js';
import type { CompletenessIndex } from './completeness.store.js';
import { PimErrors } from './errors.js';
import { type ContentDiff, contentOf, isCreation, unwindDiffs } from './product.diff.js';
import type { ProductStore, WriteMode, WriteResult } from './product.store.js';
import { validateProduct } from './product.validate.js';
import type { PimProductRow } from './schema.js';

/** Single-product commands and queries (the importer writes through the same ProductStore). */

const checkInput = inputValidator(ProductInputSchema, 'product');

export interface Product {
  id: string;
  sku: string;
  family: string;
  parent: string | null;
  categories: string[];
  values: ProductValues;
  status: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProductVersion {
  version: number;
  author: string;
  at: string;
  reason: string;
  diff: ContentDiff;
}

export function toProduct(r: PimProductRow): Product {
  return {
    id: r.id,
    sku: r.sku,
    family: r.family,
    parent: r.parent,
    categories: JSON.parse(r.categories),
    values: JSON.parse(r.values),
    status: r.status,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The actor recorded as a version's author. */
export const author = () => currentContext()?.actor ?? 'system:pim';

/** Turn a failed single write into the error the API reports. */
function raise(result: Extract<WriteResult, { ok: false }>): never {
  const codes = new Set(result.errors.map((e) => e.code));
  const detail = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  if (codes.has('PRODUCT_NOT_FOUND'))
    throw PimErrors.PRODUCT_NOT_FOUND.create(detail, { errors: result.errors });
  if (codes.has('SKU_TAKEN')) throw PimErrors.SKU_TAKEN.create(detail, { errors: result.errors });
  if (codes.has('VERSION_CONFLICT'))
    throw PimErrors.VERSION_CONFLICT.create(detail, { errors: result.errors });
  throw PimErrors.PRODUCT_INVALID.create(detail, { errors: result.errors });
}

export function createProductService(
  deps: DomainDeps,
  writer: ProductStore,
  completeness: CompletenessIndex,
) {
  const { store, clock, audit } = deps;

  async function rowById(id: string): Promise<PimProductRow> {
    const row = await store.db.selectFrom('pim_products').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw PimErrors.PRODUCT_NOT_FOUND.create(`product ${id} does not exist`, { id });
    return row as PimProductRow;
  }

  async function writeOne(raw: ProductInput, mode: WriteMode, reason: string, expectedVersion?: number) {
    const input = checkInput(raw);
    await assertOwnership(deps, 'pim', `product:${input.sku}`, Object.keys(input.values));
    return store.tx(async (tx) => {
      const snap = await loadSnapshot(tx);
      const validated = validateProduct(input as ProductInput, snap);
      const [result] = await writer.write(tx, snap, [{ ...validated, expectedVersion }], {
        mode,
        author: author(),
        reason,
        now: clock.now().toISOString(),
      });
      if (!result?.ok) raise(result as Extract<WriteResult, { ok: false }>);
      const row = (await tx
        .selectFrom('pim_products')
        .selectAll()
        .where('id', '=', result.id)
        .executeTakeFirst()) as PimProductRow;
      if (result.change !== 'unchanged')
        await audit.record(tx, {
          action: `pim.product.${reason.split(':')[0]}`,
          target: result.id,
          after: { version: result.version },
        });
      return { product: toProduct(row), change: result.change };
    });
  }

  return {
    /** Create a product (draft, version 1). Throws PIM_SKU_TAKEN or PIM_PRODUCT_INVALID with every problem. */
    async create(input: ProductInput): Promise<Product> {
      return (await writeOne(input, 'create', 'create')).product;
    },

    /** Replace a product's content. An identical content makes no version. */
    async replace(id: string, input: Omit<ProductInput, 'sku'>, expectedVersion?: number) {
      // Refuse before looking anything up: a caller without rights learns nothing about the id.
      await assertOwnership(deps, 'pim', `product:${id}`, Object.keys(input.values ?? {}));
      const current = await rowById(id);
      return writeOne({ ...input, sku: current.sku } as ProductInput, 'update', 'update', expectedVersion);
    },

    /** Merge: the given attributes' entries replace theirs (an empty list clears one); others stay. */
    async patch(
      id: string,
      patch: { values?: ProductValues; categories?: string[]; family?: string; parent?: string | null },
      expectedVersion?: number,
    ) {
      await assertOwnership(deps, 'pim', `product:${id}`, Object.keys(patch.values ?? {}));
      const current = toProduct(await rowById(id));
      const values = { ...current.values, ...(patch.values ?? {}) };
      for (const [code, entries] of Object.entries(patch.values ?? {}))
        if (entries.length === 0) delete values[code];
      return writeOne(
        {
          sku: current.sku,
          family: patch.family ?? current.family,
          parent: patch.parent !== undefined ? patch.parent : current.parent,
          categories: patch.categories ?? current.categories,
          values,
        },
        'update',
        'update',
        expectedVersion,
      );
    },

    async get(id: string): Promise<Product> {
      return toProduct(await rowById(id));
    },

    async getBySku(sku: string): Promise<Product> {
      const row = await store.db
        .selectFrom('pim_products')
        .selectAll()
        .where('sku', '=', sku)
        .executeTakeFirst();
      if (!row) throw PimErrors.PRODUCT_NOT_FOUND.create(`no product with SKU "${sku}"`, { sku });
      return toProduct(row as PimProductRow);
    },

    async completeness(id: string): Promise<CompletenessRow[]> {
      await rowById(id);
      return completeness.forProduct(store.db, id);
    },

    async versions(id: string): Promise<ProductVersion[]> {
      const current = await rowById(id);
      const rows = await store.db
        .selectFrom('pim_versions')
        .selectAll()
        .where('subject', '=', id)
        .orderBy('version', 'desc')
        .execute();
      const diffs = rows.map((r) => JSON.parse(r.diff as string) as ContentDiff);
      return rows.map((r, i) => ({
        version: Number(r.version),
        author: r.author as string,
        at: r.at as string,
        reason: r.reason as string,
        // A creation stores a mark; its content is what the later diffs unwind to.
        diff: isCreation(diffs[i]!)
          ? { '*': [null, unwindDiffs(contentOf(toProduct(current)), diffs.slice(0, i))] }
          : diffs[i]!,
      }));
    },

    /** Restore the content of an earlier version, as a new version (history is never rewritten). */
    async restore(id: string, version: number): Promise<{ product: Product; change: string }> {
      await assertOwnership(deps, 'pim', `product:${id}`, ['restore']);
      const current = await rowById(id);
      const rows = await store.db
        .selectFrom('pim_versions')
        .select(['version', 'diff'])
        .where('subject', '=', id)
        .where('version', '>=', version)
        .orderBy('version', 'desc')
        .execute();
      if (rows.length === 0 || Number(rows[rows.length - 1]!.version) !== version)
        throw PimErrors.VERSION_NOT_FOUND.create(`product ${id} has no version ${version}`, { id, version });
      // The content of version n: the current content with every later change undone.
      const later = rows.slice(0, -1).map((r) => JSON.parse(r.diff as string) as ContentDiff);
      const content = unwindDiffs(contentOf(toProduct(current)), later);
      return writeOne({ sku: current.sku, ...content }, 'update', `restore:${version}`);
    },
  };
}

export type ProductService = ReturnType<typeof createProductService>;

import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { selectByKeys } from '../../kernel/sql.js';
import type { ProductValues } from './catalog.types.js';
import { effectiveValues } from './completeness.js';
import type { PimProductRow } from './schema.js';

/**
 * The reads a product write needs about other rows (existing products, models, siblings, assets,
 * unique values), each one set-based query per chunk of a batch: the write path validates
 * thousands of products against the database in a handful of round trips. They are key lookups
 * through `selectByKeys`, whose PostgreSQL plans stay index probes without statistics.
 */

/** A product model as its variants need it: family, axes, inherited values. */
export interface ModelInfo {
  family: string;
  axes: string[];
  values: ProductValues;
}

export async function loadModels(tx: Tx, dialect: Dialect, codes: string[]): Promise<Map<string, ModelInfo>> {
  const out = new Map<string, ModelInfo>();
  const rows = await selectByKeys<Record<string, string>>(
    tx,
    dialect,
    'pim_models',
    ['code'],
    codes.map((c) => [c]),
    ['code', 'family', 'axes', 'values'],
  );
  for (const r of rows)
    out.set(r.code!, { family: r.family!, axes: JSON.parse(r.axes!), values: JSON.parse(r.values!) });
  return out;
}

export async function existingBySku(
  tx: Tx,
  dialect: Dialect,
  skus: string[],
): Promise<Map<string, PimProductRow>> {
  const rows = await selectByKeys<PimProductRow>(
    tx,
    dialect,
    'pim_products',
    ['sku'],
    skus.map((s) => [s]),
  );
  return new Map(rows.map((r) => [r.sku, r]));
}

export async function existingSkus(tx: Tx, dialect: Dialect, skus: string[]): Promise<Set<string>> {
  const rows = await selectByKeys<{ sku: string }>(
    tx,
    dialect,
    'pim_products',
    ['sku'],
    skus.map((s) => [s]),
    ['sku'],
  );
  return new Set(rows.map((r) => r.sku));
}

export async function existingAssets(tx: Tx, dialect: Dialect, ids: string[]): Promise<Map<string, string>> {
  const rows = await selectByKeys<{ id: string; kind: string }>(
    tx,
    dialect,
    'pim_assets',
    ['id'],
    ids.map((i) => [i]),
    ['id', 'kind'],
  );
  return new Map(rows.map((r) => [r.id, r.kind]));
}

export async function siblings(tx: Tx, dialect: Dialect, parents: string[]): Promise<Map<string, string>> {
  const rows = await selectByKeys<{ sku: string; parent: string; axis_key: string }>(
    tx,
    dialect,
    'pim_products',
    ['parent'],
    parents.map((p) => [p]),
    ['sku', 'parent', 'axis_key'],
  );
  return new Map(rows.map((r) => [`${r.parent}\u0000${r.axis_key}`, r.sku]));
}

export async function uniqueOwners(
  tx: Tx,
  dialect: Dialect,
  pairs: { attribute: string; value: string }[],
): Promise<Map<string, string>> {
  const rows = await selectByKeys<{ attribute: string; value: string; product_id: string }>(
    tx,
    dialect,
    'pim_unique_values',
    ['attribute', 'value'],
    pairs.map((p) => [p.attribute, p.value]),
    ['attribute', 'value', 'product_id'],
  );
  return new Map(rows.map((r) => [`${r.attribute}\u0000${r.value}`, r.product_id]));
}

/** Which products a catalog change concerns: all, one family's, or one model's variants. */
export interface ProductScope {
  family?: string;
  model?: string;
}

export interface ScannedProduct {
  id: string;
  sku: string;
  family: string;
  parent: string | null;
  /** Effective values: the model's, overridden by the product's own. */
  values: ProductValues;
  created: false;
}

/** The products of a scope in id order, a chunk at a time, with their effective values. */
export async function* scanProducts(
  tx: Tx,
  dialect: Dialect,
  scope: ProductScope,
  chunk = 1000,
): AsyncGenerator<ScannedProduct[]> {
  let after = '';
  for (;;) {
    let q = tx
      .selectFrom('pim_products')
      .select(['id', 'sku', 'family', 'parent', 'values'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(chunk);
    if (scope.family) q = q.where('family', '=', scope.family);
    if (scope.model) q = q.where('parent', '=', scope.model);
    const rows = (await q.execute()) as Pick<PimProductRow, 'id' | 'sku' | 'family' | 'parent' | 'values'>[];
    if (rows.length === 0) return;
    const models = await loadModels(tx, dialect, [
      ...new Set(rows.map((r) => r.parent).filter((p): p is string => p !== null)),
    ]);
    yield rows.map((r) => ({
      id: r.id,
      sku: r.sku,
      family: r.family,
      parent: r.parent,
      values: effectiveValues(r.parent ? models.get(r.parent)?.values : undefined, JSON.parse(r.values)),
      created: false,
    }));
    after = rows[rows.length - 1]!.id;
  }
}

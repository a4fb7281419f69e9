import type { Tx } from '../../kernel/ports/store.js';
import { chunked } from '../../kernel/sql.js';
import type { ProductValues } from './catalog.types.js';
import { effectiveValues } from './completeness.js';
import type { PimProductRow } from './schema.js';

/**
 * The reads a product write needs about other rows (existing products, models, siblings, assets,
 * unique values), each one set-based query per chunk of a batch: the write path validates
 * thousands of products against the database in a handful of round trips.
 */

/** A product model as its variants need it: family, axes, inherited values. */
export interface ModelInfo {
  family: string;
  axes: string[];
  values: ProductValues;
}

export async function loadModels(tx: Tx, codes: string[]): Promise<Map<string, ModelInfo>> {
  const out = new Map<string, ModelInfo>();
  for (const part of chunked(codes, 500)) {
    const rows = await tx
      .selectFrom('pim_models')
      .select(['code', 'family', 'axes', 'values'])
      .where('code', 'in', part)
      .execute();
    for (const r of rows)
      out.set(r.code as string, {
        family: r.family as string,
        axes: JSON.parse(r.axes as string),
        values: JSON.parse(r.values as string),
      });
  }
  return out;
}

export async function existingBySku(tx: Tx, skus: string[]): Promise<Map<string, PimProductRow>> {
  const out = new Map<string, PimProductRow>();
  for (const part of chunked(skus, 500)) {
    const rows = (await tx
      .selectFrom('pim_products')
      .selectAll()
      .where('sku', 'in', part)
      .execute()) as PimProductRow[];
    for (const r of rows) out.set(r.sku, r);
  }
  return out;
}

export async function existingSkus(tx: Tx, skus: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const part of chunked([...new Set(skus)], 500)) {
    const rows = await tx.selectFrom('pim_products').select('sku').where('sku', 'in', part).execute();
    for (const r of rows) out.add(r.sku as string);
  }
  return out;
}

export async function existingAssets(tx: Tx, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunked([...new Set(ids)], 500)) {
    const rows = await tx.selectFrom('pim_assets').select(['id', 'kind']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id as string, r.kind as string);
  }
  return out;
}

export async function siblings(tx: Tx, parents: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunked(parents, 500)) {
    const rows = await tx
      .selectFrom('pim_products')
      .select(['sku', 'parent', 'axis_key'])
      .where('parent', 'in', part)
      .execute();
    for (const r of rows) out.set(`${r.parent}\u0000${r.axis_key}`, r.sku as string);
  }
  return out;
}

export async function uniqueOwners(
  tx: Tx,
  pairs: { attribute: string; value: string }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  // One `attribute = ? AND value IN (…)` per attribute: an OR of pairs defeats PostgreSQL's planner.
  const byAttribute = new Map<string, Set<string>>();
  for (const p of pairs) {
    const set = byAttribute.get(p.attribute) ?? new Set<string>();
    set.add(p.value);
    byAttribute.set(p.attribute, set);
  }
  for (const [attribute, values] of byAttribute)
    for (const part of chunked([...values], 500)) {
      const rows = await tx
        .selectFrom('pim_unique_values')
        .select(['value', 'product_id'])
        .where('attribute', '=', attribute)
        .where('value', 'in', part)
        .execute();
      for (const r of rows) out.set(`${attribute}\u0000${r.value}`, r.product_id as string);
    }
  return out;
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
    const models = await loadModels(tx, [
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

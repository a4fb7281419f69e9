import type { Kysely } from 'kysely';
import { sameJson } from '../../kernel/json.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows } from '../../kernel/sql.js';
import type { CatalogSnapshot, ProductValues } from './catalog.types.js';
import { type CompletenessRow, computeCompleteness } from './completeness.js';

/** The stored completeness of each product per channel × locale, and its maintenance. */

export interface ProductCompleteness extends CompletenessRow {
  productId: string;
}

const _RECOMPUTE_CHUNK = 1000;

export interface CompletenessIndex {
  /** Replace the rows of these products (values already effective: model values applied). */
  write(
    tx: Tx,
    snap: CatalogSnapshot,
    products: readonly {
      id: string;
      family: string;
      values: ProductValues;
      created?: boolean;
      previous?: { family: string; values: ProductValues };
    }[],
  ): Promise<Map<string, CompletenessRow[]>>;
  forProduct(db: Kysely<any>, productId: string): Promise<CompletenessRow[]>;
}

export function createCompletenessIndex(dialect: Dialect): CompletenessIndex {
  const index: CompletenessIndex = {
    async write(tx, snap, products) {
      const out = new Map<string, CompletenessRow[]>();
      if (products.length === 0) return out;
      const rows: unknown[][] = [];
      const stale: string[] = [];
      const compute = (familyCode: string, values: ProductValues) => {
        const family = snap.families.get(familyCode);
        return family ? computeCompleteness(family, snap.attributes, snap.channels.values(), values) : [];
      };
      for (const p of products) {
        const computed = compute(p.family, p.values);
        out.set(p.id, computed);
        // The stored rows describe the previous values (the catalog's own changes reindex in
        // their transaction): when those give the same rows, there is nothing to rewrite.
        if (p.previous && sameJson(compute(p.previous.family, p.previous.values), computed)) continue;
        if (!p.created) stale.push(p.id);
        for (const r of computed)
          rows.push([
            p.id,
            r.channel,
            r.locale,
            r.required,
            r.missing.length,
            r.ratio,
            JSON.stringify(r.missing),
          ]);
      }
      for (const ids of chunked(stale, 500))
        await tx.deleteFrom('pim_completeness').where('product_id', 'in', ids).execute();
      await insertRows(
        tx,
        dialect,
        'pim_completeness',
        ['product_id', 'channel', 'locale', 'required', 'missing_count', 'ratio', 'missing'],
        rows,
      );
      return out;
    },

    async forProduct(db, productId) {
      const rows = await db
        .selectFrom('pim_completeness')
        .selectAll()
        .where('product_id', '=', productId)
        .orderBy('channel')
        .orderBy('locale')
        .execute();
      return rows.map((r) => ({
        channel: r.channel as string,
        locale: r.locale as string,
        required: Number(r.required),
        missing: JSON.parse(r.missing as string),
        ratio: Number(r.ratio),
      }));
    },
  };
  return index;
}

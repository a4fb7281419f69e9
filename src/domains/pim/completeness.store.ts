import type { Kysely } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { loadSnapshot } from './catalog.repo.js';
import type { CatalogSnapshot, ProductValues } from './catalog.types.js';
import { type CompletenessRow, computeCompleteness, effectiveValues } from './completeness.js';
import { chunked, insertRows } from './sql.js';

/** The stored completeness of each product per channel × locale, and its maintenance. */

export interface ProductCompleteness extends CompletenessRow {
  productId: string;
}

const RECOMPUTE_CHUNK = 1000;

export interface CompletenessIndex {
  /** Replace the rows of these products (values already effective: model values applied). */
  write(
    tx: Tx,
    snap: CatalogSnapshot,
    products: readonly { id: string; family: string; values: ProductValues; created?: boolean }[],
  ): Promise<Map<string, CompletenessRow[]>>;
  /** Recompute for every product (of one family, or of one model's variants), in chunks. */
  recompute(tx: Tx, scope: { family?: string; model?: string }): Promise<number>;
  forProduct(db: Kysely<any>, productId: string): Promise<CompletenessRow[]>;
}

export function createCompletenessIndex(dialect: Dialect): CompletenessIndex {
  const index: CompletenessIndex = {
    async write(tx, snap, products) {
      const out = new Map<string, CompletenessRow[]>();
      if (products.length === 0) return out;
      const rows: unknown[][] = [];
      for (const p of products) {
        const family = snap.families.get(p.family);
        const computed = family
          ? computeCompleteness(family, snap.attributes, snap.channels.values(), p.values)
          : [];
        out.set(p.id, computed);
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
      const stale = products.filter((p) => !p.created).map((p) => p.id);
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

    async recompute(tx, scope) {
      const snap = await loadSnapshot(tx);
      let after = '';
      let total = 0;
      for (;;) {
        let q = tx
          .selectFrom('pim_products')
          .select(['id', 'family', 'parent', 'values'])
          .where('id', '>', after)
          .orderBy('id')
          .limit(RECOMPUTE_CHUNK);
        if (scope.family) q = q.where('family', '=', scope.family);
        if (scope.model) q = q.where('parent', '=', scope.model);
        const rows = (await q.execute()) as {
          id: string;
          family: string;
          parent: string | null;
          values: string;
        }[];
        if (rows.length === 0) return total;
        const parents = [...new Set(rows.map((r) => r.parent).filter((p): p is string => p !== null))];
        const models = new Map<string, ProductValues>();
        for (const part of chunked(parents, 500)) {
          const ms = await tx
            .selectFrom('pim_models')
            .select(['code', 'values'])
            .where('code', 'in', part)
            .execute();
          for (const m of ms) models.set(m.code as string, JSON.parse(m.values as string));
        }
        await index.write(
          tx,
          snap,
          rows.map((r) => ({
            id: r.id,
            family: r.family,
            values: effectiveValues(r.parent ? models.get(r.parent) : undefined, JSON.parse(r.values)),
          })),
        );
        total += rows.length;
        after = rows[rows.length - 1]!.id;
      }
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

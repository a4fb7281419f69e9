import type { DomainDeps } from '../../kernel/ports/module.js';
import { findChannel } from './order.service.js';
import type { CatalogRow } from './schema.js';

export interface CatalogItem {
  sku: string;
  productId: string;
  title: string;
  price: { amount: number; currency: string };
  version: number;
  updatedAt: string;
}

/** Reads of the channel registry and each channel's catalog projection. */
export function createCatalogService({ store }: Pick<DomainDeps, 'store'>) {
  return {
    async channels() {
      const rows = await store.db.selectFrom('channels_channels').selectAll().orderBy('code').execute();
      return rows.map((r) => ({
        id: r.id as string,
        code: r.code as string,
        name: r.name as string,
        currency: r.currency as string,
      }));
    },

    /** A page of the catalog ordered by SKU; `after` is the last SKU of the previous page. */
    async catalog(channelRef: string, page: { after?: string; limit?: number } = {}) {
      const channel = await findChannel(store.db, channelRef);
      const limit = Math.min(Math.max(page.limit ?? 50, 1), 500);
      let q = store.db.selectFrom('channels_catalog').selectAll().where('channel_id', '=', channel.id);
      if (page.after) q = q.where('sku', '>', page.after);
      const rows = (await q
        .orderBy('sku')
        .limit(limit + 1)
        .execute()) as CatalogRow[];
      const items: CatalogItem[] = rows.slice(0, limit).map((r) => ({
        sku: r.sku,
        productId: r.product_id,
        title: r.title,
        price: { amount: Number(r.price_amount), currency: r.price_currency },
        version: Number(r.version),
        updatedAt: r.updated_at,
      }));
      return rows.length > limit ? { items, next: items.at(-1)!.sku } : { items };
    },
  };
}

export type CatalogService = ReturnType<typeof createCatalogService>;

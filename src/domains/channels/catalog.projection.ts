import type { StoredEvent } from '../../kernel/events.js';
import type { Subscription } from '../../kernel/ports/bus.js';
import {
  ProductEventTypes,
  type ProductPublishedData,
  type ProductRetiredData,
} from '../../model/product.js';
import type { CatalogRow } from './schema.js';

/**
 * Each channel's catalog: the products the PIM published to it, kept current from PIM events
 * (set-based per batch; an older version never overwrites a newer one). A channel sells in one
 * currency, so a listing without a price in it is not sellable there and is left out.
 */
export function catalogProjection(): Subscription {
  return {
    group: 'channels.catalog',
    types: [ProductEventTypes.published, ProductEventTypes.retired],
    async handleBatch(events: readonly StoredEvent[], { tx }) {
      const channels = new Map(
        (await tx.selectFrom('channels_channels').select(['id', 'code', 'currency']).execute()).map((c) => [
          c.code as string,
          { id: c.id as string, currency: c.currency as string },
        ]),
      );
      for (const e of events) {
        if (e.type === ProductEventTypes.retired) {
          const data = e.data as ProductRetiredData;
          const channel = channels.get(data.channel);
          if (!channel) continue;
          await tx
            .deleteFrom('channels_catalog')
            .where('channel_id', '=', channel.id)
            .where('sku', '=', data.sku)
            .where('version', '<=', data.version)
            .execute();
          continue;
        }
        const data = e.data as ProductPublishedData;
        const channel = channels.get(data.channel);
        const price = channel && data.prices.find((p) => p.currency === channel.currency);
        if (!channel || !price) continue;
        const row: CatalogRow = {
          channel_id: channel.id,
          sku: data.sku,
          product_id: data.productId,
          title: data.title,
          price_amount: price.amount,
          price_currency: price.currency,
          version: data.version,
          updated_at: e.time,
        };
        await tx
          .insertInto('channels_catalog')
          .values(row)
          .onConflict((oc) =>
            oc
              .columns(['channel_id', 'sku'])
              .doUpdateSet({
                product_id: row.product_id,
                title: row.title,
                price_amount: row.price_amount,
                price_currency: row.price_currency,
                version: row.version,
                updated_at: row.updated_at,
              })
              .where('channels_catalog.version', '<=', row.version),
          )
          .execute();
      }
    },
  };
}

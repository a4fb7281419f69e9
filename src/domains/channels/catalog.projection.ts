import type { StoredEvent } from '../../kernel/events.js';
import type { Subscription } from '../../kernel/ports/bus.js';
import { ProductEventTypes, type ProductPublishedData } from '../../model/product.js';
import type { CatalogRow } from './schema.js';

/**
 * Each channel's catalog: the published products it can sell, kept current from PIM events
 * (set-based per batch; an older version never overwrites a newer one).
 */
export function catalogProjection(): Subscription {
  return {
    group: 'channels.catalog',
    types: [ProductEventTypes.published],
    async handleBatch(events: readonly StoredEvent[], { tx }) {
      const channels = await tx.selectFrom('channels_channels').select('id').execute();
      // Latest version per SKU within the batch.
      const latest = new Map<string, { data: ProductPublishedData; time: string }>();
      for (const e of events) {
        const data = e.data as ProductPublishedData;
        const prev = latest.get(data.sku);
        if (!prev || prev.data.version < data.version) latest.set(data.sku, { data, time: e.time });
      }
      for (const channel of channels) {
        for (const { data, time } of latest.values()) {
          const row: CatalogRow = {
            channel_id: channel.id as string,
            sku: data.sku,
            product_id: data.productId,
            title: data.title,
            price_amount: data.price.amount,
            price_currency: data.price.currency,
            version: data.version,
            updated_at: time,
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
                .where('channels_catalog.version', '<', row.version),
            )
            .execute();
        }
      }
    },
  };
}

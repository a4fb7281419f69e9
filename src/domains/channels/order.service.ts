import { type Static, Type } from '@sinclair/typebox';
import { currentContext } from '../../kernel/context.js';
import { newId } from '../../kernel/ids.js';
import { digest } from '../../kernel/json.js';
import { money, multiplyMoney, sumMoney } from '../../kernel/money.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import type { OrderPlacedData } from '../../model/order.js';
import { ChannelsErrors } from './errors.js';
import { OrderPlaced } from './events.js';
import type { CatalogRow, ChannelOrderRow, ChannelRow } from './schema.js';

export const PlaceOrderInput = Type.Object(
  {
    channelOrderId: Type.String({ minLength: 1, maxLength: 100, description: "The channel's own order id" }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    lines: Type.Array(
      Type.Object(
        {
          sku: Type.String({ minLength: 1, maxLength: 64 }),
          quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 500 },
    ),
  },
  { additionalProperties: false },
);
export type PlaceOrderInput = Static<typeof PlaceOrderInput>;

export interface ChannelOrder extends OrderPlacedData {
  correlationId: string;
  createdAt: string;
}

function toOrder(r: ChannelOrderRow): ChannelOrder {
  const lines = JSON.parse(r.lines) as OrderPlacedData['lines'];
  return {
    orderId: r.id,
    channelId: r.channel_id,
    channelOrderId: r.channel_order_id,
    currency: r.currency,
    lines,
    total: { amount: Number(r.total_amount), currency: r.currency },
    correlationId: r.correlation_id,
    createdAt: r.created_at,
  };
}

export async function findChannel(tx: Tx, ref: string): Promise<ChannelRow> {
  const row = await tx
    .selectFrom('channels_channels')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', ref), eb('code', '=', ref)]))
    .executeTakeFirst();
  if (!row)
    throw ChannelsErrors.CHANNEL_NOT_FOUND.create(`channel "${ref}" does not exist`, { channel: ref });
  return row as ChannelRow;
}

/**
 * Order capture on a channel: priced from the channel's catalog projection, idempotent by the
 * channel's order id (the same id with different content is a conflict), and announced with
 * `order.placed` in the same transaction.
 */
export function createOrderService({ store, bus, clock, audit }: DomainDeps) {
  return {
    async place(
      channelRef: string,
      input: PlaceOrderInput,
    ): Promise<{ order: ChannelOrder; created: boolean }> {
      const contentHash = digest({ currency: input.currency, lines: input.lines });
      return store.tx(async (tx) => {
        const channel = await findChannel(tx, channelRef);
        const existing = (await tx
          .selectFrom('channels_orders')
          .selectAll()
          .where('channel_id', '=', channel.id)
          .where('channel_order_id', '=', input.channelOrderId)
          .executeTakeFirst()) as ChannelOrderRow | undefined;
        if (existing) {
          if (existing.content_hash !== contentHash) {
            throw ChannelsErrors.ORDER_CONFLICT.create(
              `order "${input.channelOrderId}" was already placed on ${channel.code} with different content`,
              { channelOrderId: input.channelOrderId, orderId: existing.id },
            );
          }
          return { order: toOrder(existing), created: false };
        }
        if (input.currency !== channel.currency) {
          throw ChannelsErrors.CURRENCY_NOT_ALLOWED.create(
            `${channel.code} sells in ${channel.currency}, not ${input.currency}`,
          );
        }
        const skus = [...new Set(input.lines.map((l) => l.sku))];
        const catalog = (await tx
          .selectFrom('channels_catalog')
          .selectAll()
          .where('channel_id', '=', channel.id)
          .where('sku', 'in', skus)
          .execute()) as CatalogRow[];
        const bySku = new Map(catalog.map((c) => [c.sku, c]));
        const missing = skus.filter((s) => bySku.get(s)?.price_currency !== channel.currency);
        if (missing.length > 0) {
          throw ChannelsErrors.SKU_UNAVAILABLE.create(
            `not sellable on ${channel.code}: ${missing.join(', ')}`,
            {
              skus: missing,
            },
          );
        }
        const lines = input.lines.map((l) => {
          const c = bySku.get(l.sku)!;
          return {
            sku: l.sku,
            productId: c.product_id,
            quantity: l.quantity,
            unitPrice: money(Number(c.price_amount), c.price_currency),
          };
        });
        const total = sumMoney(
          lines.map((l) => multiplyMoney(l.unitPrice, l.quantity)),
          channel.currency,
        );
        const correlationId = currentContext()?.correlationId ?? newId('cor');
        const row: ChannelOrderRow = {
          id: newId('ord'),
          channel_id: channel.id,
          channel_order_id: input.channelOrderId,
          content_hash: contentHash,
          currency: channel.currency,
          total_amount: total.amount,
          lines: JSON.stringify(lines),
          correlation_id: correlationId,
          created_at: clock.now().toISOString(),
        };
        await tx.insertInto('channels_orders').values(row).execute();
        const order = toOrder(row);
        await bus.append(
          tx,
          [
            OrderPlaced.input(row.id, {
              orderId: row.id,
              channelId: channel.id,
              channelOrderId: row.channel_order_id,
              currency: row.currency,
              lines,
              total,
            }),
          ],
          { ...currentContext(), correlationId },
        );
        await audit.record(tx, { action: 'channels.order.place', target: row.id, after: order });
        return { order, created: true };
      });
    },

    async get(channelRef: string, orderId: string): Promise<ChannelOrder> {
      const row = await store.db
        .selectFrom('channels_orders')
        .innerJoin('channels_channels', 'channels_channels.id', 'channels_orders.channel_id')
        .selectAll('channels_orders')
        .where('channels_orders.id', '=', orderId)
        .where((eb) =>
          eb.or([eb('channels_channels.id', '=', channelRef), eb('channels_channels.code', '=', channelRef)]),
        )
        .executeTakeFirst();
      if (!row)
        throw ChannelsErrors.ORDER_NOT_FOUND.create(`order ${orderId} does not exist on ${channelRef}`);
      return toOrder(row as ChannelOrderRow);
    },
  };
}

export type OrderService = ReturnType<typeof createOrderService>;

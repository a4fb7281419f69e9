import type { StoredEvent } from '../../kernel/events.js';
import type { HandlerContext, Subscription } from '../../kernel/ports/bus.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { OrderEventTypes, type OrderPlacedData } from '../../model/order.js';
import { OmsErrors } from './errors.js';
import { OrderAccepted } from './events.js';
import type { OmsOrderRow } from './schema.js';

export interface OmsOrder {
  id: string;
  channelId: string;
  channelOrderId: string;
  status: string;
  total: { amount: number; currency: string };
  lines: OrderPlacedData['lines'];
  correlationId: string;
  placedAt: string;
  acceptedAt: string;
}

function toOrder(r: OmsOrderRow): OmsOrder {
  return {
    id: r.id,
    channelId: r.channel_id,
    channelOrderId: r.channel_order_id,
    status: r.status,
    total: { amount: Number(r.total_amount), currency: r.currency },
    lines: JSON.parse(r.lines),
    correlationId: r.correlation_id,
    placedAt: r.placed_at,
    acceptedAt: r.accepted_at,
  };
}

/**
 * The walking skeleton's slice of the OMS: accept every order a channel captured (the full
 * validation, sourcing and fulfillment arrive with the OMS issue) and answer for its state and
 * its event trail across systems.
 */
export function createOmsOrders({ store, bus, clock, audit }: DomainDeps) {
  async function accept(event: StoredEvent, ctx: HandlerContext): Promise<void> {
    const placed = event.data as OrderPlacedData;
    const now = clock.now().toISOString();
    const row: OmsOrderRow = {
      id: placed.orderId,
      channel_id: placed.channelId,
      channel_order_id: placed.channelOrderId,
      status: 'accepted',
      currency: placed.currency,
      total_amount: placed.total.amount,
      lines: JSON.stringify(placed.lines),
      correlation_id: event.correlationid,
      placed_at: event.time,
      accepted_at: now,
    };
    await ctx.tx.insertInto('oms_orders').values(row).execute();
    await ctx.emit([
      OrderAccepted.input(row.id, {
        orderId: row.id,
        channelId: row.channel_id,
        channelOrderId: row.channel_order_id,
        total: placed.total,
        lineCount: placed.lines.length,
      }),
    ]);
    await audit.record(ctx.tx, { action: 'oms.order.accept', target: row.id, after: toOrder(row) });
  }

  const intake: Subscription = {
    group: 'oms.intake',
    types: [OrderEventTypes.placed],
    handle: accept,
  };

  return {
    intake,

    async get(id: string): Promise<OmsOrder> {
      const row = await store.db.selectFrom('oms_orders').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw OmsErrors.ORDER_NOT_FOUND.create(`order ${id} does not exist`, { id });
      return toOrder(row as OmsOrderRow);
    },

    /** Every event of the order's business transaction, across every system, in log order. */
    async trail(id: string) {
      const order = await this.get(id);
      return bus.admin.events({ correlationId: order.correlationId, limit: 1000 });
    },
  };
}

export type OmsOrders = ReturnType<typeof createOmsOrders>;

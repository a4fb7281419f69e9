import { Type } from '@sinclair/typebox';
import type { HttpPlugin } from '../../kernel/ports/http.js';
import { MoneySchema } from '../../model/money.js';
import { OrderLine } from '../../model/order.js';
import type { OmsOrders } from './order.service.js';

const OrderSchema = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  channelOrderId: Type.String(),
  status: Type.String(),
  total: MoneySchema,
  lines: Type.Array(OrderLine),
  correlationId: Type.String(),
  placedAt: Type.String(),
  acceptedAt: Type.String(),
});

const TrailEvent = Type.Object(
  {
    seq: Type.Integer(),
    id: Type.String(),
    type: Type.String(),
    source: Type.String(),
    subject: Type.String(),
    time: Type.String(),
    correlationid: Type.String(),
    causationid: Type.Optional(Type.String()),
    traceparent: Type.Optional(Type.String()),
    data: Type.Unknown(),
  },
  { additionalProperties: true },
);

export function omsRoutes(orders: OmsOrders): HttpPlugin {
  return {
    name: 'oms',
    prefix: '/api/v1/oms',
    register(app, h) {
      const params = Type.Object({ id: Type.String() });
      app.get<{ Params: { id: string } }>(
        '/orders/:id',
        {
          config: h.requireScopes('oms:read'),
          schema: {
            summary: 'An order in the OMS',
            tags: ['oms'],
            params,
            response: { 200: OrderSchema, ...h.problems(404) },
          },
        },
        async (req) => orders.get(req.params.id),
      );
      app.get<{ Params: { id: string } }>(
        '/orders/:id/events',
        {
          config: h.requireScopes('oms:read'),
          schema: {
            summary: "The order's event trail across every system (one correlation id)",
            tags: ['oms'],
            params,
            response: { 200: Type.Object({ items: Type.Array(TrailEvent) }), ...h.problems(404) },
          },
        },
        async (req) => ({ items: await orders.trail(req.params.id) }),
      );
    },
  };
}

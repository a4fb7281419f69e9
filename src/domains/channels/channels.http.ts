import { Type } from '@sinclair/typebox';
import type { HttpPlugin } from '../../kernel/ports/http.js';
import { MoneySchema } from '../../model/money.js';
import { OrderLine } from '../../model/order.js';
import type { CatalogService } from './catalog.service.js';
import { type OrderService, PlaceOrderInput } from './order.service.js';

const ChannelParams = Type.Object({
  channel: Type.String({ description: 'Channel id or code (e.g. `web`)' }),
});

const ChannelSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  currency: Type.String(),
});

const CatalogPage = Type.Object({
  items: Type.Array(
    Type.Object({
      sku: Type.String(),
      productId: Type.String(),
      title: Type.String(),
      price: MoneySchema,
      version: Type.Integer(),
      updatedAt: Type.String(),
    }),
  ),
  next: Type.Optional(Type.String()),
});

const OrderSchema = Type.Object({
  orderId: Type.String(),
  channelId: Type.String(),
  channelOrderId: Type.String(),
  currency: Type.String(),
  lines: Type.Array(OrderLine),
  total: MoneySchema,
  correlationId: Type.String(),
  createdAt: Type.String(),
});

export function channelsRoutes(catalog: CatalogService, orders: OrderService): HttpPlugin {
  return {
    name: 'channels',
    prefix: '/api/v1/channels',
    register(app, h) {
      app.get(
        '/',
        {
          config: h.requireScopes('channels:read'),
          schema: {
            summary: 'The channel registry',
            tags: ['channels'],
            response: { 200: Type.Array(ChannelSchema) },
          },
        },
        async () => catalog.channels(),
      );
      app.get<{ Params: { channel: string }; Querystring: { after?: string; limit?: number } }>(
        '/:channel/catalog',
        {
          config: h.requireScopes('channels:read'),
          schema: {
            summary: "A channel's catalog: the published products it sells",
            tags: ['channels'],
            params: ChannelParams,
            querystring: Type.Object({
              after: Type.Optional(Type.String()),
              limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
            }),
            response: { 200: CatalogPage, ...h.problems(404) },
          },
        },
        async (req) => catalog.catalog(req.params.channel, req.query),
      );
      app.post<{ Params: { channel: string }; Body: PlaceOrderInput }>(
        '/:channel/orders',
        {
          config: h.idempotentCreate('channels:write'),
          schema: {
            summary: 'Place an order on a channel (idempotent by channelOrderId)',
            description:
              'Returns 201 when the order is new, 200 with the existing order when the same channelOrderId ' +
              'arrives again with the same content, 409 when it arrives with different content.',
            tags: ['channels'],
            params: ChannelParams,
            body: PlaceOrderInput,
            response: { 200: OrderSchema, 201: OrderSchema, ...h.problems(404, 409, 422) },
          },
        },
        async (req, reply) => {
          const { order, created } = await orders.place(req.params.channel, req.body);
          return reply.code(created ? 201 : 200).send(order);
        },
      );
      app.get<{ Params: { channel: string; id: string } }>(
        '/:channel/orders/:id',
        {
          config: h.requireScopes('channels:read'),
          schema: {
            summary: 'An order as the channel captured it',
            tags: ['channels'],
            params: Type.Object({ channel: Type.String(), id: Type.String() }),
            response: { 200: OrderSchema, ...h.problems(404) },
          },
        },
        async (req) => orders.get(req.params.channel, req.params.id),
      );
    },
  };
}

import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { CostingService } from './costing.service.js';
import { Page } from './ledger.schemas.js';
import { LOCATION_CODE_PATTERN, REFERENCE_PATTERN, SKU_PATTERN } from './ledger.validate.js';

/** Costing: weighted average cost per SKU × location, cost lines, valuation, order-line margins. */

const tags = ['erp'];
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const NullableStr = Type.Union([Type.String(), Type.Null()]);

const CostSchema = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  currency: NullableStr,
  quantity: Type.Integer({ description: 'Units the value is for (on hand as costed)' }),
  value: Type.Integer({ description: 'Minor units of currency' }),
  averageUnitCost: Nullable(Type.Number({ description: 'value / quantity, minor units' })),
  lastUnitCost: Nullable(Type.Number()),
  inTransit: Type.Object({ quantity: Type.Integer(), value: Type.Integer() }),
  lastSeq: Type.Integer(),
  updatedAt: Type.String(),
});

const CostLineSchema = Type.Object({
  movementSeq: Type.Integer(),
  n: Type.Integer(),
  movementType: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  bucket: Type.String({ description: 'on_hand or in_transit' }),
  quantity: Type.Integer(),
  value: Type.Integer(),
  currency: NullableStr,
  basis: Type.String({ description: 'given, average, last, none, transfer or issue' }),
  orderLine: NullableStr,
  revenue: Nullable(Type.Integer()),
  revenueCurrency: NullableStr,
  journalEntry: NullableStr,
  occurredAt: Type.String(),
});

const MarginSchema = Type.Object({
  orderLine: Type.String(),
  shipped: Type.Integer(),
  returned: Type.Integer(),
  revenue: Nullable(Type.Integer()),
  revenueCurrency: NullableStr,
  cost: Type.Integer(),
  costCurrency: NullableStr,
  margin: Nullable(Type.Integer()),
  marginRate: Nullable(Type.Number()),
  note: Type.Optional(Type.String()),
});

const CostQuery = Type.Object({
  sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })),
  location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
  after: Type.Optional(Type.String({ maxLength: 200 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

const LineQuery = Type.Object({
  sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })),
  location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
  orderLine: Type.Optional(Type.String({ pattern: REFERENCE_PATTERN })),
  after: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

const MarginQuery = Type.Object({
  orderLine: Type.Optional(
    Type.Union([
      Type.String({ pattern: REFERENCE_PATTERN }),
      Type.Array(Type.String({ pattern: REFERENCE_PATTERN }), { maxItems: 500 }),
    ]),
  ),
  order: Type.Optional(
    Type.String({ pattern: REFERENCE_PATTERN, description: 'Every order line whose key starts with this' }),
  ),
});

export function registerCostingRoutes(app: FastifyInstance, h: HttpHelpers, costing: CostingService): void {
  const read = h.requireScopes('erp:read');

  app.get<{ Querystring: Static<typeof CostQuery> }>(
    '/costs',
    {
      config: read,
      schema: {
        summary: 'Weighted average cost per SKU × location',
        description: 'Of a SKU (paged by location), of a location (paged by SKU), one, or all (by SKU).',
        tags,
        querystring: CostQuery,
        response: { 200: Page(CostSchema) },
      },
    },
    async (req) => costing.costs(req.query),
  );
  app.get<{ Querystring: Static<typeof LineQuery> }>(
    '/costs/lines',
    {
      config: read,
      schema: {
        summary: 'Cost lines: how each movement changed inventory value, in ledger order',
        tags,
        querystring: LineQuery,
        response: { 200: Page(CostLineSchema) },
      },
    },
    async (req) => costing.lines(req.query),
  );
  app.get<{ Querystring: { location?: string } }>(
    '/costs/valuation',
    {
      config: read,
      schema: {
        summary: 'Inventory value per currency (on hand and in transit)',
        tags,
        querystring: Type.Object({
          location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                currency: NullableStr,
                quantity: Type.Integer(),
                value: Type.Integer(),
                inTransit: Type.Object({ quantity: Type.Integer(), value: Type.Integer() }),
              }),
            ),
          }),
        },
      },
    },
    async (req) => costing.valuation(req.query),
  );
  app.get<{ Querystring: Static<typeof MarginQuery> }>(
    '/margins',
    {
      config: read,
      schema: {
        summary: 'Margin per order line: what its shipments sold for less what the goods cost',
        description:
          'Give `orderLine` (repeatable) or `order` (a prefix: every line whose key starts with it, ' +
          'at most 1,000). Revenue comes from the `unitPrice` shipments carry; cost is the weighted ' +
          'average cost when the goods left; returns restocked for the line give back both.',
        tags,
        querystring: MarginQuery,
        response: { 200: Type.Object({ items: Type.Array(MarginSchema) }), ...h.problems(422) },
      },
    },
    async (req) => {
      const { orderLine, order } = req.query;
      const orderLines = orderLine === undefined ? [] : Array.isArray(orderLine) ? orderLine : [orderLine];
      if (orderLines.length === 0 && !order)
        throw KernelErrors.VALIDATION_FAILED.create('give orderLine or order');
      return {
        items: await costing.margins({ orderLines, ...(order ? { orderPrefix: order } : {}) }),
      };
    },
  );
}

import { type TSchema, Type } from '@sinclair/typebox';
import { BUCKETS, EXTERNAL_ACCOUNTS, MOVEMENT_TYPES } from './ledger.types.js';
import { LOCATION_CODE_PATTERN, REFERENCE_PATTERN, SKU_PATTERN } from './ledger.validate.js';

/**
 * TypeBox schemas of the ledger's inputs and responses. Inputs are checked for shape here (types,
 * no unknown members); what the values mean (a known type, positive quantities, which fields a type
 * takes) is checked by the ledger, which reports every problem as ERP_MOVEMENT_INVALID.
 */

export const MAX_BATCH = 10_000;
const Str = Type.String({ maxLength: 1000 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MovementInputSchema = Type.Object(
  {
    type: Type.String({ description: MOVEMENT_TYPES.join(', ') }),
    reference: Type.String({
      maxLength: 1000,
      description: 'Idempotency key of the movement (1–200 visible ASCII)',
    }),
    sku: Str,
    location: Type.String({ maxLength: 1000, description: 'Location code' }),
    quantity: Type.Optional(Type.Number({ description: 'Units: a positive integer' })),
    toLocation: Type.Optional(Str),
    fromLocation: Type.Optional(Str),
    reservation: Type.Optional(Str),
    expiresAt: Type.Optional(Str),
    ttlSeconds: Type.Optional(Type.Number()),
    eta: Type.Optional(Str),
    inbound: Type.Optional(Str),
    direction: Type.Optional(Str),
    counted: Type.Optional(Type.Number()),
    from: Type.Optional(Str),
    unitCost: Type.Optional(
      Type.Number({ description: 'Cost of one unit, integer minor units of currency (inflows)' }),
    ),
    currency: Type.Optional(
      Type.String({ maxLength: 1000, description: 'ISO 4217 of unitCost / unitPrice' }),
    ),
    orderLine: Type.Optional(Type.String({ maxLength: 1000, description: 'Order line (margins)' })),
    unitPrice: Type.Optional(
      Type.Number({ description: 'shipment: net price of one unit sold, integer minor units' }),
    ),
    reason: Type.Optional(Str),
    occurredAt: Type.Optional(Str),
    note: Type.Optional(Str),
  },
  { additionalProperties: false },
);

export const PostBody = Type.Object(
  { movements: Type.Array(MovementInputSchema, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

export const EntrySchema = Type.Object({
  location: Type.String(),
  account: Type.Union([...BUCKETS, ...EXTERNAL_ACCOUNTS].map((a) => Type.Literal(a))),
  quantity: Type.Integer(),
});

export const MovementSchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  reference: Type.String(),
  type: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  quantity: Type.Integer(),
  details: Type.Record(Type.String(), Type.Unknown()),
  entries: Type.Array(EntrySchema),
  actor: Type.String(),
  occurredAt: Type.String(),
  recordedAt: Type.String(),
});

export const PostResultSchema = Type.Object({
  ...MovementSchema.properties,
  duplicate: Type.Boolean({
    description: 'Posted before with this reference and content: nothing was written',
  }),
});

export const LevelSchema = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  onHand: Type.Integer(),
  available: Type.Integer(),
  reserved: Type.Integer(),
  allocated: Type.Integer(),
  picked: Type.Integer(),
  inbound: Type.Integer(),
  inTransit: Type.Integer(),
  safetyStock: Type.Integer(),
  allowBackorder: Type.Boolean(),
  lastSeq: Type.Integer(),
  updatedAt: Type.String(),
});

export const StockSettingInputSchema = Type.Object(
  {
    sku: Type.String({ pattern: SKU_PATTERN }),
    location: Type.String({ pattern: LOCATION_CODE_PATTERN }),
    safetyStock: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    allowBackorder: Type.Boolean(),
  },
  { additionalProperties: false },
);
export const SettingsBody = Type.Object(
  { items: Type.Array(StockSettingInputSchema, { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

export const ItemSchema = Type.Object({
  sku: Type.String(),
  registeredBy: Type.String({ description: 'explicit, settings, or the movement type that registered it' }),
  createdAt: Type.String(),
});
export const ItemsBody = Type.Object(
  { skus: Type.Array(Type.String({ pattern: SKU_PATTERN }), { minItems: 1, maxItems: MAX_BATCH }) },
  { additionalProperties: false },
);

export const MovementQuery = Type.Object({
  sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })),
  location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
  type: Type.Optional(Type.Union(MOVEMENT_TYPES.map((t) => Type.Literal(t)))),
  reference: Type.Optional(Type.String({ pattern: REFERENCE_PATTERN })),
  after: Type.Optional(
    Type.String({ pattern: '^[0-9]{1,18}$', description: 'The `next` of the previous page' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

export const LevelQuery = Type.Object({
  sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })),
  location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
  after: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Optional(Type.String({ description: 'Present when there may be more: pass it as `after`' })),
  });

export const VerifyReportSchema = Type.Object({
  ok: Type.Boolean(),
  levels: Type.Integer({ description: 'Level rows checked' }),
  drift: Type.Array(
    Type.Object({
      sku: Type.String(),
      location: Type.String(),
      field: Type.String(),
      level: Type.Integer(),
      expected: Type.Integer({ description: 'From the postings (or the reservations / inbound lines)' }),
    }),
  ),
  unbalanced: Type.Array(Type.Object({ seq: Type.Integer(), sum: Type.Integer() })),
  checkedAt: Type.String(),
});

export { Nullable };

import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The REST schemas of price lists and resolution. Request bodies are checked here for JSON shape
 * only (types, known fields); the rules (codes, currencies, ranges, breaks, overlaps, inheritance)
 * are price.validate.ts's, which lists every problem at once as a 422 — a JSON schema would stop a
 * client at the shape and report the rest only on the next attempt.
 */

const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
/**
 * Optional; in requests also null, read as absent (stored without it). A type array rather than a
 * union: the server's validator coerces scalars, and would turn a null into "" (or 0 into null)
 * trying the branches of a union in turn.
 */
const nullable = <T extends TSchema>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
const opt = <T extends TSchema>(schema: T, input: boolean) =>
  input ? Type.Optional(nullable(schema)) : Type.Optional(schema);

const Instant = (description: string) => Type.String({ description: `${description} (UTC ISO-8601)` });

function priceListSchema(input: boolean) {
  const Break = Type.Object(
    {
      minQuantity: Type.Number({ description: 'From this many units up (an integer ≥ 2)' }),
      unitPrice: Type.Number({ description: 'Minor units (a non-negative integer)' }),
    },
    { additionalProperties: false },
  );
  const Entry = Type.Object(
    {
      sku: Type.String(),
      unitPrice: Type.Number({ description: 'Minor units of the list currency (a non-negative integer)' }),
      minQuantity: opt(Type.Number({ description: '1 when absent' }), input),
      breaks: opt(Type.Array(Break, { description: 'Volume tiers, strictly increasing' }), input),
      effectiveFrom: opt(Instant('In force from (inclusive)'), input),
      effectiveTo: opt(Instant('In force until (exclusive)'), input),
    },
    { additionalProperties: false },
  );
  return Type.Object(
    {
      code: input
        ? Type.Optional(Type.String({ description: 'Equal to the path code when given' }))
        : Type.String(),
      name: Type.String(),
      currency: Type.String({ description: 'ISO 4217' }),
      channels: Type.Array(Type.String(), { description: 'Channel codes the list applies to' }),
      customerGroup: opt(Type.String({ description: 'Present: a B2B contract list for the group' }), input),
      priority: Type.Number({ description: 'An integer; higher wins among lists of the same kind' }),
      pricesIncludeTax: Type.Boolean(),
      validFrom: opt(Instant('List in force from (inclusive)'), input),
      validTo: opt(Instant('List in force until (exclusive)'), input),
      parent: opt(
        Type.Object(
          {
            code: Type.String(),
            adjustmentPercent: Type.Number({ description: '−10 is 10 % off; two decimals, −100…1000' }),
          },
          { additionalProperties: false },
        ),
        input,
      ),
      entries: Type.Array(Entry),
    },
    { additionalProperties: false },
  );
}

/** PUT body: a whole price list (`code` may be left out: the path names it). */
export const PriceListInputSchema = priceListSchema(true);
export const PriceListSchema = priceListSchema(false);

const Meta = {
  code: Type.String(),
  version: Type.Integer({ description: 'Starts at 1; +1 per change. Also the ETag.' }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
};

export const StoredPriceListSchema = Type.Object({ ...Meta, list: PriceListSchema });

export const PriceListSummarySchema = Type.Object({
  ...Meta,
  name: Type.String(),
  currency: Type.String(),
  channels: Type.Array(Type.String()),
  customerGroup: Type.Optional(Type.String()),
  priority: Type.Integer(),
  pricesIncludeTax: Type.Boolean(),
  validFrom: Type.Optional(Type.String()),
  validTo: Type.Optional(Type.String()),
  parent: Type.Optional(Type.Object({ code: Type.String(), adjustmentPercent: Type.Number() })),
  entryCount: Type.Integer(),
});

export const PriceListsSchema = Type.Object({
  items: Type.Array(PriceListSummarySchema),
  revision: Type.Integer({ description: 'Changes to any list so far; changes when any list does' }),
});

export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });

export const MAX_RESOLVE_LINES = 10_000;

export const ResolveBodySchema = Type.Object(
  {
    channel: Type.String(),
    currency: Type.String({ description: 'ISO 4217' }),
    customerGroup: opt(Type.String({ description: "The customer's group: its contract lists apply" }), true),
    at: opt(Instant('The instant prices must be in force at; now when absent'), true),
    lines: Type.Array(
      Type.Object(
        { sku: Type.String(), quantity: Type.Number({ description: 'A positive integer' }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_RESOLVE_LINES },
    ),
    explain: Type.Optional(
      Type.Boolean({ description: 'Explain priced lines too (misses are always explained)' }),
    ),
  },
  { additionalProperties: false },
);

const TierSchema = Type.Object({
  list: Type.String(),
  entryIndex: Type.Integer(),
  breakIndex: Type.Union([Type.Integer(), Type.Null()]),
  minQuantity: Type.Integer(),
  unitPrice: Type.Integer(),
  status: Literals([
    'selected',
    'smaller_break',
    'quantity_below_break',
    'not_yet_effective',
    'expired',
    'overridden',
    'list_not_in_effect',
  ]),
});

const CandidateSchema = Type.Object({
  list: Type.String(),
  rank: Type.Integer({ description: '1 = considered first' }),
  outcome: Literals(['won', 'rejected']),
  reason: Type.Optional(
    Literals([
      'wrong_channel',
      'wrong_currency',
      'wrong_group',
      'not_yet_effective',
      'expired',
      'no_price',
      'lower_priority',
    ]),
  ),
  message: Type.String(),
  unitPrice: Type.Optional(Type.Integer({ description: 'What an outranked list would have charged' })),
  tiers: Type.Array(TierSchema),
});

const ResolutionSchema = Type.Object({
  found: Type.Literal(true),
  sku: Type.String(),
  quantity: Type.Integer(),
  currency: Type.String(),
  unitPrice: Type.Integer(),
  amount: Type.Integer({ description: 'unitPrice × quantity' }),
  pricesIncludeTax: Type.Boolean(),
  list: Type.String({ description: 'The list that won' }),
  source: Type.Object({
    list: Type.String(),
    entryIndex: Type.Integer(),
    breakIndex: Type.Union([Type.Integer(), Type.Null()]),
    minQuantity: Type.Integer(),
    unitPrice: Type.Integer(),
  }),
  adjustments: Type.Array(Type.Object({ list: Type.String(), adjustmentPercent: Type.Number() })),
  explanation: Type.Optional(Type.Array(CandidateSchema)),
});

const MissSchema = Type.Object({
  found: Type.Literal(false),
  sku: Type.String(),
  quantity: Type.Integer(),
  code: Type.Literal('ERP_PRICE_NOT_FOUND'),
  message: Type.String(),
  explanation: Type.Array(CandidateSchema),
});

export const ResolveResponseSchema = Type.Object({
  channel: Type.String(),
  currency: Type.String(),
  customerGroup: Type.Optional(Type.String()),
  at: Type.String({ description: 'The instant resolved at (the request’s, or now)' }),
  revision: Type.Integer({ description: 'The price-list revision the answer is based on' }),
  priced: Type.Integer(),
  missing: Type.Integer(),
  lines: Type.Array(Type.Union([ResolutionSchema, MissSchema]), { description: 'In request order' }),
});

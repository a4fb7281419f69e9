import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { FORECAST_METHODS } from './forecast.holt-winters.js';
import { LOCATION_CODE_PATTERN, MAX_QUANTITY, SKU_PATTERN } from './ledger.validate.js';
import { PROCUREMENT_CODE_PATTERN } from './procurement.validate.js';

/**
 * What callers send to stored replenishment (replenishment.service.ts) and get back, as TypeBox
 * schemas for the REST routes and in-process calls. The schema bounds each number; the rules that
 * span fields (which fields a kind takes, min ≤ max, a known SKU…) are in replenishment.validate.ts.
 */

const obj = <T extends Record<string, TSchema>>(p: T, o: { description?: string } = {}) =>
  Type.Object(p, { additionalProperties: false, ...o });
const Units = (min: 0 | 1, description?: string) =>
  Type.Integer({ minimum: min, maximum: MAX_QUANTITY, ...(description ? { description } : {}) });
const Days = (description: string) => Type.Integer({ minimum: 0, maximum: 3650, description });
const Code = Type.String({ pattern: PROCUREMENT_CODE_PATTERN });
export const SkuSchema = Type.String({ pattern: SKU_PATTERN });
export const LocationSchema = Type.String({ pattern: LOCATION_CODE_PATTERN });

export const POLICY_KINDS = ['reorder_point', 'min_max', 'forecast'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export const ReplenishmentPolicyInputSchema = obj({
  kind: Type.Union(
    POLICY_KINDS.map((k) => Type.Literal(k)),
    {
      description:
        'reorder_point: at or below `reorderPoint` order lots of `orderQuantity`; min_max: at or below `min` order up to `max`; forecast: cover forecast demand over lead time + review period plus safety stock',
    },
  ),
  reorderPoint: Type.Optional(Units(0, 'reorder_point: the position that triggers an order')),
  orderQuantity: Type.Optional(Units(1, 'reorder_point: the lot ordered each time')),
  min: Type.Optional(Units(0, 'min_max: the reorder point')),
  max: Type.Optional(Units(0, 'min_max: the position an order restores')),
  reviewPeriodDays: Type.Optional(Days('forecast: days between planning runs (0: continuous review)')),
  serviceLevel: Type.Optional(
    Type.Number({
      minimum: 0.5,
      exclusiveMaximum: 1,
      description:
        'forecast: cycle service level for safety stock from forecast error (give this or safetyStock)',
    }),
  ),
  safetyStock: Type.Optional(Units(0, 'forecast: fixed safety stock in units (give this or serviceLevel)')),
  seasonLength: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 366, description: 'forecast: periods per season (default 7)' }),
  ),
  periodDays: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 28, description: 'forecast: days per forecast period (default 1)' }),
  ),
  method: Type.Optional(
    Type.Union([Type.Literal('auto'), ...FORECAST_METHODS.map((m) => Type.Literal(m))], {
      description: 'forecast: pin a model; default `auto` picks by backtest (forecast.model-select.ts)',
    }),
  ),
  supplier: Type.Optional(Code),
  leadTimeDays: Type.Optional(Days("days from order to arrival (default: the supplier's)")),
  leadTimeFrom: Type.Optional(
    Type.Union([Type.Literal('terms'), Type.Literal('receipts')], {
      description:
        "`receipts`: measure the lead time (and, for a forecast with serviceLevel, its σ) from the supplier's last received purchase orders — sent to first receipt — instead of the terms; the terms apply while fewer than 3 were received (default `terms`)",
    }),
  ),
  leadTimeSdDays: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 365,
      description:
        'forecast with serviceLevel: σ of the lead time in days (late and early deliveries); adds demand during the delay to the safety stock',
    }),
  ),
  moq: Type.Optional(Units(1, "minimum order quantity (default: the supplier's for the SKU, else 1)")),
  packSize: Type.Optional(Units(1, "orders are multiples of this (default: the supplier's, else 1)")),
  maxOrderQuantity: Type.Optional(Units(1, 'cap on one order, rounded down to whole packs')),
  unitCost: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
      description: "minor units of the supplier's currency, for draft purchase orders",
    }),
  ),
});
export type ReplenishmentPolicyInput = Static<typeof ReplenishmentPolicyInputSchema>;

export const ReplenishmentPolicySchema = Type.Composite([
  ReplenishmentPolicyInputSchema,
  Type.Object({
    sku: Type.String(),
    location: Type.String(),
    version: Type.Integer({ description: 'Counts replacements; also the ETag' }),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);
export type ReplenishmentPolicy = Static<typeof ReplenishmentPolicySchema>;

const Scope = {
  sku: Type.Optional(SkuSchema),
  location: Type.Optional(LocationSchema),
  supplier: Type.Optional(Code),
  asOf: Type.Optional(
    Type.String({
      minLength: 10,
      maxLength: 40,
      description: 'The planning instant (default now); history is the whole UTC days before it',
    }),
  ),
  historyDays: Type.Optional(
    Type.Integer({ minimum: 7, maximum: 3660, description: 'Days of shipment history (default 364)' }),
  ),
};

export const SuggestionRequestSchema = obj({
  ...Scope,
  /** Also list the policies that need no order (quantity 0) with their explanation. */
  includeCovered: Type.Optional(Type.Boolean()),
  createDrafts: Type.Optional(
    Type.Boolean({ description: 'Create draft purchase orders (one per supplier × location)' }),
  ),
  runReference: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,23}$',
      description:
        'Names the planning run; drafts are idempotent per reference (default RP-YYYYMMDD of asOf)',
    }),
  ),
});
export type SuggestionRequest = Static<typeof SuggestionRequestSchema>;

export const BacktestRequestSchema = obj({
  ...Scope,
  horizon: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 366, description: 'Periods forecast from each origin (default 7)' }),
  ),
  origins: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 366, description: 'Rolling origins (default 12)' }),
  ),
});
export type BacktestRequest = Static<typeof BacktestRequestSchema>;

const Loose = Type.Object({}, { additionalProperties: true });
const Nullable = (t: TSchema) => Type.Union([t, Type.Null()]);

export const SuggestionLineSchema = Type.Object({
  sku: Type.String(),
  location: Type.String(),
  supplier: Nullable(Type.String()),
  quantity: Type.Integer(),
  unitCost: Type.Integer(),
  expectedDate: Type.String(),
  /** The pure calculation's explanation plus the model, its fit and the terms used. */
  explanation: Loose,
});

export const SuggestionResultSchema = Type.Object({
  asOf: Type.String(),
  runReference: Type.String(),
  historyDays: Type.Integer(),
  purchaseOrders: Type.Array(
    Type.Object({
      supplier: Nullable(Type.String()),
      location: Type.String(),
      lines: Type.Array(SuggestionLineSchema),
      draft: Type.Optional(
        Type.Object({ number: Type.String(), status: Type.String(), created: Type.Boolean() }),
      ),
    }),
  ),
  covered: Type.Array(SuggestionLineSchema),
  skipped: Type.Array(
    Type.Object({ sku: Type.String(), location: Type.String(), code: Type.String(), detail: Type.String() }),
  ),
});

const Metrics = {
  points: Type.Integer(),
  mapePct: Nullable(Type.Number()),
  mapeSkippedZeroActuals: Type.Integer(),
  smapePct: Type.Number(),
  mae: Type.Number(),
  rmse: Type.Number(),
  bias: Type.Number(),
};

export const BacktestResultSchema = Type.Object({
  asOf: Type.String(),
  historyDays: Type.Integer(),
  horizon: Type.Integer(),
  items: Type.Array(
    Type.Object({
      sku: Type.String(),
      location: Type.String(),
      periodDays: Type.Integer(),
      seasonLength: Type.Integer(),
      model: Loose,
      origins: Type.Integer(),
      ...Metrics,
      /** The same backtest of the naive (last value) forecast: the bar any model should clear. */
      naive: Nullable(Type.Object(Metrics)),
    }),
  ),
  /** Every item's forecast–actual pairs pooled. */
  overall: Type.Object(Metrics),
  skipped: Type.Array(
    Type.Object({ sku: Type.String(), location: Type.String(), code: Type.String(), detail: Type.String() }),
  ),
});

import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { CHANNEL_PATTERN } from './atp.service.js';
import { Nullable } from './ledger.schemas.js';
import {
  EXCEPTION_STATUSES,
  MAX_EXCEPTION_AFTER_RUNS,
  MAX_REPORT_LINES,
  MEASURES,
  OUTCOMES,
} from './reconciliation.types.js';

/**
 * TypeBox schemas of reconciliation's inputs and responses, for the REST routes and in-process
 * calls alike. Quantities are plain numbers here on purpose: a negative or fractional one is the
 * report's fault and is listed with a stable code (ERP_RECONCILIATION_REPORT_INVALID,
 * QUANTITY_INVALID) by reconciliation.validate.ts, with every other problem of the report.
 */

const obj = <T extends Record<string, TSchema>>(p: T) => Type.Object(p, { additionalProperties: false });
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Text = Type.String({ maxLength: 1000 });
/** Positions (run and exception `seq`, a difference's `n`): the `next` of the previous page. */
const Cursor = Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' }));

export const SourceSchema = Type.String({
  pattern: CHANNEL_PATTERN,
  description: 'The channel or connector id reporting',
});

export const ReportLineSchema = obj({
  sku: Text,
  location: Type.Optional(Type.String({ maxLength: 1000, description: 'Location code (measure available)' })),
  channel: Type.Optional(Type.String({ maxLength: 1000, description: 'Channel (measure atp)' })),
  quantity: Type.Number({ description: 'What the source reports: whole units, 0 or more' }),
});

export const ToleranceSchema = obj({
  units: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
  basisPoints: Type.Integer({ minimum: 0, maximum: 10_000 }),
});

export const ReportInputSchema = obj({
  source: SourceSchema,
  lines: Type.Array(ReportLineSchema, { minItems: 1, maxItems: MAX_REPORT_LINES }),
  tolerance: Type.Optional(Type.Partial(ToleranceSchema)),
  exceptionAfterRuns: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_EXCEPTION_AFTER_RUNS,
      description: 'The consecutive drifting run at which a line becomes an exception (default 2)',
    }),
  ),
});
export type ReportInputBody = Static<typeof ReportInputSchema>;

const Summary = {
  lines: Type.Integer(),
  matched: Type.Integer(),
  healed: Type.Integer(),
  exceptions: Type.Integer(),
  accuracy: Type.Number({ minimum: 0, maximum: 1, description: 'matched / lines' }),
  unitError: Type.Integer({ description: 'Σ |reported − expected|, units' }),
};

export const RunSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  measure: literals(MEASURES),
  tolerance: ToleranceSchema,
  exceptionAfterRuns: Type.Integer(),
  ...Summary,
  opened: Type.Integer(),
  autoResolved: Type.Integer(),
  actor: Type.String(),
  startedAt: Type.String(),
  finishedAt: Type.String(),
});

export const DifferenceSchema = Type.Object({
  n: Type.Integer({ description: "The line's position in the report" }),
  sku: Type.String(),
  location: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  reported: Type.Integer(),
  expected: Type.Integer(),
  delta: Type.Integer({ description: 'reported − expected' }),
  outcome: literals(OUTCOMES),
  streak: Type.Integer({ description: 'Consecutive drifting runs of this line, this one included' }),
});

export const RunDetailSchema = Type.Composite([
  RunSchema,
  Type.Object({
    differences: Type.Array(DifferenceSchema),
    next: Type.Optional(Type.String({ description: 'More differences: pass it as `after`' })),
  }),
]);

export const ExceptionSchema = Type.Object({
  id: Type.String(),
  source: Type.String(),
  measure: literals(MEASURES),
  sku: Type.String(),
  location: Nullable(Type.String()),
  channel: Nullable(Type.String()),
  status: literals(EXCEPTION_STATUSES),
  reported: Type.Integer(),
  expected: Type.Integer(),
  delta: Type.Integer(),
  streak: Type.Integer(),
  occurrences: Type.Integer(),
  firstRun: Type.String(),
  lastRun: Type.String(),
  openedAt: Type.String(),
  updatedAt: Type.String(),
  closed: Nullable(
    Type.Object({
      at: Type.String(),
      by: Type.String(),
      reason: Type.String(),
      run: Nullable(Type.String()),
    }),
  ),
});

export const AccuracySchema = Type.Object({
  overall: Type.Object({ ...Summary, sources: Type.Integer() }),
  sources: Type.Array(
    Type.Object({
      source: Type.String(),
      measure: literals(MEASURES),
      runId: Type.String(),
      finishedAt: Type.String(),
      ...Summary,
    }),
  ),
});

export const CloseBodySchema = obj({ reason: Type.String({ minLength: 1, maxLength: 500 }) });

export const RunListQuery = Type.Object({
  source: Type.Optional(SourceSchema),
  after: Cursor,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

export const RunDetailQuery = Type.Object({
  outcome: Type.Optional(literals(OUTCOMES)),
  after: Cursor,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});

export const ExceptionListQuery = Type.Object({
  status: Type.Optional(literals(EXCEPTION_STATUSES)),
  source: Type.Optional(SourceSchema),
  sku: Type.Optional(Type.String({ maxLength: 100 })),
  after: Cursor,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

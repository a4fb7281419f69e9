import { Type } from '@sinclair/typebox';
import { ACCOUNT_TYPES } from './journal.chart.js';
import { JOURNAL_SOURCES } from './journal.types.js';

/** The journal's response and query schemas (its inputs are in journal.types.ts). */

const Literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const PeriodString = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' });

export const AccountSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  type: Literals(ACCOUNT_TYPES),
  active: Type.Boolean(),
});

export const JournalEntrySchema = Type.Object({
  id: Type.String(),
  seq: Type.Integer(),
  source: Literals(JOURNAL_SOURCES),
  reference: Type.String(),
  date: Type.String(),
  period: Type.String(),
  currency: Type.String(),
  memo: Type.String(),
  reverses: Type.Union([Type.String(), Type.Null()]),
  actor: Type.String(),
  recordedAt: Type.String(),
  lines: Type.Array(
    Type.Object({
      lineNo: Type.Integer(),
      account: Type.String(),
      debit: Type.Integer(),
      credit: Type.Integer(),
      memo: Type.Union([Type.String(), Type.Null()]),
      dimensions: Type.Record(Type.String(), Type.String()),
    }),
  ),
  totals: Type.Object({ debit: Type.Integer(), credit: Type.Integer() }),
});

export const EntryQuery = Type.Object({
  period: Type.Optional(PeriodString),
  source: Type.Optional(Literals(JOURNAL_SOURCES)),
  reference: Type.Optional(Type.String({ maxLength: 200 })),
  account: Type.Optional(Type.String({ maxLength: 32 })),
  after: Type.Optional(Type.String({ pattern: '^\\d+$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
});

export const TrialBalanceQuery = Type.Object({
  through: Type.Optional(PeriodString),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
});

export const TrialBalanceSchema = Type.Object({
  through: Type.Union([Type.String(), Type.Null()]),
  currency: Type.String(),
  rows: Type.Array(
    Type.Object({
      account: Type.String(),
      name: Type.String(),
      type: Literals(ACCOUNT_TYPES),
      debit: Type.Integer(),
      credit: Type.Integer(),
      balance: Type.Integer(),
    }),
  ),
  totals: Type.Object({ debit: Type.Integer(), credit: Type.Integer() }),
  balanced: Type.Boolean(),
});

export const PeriodSchema = Type.Object({
  period: Type.String(),
  status: Literals(['open', 'closed'] as const),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  closedBy: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
});

export const PeriodParams = Type.Object({ period: PeriodString });

export const ReverseBody = Type.Object(
  {
    date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    memo: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const JournalVerifySchema = Type.Object({
  entries: Type.Integer(),
  unbalanced: Type.Array(Type.String()),
  drift: Type.Array(
    Type.Object({
      account: Type.String(),
      currency: Type.String(),
      period: Type.String(),
      stored: Type.Array(Type.Integer()),
      actual: Type.Array(Type.Integer()),
    }),
  ),
});

import { type Static, Type } from '@sinclair/typebox';
import { ACCOUNT_TYPES, type AccountType } from './journal.chart.js';

/** The general journal's inputs and outputs (TypeBox: the API and in-process callers share them). */

export const JOURNAL_SOURCES = [
  'sale',
  'cogs',
  'tax',
  'return',
  'refund',
  'payment',
  'purchase',
  'adjustment',
  'manual',
  'reversal',
] as const;
export type JournalSource = (typeof JOURNAL_SOURCES)[number];

const Amount = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'minor units' });

export const JournalLineInputSchema = Type.Object(
  {
    account: Type.String({ minLength: 1, maxLength: 32 }),
    debit: Type.Optional(Amount),
    credit: Type.Optional(Amount),
    memo: Type.Optional(Type.String({ maxLength: 500 })),
    /** Analysis dimensions (channel, location, sku, order …): strings, reported as given. */
    dimensions: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9_]{0,31}$' }), Type.String({ maxLength: 200 }), {
        maxProperties: 10,
      }),
    ),
  },
  { additionalProperties: false },
);

export const JournalEntryInputSchema = Type.Object(
  {
    /** Posting date, `YYYY-MM-DD`: decides the period. */
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    source: Type.Union(JOURNAL_SOURCES.filter((s) => s !== 'reversal').map((s) => Type.Literal(s))),
    /** The business fact posted (invoice id, shipment id …): with `source`, the idempotency key. */
    reference: Type.String({ minLength: 1, maxLength: 200 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    memo: Type.Optional(Type.String({ maxLength: 500 })),
    lines: Type.Array(JournalLineInputSchema, { minItems: 2, maxItems: 500 }),
  },
  { additionalProperties: false },
);
export type JournalEntryInput = Static<typeof JournalEntryInputSchema>;
export type JournalLineInput = Static<typeof JournalLineInputSchema>;

export interface JournalLine {
  lineNo: number;
  account: string;
  debit: number;
  credit: number;
  memo: string | null;
  dimensions: Record<string, string>;
}

export interface JournalEntry {
  id: string;
  seq: number;
  source: JournalSource;
  reference: string;
  date: string;
  period: string;
  currency: string;
  memo: string;
  /** The entry this one reverses. */
  reverses: string | null;
  actor: string;
  recordedAt: string;
  lines: JournalLine[];
  totals: { debit: number; credit: number };
}

export const AccountInputSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Union(ACCOUNT_TYPES.map((t) => Type.Literal(t))),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type AccountInput = Static<typeof AccountInputSchema>;

export interface Account {
  code: string;
  name: string;
  type: AccountType;
  active: boolean;
}

export interface TrialBalanceRow {
  account: string;
  name: string;
  type: AccountType;
  debit: number;
  credit: number;
  /** Signed by the account's normal side: positive is a debit balance for assets and expenses. */
  balance: number;
}

export interface TrialBalance {
  /** Through this period (inclusive), `YYYY-MM`; all periods when absent. */
  through: string | null;
  currency: string;
  rows: TrialBalanceRow[];
  totals: { debit: number; credit: number };
  balanced: boolean;
}

export interface Period {
  period: string;
  status: 'open' | 'closed';
  closedAt: string | null;
  closedBy: string | null;
  note: string | null;
}

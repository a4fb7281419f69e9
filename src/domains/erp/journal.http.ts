import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { AccountService } from './journal.accounts.js';
import type { PeriodService } from './journal.periods.js';
import {
  AccountSchema,
  EntryQuery,
  JournalEntrySchema,
  JournalVerifySchema,
  PeriodParams,
  PeriodSchema,
  ReverseBody,
  TrialBalanceQuery,
  TrialBalanceSchema,
} from './journal.schemas.js';
import type { JournalService } from './journal.service.js';
import {
  type AccountInput,
  AccountInputSchema,
  type JournalEntryInput,
  JournalEntryInputSchema,
} from './journal.types.js';
import { Page } from './ledger.schemas.js';

/** The general journal: accounts, entries (post, read, reverse), the trial balance, periods. */

const tags = ['erp'];

export interface JournalServices {
  journal: JournalService;
  accounts: AccountService;
  periods: PeriodService;
}

export function registerJournalRoutes(app: FastifyInstance, h: HttpHelpers, erp: JournalServices): void {
  const read = h.requireScopes('erp:read');
  const { journal, accounts, periods } = erp;

  app.get(
    '/accounts',
    {
      config: read,
      schema: {
        summary: 'The chart of accounts',
        tags,
        response: { 200: Type.Object({ items: Type.Array(AccountSchema) }) },
      },
    },
    async () => ({
      items: await accounts.list(),
    }),
  );
  app.put<{ Params: { code: string }; Body: Omit<AccountInput, 'code'> }>(
    '/accounts/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Create or replace an account',
        description: '409 ERP_ACCOUNT_TYPE_LOCKED when an account with postings would change type.',
        tags,
        params: Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' }) }),
        body: Type.Omit(AccountInputSchema, ['code']),
        response: { 200: AccountSchema, ...h.problems(403, 409) },
      },
    },
    async (req) => accounts.put({ ...req.body, code: req.params.code }),
  );

  app.post<{ Body: { entries: JournalEntryInput[] } }>(
    '/journal/entries',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary: 'Post journal entries (a batch, atomic)',
        description:
          'Every entry must balance (debits = credits, one side per line), name active accounts and ' +
          'fall in an open period. An entry is idempotent by `source` + `reference`: the same content ' +
          'again returns the stored entry; different content is 409 ERP_JOURNAL_ENTRY_CONFLICT. 422 ' +
          'ERP_JOURNAL_ENTRY_INVALID lists every problem in `errors`; 409 ERP_PERIOD_CLOSED when the ' +
          'only problem is a closed period. Nothing is written unless everything is.',
        tags,
        body: Type.Object(
          { entries: Type.Array(JournalEntryInputSchema, { minItems: 1, maxItems: 1000 }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ items: Type.Array(JournalEntrySchema) }),
          ...h.problems(403, 409, 422),
        },
      },
    },
    async (req, reply) => reply.code(201).send({ items: await journal.post(req.body.entries) }),
  );
  app.get<{ Querystring: Static<typeof EntryQuery> }>(
    '/journal/entries',
    {
      config: read,
      schema: {
        summary: 'Journal entries in posting order (cursor pagination)',
        tags,
        querystring: EntryQuery,
        response: { 200: Page(JournalEntrySchema) },
      },
    },
    async (req) => journal.list(req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/journal/entries/:id',
    {
      config: read,
      schema: {
        summary: 'A journal entry',
        tags,
        params: Type.Object({ id: Type.String() }),
        response: { 200: JournalEntrySchema, ...h.problems(404) },
      },
    },
    async (req) => journal.get(req.params.id),
  );
  app.post<{ Params: { id: string }; Body: Static<typeof ReverseBody> }>(
    '/journal/entries/:id/reverse',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Reverse an entry with its mirror image (the original stays)',
        description: '409 ERP_JOURNAL_ENTRY_REVERSED when it was reversed before (or is a reversal).',
        tags,
        params: Type.Object({ id: Type.String() }),
        body: ReverseBody,
        response: { 201: JournalEntrySchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await journal.reverse(req.params.id, req.body ?? {})),
  );
  app.get<{ Querystring: Static<typeof TrialBalanceQuery> }>(
    '/journal/trial-balance',
    {
      config: read,
      schema: {
        summary: 'The trial balance per currency, through a period',
        tags,
        querystring: TrialBalanceQuery,
        response: { 200: Type.Object({ items: Type.Array(TrialBalanceSchema) }) },
      },
    },
    async (req) => ({ items: await journal.trialBalance(req.query) }),
  );
  app.get(
    '/journal/verify',
    {
      config: read,
      schema: {
        summary: 'Check every entry balances and every running balance',
        tags,
        response: { 200: JournalVerifySchema },
      },
    },
    async () => journal.verify(),
  );

  app.get(
    '/periods',
    {
      config: read,
      schema: {
        summary: 'Accounting periods with a status',
        tags,
        response: { 200: Type.Object({ items: Type.Array(PeriodSchema) }) },
      },
    },
    async () => ({ items: await periods.list() }),
  );
  app.post<{ Params: { period: string }; Body: { note?: string } }>(
    '/periods/:period/close',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Close a period and every earlier one against postings',
        tags,
        params: PeriodParams,
        body: Type.Object(
          { note: Type.Optional(Type.String({ maxLength: 500 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(PeriodSchema) }), ...h.problems(403) },
      },
    },
    async (req) => ({ items: await periods.close(req.params.period, req.body?.note) }),
  );
  app.post<{ Params: { period: string }; Body: { reason: string } }>(
    '/periods/:period/reopen',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Reopen the latest closed period (the reason is audited)',
        description: '409 ERP_PERIOD_NOT_LATEST for any other period.',
        tags,
        params: PeriodParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: PeriodSchema, ...h.problems(403, 409) },
      },
    },
    async (req) => periods.reopen(req.params.period, req.body.reason),
  );
}

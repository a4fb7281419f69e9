import { Type } from '@sinclair/typebox';
import { newId } from '../../kernel/ids.js';
import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows } from '../../kernel/sql.js';
import { inputValidator } from '../../kernel/validate.js';
import { JournalErrors } from './journal.errors.js';
import { assertPeriod, closedAmong } from './journal.periods.js';
import {
  type EntryQuery,
  type JournalVerifyReport,
  listEntries,
  toEntries,
  trialBalances,
  verifyJournal,
} from './journal.read.js';
import type { ErpJournalEntryRow } from './journal.schema.js';
import {
  type JournalEntry,
  type JournalEntryInput,
  JournalEntryInputSchema,
  type TrialBalance,
} from './journal.types.js';
import { type JournalProblem, periodOf, validateEntry } from './journal.validate.js';
import { actor, type ErpDeps } from './ledger.service.js';

/**
 * Posting to the general journal. Entries are immutable and posted whole or not at all: a batch
 * with any problem writes nothing and reports every problem. An entry is idempotent by
 * `(source, reference)` — the business fact it records — so a retried flow step posts once.
 */

export const MAX_ENTRIES = 1000;
const checkBatch = inputValidator(Type.Array(JournalEntryInputSchema, { maxItems: MAX_ENTRIES }), 'entries');

/** An entry to write: the input plus what the reversal path sets. */
interface Posting {
  input: Omit<JournalEntryInput, 'source'> & { source: JournalEntry['source'] };
  reverses?: string;
}

const hashOf = (p: Posting) =>
  digest({
    ...p.input,
    memo: p.input.memo ?? '',
    lines: p.input.lines.map((l) => ({
      account: l.account,
      debit: l.debit ?? 0,
      credit: l.credit ?? 0,
      memo: l.memo ?? null,
      dimensions: l.dimensions ?? {},
    })),
    reverses: p.reverses ?? null,
  });

const key = (source: string, reference: string) => `${source}\u0000${reference}`;

export function createJournalWriter(deps: ErpDeps) {
  const { store, clock } = deps;
  const dialect = store.dialect;

  /** Everything the database must confirm: accounts active, periods open, references unique. */
  async function check(tx: Tx, postings: readonly Posting[]) {
    const problems: JournalProblem[] = [];
    const accounts = [...new Set(postings.flatMap((p) => p.input.lines.map((l) => l.account)))];
    const active = new Set<string>();
    for (const part of chunked(accounts, 500)) {
      const rows = await tx
        .selectFrom('erp_accounts')
        .select(['code', 'active'])
        .where('code', 'in', part)
        .execute();
      for (const r of rows) if (Number(r.active) === 1) active.add(r.code as string);
    }
    const periods = postings.map((p) => periodOf(p.input.date)).filter((p): p is string => p !== null);
    const closed = await closedAmong(tx, dialect, [...new Set(periods)]);
    postings.forEach((p, i) => {
      const at = postings.length > 1 ? `entries[${i}].` : '';
      for (const e of validateEntry(p.input)) problems.push({ ...e, field: at + e.field });
      p.input.lines.forEach((l, j) => {
        if (!active.has(l.account))
          problems.push({
            field: `${at}lines[${j}].account`,
            code: 'ACCOUNT_UNKNOWN',
            message: `no active account "${l.account}"`,
          });
      });
      const period = periodOf(p.input.date);
      if (period && closed.has(period))
        problems.push({ field: `${at}date`, code: 'PERIOD_CLOSED', message: `period ${period} is closed` });
    });
    return problems;
  }

  async function existing(tx: Tx, postings: readonly Posting[]) {
    const found = new Map<string, ErpJournalEntryRow>();
    for (const part of chunked(postings, 200)) {
      const rows = (await tx
        .selectFrom('erp_journal_entries')
        .selectAll()
        .where((eb) =>
          eb.or(
            part.map((p) =>
              eb.and([eb('source', '=', p.input.source), eb('reference', '=', p.input.reference)]),
            ),
          ),
        )
        .execute()) as ErpJournalEntryRow[];
      for (const r of rows) found.set(key(r.source, r.reference), r);
    }
    return found;
  }

  return {
    /** Post in the caller's transaction (invoicing, costing and flows post with their own writes). */
    async postInTx(tx: Tx, postings: readonly Posting[]): Promise<JournalEntry[]> {
      const problems = await check(tx, postings);
      // A period closed after the fact is the caller's to handle: it gets its own error.
      if (problems.length > 0 && problems.every((p) => p.code === 'PERIOD_CLOSED'))
        throw JournalErrors.PERIOD_CLOSED.create(problems.map((p) => p.message).join('; '), {
          errors: problems,
        });
      if (problems.length > 0)
        throw JournalErrors.ENTRY_INVALID.create(
          `${problems.length} problem(s): ${problems
            .slice(0, 5)
            .map((p) => `${p.field}: ${p.message}`)
            .join('; ')}`,
          { errors: problems },
        );
      const before = await existing(tx, postings);
      const ids: string[] = [];
      const entries: unknown[][] = [];
      const lines: unknown[][] = [];
      const balances = new Map<string, [string, string, string, number, number]>();
      // A fact twice in one batch is posted once, if both copies agree.
      const seen = new Map<string, { hash: string; id: string }>();
      const now = clock.now().toISOString();
      const by = actor();
      for (const p of postings) {
        const k = key(p.input.source, p.input.reference);
        const hash = hashOf(p);
        const prior = before.get(k);
        const twin = seen.get(k);
        const same = prior ? { hash: prior.content_hash, id: prior.id } : twin;
        if (same) {
          if (same.hash !== hash)
            throw JournalErrors.ENTRY_CONFLICT.create(
              `${p.input.source} "${p.input.reference}" was posted with different content`,
              { source: p.input.source, reference: p.input.reference, entry: same.id },
            );
          ids.push(same.id);
          continue;
        }
        const id = newId('jnl');
        seen.set(k, { hash, id });
        const period = periodOf(p.input.date)!;
        ids.push(id);
        entries.push([
          id,
          p.input.source,
          p.input.reference,
          p.input.date,
          period,
          p.input.currency,
          p.input.memo ?? '',
          p.reverses ?? null,
          hash,
          by,
          now,
        ]);
        p.input.lines.forEach((l, j) => {
          const debit = l.debit ?? 0;
          const credit = l.credit ?? 0;
          lines.push([
            id,
            j + 1,
            l.account,
            debit,
            credit,
            l.memo ?? null,
            JSON.stringify(l.dimensions ?? {}),
          ]);
          const bk = `${l.account}\u0000${p.input.currency}\u0000${period}`;
          const b = balances.get(bk) ?? [l.account, p.input.currency, period, 0, 0];
          b[3] += debit;
          b[4] += credit;
          balances.set(bk, b);
        });
      }
      await insertRows(
        tx,
        dialect,
        'erp_journal_entries',
        [
          'id',
          'source',
          'reference',
          'posting_date',
          'period',
          'currency',
          'memo',
          'reverses',
          'content_hash',
          'actor',
          'recorded_at',
        ],
        entries,
      );
      await insertRows(
        tx,
        dialect,
        'erp_journal_lines',
        ['entry_id', 'line_no', 'account', 'debit', 'credit', 'memo', 'dimensions'],
        lines,
      );
      await insertRows(
        tx,
        dialect,
        'erp_account_balances',
        ['account', 'currency', 'period', 'debit', 'credit'],
        [...balances.values()],
        'on conflict ("account", "currency", "period") do update set "debit" = "erp_account_balances"."debit" + excluded."debit", "credit" = "erp_account_balances"."credit" + excluded."credit"',
      );
      return toEntries(tx, ids);
    },
  };
}

export type JournalWriter = ReturnType<typeof createJournalWriter>;

export function createJournalService(deps: ErpDeps, writer: JournalWriter) {
  const { store } = deps;

  return {
    async get(id: string): Promise<JournalEntry> {
      const [entry] = await toEntries(store.db, [id]);
      if (!entry) throw JournalErrors.ENTRY_NOT_FOUND.create(`no journal entry ${id}`);
      return entry;
    },

    list(query: EntryQuery = {}) {
      return listEntries(store.db, query);
    },

    trialBalance(options: { through?: string; currency?: string } = {}): Promise<TrialBalance[]> {
      if (options.through) assertPeriod(options.through);
      return trialBalances(store.db, options);
    },

    /** Every entry balances and every running balance equals its lines (an operator's check). */
    verify(): Promise<JournalVerifyReport> {
      return store.tx((tx) => verifyJournal(tx));
    },

    /** Post entries (all or none). Each comes back as stored; a repeated one as first stored. */
    async post(input: readonly JournalEntryInput[]): Promise<JournalEntry[]> {
      const entries = checkBatch(input);
      await assertOwnership(deps, 'erp', 'journal', ['entries']);
      return store.tx((tx) =>
        writer.postInTx(
          tx,
          entries.map((e) => ({ input: e })),
        ),
      );
    },

    /**
     * Reverse an entry with its mirror image, dated `date` (today by default): the original stays,
     * as the law and the audit trail want. An entry is reversed at most once.
     */
    async reverse(id: string, options: { date?: string; memo?: string } = {}): Promise<JournalEntry> {
      await assertOwnership(deps, 'erp', `journal:${id}`, ['entries']);
      return store.tx(async (tx) => {
        const [original] = await toEntries(tx, [id]);
        if (!original) throw JournalErrors.ENTRY_NOT_FOUND.create(`no journal entry ${id}`);
        const already = await tx
          .selectFrom('erp_journal_entries')
          .select('id')
          .where('reverses', '=', id)
          .executeTakeFirst();
        if (already || original.reverses)
          throw JournalErrors.ENTRY_REVERSED.create(
            already ? `${id} is reversed by ${already.id}` : `${id} is itself a reversal`,
            { reversal: already?.id ?? null },
          );
        const [entry] = await writer.postInTx(tx, [
          {
            reverses: id,
            input: {
              source: 'reversal',
              reference: id,
              date: options.date ?? deps.clock.now().toISOString().slice(0, 10),
              currency: original.currency,
              memo: options.memo ?? `Reversal of ${id}`,
              lines: original.lines.map((l) => ({
                account: l.account,
                ...(l.debit > 0 ? { credit: l.debit } : { debit: l.credit }),
                ...(l.memo ? { memo: l.memo } : {}),
                dimensions: l.dimensions,
              })),
            },
          },
        ]);
        return entry!;
      });
    },
  };
}

export type JournalService = ReturnType<typeof createJournalService>;

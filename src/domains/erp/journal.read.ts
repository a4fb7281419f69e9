import type { Tx } from '../../kernel/ports/store.js';
import { chunked } from '../../kernel/sql.js';
import { type AccountType, isDebitNormal } from './journal.chart.js';
import type { ErpJournalEntryRow, ErpJournalLineRow } from './journal.schema.js';
import type { JournalEntry, JournalSource, TrialBalance } from './journal.types.js';

/** Reading the journal: entries with their lines, pages of entries, the trial balance, a self-check. */

/** Entries by id, in the order asked (ids not found are left out). */
export async function toEntries(tx: Tx, ids: readonly string[]): Promise<JournalEntry[]> {
  const unique = [...new Set(ids)];
  const byId = new Map<string, JournalEntry>();
  for (const part of chunked(unique, 500)) {
    const rows = (await tx
      .selectFrom('erp_journal_entries')
      .selectAll()
      .where('id', 'in', part)
      .execute()) as ErpJournalEntryRow[];
    const lines = (await tx
      .selectFrom('erp_journal_lines')
      .selectAll()
      .where('entry_id', 'in', part)
      .orderBy('entry_id')
      .orderBy('line_no')
      .execute()) as ErpJournalLineRow[];
    for (const r of rows)
      byId.set(r.id, {
        id: r.id,
        seq: Number(r.seq),
        source: r.source as JournalSource,
        reference: r.reference,
        date: r.posting_date,
        period: r.period,
        currency: r.currency,
        memo: r.memo,
        reverses: r.reverses,
        actor: r.actor,
        recordedAt: r.recorded_at,
        lines: [],
        totals: { debit: 0, credit: 0 },
      });
    for (const l of lines) {
      const e = byId.get(l.entry_id)!;
      const debit = Number(l.debit);
      const credit = Number(l.credit);
      e.lines.push({
        lineNo: Number(l.line_no),
        account: l.account,
        debit,
        credit,
        memo: l.memo,
        dimensions: JSON.parse(l.dimensions),
      });
      e.totals.debit += debit;
      e.totals.credit += credit;
    }
  }
  return ids.map((id) => byId.get(id)).filter((e): e is JournalEntry => e !== undefined);
}

export interface EntryQuery {
  period?: string;
  source?: JournalSource;
  reference?: string;
  account?: string;
  /** Cursor: the `next` of the previous page. */
  after?: string;
  limit?: number;
}

export async function listEntries(tx: Tx, q: EntryQuery): Promise<{ items: JournalEntry[]; next?: string }> {
  const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
  let query = tx
    .selectFrom('erp_journal_entries')
    .select(['id', 'seq'])
    .orderBy('seq')
    .limit(limit + 1);
  if (q.period) query = query.where('period', '=', q.period);
  if (q.source) query = query.where('source', '=', q.source);
  if (q.reference) query = query.where('reference', '=', q.reference);
  if (q.after) query = query.where('seq', '>', Number(q.after));
  if (q.account)
    query = query.where(
      'id',
      'in',
      tx.selectFrom('erp_journal_lines').select('entry_id').where('account', '=', q.account),
    );
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const items = await toEntries(
    tx,
    page.map((r) => r.id as string),
  );
  return rows.length > limit ? { items, next: String(page[page.length - 1]!.seq) } : { items };
}

/**
 * The trial balance per currency, through a period: the sums of every account from the running
 * balances. Debits equal credits because every entry balanced; `balanced` says so, and a false
 * there is a defect, never a state the journal can be put in.
 */
export async function trialBalances(
  tx: Tx,
  options: { through?: string; currency?: string },
): Promise<TrialBalance[]> {
  let q = tx
    .selectFrom('erp_account_balances as b')
    .innerJoin('erp_accounts as a', 'a.code', 'b.account')
    .select((eb) => [
      'b.currency as currency',
      'b.account as account',
      'a.name as name',
      'a.type as type',
      eb.fn.sum('b.debit').as('debit'),
      eb.fn.sum('b.credit').as('credit'),
    ])
    .groupBy(['b.currency', 'b.account', 'a.name', 'a.type'])
    .orderBy('b.currency')
    .orderBy('b.account');
  if (options.through) q = q.where('b.period', '<=', options.through);
  if (options.currency) q = q.where('b.currency', '=', options.currency);
  const rows = await q.execute();
  const byCurrency = new Map<string, TrialBalance>();
  for (const r of rows) {
    const currency = r.currency as string;
    let tb = byCurrency.get(currency);
    if (!tb) {
      tb = {
        through: options.through ?? null,
        currency,
        rows: [],
        totals: { debit: 0, credit: 0 },
        balanced: true,
      };
      byCurrency.set(currency, tb);
    }
    const debit = Number(r.debit);
    const credit = Number(r.credit);
    const type = r.type as AccountType;
    tb.rows.push({
      account: r.account as string,
      name: r.name as string,
      type,
      debit,
      credit,
      balance: isDebitNormal(type) ? debit - credit : credit - debit,
    });
    tb.totals.debit += debit;
    tb.totals.credit += credit;
  }
  for (const tb of byCurrency.values()) tb.balanced = tb.totals.debit === tb.totals.credit;
  return [...byCurrency.values()];
}

export interface JournalVerifyReport {
  entries: number;
  /** Entries whose lines do not balance. */
  unbalanced: string[];
  /** Running balances that differ from the sum of their lines. */
  drift: {
    account: string;
    currency: string;
    period: string;
    stored: [number, number];
    actual: [number, number];
  }[];
}

/** Recompute every running balance from the lines and check every entry balances. */
export async function verifyJournal(tx: Tx): Promise<JournalVerifyReport> {
  const sums = await tx
    .selectFrom('erp_journal_lines as l')
    .innerJoin('erp_journal_entries as e', 'e.id', 'l.entry_id')
    .select((eb) => [
      'l.account as account',
      'e.currency as currency',
      'e.period as period',
      eb.fn.sum('l.debit').as('debit'),
      eb.fn.sum('l.credit').as('credit'),
    ])
    .groupBy(['l.account', 'e.currency', 'e.period'])
    .execute();
  const stored = await tx.selectFrom('erp_account_balances').selectAll().execute();
  const k = (a: unknown, c: unknown, p: unknown) => `${a}\u0000${c}\u0000${p}`;
  const actual = new Map(sums.map((s) => [k(s.account, s.currency, s.period), s]));
  const drift: JournalVerifyReport['drift'] = [];
  const seen = new Set<string>();
  for (const b of stored) {
    const key = k(b.account, b.currency, b.period);
    seen.add(key);
    const s = actual.get(key);
    const a: [number, number] = [Number(s?.debit ?? 0), Number(s?.credit ?? 0)];
    if (a[0] !== Number(b.debit) || a[1] !== Number(b.credit))
      drift.push({
        account: b.account as string,
        currency: b.currency as string,
        period: b.period as string,
        stored: [Number(b.debit), Number(b.credit)],
        actual: a,
      });
  }
  for (const [key, s] of actual)
    if (!seen.has(key))
      drift.push({
        account: s.account as string,
        currency: s.currency as string,
        period: s.period as string,
        stored: [0, 0],
        actual: [Number(s.debit), Number(s.credit)],
      });
  const unbalancedRows = await tx
    .selectFrom('erp_journal_lines')
    .select('entry_id')
    .groupBy('entry_id')
    .having((eb) => eb(eb.fn.sum('debit'), '!=', eb.fn.sum('credit')))
    .execute();
  const count = await tx
    .selectFrom('erp_journal_entries')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return {
    entries: Number(count?.n ?? 0),
    unbalanced: unbalancedRows.map((r) => r.entry_id as string),
    drift,
  };
}

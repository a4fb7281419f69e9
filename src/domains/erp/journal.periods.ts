import { sql } from 'kysely';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { JournalErrors } from './journal.errors.js';
import type { ErpPeriodRow } from './journal.schema.js';
import type { Period } from './journal.types.js';
import type { ErpDeps } from './ledger.service.js';
import { actor } from './ledger.service.js';

/**
 * Accounting periods (`YYYY-MM`). The closed periods are always one unbroken run from the
 * beginning: closing a month closes every earlier one, and only the latest closed month can be
 * reopened. So "is this date's period closed?" is one comparison with the latest closed month.
 *
 * On PostgreSQL a close and the postings it races are serialised by a transaction advisory lock
 * (postings share it, a close takes it alone): a back-dated posting cannot slip into a period in
 * the instant it closes. SQLite has one writer, which serialises them anyway.
 */

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;
/** Any fixed number: the advisory lock's key for the journal's periods. */
const PERIOD_LOCK = 7_204_511;

export function assertPeriod(period: string): void {
  if (!PERIOD.test(period)) throw JournalErrors.PERIOD_INVALID.create(`"${period}" is not YYYY-MM`);
}

export function nextPeriod(period: string): string {
  const [y, m] = period.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

function toPeriod(r: ErpPeriodRow): Period {
  return {
    period: r.period,
    status: r.status as Period['status'],
    closedAt: r.closed_at,
    closedBy: r.closed_by,
    note: r.note,
  };
}

async function lock(tx: Tx, dialect: Dialect, exclusive: boolean): Promise<void> {
  if (dialect !== 'postgres') return;
  if (exclusive) await sql`select pg_advisory_xact_lock(${PERIOD_LOCK})`.execute(tx);
  else await sql`select pg_advisory_xact_lock_shared(${PERIOD_LOCK})`.execute(tx);
}

async function latestClosed(tx: Tx): Promise<string | null> {
  const row = await tx
    .selectFrom('erp_periods')
    .select((eb) => eb.fn.max('period').as('latest'))
    .where('status', '=', 'closed')
    .executeTakeFirst();
  return (row?.latest as string | null) ?? null;
}

/**
 * For the posting path, in its transaction: which of these periods are closed. Returned rather
 * than thrown, so they join the entry's other problems.
 */
export async function closedAmong(
  tx: Tx,
  dialect: Dialect,
  periods: readonly string[],
): Promise<Set<string>> {
  await lock(tx, dialect, false);
  const latest = await latestClosed(tx);
  return new Set(latest ? periods.filter((p) => p <= latest) : []);
}

export function createPeriodService(deps: ErpDeps) {
  const { store, clock, audit } = deps;
  const dialect = store.dialect;

  return {
    async list(): Promise<Period[]> {
      const rows = await store.db.selectFrom('erp_periods').selectAll().orderBy('period').execute();
      return (rows as ErpPeriodRow[]).map(toPeriod);
    },

    async isClosed(period: string): Promise<boolean> {
      assertPeriod(period);
      const latest = await latestClosed(store.db);
      return latest !== null && period <= latest;
    },

    /**
     * Close `period` and every earlier open one: nothing can be posted into them afterwards.
     * Closing a closed period is a no-op.
     */
    async close(period: string, note?: string): Promise<Period[]> {
      assertPeriod(period);
      await assertOwnership(deps, 'erp', `period:${period}`, ['status']);
      return store.tx(async (tx) => {
        await lock(tx, dialect, true);
        const latest = await latestClosed(tx);
        if (latest && period <= latest) return [];
        // From the month after the last close (or the first month with postings) up to `period`.
        let from = latest ? nextPeriod(latest) : period;
        if (!latest) {
          const first = await tx
            .selectFrom('erp_journal_entries')
            .select((eb) => eb.fn.min('period').as('first'))
            .executeTakeFirst();
          const f = first?.first as string | null;
          if (f && f < period) from = f;
        }
        const now = clock.now().toISOString();
        const by = actor();
        const rows: ErpPeriodRow[] = [];
        for (let p = from; p <= period; p = nextPeriod(p))
          rows.push({ period: p, status: 'closed', closed_at: now, closed_by: by, note: note ?? null });
        await tx
          .insertInto('erp_periods')
          .values(rows)
          .onConflict((oc) =>
            oc.column('period').doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              closed_at: eb.ref('excluded.closed_at'),
              closed_by: eb.ref('excluded.closed_by'),
              note: eb.ref('excluded.note'),
            })),
          )
          .execute();
        await audit.record(tx, {
          action: 'erp.period.closed',
          target: `period:${period}`,
          after: { from, through: period, note: note ?? null },
        });
        return rows.map(toPeriod);
      });
    },

    /** Reopen the latest closed period (for a correction), with the reason audited. */
    async reopen(period: string, reason: string): Promise<Period> {
      assertPeriod(period);
      await assertOwnership(deps, 'erp', `period:${period}`, ['status']);
      return store.tx(async (tx) => {
        await lock(tx, dialect, true);
        const latest = await latestClosed(tx);
        if (latest !== period)
          throw JournalErrors.PERIOD_NOT_LATEST.create(
            latest ? `the latest closed period is ${latest}` : 'no period is closed',
            { latest },
          );
        const row: ErpPeriodRow = { period, status: 'open', closed_at: null, closed_by: null, note: reason };
        await tx.updateTable('erp_periods').set(row).where('period', '=', period).execute();
        await audit.record(tx, {
          action: 'erp.period.reopened',
          target: `period:${period}`,
          after: { reason },
        });
        return toPeriod(row);
      });
    },
  };
}

export type PeriodService = ReturnType<typeof createPeriodService>;

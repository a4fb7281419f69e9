/**
 * Property: for any sequence of journal postings — balanced or not, into open or closed periods,
 * some delivered twice — every stored entry balances, the running balances equal the sum of the
 * lines (verify is clean), each currency's trial balance balances, a refused batch changes
 * nothing, and a repeated entry is stored once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, JournalEntryInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();
const RUNS = Number(process.env.KEEL_PROP_RUNS ?? 20);
const ACCOUNTS = ['1000', '1100', '1200', '2100', '4000', '5000', '9999'];

const line = fc.record({
  account: fc.constantFrom(...ACCOUNTS.slice(0, 6), ...ACCOUNTS),
  side: fc.constantFrom('debit' as const, 'credit' as const),
  amount: fc.integer({ min: 0, max: 100_000 }),
});

/** Mostly balanced entries (the last line balances the others), sometimes not. */
const entry = fc
  .record({
    lines: fc.array(line, { minLength: 1, maxLength: 4 }),
    balance: fc.integer({ min: 0, max: 9 }).map((n) => n < 8),
    month: fc.integer({ min: 1, max: 6 }),
    currency: fc.constantFrom('EUR', 'USD'),
    ref: fc.integer({ min: 1, max: 40 }),
  })
  .map(({ lines, balance, month, currency, ref }): JournalEntryInput => {
    const ls = lines.map((l) => ({ account: l.account, [l.side]: l.amount }));
    const net = lines.reduce((s, l) => s + (l.side === 'debit' ? l.amount : -l.amount), 0);
    if (balance && net !== 0)
      ls.push(net > 0 ? { account: '3000', credit: net } : { account: '3000', debit: -net });
    if (ls.length < 2) ls.push({ account: '3000', debit: 0 });
    return {
      date: `2026-0${month}-15`,
      source: 'manual',
      reference: `r${ref}`,
      currency,
      lines: ls,
    };
  });

const step = fc.oneof(
  { weight: 8, arbitrary: fc.array(entry, { minLength: 1, maxLength: 3 }).map((b) => ({ post: b })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((m) => ({ close: `2026-0${m}` })) },
);

describe.each(backends)('ERP journal property [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let run = 0;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
  });
  afterAll(async () => t?.cleanup());

  const snapshot = async () => JSON.stringify(await erp.journal.trialBalance());
  const count = async () =>
    Number(
      (
        await t.app.store.db
          .selectFrom('erp_journal_entries')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  it('the journal always balances and equals its lines', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        // Each run gets its own references (the database is shared by the runs), and periods
        // closed by earlier runs stay closed: refusals of those are part of the property.
        const prefix = `run${++run}-`;
        for (const s of steps) {
          if ('close' in s) {
            await erp.periods.close(s.close);
            continue;
          }
          const batch = s.post.map((e) => ({ ...e, reference: prefix + e.reference }));
          const before = await snapshot();
          const n = await count();
          try {
            const stored = await erp.journal.post(batch);
            for (const e of stored) expect(e.totals.debit).toBe(e.totals.credit);
            expect(new Set(stored.map((e) => e.id)).size).toBeLessThanOrEqual(batch.length);
          } catch (err) {
            const code = (err as { code?: string }).code;
            expect([
              'ERP_JOURNAL_ENTRY_INVALID',
              'ERP_PERIOD_CLOSED',
              'ERP_JOURNAL_ENTRY_CONFLICT',
            ]).toContain(code);
            expect(await snapshot()).toBe(before);
            expect(await count()).toBe(n);
          }
        }
        const v = await erp.journal.verify();
        expect(v.unbalanced).toEqual([]);
        expect(v.drift).toEqual([]);
        for (const tb of await erp.journal.trialBalance()) expect(tb.totals.debit).toBe(tb.totals.credit);
      }),
      { numRuns: RUNS },
    );
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, JournalEntryInput } from '../../src/domains/erp/index.js';
import { cogsEntry, returnEntry, saleEntry } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';

const backends = await availableBackends();

/** The error's code and the codes of its listed problems. */
const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

describe.each(backends)('ERP general journal [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let n = 0;
  const ref = () => `test-${++n}`;
  const entryCount = async () =>
    Number(
      (
        await t.app.store.db
          .selectFrom('erp_journal_entries')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );
  const manual = (over: Partial<JournalEntryInput> = {}): JournalEntryInput => ({
    date: '2026-11-02',
    source: 'manual',
    reference: ref(),
    currency: 'EUR',
    lines: [
      { account: '1000', debit: 500 },
      { account: '3000', credit: 500 },
    ],
    ...over,
  });
  const balanceOf = async (account: string, currency = 'EUR', through?: string) => {
    const [tb] = await erp.journal.trialBalance({ currency, through });
    return tb?.rows.find((r) => r.account === account)?.balance ?? 0;
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
  });
  afterAll(async () => t?.cleanup());

  it('seeds a default chart of accounts', async () => {
    const accounts = await erp.accounts.list();
    expect(accounts.map((a) => a.code)).toEqual(expect.arrayContaining(['1100', '2100', '4000', '5000']));
    expect(accounts.find((a) => a.code === '4000')).toMatchObject({ type: 'revenue', active: true });
  });

  it('posts a sale, its cost and a return; the trial balance balances and says what is owed', async () => {
    const [sale] = await erp.journal.post([
      saleEntry({
        date: '2026-11-03',
        currency: 'EUR',
        invoice: 'INV-1',
        net: 10_000,
        shipping: 500,
        tax: 1_995,
      }),
    ]);
    expect(sale).toMatchObject({
      source: 'sale',
      reference: 'INV-1',
      period: '2026-11',
      totals: { debit: 12_495, credit: 12_495 },
    });
    expect(sale!.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['1100', 12_495, 0],
      ['4000', 0, 10_000],
      ['4200', 0, 500],
      ['2100', 0, 1_995],
    ]);
    await erp.journal.post([
      cogsEntry({ date: '2026-11-04', currency: 'EUR', shipment: 'SHP-1', cost: 6_000 }),
      returnEntry({ date: '2026-11-20', currency: 'EUR', creditNote: 'CN-1', net: 2_000, tax: 380 }),
    ]);
    const [tb] = await erp.journal.trialBalance({ currency: 'EUR' });
    expect(tb!.balanced).toBe(true);
    expect(tb!.totals.debit).toBe(tb!.totals.credit);
    expect(await balanceOf('1100')).toBe(12_495 - 2_380);
    expect(await balanceOf('2100')).toBe(1_995 - 380);
    expect(await balanceOf('5000')).toBe(6_000);
    expect(await balanceOf('1200')).toBe(-6_000);
  });

  it('refuses an entry with every problem listed, and writes nothing', async () => {
    const before = await entryCount();
    const got = await codes(
      erp.journal.post([
        manual({
          date: '2026-02-30',
          currency: 'XXQ',
          lines: [
            { account: '1000', debit: 500, credit: 10 },
            { account: '9999', credit: 400 },
          ],
        }),
      ]),
    );
    expect(got[0]).toBe('ERP_JOURNAL_ENTRY_INVALID');
    expect(got).toEqual(
      expect.arrayContaining([
        'DATE_INVALID',
        'CURRENCY_UNKNOWN',
        'LINE_SIDE',
        'UNBALANCED',
        'ACCOUNT_UNKNOWN',
      ]),
    );
    expect(await entryCount()).toBe(before);
  });

  it('posts a batch whole or not at all', async () => {
    const before = await entryCount();
    const bad = manual({
      lines: [
        { account: '1000', debit: 1 },
        { account: '3000', credit: 2 },
      ],
    });
    expect(await codes(erp.journal.post([manual(), bad, manual()]))).toEqual([
      'ERP_JOURNAL_ENTRY_INVALID',
      'UNBALANCED',
    ]);
    expect(await entryCount()).toBe(before);
    expect((await erp.journal.verify()).drift).toEqual([]);
  });

  it('is idempotent by source and reference; different content is a conflict', async () => {
    const e = manual();
    const [first] = await erp.journal.post([e]);
    const before = await entryCount();
    const [again] = await erp.journal.post([e]);
    expect(again!.id).toBe(first!.id);
    expect(await entryCount()).toBe(before);
    const twice = await erp.journal.post([
      manual({ reference: 'dup-in-batch' }),
      manual({ reference: 'dup-in-batch' }),
    ]);
    expect(twice[0]!.id).toBe(twice[1]!.id);
    expect(await codes(erp.journal.post([{ ...e, memo: 'changed' }]))).toEqual([
      'ERP_JOURNAL_ENTRY_CONFLICT',
    ]);
    expect(await entryCount()).toBe(before + 1);
  });

  it('reverses an entry once, with its mirror image', async () => {
    const [e] = await erp.journal.post([
      manual({
        lines: [
          { account: '5100', debit: 700 },
          { account: '1200', credit: 700 },
        ],
      }),
    ]);
    const before = await balanceOf('5100');
    const r = await erp.journal.reverse(e!.id, { date: '2026-11-05' });
    expect(r).toMatchObject({ source: 'reversal', reverses: e!.id, date: '2026-11-05' });
    expect(r.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['5100', 0, 700],
      ['1200', 700, 0],
    ]);
    expect(await balanceOf('5100')).toBe(before - 700);
    expect(await codes(erp.journal.reverse(e!.id))).toEqual(['ERP_JOURNAL_ENTRY_REVERSED']);
    expect(await codes(erp.journal.reverse(r.id))).toEqual(['ERP_JOURNAL_ENTRY_REVERSED']);
    expect(await codes(erp.journal.reverse('jnl_nope'))).toEqual(['ERP_JOURNAL_ENTRY_NOT_FOUND']);
  });

  it('closing a period locks it and every earlier one against back-dated postings', async () => {
    await erp.journal.post([manual({ date: '2026-08-10' })]);
    const closed = await erp.periods.close('2026-09', 'Q3 close');
    // From the first month with postings (August) through September.
    expect(closed.map((p) => p.period)).toEqual(['2026-08', '2026-09']);
    expect(await erp.periods.isClosed('2026-08')).toBe(true);
    expect(await erp.periods.isClosed('2026-10')).toBe(false);
    const before = await entryCount();
    expect(await codes(erp.journal.post([manual({ date: '2026-09-30' })]))).toEqual([
      'ERP_PERIOD_CLOSED',
      'PERIOD_CLOSED',
    ]);
    expect(await codes(erp.journal.post([manual({ date: '2026-07-01' })]))).toEqual([
      'ERP_PERIOD_CLOSED',
      'PERIOD_CLOSED',
    ]);
    // Mixed with another problem, the closed period is one of the listed problems.
    expect(
      await codes(
        erp.journal.post([
          manual({
            date: '2026-09-30',
            lines: [
              { account: '1000', debit: 1 },
              { account: '3000', credit: 2 },
            ],
          }),
        ]),
      ),
    ).toEqual(['ERP_JOURNAL_ENTRY_INVALID', 'UNBALANCED', 'PERIOD_CLOSED']);
    expect(await entryCount()).toBe(before);
    await erp.journal.post([manual({ date: '2026-10-01' })]);

    expect(await codes(erp.periods.reopen('2026-08', 'typo'))).toEqual(['ERP_PERIOD_NOT_LATEST']);
    await erp.periods.reopen('2026-09', 'late supplier invoice');
    await erp.journal.post([manual({ date: '2026-09-30' })]);
    expect(await codes(erp.journal.post([manual({ date: '2026-08-31' })]))).toEqual([
      'ERP_PERIOD_CLOSED',
      'PERIOD_CLOSED',
    ]);
    await erp.periods.close('2026-10');
    expect((await erp.periods.list()).filter((p) => p.status === 'closed').map((p) => p.period)).toEqual([
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    expect(await codes(erp.periods.close('2026-13'))).toEqual(['ERP_PERIOD_INVALID']);
  });

  it('keeps currencies apart in the trial balance and reads through a period', async () => {
    await erp.journal.post([manual({ currency: 'USD', date: '2026-11-10' })]);
    const all = await erp.journal.trialBalance();
    expect(all.map((tb) => tb.currency)).toEqual(['EUR', 'USD']);
    for (const tb of all) expect(tb.balanced).toBe(true);
    expect(await balanceOf('1000', 'USD')).toBe(500);
    expect(await balanceOf('1000', 'USD', '2026-10')).toBe(0);
  });

  it('guards the chart: deactivated accounts refuse postings, types with postings are locked', async () => {
    await erp.accounts.put({ code: '6100', name: 'Marketplace fees', type: 'expense' });
    await erp.journal.post([
      manual({
        lines: [
          { account: '6100', debit: 90 },
          { account: '1000', credit: 90 },
        ],
      }),
    ]);
    expect(await codes(erp.accounts.put({ code: '6100', name: 'Fees', type: 'revenue' }))).toEqual([
      'ERP_ACCOUNT_TYPE_LOCKED',
    ]);
    await erp.accounts.put({ code: '6100', name: 'Marketplace fees (old)', type: 'expense', active: false });
    expect(
      await codes(
        erp.journal.post([
          manual({
            lines: [
              { account: '6100', debit: 1 },
              { account: '1000', credit: 1 },
            ],
          }),
        ]),
      ),
    ).toEqual(['ERP_JOURNAL_ENTRY_INVALID', 'ACCOUNT_UNKNOWN']);
    expect(await codes(erp.accounts.get('nope'))).toEqual(['ERP_ACCOUNT_NOT_FOUND']);
  });

  it('lists entries by account and period with a cursor', async () => {
    const p1 = await erp.journal.list({ account: '1000', limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.next).toBeDefined();
    const p2 = await erp.journal.list({ account: '1000', limit: 2, after: p1.next });
    expect(p2.items[0]!.seq).toBeGreaterThan(p1.items[1]!.seq);
    for (const e of [...p1.items, ...p2.items]) expect(e.lines.some((l) => l.account === '1000')).toBe(true);
    const nov = await erp.journal.list({ period: '2026-11', limit: 500 });
    expect(nov.items.every((e) => e.period === '2026-11')).toBe(true);
    const v = await erp.journal.verify();
    expect(v).toMatchObject({ unbalanced: [], drift: [] });
    expect(v.entries).toBe(await entryCount());
  });
});

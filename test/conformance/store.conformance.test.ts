import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnTypes, type MigrationSet, type Store } from '../../src/kernel/ports/store.js';
import { availableBackends } from '../support/backends.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

const widgets: MigrationSet = {
  domain: 'test',
  migrations: [
    {
      id: '001_widgets',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('test_widgets')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('n', t.bigint, (c) => c.notNull())
          .execute();
      },
    },
  ],
};

describe.each(backends)('Store conformance [%s]', (backend) => {
  let ts: TestStore;
  let store: Store;
  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
  });
  afterAll(async () => ts?.cleanup());

  it('runs migrations once, recording them', async () => {
    expect(await store.migrate([widgets])).toEqual([{ domain: 'test', id: '001_widgets' }]);
    expect(await store.migrate([widgets])).toEqual([]);
    const second = await ts.reopen();
    expect(await second.migrate([widgets])).toEqual([]);
  });

  it('commits a transaction atomically and rolls back on error', async () => {
    await store.tx(async (tx) => {
      await tx.insertInto('test_widgets').values({ id: 'a', n: 1 }).execute();
    });
    await expect(
      store.tx(async (tx) => {
        await tx.insertInto('test_widgets').values({ id: 'b', n: 2 }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await store.db.selectFrom('test_widgets').selectAll().orderBy('id').execute();
    expect(rows).toEqual([{ id: 'a', n: 1 }]);
  });

  it('keeps concurrent transactions isolated: one failing does not undo the others', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        store.tx(async (tx) => {
          await tx
            .insertInto('test_widgets')
            .values({ id: `c${i}`, n: i })
            .execute();
          if (i % 10 === 3) throw new Error(`fail ${i}`);
          return i;
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(5);
    const { count } = await store.db
      .selectFrom('test_widgets')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('id', 'like', 'c%')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(45);
  });

  it('refuses to use a transaction after it ended and rejects nested transactions', async () => {
    let leaked: any;
    await store.tx(async (tx) => {
      leaked = tx;
    });
    await expect(leaked.selectFrom('test_widgets').selectAll().execute()).rejects.toMatchObject({
      code: 'TX_CLOSED',
    });
    await expect(store.tx(async () => store.tx(async () => 1))).rejects.toMatchObject({
      code: 'STORE_TX_NESTED',
    });
  });

  it('times out a hung transaction, rolls it back, and stays usable', async () => {
    await expect(
      store.tx(
        async (tx) => {
          await tx.insertInto('test_widgets').values({ id: 'hung', n: 0 }).execute();
          await new Promise(() => {});
        },
        { timeoutMs: 100 },
      ),
    ).rejects.toMatchObject({ code: 'STORE_TX_TIMEOUT' });
    const hung = await store.db.selectFrom('test_widgets').selectAll().where('id', '=', 'hung').execute();
    expect(hung).toEqual([]);
    expect(await store.tx(async () => 'still fine')).toBe('still fine');
  });

  it('runs after-commit hooks only on commit and delivers signals across connections', async () => {
    const other = await ts.reopen();
    let heard = 0;
    const stop = other.listen('test_wake', () => heard++);
    await new Promise((r) => setTimeout(r, 200));
    const hooks: string[] = [];
    await store.tx(async (tx) => {
      store.afterCommit(tx, () => hooks.push('committed'));
      store.signal(tx, 'test_wake');
    });
    await store
      .tx(async (tx) => {
        store.afterCommit(tx, () => hooks.push('rolled back?!'));
        throw new Error('no');
      })
      .catch(() => {});
    expect(hooks).toEqual(['committed']);
    const deadline = Date.now() + 3000;
    while (heard === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toBeGreaterThan(0);
    stop();
  });

  it('runs an urgent transaction ahead of ordinary ones already waiting', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    const order: string[] = [];
    // PostgreSQL: hold every pooled connection (the test pool has 8); SQLite: hold the writer.
    const holders = Array.from({ length: backend === 'sqlite' ? 1 : 8 }, (_, i) =>
      store.tx(async () => {
        order.push(`hold${i}`);
        await gate;
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const queued = Array.from({ length: 3 }, (_, i) =>
      store.tx(async () => {
        order.push(`queued${i}`);
      }),
    );
    const urgent = store.tx(
      async (tx) => {
        order.push('urgent');
        await tx.insertInto('test_widgets').values({ id: 'urgent', n: 1 }).execute();
      },
      { urgent: true },
    );
    // On PostgreSQL it commits on a reserved connection while every pooled one is still held.
    if (backend !== 'sqlite') await urgent;
    open();
    await Promise.all([...holders, ...queued, urgent]);
    expect(order.indexOf('urgent')).toBeGreaterThan(-1);
    expect(order.indexOf('urgent')).toBeLessThan(order.indexOf('queued0'));
    const row = await store.db
      .selectFrom('test_widgets')
      .select('n')
      .where('id', '=', 'urgent')
      .executeTakeFirst();
    expect(row?.n).toBe(1);
  }, 20_000);

  it('answers ping and reads what was committed', async () => {
    await store.ping();
    const r = await sql<{ v: number }>`select 1 as v`.execute(store.db);
    expect(Number(r.rows[0]!.v)).toBe(1);
  });
});

import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationSet, Store } from '../../src/kernel/ports/store.js';
import { selectByKeys } from '../../src/kernel/sql.js';
import { availableBackends } from '../support/backends.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = (await availableBackends()).filter((b) => b !== 'postgres+nats');

const ROWS = 3_000;

const stock: MigrationSet = {
  domain: 'test',
  migrations: [
    {
      id: '001_stock',
      up: async (db) => {
        await db.schema
          .createTable('test_stock')
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('qty', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('test_stock_pk', ['sku', 'location'])
          .execute();
      },
    },
  ],
};

const skuOf = (i: number) => `S-${String(i).padStart(5, '0')}`;

describe.each(backends)('selectByKeys [%s]', (backend) => {
  let ts: TestStore;
  let store: Store;
  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    await store.migrate([stock]);
    await store.tx(async (tx) => {
      for (let i = 0; i < ROWS; i += 500)
        await tx
          .insertInto('test_stock')
          .values(
            Array.from({ length: 500 }, (_, k) => ({
              sku: skuOf(Math.floor((i + k) / 2)),
              location: (i + k) % 2 === 0 ? 'A' : "O'B",
              qty: i + k,
            })),
          )
          .execute();
    });
  });
  afterAll(async () => ts?.cleanup());

  it('finds the rows of every key, once, past the per-statement parameter chunks', async () => {
    const wanted = Array.from({ length: 1_200 }, (_, i) => [skuOf(i)]);
    const rows = await selectByKeys<{ sku: string; qty: number }>(
      store.db,
      store.dialect,
      'test_stock',
      ['sku'],
      [...wanted, ...wanted.slice(0, 10), ['NOPE']],
    );
    expect(rows).toHaveLength(2_400);
    expect(new Set(rows.map((r) => r.sku)).size).toBe(1_200);
  });

  it('matches composite keys exactly, quotes included', async () => {
    const rows = await selectByKeys<{ sku: string; location: string; qty: number }>(
      store.db,
      store.dialect,
      'test_stock',
      ['sku', 'location'],
      [
        [skuOf(3), "O'B"],
        [skuOf(4), 'A'],
        [skuOf(4), 'Z'],
      ],
    );
    expect(rows.map((r) => [r.sku, r.location, Number(r.qty)]).sort()).toEqual([
      [skuOf(3), "O'B", 7],
      [skuOf(4), 'A', 8],
    ]);
    expect(await selectByKeys(store.db, store.dialect, 'test_stock', ['sku'], [])).toEqual([]);
  });
});

/**
 * The reason selectByKeys exists: on a table PostgreSQL has no statistics for (autovacuum off, or
 * filled since its last ANALYZE), `where sku in (…)` of a few hundred keys is planned as a scan of
 * the whole table; the probe shape stays an index lookup per key whatever the statistics say.
 */
describe.runIf(backends.includes('postgres'))('selectByKeys plans [postgres]', () => {
  let ts: TestStore;
  let captured: Kysely<any>;
  let pool: pg.Pool;
  const statements: { sql: string; parameters: readonly unknown[] }[] = [];
  beforeAll(async () => {
    ts = await createTestStore('postgres');
    await ts.store.migrate([stock]);
    // Analysed while empty, then filled: the statistics say nothing useful about the rows.
    await sql`analyze test_stock`.execute(ts.store.db);
    await sql`insert into test_stock select 'S-' || lpad((i / 10)::text, 5, '0'), 'L' || (i % 10), i
      from generate_series(0, 99999) as i`.execute(ts.store.db);
    pool = new pg.Pool({ connectionString: ts.location.pgUrl, max: 1 });
    captured = new Kysely({
      dialect: new PostgresDialect({ pool }),
      log: (e) => {
        if (e.level === 'query') statements.push({ sql: e.query.sql, parameters: e.query.parameters });
      },
    });
  });
  afterAll(async () => {
    await captured?.destroy();
    await ts?.cleanup();
  });

  it('probes the index for each key instead of scanning the table', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => [skuOf(i * 17)]);
    const rows = await selectByKeys(captured, 'postgres', 'test_stock', ['sku'], keys);
    expect(rows).toHaveLength(5_000);
    const lookup = statements.at(-1)!;
    const plan = await captured.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${lookup.sql}`, [...lookup.parameters]),
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan|Bitmap Index Scan/);
    expect(text).not.toMatch(/Seq Scan on test_stock/);
    // What the plain list does on the same table, for contrast: the scan this avoids.
    const naive = await captured.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain select * from test_stock where sku = any($1::text[])`, [keys.flat()]),
    );
    expect(naive.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Seq Scan on test_stock/);
  });

  it("runs Keel's sessions without JIT compilation", async () => {
    const r = await sql<{ jit: string }>`show jit`.execute(ts.store.db);
    expect(r.rows[0]?.jit).toBe('off');
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrationSet, Store } from '../../src/kernel/ports/store.js';
import { rebuildWithoutRowid } from '../../src/kernel/sql.js';
import { createTestStore, type TestStore } from '../support/stores.js';

/**
 * `rebuildWithoutRowid` (SQLite only): the table comes back keyed by its primary key alone, with
 * every row and index it had, inside the migration's transaction; a second run changes nothing.
 */
const stock: MigrationSet = {
  domain: 'test',
  migrations: [
    {
      id: '001_stock',
      up: async (db) => {
        await db.schema
          .createTable('test_levels')
          .addColumn('sku', 'text', (c) => c.notNull())
          .addColumn('location', 'text', (c) => c.notNull())
          .addColumn('qty', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('test_levels_pk', ['sku', 'location'])
          .execute();
        await db.schema
          .createIndex('test_levels_location')
          .on('test_levels')
          .columns(['location', 'sku'])
          .execute();
        await db
          .insertInto('test_levels')
          .values(
            Array.from({ length: 300 }, (_, i) => ({
              sku: `S-${i % 100}`,
              location: `L${Math.floor(i / 100)}`,
              qty: i,
            })),
          )
          .execute();
      },
    },
    { id: '002_without_rowid', up: (db) => rebuildWithoutRowid(db, 'test_levels') },
  ],
};

describe('rebuildWithoutRowid [sqlite]', () => {
  let ts: TestStore;
  let store: Store;
  beforeAll(async () => {
    ts = await createTestStore('sqlite');
    store = ts.store;
    await store.migrate([stock]);
  });
  afterAll(async () => ts?.cleanup());

  const master = async () =>
    (
      await sql<{ type: string; name: string; sql: string | null }>`select type, name, sql from sqlite_master
        where tbl_name = 'test_levels' order by type, name`.execute(store.db)
    ).rows;

  it('keeps every row and index, and the table has no rowid', async () => {
    const objects = await master();
    // The key's separate index (`sqlite_autoindex_…`) is gone: the key is the table now.
    expect(objects.map((o) => `${o.type} ${o.name}`)).toEqual([
      'index test_levels_location',
      'table test_levels',
    ]);
    expect(objects.find((o) => o.type === 'table')!.sql).toMatch(/without rowid$/);
    await expect(sql`select rowid from test_levels limit 1`.execute(store.db)).rejects.toThrow(
      /no such column/,
    );
    const rows = await store.db.selectFrom('test_levels').select(['sku', 'location', 'qty']).execute();
    expect(rows).toHaveLength(300);
    expect(rows.reduce((s, r) => s + Number(r.qty), 0)).toBe((299 * 300) / 2);
    const plan = await sql<{ detail: string }>`explain query plan
      select qty from test_levels where location = 'L2' and sku = 'S-7'`.execute(store.db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(/USING (PRIMARY KEY|(COVERING )?INDEX)/);
    const one = await store.db
      .selectFrom('test_levels')
      .select('qty')
      .where('sku', '=', 'S-7')
      .where('location', '=', 'L2')
      .executeTakeFirst();
    expect(Number(one?.qty)).toBe(207);
  });

  it('leaves a table already without rowid alone', async () => {
    const before = await master();
    await store.tx((tx) => rebuildWithoutRowid(tx, 'test_levels'));
    expect(await master()).toEqual(before);
  });

  it('refuses a table that does not exist, changing nothing', async () => {
    const before = await master();
    await expect(store.tx((tx) => rebuildWithoutRowid(tx, 'test_nothing'))).rejects.toThrow(
      /no table test_nothing/,
    );
    expect(await master()).toEqual(before);
  });
});

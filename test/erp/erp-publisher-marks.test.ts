import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import { deleteMarks } from '../../src/domains/erp/level.publisher.js';
import { erpMigrations } from '../../src/domains/erp/schema.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { InventoryEventTypes } from '../../src/model/inventory.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedLocations } from '../support/erp-fixture.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

/**
 * The publisher's compare-and-delete: a mark goes only if its `seq` is still the one the publisher
 * read. A SKU dirtied again while its event was being built has a newer seq and must stay, or
 * that change would never be published.
 */
describe.each(backends)('level publisher marks [%s]', (backend) => {
  let ts: TestStore;
  let store: Store;
  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    await store.migrate([erpMigrations]);
  });
  afterAll(async () => ts?.cleanup());

  it('keeps the marks, levels and cost pools keyed by their key alone (013_ledger_layout)', async () => {
    if (backend === 'sqlite') {
      const { rows } = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
        where type = 'table' and name in ('erp_levels', 'erp_costs', 'erp_dirty_skus') order by name`.execute(
        store.db,
      );
      expect(rows.map((r) => [r.name, /without rowid$/i.test(r.sql)])).toEqual([
        ['erp_costs', true],
        ['erp_dirty_skus', true],
        ['erp_levels', true],
      ]);
    }
    const seqIndex =
      backend === 'sqlite'
        ? sql`select name from sqlite_master where name = 'erp_dirty_skus_seq'`
        : sql`select indexname from pg_indexes where indexname = 'erp_dirty_skus_seq'`;
    expect((await seqIndex.execute(store.db)).rows).toEqual([]);
  });

  it('deletes the marks it read and keeps those dirtied again since', async () => {
    const marks = Array.from({ length: 1200 }, (_, i) => ({ sku: `SKU-${i}`, seq: i + 1 }));
    await store.tx(async (tx) => {
      for (let i = 0; i < marks.length; i += 400)
        await tx
          .insertInto('erp_dirty_skus')
          .values(marks.slice(i, i + 400))
          .execute();
      // Re-dirtied after the publisher read them: a newer seq.
      await tx
        .updateTable('erp_dirty_skus')
        .set({ seq: 5000 })
        .where('sku', 'in', ['SKU-7', 'SKU-1100'])
        .execute();
      await tx.insertInto('erp_dirty_skus').values({ sku: 'OTHER', seq: 9 }).execute();
    });
    await store.tx((tx) => deleteMarks(tx, store.dialect, marks));
    const left = await store.db.selectFrom('erp_dirty_skus').select(['sku', 'seq']).orderBy('sku').execute();
    expect(left.map((r) => [r.sku, Number(r.seq)])).toEqual([
      ['OTHER', 9],
      ['SKU-1100', 5000],
      ['SKU-7', 5000],
    ]);
  });
});

/**
 * The publisher drains marks in key order, a batch at a time from where the last one ended, and
 * wraps round to the start: a SKU dirtied behind the cursor waits at most one sweep, and every
 * mark is published (no `seq` index to drain them in arrival order).
 */
describe.each(backends)('level publisher drain order [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    // Batches of 3, and no background round during the test: the test calls publishOnce itself.
    t = await createTestApp(backend, { 'erp.publishBatchSize': 3, 'erp.publishIntervalMs': 60_000 });
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1']);
  });
  afterAll(async () => t?.cleanup());

  const receive = (skus: string[], tag: string) =>
    erp.ledger.post(
      skus.map((sku) => ({ type: 'receipt', reference: `${tag}:${sku}`, sku, location: 'WH1', quantity: 1 })),
    );
  // The log's rows in insertion order (the bus numbers them a moment after the commit).
  const published = async () => {
    const rows = await t.app.store.db
      .selectFrom('keel_event_log')
      .select('subject')
      .where('type', '=', InventoryEventTypes.levelChanged)
      .orderBy('id')
      .execute();
    return rows.map((r) => r.subject as string);
  };

  it('sweeps from the cursor, wraps round for SKUs behind it, and misses none', async () => {
    await receive(['SKU-B', 'SKU-D', 'SKU-F', 'SKU-H', 'SKU-J'], 'first');
    const before = (await published()).length;
    expect(await erp.publisher.publishOnce()).toBe(3);
    expect((await published()).slice(before)).toEqual(['SKU-B', 'SKU-D', 'SKU-F']);
    // Behind the cursor (A), and one already published (D) changing again.
    await receive(['SKU-A', 'SKU-D'], 'second');
    expect(await erp.publisher.pending()).toBe(4);
    // Ahead of the cursor first, then the batch fills up from the start.
    expect(await erp.publisher.publishOnce()).toBe(3);
    expect((await published()).slice(before + 3)).toEqual(['SKU-H', 'SKU-J', 'SKU-A']);
    expect(await erp.publisher.publishOnce()).toBe(1);
    expect((await published()).slice(before + 6)).toEqual(['SKU-D']);
    expect(await erp.publisher.publishOnce()).toBe(0);
    expect(await erp.publisher.pending()).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteMarks } from '../../src/domains/erp/level.publisher.js';
import { erpMigrations } from '../../src/domains/erp/schema.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { availableBackends } from '../support/backends.js';
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

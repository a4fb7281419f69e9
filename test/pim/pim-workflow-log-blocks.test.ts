import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim } from '../../src/domains/pim/index.js';
import { pimMigrations } from '../../src/domains/pim/schema.js';
import { WORKFLOW_LOG_INDEX } from '../../src/domains/pim/workflow-log.schema.js';
import { runWithContext } from '../../src/kernel/context.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';
import { createTestStore, type TestStore } from '../support/stores.js';

/**
 * On SQLite the workflow log is keyed by its sequence and its product index is cut into blocks of
 * it (005_workflow_log_blocks). The migration keeps every entry, numbered in log order; a
 * product's history spread over several blocks is found whole, in order, and nothing else's.
 */
const backends = await availableBackends();
const BLOCK = WORKFLOW_LOG_INDEX.size;

const as = <T>(scopes: string[], fn: () => Promise<T>) =>
  runWithContext({ correlationId: 'cor_test', actor: `key:${scopes.join('+')}`, scopes }, fn);

describe.runIf(backends.includes('sqlite'))('PIM workflow log in blocks [sqlite]', () => {
  describe('the migration', () => {
    let ts: TestStore;
    beforeAll(async () => {
      ts = await createTestStore('sqlite');
    });
    afterAll(async () => ts?.cleanup());

    it('keeps every entry, numbered in id order, with the product index in blocks', async () => {
      const { store } = ts;
      const before = pimMigrations.migrations.filter((m) => m.id < '005');
      await store.migrate([{ ...pimMigrations, migrations: before }]);
      // Inserted out of id order: the new numbering follows the ids (the log's time order).
      const ids = ['wfl_03', 'wfl_01', 'wfl_02'];
      await store.tx((tx) =>
        tx
          .insertInto('pim_workflow_log')
          .values(
            ids.map((id, i) => ({
              id,
              product_id: i === 2 ? 'prd_b' : 'prd_a',
              action: 'submit',
              from_status: 'draft',
              to_status: 'in_review',
              actor: 'key:x',
              comment: i === 0 ? 'first' : null,
              at: '2026-11-29T10:00:00.000Z',
            })),
          )
          .execute(),
      );
      await store.migrate([pimMigrations]);
      const rows = await store.db.selectFrom('pim_workflow_log').selectAll().orderBy('seq').execute();
      expect(rows.map((r) => [Number(r.seq), r.id, r.product_id, r.comment])).toEqual([
        [1, 'wfl_01', 'prd_a', null],
        [2, 'wfl_02', 'prd_b', null],
        [3, 'wfl_03', 'prd_a', 'first'],
      ]);
      const master = await sql<{ name: string }>`select name from sqlite_master
        where type = 'index' and tbl_name = 'pim_workflow_log' and sql is not null`.execute(store.db);
      expect(master.rows.map((r) => r.name)).toEqual(['pim_workflow_log_product_block']);
    });
  });

  describe('history', () => {
    let t: TestApp;
    let pim: Pim;
    const ids: string[] = [];
    beforeAll(async () => {
      t = await createTestApp('sqlite');
      pim = t.app.domains.pim;
      await seedApparel(pim);
      for (const size of ['s', 'm'])
        ids.push(
          (
            await pim.products.create({
              sku: `TEE-RED-${size.toUpperCase()}`,
              family: 'tshirt',
              parent: 'tee_classic',
              categories: ['tshirts'],
              values: teeValues('red', size),
            })
          ).id,
        );
      // Each transition of both products in its own commit, then product 0's three entries moved
      // to blocks 0, 2 and 5, as a long log would hold them.
      await as(['pim:write'], () => pim.workflow.transition('submit', ids));
      await as(['pim:review'], () =>
        pim.workflow.transition('reject', ids, { comment: 'needs a care label' }),
      );
      await as(['pim:write'], () => pim.workflow.transition('submit', ids));
      const mine = await t.app.store.db
        .selectFrom('pim_workflow_log')
        .select('seq')
        .where('product_id', '=', ids[0]!)
        .orderBy('seq', 'desc')
        .execute();
      await t.app.store.tx(async (tx) => {
        for (const [k, r] of mine.entries())
          await tx
            .updateTable('pim_workflow_log')
            .set({ seq: Number(r.seq) + [5, 2, 0][k]! * BLOCK })
            .where('seq', '=', r.seq)
            .execute();
      });
    });
    afterAll(async () => t?.cleanup());

    it('finds a product history spread over blocks, in order, and only its own', async () => {
      const spread = await t.app.store.db
        .selectFrom('pim_workflow_log')
        .select('seq')
        .where('product_id', '=', ids[0]!)
        .orderBy('seq')
        .execute();
      expect(spread.map((r) => Math.floor(Number(r.seq) / BLOCK))).toEqual([0, 2, 5]);
      const history = await pim.workflow.history(ids[0]!);
      expect(history.map((h) => [h.action, h.to, h.comment])).toEqual([
        ['submit', 'in_review', null],
        ['reject', 'draft', 'needs a care label'],
        ['submit', 'in_review', null],
      ]);
      expect((await pim.workflow.history(ids[1]!)).map((h) => h.action)).toEqual([
        'submit',
        'reject',
        'submit',
      ]);
      // A new transition is numbered after the highest entry (SQLite's rowid), in the newest block.
      await as(['pim:review'], () => pim.workflow.transition('approve', [ids[1]!]));
      const last = await t.app.store.db
        .selectFrom('pim_workflow_log')
        .select(['seq', 'product_id', 'action'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      expect([Math.floor(Number(last.seq) / BLOCK), last.product_id, last.action]).toEqual([
        5,
        ids[1],
        'approve',
      ]);
      expect((await pim.workflow.history(ids[1]!)).map((h) => h.action)).toEqual([
        'submit',
        'reject',
        'submit',
        'approve',
      ]);
    });
  });
});

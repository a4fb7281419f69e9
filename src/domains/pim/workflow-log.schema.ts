import { sql } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { type BlockedIndex, blockedIndexDdl } from '../../kernel/seq-blocks.js';

/**
 * The workflow log's product index on SQLite, cut into blocks of the log's sequence
 * (kernel/seq-blocks.ts).
 *
 * `(product_id, id)` took every transition's entry at a random place, so submitting, approving
 * and publishing a delta of 10,000 products on a catalog of a million wrote about one page of that
 * index per product to the WAL at each commit. The log is now keyed by `seq INTEGER PRIMARY KEY`
 * (SQLite numbers rows in insertion order, so a commit's rows and their `id`s — time-ordered —
 * land at the end of their b-trees) and its product index is `(seq / 65536, product_id, seq)`;
 * a product's history probes each block (`workflow.history`). PostgreSQL keeps
 * `(product_id, id)`.
 */
export const WORKFLOW_LOG_INDEX: BlockedIndex = { table: 'pim_workflow_log', seq: 'seq', size: 65_536 };

export const workflowLogBlocksMigration: Migration = {
  id: '005_workflow_log_blocks',
  up: async (db, dialect) => {
    if (dialect !== 'sqlite') return;
    await sql`create table pim_workflow_log_next (
      seq integer primary key,
      id text not null unique,
      product_id text not null,
      action text not null,
      from_status text not null,
      to_status text not null,
      actor text not null,
      comment text,
      at text not null
    )`.execute(db);
    await sql`insert into pim_workflow_log_next
        (id, product_id, action, from_status, to_status, actor, comment, at)
      select id, product_id, action, from_status, to_status, actor, comment, at
      from pim_workflow_log order by id`.execute(db);
    await sql`drop table pim_workflow_log`.execute(db);
    await sql`alter table pim_workflow_log_next rename to pim_workflow_log`.execute(db);
    await sql
      .raw(blockedIndexDdl('pim_workflow_log_product_block', WORKFLOW_LOG_INDEX, 'product_id'))
      .execute(db);
  },
};

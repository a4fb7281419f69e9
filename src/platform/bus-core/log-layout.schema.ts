import { sql } from 'kysely';
import type { Migration } from '../../kernel/ports/store.js';
import { type BlockedIndex, blockedIndexDdl } from '../../kernel/seq-blocks.js';

/**
 * The event log's subject index on SQLite, cut into blocks of positions (kernel/seq-blocks.ts).
 *
 * `(subject, seq)` took each event's entry at a random place — a product's, a SKU's, an order's —
 * so a commit of 1,000 events on a large log wrote about 1,000 pages of that index to the WAL
 * (≈ a fifth of a 10,000-product PIM delta on a 1,000,000-product catalog). As
 * `(seq / 65536, subject, seq)`, a commit's entries land in the newest block's few pages; a read
 * of a subject's trail probes each block (`EventLog.query`). PostgreSQL keeps `(subject, seq)`.
 */
export const SUBJECT_INDEX: BlockedIndex = { table: 'keel_event_log', seq: 'seq', size: 65_536 };

export const subjectBlocksMigration: Migration = {
  id: '004_subject_blocks',
  up: async (db, dialect) => {
    if (dialect !== 'sqlite') return;
    await db.schema.dropIndex('keel_event_log_subj').ifExists().execute();
    await sql.raw(blockedIndexDdl('keel_event_log_subj_block', SUBJECT_INDEX, 'subject')).execute(db);
  },
};

import { columnTypes, type MigrationSet } from '../../kernel/ports/store.js';

/** One row of `keel_audit`, as stored. */
export interface AuditRow {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  request_id: string | null;
  before_digest: string | null;
  after_digest: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * The audit trail's table. `seq` is assigned by the writer (previous seq + 1, under the chain lock),
 * not by an auto-increment: a sequence would leave gaps when transactions roll back, and a gap must
 * mean "an entry was deleted".
 */
export const auditMigrations: MigrationSet = {
  domain: 'audit',
  migrations: [
    {
      id: '001_audit',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('keel_audit')
          .addColumn('seq', t.bigint, (c) => c.primaryKey())
          .addColumn('id', 'text', (c) => c.notNull().unique())
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .addColumn('actor', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('request_id', 'text')
          .addColumn('before_digest', 'text')
          .addColumn('after_digest', 'text')
          .addColumn('prev_hash', 'text', (c) => c.notNull())
          .addColumn('hash', 'text', (c) => c.notNull())
          .execute();
        // The filters of `list`, each walked in seq order.
        await db.schema
          .createIndex('keel_audit_target_idx')
          .on('keel_audit')
          .columns(['target', 'seq'])
          .execute();
        await db.schema
          .createIndex('keel_audit_actor_idx')
          .on('keel_audit')
          .columns(['actor', 'seq'])
          .execute();
        await db.schema
          .createIndex('keel_audit_action_idx')
          .on('keel_audit')
          .columns(['action', 'seq'])
          .execute();
      },
    },
  ],
};

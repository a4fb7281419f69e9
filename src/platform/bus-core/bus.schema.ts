import { sql } from 'kysely';
import type { MigrationSet } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';
import { subjectBlocksMigration } from './log-layout.schema.js';

/**
 * The bus's tables, shared by both transports:
 * - keel_event_log: every appended event (the outbox, and the history trails are read from).
 *   `id` is insertion order; `seq` is the position in commit order, assigned at insert on SQLite
 *   (one writer) and by the sequencer on PostgreSQL (where insert order ≠ commit order).
 * - keel_bus_inbox: what each group processed, written in the handler's transaction.
 * - keel_bus_positions: per group × partition, the position below which everything is done.
 * - keel_bus_groups: replay generations.
 * - keel_bus_leases / keel_bus_members: which process owns which partition of a group.
 * - keel_bus_attempts / keel_bus_dead_letters: failure history and parked events.
 */
export const busMigrations: MigrationSet = {
  domain: 'bus',
  migrations: [
    {
      id: '001_event_log',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        let log = db.schema.createTable('keel_event_log');
        log =
          dialect === 'postgres'
            ? log.addColumn('id', t.serial, (c) => c.primaryKey())
            : log.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
        await log
          .addColumn('seq', t.bigint, (c) => c.unique())
          .addColumn('event_id', 'text', (c) => c.notNull().unique())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('partition_key', 'text', (c) => c.notNull())
          .addColumn('partition', 'integer', (c) => c.notNull())
          .addColumn('correlation_id', 'text', (c) => c.notNull())
          .addColumn('time', t.timestamp, (c) => c.notNull())
          .addColumn('envelope', t.json, (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('keel_event_log_part')
          .on('keel_event_log')
          .columns(['partition', 'seq'])
          .execute();
        await db.schema
          .createIndex('keel_event_log_corr')
          .on('keel_event_log')
          .columns(['correlation_id', 'seq'])
          .execute();
        await db.schema
          .createIndex('keel_event_log_subj')
          .on('keel_event_log')
          .columns(['subject', 'seq'])
          .execute();
        // No index on `time`: ids are time-sortable, so the event_id index answers "from a time".
        if (dialect === 'postgres') {
          // Only the not-yet-sequenced rows: the sequencer's work queue stays tiny.
          await db.schema
            .createIndex('keel_event_log_unseq')
            .on('keel_event_log')
            .column('id')
            .where(sql.ref('seq'), 'is', null)
            .execute();
        }
        await db.schema
          .createTable('keel_bus_meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
      },
    },
    {
      id: '002_consumers',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('keel_bus_inbox')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('seq', t.bigint, (c) => c.notNull())
          .addColumn('outcome', 'text', (c) => c.notNull())
          .addColumn('processed_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('keel_bus_inbox_pk', ['group_name', 'event_id'])
          .execute();
        await db.schema
          .createIndex('keel_bus_inbox_seq')
          .on('keel_bus_inbox')
          .columns(['group_name', 'seq'])
          .execute();
        await db.schema
          .createTable('keel_bus_groups')
          .addColumn('group_name', 'text', (c) => c.primaryKey())
          .addColumn('generation', 'integer', (c) => c.notNull())
          .addColumn('replay_from_seq', t.bigint)
          .addColumn('replay_from_time', t.timestamp)
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('keel_bus_positions')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('partition', 'integer', (c) => c.notNull())
          .addColumn('position', t.bigint, (c) => c.notNull())
          .addColumn('generation', 'integer', (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('keel_bus_positions_pk', ['group_name', 'partition'])
          .execute();
        await db.schema
          .createTable('keel_bus_leases')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('partition', 'integer', (c) => c.notNull())
          .addColumn('owner', 'text')
          .addColumn('expires_at', t.timestamp)
          .addPrimaryKeyConstraint('keel_bus_leases_pk', ['group_name', 'partition'])
          .execute();
        await db.schema
          .createTable('keel_bus_members')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('member', 'text', (c) => c.notNull())
          .addColumn('heartbeat_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('keel_bus_members_pk', ['group_name', 'member'])
          .execute();
      },
    },
    {
      id: '003_failures',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('keel_bus_attempts')
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('attempt', 'integer', (c) => c.notNull())
          .addColumn('at', t.timestamp, (c) => c.notNull())
          .addColumn('error', 'text', (c) => c.notNull())
          .addColumn('code', 'text')
          .addPrimaryKeyConstraint('keel_bus_attempts_pk', ['group_name', 'event_id', 'attempt'])
          .execute();
        await db.schema
          .createTable('keel_bus_dead_letters')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('group_name', 'text', (c) => c.notNull())
          .addColumn('event_id', 'text', (c) => c.notNull())
          .addColumn('event_type', 'text', (c) => c.notNull())
          .addColumn('seq', t.bigint, (c) => c.notNull())
          .addColumn('partition', 'integer', (c) => c.notNull())
          .addColumn('event', t.json, (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('error', 'text', (c) => c.notNull())
          .addColumn('attempts', t.json, (c) => c.notNull())
          .addColumn('resolution', t.json)
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('updated_at', t.timestamp, (c) => c.notNull())
          .addUniqueConstraint('keel_bus_dead_letters_event', ['group_name', 'event_id'])
          .execute();
        await db.schema
          .createIndex('keel_bus_dead_letters_status')
          .on('keel_bus_dead_letters')
          .columns(['status', 'group_name'])
          .execute();
      },
    },
    subjectBlocksMigration,
  ],
};

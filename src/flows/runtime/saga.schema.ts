import type { Generated, Kysely } from 'kysely';
import { columnTypes, type Dialect, type MigrationSet } from '../../kernel/ports/store.js';
import type { SagaHistoryKind, SagaStatus } from './saga.types.js';

/** The channel runners listen on: raised when a saga becomes due now (start, signal, release). */
export const SAGA_WAKE_CHANNEL = 'keel_sagas';

/** One row per saga: its position, documents, timer and claim. */
export interface SagaRow {
  id: string;
  type: string;
  status: SagaStatus;
  /** Canonical JSON (sorted keys), so idempotent starts compare documents, not key order. */
  input: string;
  state: string;
  step_index: number;
  step_id: string | null;
  attempt: number;
  /** JSON: outcomes of waits by signal name. */
  signals: string;
  waiting_for: string | null;
  wait_until: string | null;
  /** The durable timer: due when <= now. Null for ended sagas and waits without a deadline. */
  wake_at: string | null;
  error: string | null;
  correlation_id: string;
  traceparent: string | null;
  locked_by: string | null;
  /** Unique per claim: a runner whose claim expired and was taken over cannot write any more. */
  lock_token: string | null;
  locked_until: string | null;
  created_at: string;
  updated_at: string;
  ended_at: string | null;
}

export interface SagaHistoryRow {
  seq: Generated<number>;
  saga_id: string;
  at: string;
  kind: SagaHistoryKind;
  step_id: string | null;
  attempt: number | null;
  details: string;
}

/** Signals are kept until a wait consumes them, so one sent before the wait began is not lost. */
export interface SagaSignalRow {
  seq: Generated<number>;
  saga_id: string;
  signal_id: string;
  name: string;
  payload: string;
  received_at: string;
  consumed_at: string | null;
}

export interface SagaDb {
  keel_sagas: SagaRow;
  keel_saga_history: SagaHistoryRow;
  keel_saga_signals: SagaSignalRow;
}

/** The saga tables, typed (the Store port hands out untyped Kysely instances). */
export function sagaDb(db: Kysely<any>): Kysely<SagaDb> {
  return db as Kysely<SagaDb>;
}

async function createSagaTables(db: Kysely<any>, dialect: Dialect): Promise<void> {
  const t = columnTypes(dialect);
  await db.schema
    .createTable('keel_sagas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('input', t.json, (c) => c.notNull())
    .addColumn('state', t.json, (c) => c.notNull())
    .addColumn('step_index', 'integer', (c) => c.notNull())
    .addColumn('step_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('signals', t.json, (c) => c.notNull())
    .addColumn('waiting_for', 'text')
    .addColumn('wait_until', t.timestamp)
    .addColumn('wake_at', t.timestamp)
    .addColumn('error', t.json)
    .addColumn('correlation_id', 'text', (c) => c.notNull())
    .addColumn('traceparent', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('lock_token', 'text')
    .addColumn('locked_until', t.timestamp)
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('updated_at', t.timestamp, (c) => c.notNull())
    .addColumn('ended_at', t.timestamp)
    .execute();
  // Claiming and the nearest-timer lookup are range scans on these two.
  await db.schema.createIndex('keel_sagas_wake_idx').on('keel_sagas').column('wake_at').execute();
  await db.schema.createIndex('keel_sagas_lease_idx').on('keel_sagas').column('locked_until').execute();
  // Admin listing: newest first, optionally by status or type; trails by correlation id.
  await db.schema
    .createIndex('keel_sagas_created_idx')
    .on('keel_sagas')
    .columns(['created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('keel_sagas_status_idx')
    .on('keel_sagas')
    .columns(['status', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('keel_sagas_type_idx')
    .on('keel_sagas')
    .columns(['type', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('keel_sagas_correlation_idx')
    .on('keel_sagas')
    .column('correlation_id')
    .execute();

  await db.schema
    .createTable('keel_saga_history')
    .addColumn('seq', t.serial, (c) => c.primaryKey())
    .addColumn('saga_id', 'text', (c) => c.notNull())
    .addColumn('at', t.timestamp, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text')
    .addColumn('attempt', 'integer')
    .addColumn('details', t.json, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('keel_saga_history_saga_idx')
    .on('keel_saga_history')
    .columns(['saga_id', 'seq'])
    .execute();

  await db.schema
    .createTable('keel_saga_signals')
    .addColumn('seq', t.serial, (c) => c.primaryKey())
    .addColumn('saga_id', 'text', (c) => c.notNull())
    .addColumn('signal_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('received_at', t.timestamp, (c) => c.notNull())
    .addColumn('consumed_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('keel_saga_signals_id_idx')
    .on('keel_saga_signals')
    .columns(['saga_id', 'signal_id'])
    .unique()
    .execute();
  await db.schema
    .createIndex('keel_saga_signals_pending_idx')
    .on('keel_saga_signals')
    .columns(['saga_id', 'name', 'seq'])
    .execute();
}

/** The saga runtime's tables; app.ts runs it with the other migration sets. */
export const sagaMigrations: MigrationSet = {
  domain: 'sagas',
  migrations: [{ id: '001_saga_tables', up: createSagaTables }],
};

import { type ColumnDataType, sql } from 'kysely';
import type { Dialect, Migration } from '../../kernel/ports/store.js';
import { columnTypes } from '../../kernel/ports/store.js';

/**
 * Inventory reconciliation's tables: a run per report a source (a channel or a connector) sent,
 * one difference row per reported line (matched ones too: they are the accuracy's numerator), and
 * the exceptions drift that re-publishing did not heal became. A line's target is a location code
 * (the run's measure is `available`) or a channel (measure `atp`).
 */

export interface ErpReconciliationRunRow {
  seq: number;
  id: string;
  source: string;
  measure: string;
  /** `{ units, basisPoints }` JSON: the tolerance the run judged with. */
  tolerance: string;
  exception_after: number;
  lines: number;
  matched: number;
  healed: number;
  exceptions: number;
  opened: number;
  auto_resolved: number;
  unit_error: number;
  accuracy: number;
  actor: string;
  started_at: string;
  finished_at: string;
}

export interface ErpReconciliationDifferenceRow {
  run_id: string;
  /** The line's position in the report (0-based): the page cursor. */
  n: number;
  sku: string;
  target: string;
  reported: number;
  expected: number;
  delta: number;
  outcome: string;
  /** Consecutive drifting runs of this line, this one included (0 when matched). */
  streak: number;
}

export interface ErpReconciliationExceptionRow {
  seq: number;
  id: string;
  source: string;
  measure: string;
  sku: string;
  target: string;
  status: string;
  reported: number;
  expected: number;
  delta: number;
  streak: number;
  /** Runs that found the drift while the exception was open. */
  occurrences: number;
  first_run: string;
  last_run: string;
  opened_at: string;
  updated_at: string;
  closed_at: string | null;
  closed_by: string | null;
  close_reason: string | null;
  /** The run whose matching line auto-resolved it; null when an operator closed it. */
  closed_run: string | null;
  /** The source's latest run `seq` when it was closed: later runs start the line's streak afresh. */
  closed_after_seq: number | null;
}

const float = (dialect: Dialect): ColumnDataType => (dialect === 'postgres' ? 'double precision' : 'real');

export const reconciliationMigration: Migration = {
  id: '009_reconciliation',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_reconciliation_runs')
      .addColumn('seq', t.serial, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('measure', 'text', (c) => c.notNull())
      .addColumn('tolerance', t.json, (c) => c.notNull())
      .addColumn('exception_after', 'integer', (c) => c.notNull())
      .addColumn('lines', 'integer', (c) => c.notNull())
      .addColumn('matched', 'integer', (c) => c.notNull())
      .addColumn('healed', 'integer', (c) => c.notNull())
      .addColumn('exceptions', 'integer', (c) => c.notNull())
      .addColumn('opened', 'integer', (c) => c.notNull())
      .addColumn('auto_resolved', 'integer', (c) => c.notNull())
      .addColumn('unit_error', t.bigint, (c) => c.notNull())
      .addColumn('accuracy', float(dialect), (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('started_at', t.timestamp, (c) => c.notNull())
      .addColumn('finished_at', t.timestamp, (c) => c.notNull())
      .execute();
    // A source's previous run (streaks) and its latest run (accuracy) are read by this key.
    await db.schema
      .createIndex('erp_reconciliation_runs_source')
      .on('erp_reconciliation_runs')
      .columns(['source', 'measure', 'seq'])
      .execute();

    await db.schema
      .createTable('erp_reconciliation_differences')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('reported', t.bigint, (c) => c.notNull())
      .addColumn('expected', t.bigint, (c) => c.notNull())
      .addColumn('delta', t.bigint, (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('streak', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_reconciliation_differences_pk', ['run_id', 'n'])
      .execute();
    // The next run of the source looks up this run's drifted lines by SKU.
    await db.schema
      .createIndex('erp_reconciliation_differences_sku')
      .on('erp_reconciliation_differences')
      .columns(['run_id', 'sku', 'target'])
      .execute();

    await db.schema
      .createTable('erp_reconciliation_exceptions')
      .addColumn('seq', t.serial, (c) => c.primaryKey())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('measure', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reported', t.bigint, (c) => c.notNull())
      .addColumn('expected', t.bigint, (c) => c.notNull())
      .addColumn('delta', t.bigint, (c) => c.notNull())
      .addColumn('streak', 'integer', (c) => c.notNull())
      .addColumn('occurrences', 'integer', (c) => c.notNull())
      .addColumn('first_run', 'text', (c) => c.notNull())
      .addColumn('last_run', 'text', (c) => c.notNull())
      .addColumn('opened_at', t.timestamp, (c) => c.notNull())
      .addColumn('updated_at', t.timestamp, (c) => c.notNull())
      .addColumn('closed_at', t.timestamp)
      .addColumn('closed_by', 'text')
      .addColumn('close_reason', 'text')
      .addColumn('closed_run', 'text')
      .addColumn('closed_after_seq', t.bigint)
      .execute();
    // One open exception per source × line: repeated drift updates it, never duplicates it.
    await db.schema
      .createIndex('erp_reconciliation_exceptions_open')
      .on('erp_reconciliation_exceptions')
      .columns(['source', 'measure', 'sku', 'target'])
      .unique()
      .where(sql.ref('status'), '=', 'open')
      .execute();
    await db.schema
      .createIndex('erp_reconciliation_exceptions_status')
      .on('erp_reconciliation_exceptions')
      .columns(['status', 'seq'])
      .execute();
    // Listing by source or SKU, and the closed-since lookup of a run's streaks.
    await db.schema
      .createIndex('erp_reconciliation_exceptions_line')
      .on('erp_reconciliation_exceptions')
      .columns(['source', 'measure', 'sku'])
      .execute();
  },
};

/**
 * `erp_reconciliation_streaks`: how long each line of a source has been drifting, counted over the
 * reports of that line (reconciliation.streaks.ts).
 */
export const reconciliationStreaksMigration: Migration = {
  id: '012_reconciliation_streaks',
  up: async (db, dialect) => {
    const t = columnTypes(dialect);
    await db.schema
      .createTable('erp_reconciliation_streaks')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('measure', 'text', (c) => c.notNull())
      .addColumn('sku', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('streak', 'integer', (c) => c.notNull())
      .addColumn('run_seq', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('erp_reconciliation_streaks_pk', ['source', 'measure', 'sku', 'target'])
      .execute();
    // Carry over what the previous rule read: the drifting lines of each source's latest run,
    // unless an operator closed the line's exception after that run.
    await sql`insert into erp_reconciliation_streaks (source, measure, sku, target, streak, run_seq)
      select r.source, r.measure, d.sku, d.target, d.streak, r.seq
      from erp_reconciliation_runs as r
      join erp_reconciliation_differences as d on d.run_id = r.id
      where r.seq = (select max(x.seq) from erp_reconciliation_runs as x where x.source = r.source and x.measure = r.measure)
        and d.streak > 0
        and not exists (select 1 from erp_reconciliation_exceptions as e
          where e.source = r.source and e.measure = r.measure and e.sku = d.sku and e.target = d.target
            and e.status <> 'open' and e.closed_after_seq >= r.seq)`.execute(db);
  },
};

import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { insertRows, selectByKeys } from '../../kernel/sql.js';
import { lineKey } from './reconciliation.read.js';
import type { Measure } from './reconciliation.types.js';

/**
 * How long each line of a source has been drifting: one row per source × measure × SKU × target,
 * updated by every run that reports the line. A line's streak counts the consecutive reports *of
 * that line* that found it drifting, so a source that sends partial reports (one location today,
 * another tomorrow) escalates a line that keeps drifting just as a full report does. (It used to
 * be read from the source's previous run, where a line missing from that run started at 1 again
 * and partial reports never escalated.) An operator closing the line's exception sets it to 0.
 */

const KEY = ['source', 'measure', 'sku', 'target'] as const;
const UPSERT =
  'on conflict ("source", "measure", "sku", "target") do update set "streak" = excluded."streak", "run_seq" = excluded."run_seq"';

/** The stored streak of each line (absent: 0), by lineKey. */
export async function previousStreaks(
  tx: Tx,
  dialect: Dialect,
  source: string,
  measure: Measure,
  lines: readonly { sku: string; target: string }[],
): Promise<Map<string, number>> {
  const rows = await selectByKeys<{ sku: string; target: string; streak: number }>(
    tx,
    dialect,
    'erp_reconciliation_streaks',
    KEY,
    lines.map((l) => [source, measure, l.sku, l.target]),
    ['sku', 'target', 'streak'],
  );
  return new Map(rows.map((r) => [lineKey(r.sku, r.target), Number(r.streak)]));
}

/**
 * Store the run's streaks: every drifting line's, and 0 for a line that stopped drifting (only
 * where a row exists: `previous`). Upserts by primary key, never a scan.
 */
export async function saveStreaks(
  tx: Tx,
  dialect: Dialect,
  run: { source: string; measure: Measure; seq: number },
  judged: readonly { sku: string; target: string; key: string; streak: number }[],
  previous: ReadonlyMap<string, number>,
): Promise<void> {
  const rows = judged
    .filter((j) => j.streak > 0 || (previous.get(j.key) ?? 0) > 0)
    .map((j) => [run.source, run.measure, j.sku, j.target, j.streak, run.seq]);
  await upsert(tx, dialect, rows);
}

/** An operator closed the line's exception: its next drift is healed again before it escalates. */
export async function resetStreak(
  tx: Tx,
  dialect: Dialect,
  line: { source: string; measure: string; sku: string; target: string; runSeq: number },
): Promise<void> {
  await upsert(tx, dialect, [[line.source, line.measure, line.sku, line.target, 0, line.runSeq]]);
}

/** Rows of (source, measure, sku, target, streak, run_seq), replacing the lines' stored streaks. */
const upsert = (tx: Tx, dialect: Dialect, rows: unknown[][]) =>
  insertRows(tx, dialect, 'erp_reconciliation_streaks', [...KEY, 'streak', 'run_seq'], rows, UPSERT);

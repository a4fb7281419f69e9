import type { EventInput } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { insertRows } from '../../kernel/sql.js';
import { inputValidator } from '../../kernel/validate.js';
import type { AtpService } from './atp.service.js';
import type { FieldError } from './errors.js';
import { ReconciliationCompleted } from './events.js';
import { actor, type ErpDeps, retryingRace } from './ledger.service.js';
import { markSkusDirty } from './level.marks.js';
import { limitOf } from './procurement.store.js';
import { combine, judgeLine, summarize } from './reconciliation.compare.js';
import { ReconciliationErrors } from './reconciliation.errors.js';
import { createReconciliationExceptions, type JudgedLine, lockSource } from './reconciliation.exceptions.js';
import { acceptedDeltas, lineKey, loadKnown, loadTruth, toDifference, toRun } from './reconciliation.read.js';
import type { ErpReconciliationDifferenceRow, ErpReconciliationRunRow } from './reconciliation.schema.js';
import { ReportInputSchema } from './reconciliation.schemas.js';
import { previousStreaks, saveStreaks } from './reconciliation.streaks.js';
import {
  type AccuracyReport,
  DEFAULT_RECONCILIATION_POLICY,
  type Outcome,
  type ReconciliationDifference,
  type ReconciliationPolicy,
  type ReconciliationRun,
  type ReportInput,
  type ReportLine,
} from './reconciliation.types.js';
import { checkLines, checkReferences, MAX_LISTED, targetOf } from './reconciliation.validate.js';

/**
 * Inventory reconciliation, stored. A report is judged in one transaction: validated (nothing is
 * written if any line is wrong), compared with the ERP's truth at that moment, and recorded as a
 * run with a difference per line; drifted SKUs are marked dirty in the same transaction, so the
 * level publisher re-publishes their truth (the healing); lines that keep drifting open or update
 * an exception; lines that match again resolve theirs. Runs of one source are serialized (an
 * advisory lock on PostgreSQL, SQLite's single writer), so streaks and the one-open-exception rule
 * hold under concurrent reports.
 */

const checkReport = inputValidator(ReportInputSchema, 'reconciliation report');

export interface RunDetail extends ReconciliationRun {
  differences: ReconciliationDifference[];
  next?: string;
}

const invalid = (errors: FieldError[]) =>
  ReconciliationErrors.REPORT_INVALID.create(
    `${errors.length} problem(s): ${errors
      .slice(0, 3)
      .map((e) => `${e.field} ${e.message}`)
      .join('; ')}${errors.length > 3 ? '; …' : ''}`,
    { errors: errors.slice(0, MAX_LISTED) },
  );

export function createReconciliationService(
  deps: ErpDeps,
  atp: AtpService,
  defaults: ReconciliationPolicy = DEFAULT_RECONCILIATION_POLICY,
) {
  const { store, bus, clock, audit } = deps;
  const dialect = store.dialect;
  const now = () => clock.now().toISOString();
  const exceptions = createReconciliationExceptions(deps);

  async function runRow(id: string): Promise<ErpReconciliationRunRow> {
    const row = (await store.db
      .selectFrom('erp_reconciliation_runs')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()) as ErpReconciliationRunRow | undefined;
    if (!row) throw ReconciliationErrors.RUN_NOT_FOUND.create(`no reconciliation run "${id}"`);
    return row;
  }

  return {
    /**
     * Reconcile a source's report (see the module comment). Every problem of the report is listed
     * in ERP_RECONCILIATION_REPORT_INVALID and nothing is written.
     */
    async submit(input: ReportInput): Promise<ReconciliationRun> {
      const report = checkReport(input);
      const lines = report.lines as ReportLine[];
      const policy: ReconciliationPolicy = {
        tolerance: { ...defaults.tolerance, ...report.tolerance },
        exceptionAfterRuns: report.exceptionAfterRuns ?? defaults.exceptionAfterRuns,
      };
      const { measure, errors } = checkLines(lines);
      if (errors.length > 0) throw invalid(errors);
      await assertOwnership(deps, 'erp', `reconciliation:${report.source}`, ['reconciliation']);
      const startedAt = now();
      return retryingRace(() =>
        store.tx(async (tx) => {
          await lockSource(tx, dialect, report.source);
          const refErrors = checkReferences(lines, measure, await loadKnown(tx, dialect, measure, lines));
          if (refErrors.length > 0) throw invalid(refErrors);
          const truth = await loadTruth(tx, dialect, atp, measure, lines);
          const targets = lines.map((l) => ({ sku: l.sku, target: targetOf(l) }));
          const streaks = await previousStreaks(tx, dialect, report.source, measure, targets);
          const accepted = await acceptedDeltas(tx, dialect, report.source, measure, targets);
          const judged: JudgedLine[] = lines.map((line, i) => {
            const key = lineKey(line.sku, targets[i]!.target);
            const expected = truth.get(key) ?? 0;
            return {
              line,
              key,
              expected,
              ...judgeLine(line.quantity, expected, streaks.get(key) ?? 0, policy, accepted.get(key)),
            };
          });
          const id = newId('rcn');
          const at = now();
          const events: EventInput[] = [];
          const { opened, autoResolved } = await exceptions.settle(
            tx,
            { id, source: report.source, measure, at },
            judged,
            events,
          );
          // The healing: the publisher emits these SKUs' current truth again.
          await markSkusDirty(
            tx,
            dialect,
            judged.filter((j) => j.outcome === 'healed').map((j) => j.line.sku),
          );
          const summary = summarize(judged);
          const row: Omit<ErpReconciliationRunRow, 'seq'> = {
            id,
            source: report.source,
            measure,
            tolerance: JSON.stringify(policy.tolerance),
            exception_after: policy.exceptionAfterRuns,
            lines: summary.lines,
            matched: summary.matched,
            healed: summary.healed,
            exceptions: summary.exceptions,
            opened,
            auto_resolved: autoResolved,
            unit_error: summary.unitError,
            accuracy: summary.accuracy,
            actor: actor(),
            started_at: startedAt,
            finished_at: at,
          };
          const { seq } = await tx
            .insertInto('erp_reconciliation_runs')
            .values(row)
            .returning('seq')
            .executeTakeFirstOrThrow();
          await saveStreaks(
            tx,
            dialect,
            { source: report.source, measure, seq: Number(seq) },
            judged.map((j, i) => ({ ...targets[i]!, key: j.key, streak: j.streak })),
            streaks,
          );
          await insertRows(
            tx,
            dialect,
            'erp_reconciliation_differences',
            ['run_id', 'n', 'sku', 'target', 'reported', 'expected', 'delta', 'outcome', 'streak'],
            judged.map((j, n) => [
              id,
              n,
              j.line.sku,
              targetOf(j.line),
              j.line.quantity,
              j.expected,
              j.delta,
              j.outcome,
              j.streak,
            ]),
          );
          const run = toRun({ ...row, seq: 0 });
          const { id: _i, tolerance: _t, exceptionAfterRuns: _e, actor: _a, ...completed } = run;
          events.push(ReconciliationCompleted.input(id, { runId: id, ...completed }));
          await bus.append(tx, events);
          await audit.record(tx, {
            action: 'erp.reconciliation.run',
            target: `reconciliation:${report.source}`,
            after: run,
          });
          return run;
        }),
      );
    },

    /** Runs, newest first, of every source or one; `next` is the position to continue after. */
    async listRuns(q: { source?: string; after?: string; limit?: number } = {}) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_reconciliation_runs')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(limit + 1);
      if (q.source) sel = sel.where('source', '=', q.source);
      if (q.after) sel = sel.where('seq', '<', Number(q.after));
      const rows = (await sel.execute()) as ErpReconciliationRunRow[];
      const items = rows.slice(0, limit).map(toRun);
      return rows.length > limit ? { items, next: String(rows[limit - 1]!.seq) } : { items };
    },

    /** A run with a page of its differences in report order (optionally only one outcome). */
    async getRun(
      id: string,
      q: { outcome?: Outcome; after?: string; limit?: number } = {},
    ): Promise<RunDetail> {
      const row = await runRow(id);
      const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
      let sel = store.db
        .selectFrom('erp_reconciliation_differences')
        .selectAll()
        .where('run_id', '=', id)
        .orderBy('n')
        .limit(limit + 1);
      if (q.outcome) sel = sel.where('outcome', '=', q.outcome);
      if (q.after !== undefined) sel = sel.where('n', '>', Number(q.after));
      const rows = (await sel.execute()) as ErpReconciliationDifferenceRow[];
      const differences = rows.slice(0, limit).map((r) => toDifference(r, row.measure));
      return {
        ...toRun(row),
        differences,
        ...(rows.length > limit ? { next: String(differences.at(-1)!.n) } : {}),
      };
    },

    /** The latest run of every source (and measure), and all of them summed: accuracy now. */
    async accuracy(): Promise<AccuracyReport> {
      const latest = await store.db
        .selectFrom('erp_reconciliation_runs')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .groupBy(['source', 'measure'])
        .execute();
      const seqs = latest.map((r) => Number(r.seq));
      const rows = (
        seqs.length === 0
          ? []
          : await store.db
              .selectFrom('erp_reconciliation_runs')
              .selectAll()
              .where('seq', 'in', seqs)
              .orderBy('source')
              .orderBy('measure')
              .execute()
      ) as ErpReconciliationRunRow[];
      const sources = rows.map(toRun).map((r) => ({
        source: r.source,
        measure: r.measure,
        runId: r.id,
        finishedAt: r.finishedAt,
        lines: r.lines,
        matched: r.matched,
        healed: r.healed,
        exceptions: r.exceptions,
        accuracy: r.accuracy,
        unitError: r.unitError,
      }));
      return { overall: { ...combine(sources), sources: sources.length }, sources };
    },

    /** Exceptions: list, get, and the operator's resolve / ignore (reconciliation.exceptions.ts). */
    listExceptions: exceptions.listExceptions,
    getException: exceptions.getException,
    resolve: exceptions.resolve,
    ignore: exceptions.ignore,
  };
}

export type ReconciliationService = ReturnType<typeof createReconciliationService>;

import type { EventInput } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { chunked } from '../../kernel/sql.js';
import { ReconciliationExceptionOpened } from './events.js';
import { actor, type ErpDeps } from './ledger.service.js';
import { limitOf } from './procurement.store.js';
import { ReconciliationErrors } from './reconciliation.errors.js';
import { openExceptions, toException } from './reconciliation.read.js';
import type { ErpReconciliationExceptionRow } from './reconciliation.schema.js';
import { resetStreak } from './reconciliation.streaks.js';
import type {
  ExceptionStatus,
  Outcome,
  ReconciliationException,
  ReconciliationRun,
  ReportLine,
} from './reconciliation.types.js';
import { targetOf } from './reconciliation.validate.js';
import { lockSkus } from './sql.js';

/**
 * Reconciliation exceptions: drift that re-publishing did not heal. A run opens one per drifting
 * line (at most one open per source × measure × SKU × target: the partial unique index), updates
 * it while the line keeps drifting and resolves it when the line matches again; an operator
 * resolves or ignores it, with who, when and why recorded and audited.
 */

/** The actor that closes exceptions when a matching report comes in. */
export const AUTO_ACTOR = 'system:erp/reconciliation';

/** A report line as the run judged it. */
export interface JudgedLine {
  line: ReportLine;
  key: string;
  expected: number;
  outcome: Outcome;
  delta: number;
  streak: number;
}

/** Runs of one source wait for each other (the key cannot be a SKU: SKUs have no `:`). */
export const lockSource = (tx: Tx, dialect: ErpDeps['store']['dialect'], source: string) =>
  lockSkus(tx, dialect, [`reconciliation:${source}`]);

export function createReconciliationExceptions(deps: ErpDeps) {
  const { store, clock, audit } = deps;
  const dialect = store.dialect;
  const now = () => clock.now().toISOString();

  async function exceptionRow(db: Tx, id: string): Promise<ErpReconciliationExceptionRow> {
    const row = (await db
      .selectFrom('erp_reconciliation_exceptions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()) as ErpReconciliationExceptionRow | undefined;
    if (!row) throw ReconciliationErrors.EXCEPTION_NOT_FOUND.create(`no reconciliation exception "${id}"`);
    return row;
  }

  /** An operator closes an open exception: who, when and why are kept, and audited. */
  async function close(id: string, status: Exclude<ExceptionStatus, 'open'>, reason: string) {
    await assertOwnership(deps, 'erp', `reconciliation-exception:${id}`, ['status']);
    const { source } = await exceptionRow(store.db, id);
    return store.tx(async (tx) => {
      await lockSource(tx, dialect, source);
      const row = await exceptionRow(tx, id);
      if (row.status !== 'open')
        throw ReconciliationErrors.EXCEPTION_NOT_OPEN.create(`exception ${id} is ${row.status}`, {
          status: row.status,
        });
      const latest = await tx
        .selectFrom('erp_reconciliation_runs')
        .select((eb) => eb.fn.max('seq').as('seq'))
        .where('source', '=', row.source)
        .where('measure', '=', row.measure)
        .executeTakeFirst();
      const at = now();
      const closed = {
        status,
        closed_at: at,
        closed_by: actor(),
        close_reason: reason,
        closed_run: null,
        // Kept for the record; the streak itself is reset below (reconciliation.streaks.ts).
        closed_after_seq: Number(latest?.seq ?? 0),
        updated_at: at,
      };
      await tx.updateTable('erp_reconciliation_exceptions').set(closed).where('id', '=', id).execute();
      await resetStreak(tx, dialect, { ...row, runSeq: closed.closed_after_seq });
      await audit.record(tx, {
        action: `erp.reconciliation.exception.${status}`,
        target: `reconciliation-exception:${id}`,
        before: { status: row.status },
        after: { status, reason },
      });
      return toException({ ...row, ...closed });
    });
  }

  /** Open or update the line's exception; auto-resolve it when the line matches. Returns counts. */
  async function settle(
    tx: Tx,
    run: { id: string; source: string; measure: ReconciliationRun['measure']; at: string },
    judged: readonly JudgedLine[],
    events: EventInput[],
  ): Promise<{ opened: number; autoResolved: number }> {
    const open = await openExceptions(tx, run.source, run.measure);
    // Set-based where the values are shared: one update for every auto-resolved exception, one
    // multi-row insert for the new ones; only a still-drifting open exception gets its own update.
    const resolved: string[] = [];
    const fresh: Record<string, unknown>[] = [];
    for (const j of judged) {
      const existing = open.get(j.key);
      const drift = { reported: j.line.quantity, expected: j.expected, delta: j.delta, streak: j.streak };
      if (j.outcome === 'matched' && existing) resolved.push(existing.id);
      else if (j.outcome === 'exception' && existing) {
        await tx
          .updateTable('erp_reconciliation_exceptions')
          .set({
            ...drift,
            occurrences: Number(existing.occurrences) + 1,
            last_run: run.id,
            updated_at: run.at,
          })
          .where('id', '=', existing.id)
          .execute();
      } else if (j.outcome === 'exception') {
        const id = newId('rcx');
        const target = targetOf(j.line);
        fresh.push({
          id,
          source: run.source,
          measure: run.measure,
          sku: j.line.sku,
          target,
          status: 'open',
          ...drift,
          occurrences: 1,
          first_run: run.id,
          last_run: run.id,
          opened_at: run.at,
          updated_at: run.at,
        });
        events.push(
          ReconciliationExceptionOpened.input(
            id,
            {
              exceptionId: id,
              source: run.source,
              measure: run.measure,
              sku: j.line.sku,
              location: run.measure === 'available' ? target : null,
              channel: run.measure === 'atp' ? target : null,
              ...drift,
              runId: run.id,
              openedAt: run.at,
            },
            { partitionKey: j.line.sku },
          ),
        );
      }
    }
    for (const ids of chunked(resolved))
      await tx
        .updateTable('erp_reconciliation_exceptions')
        .set({
          status: 'resolved',
          closed_at: run.at,
          closed_by: AUTO_ACTOR,
          close_reason: `matched in run ${run.id}`,
          closed_run: run.id,
          updated_at: run.at,
        })
        .where('id', 'in', ids)
        .execute();
    for (const rows of chunked(fresh, 200))
      await tx.insertInto('erp_reconciliation_exceptions').values(rows).execute();
    const opened = fresh.length;
    const autoResolved = resolved.length;
    return { opened, autoResolved };
  }

  return {
    /** In the run's transaction: open, update or auto-resolve the lines' exceptions; returns counts. */
    settle,

    /** Exceptions, newest first, filtered by status, source and SKU. */
    async listExceptions(
      q: { status?: ExceptionStatus; source?: string; sku?: string; after?: string; limit?: number } = {},
    ): Promise<{ items: ReconciliationException[]; next?: string }> {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_reconciliation_exceptions')
        .selectAll()
        .orderBy('seq', 'desc')
        .limit(limit + 1);
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.source) sel = sel.where('source', '=', q.source);
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.after) sel = sel.where('seq', '<', Number(q.after));
      const rows = (await sel.execute()) as ErpReconciliationExceptionRow[];
      const items = rows.slice(0, limit).map(toException);
      return rows.length > limit ? { items, next: String(rows[limit - 1]!.seq) } : { items };
    },

    async getException(id: string): Promise<ReconciliationException> {
      return toException(await exceptionRow(store.db, id));
    },

    /** The drift was dealt with (e.g. the channel's mapping fixed): closed as resolved. */
    resolve: (id: string, reason: string) => close(id, 'resolved', reason),

    /** The drift is known and accepted (e.g. a channel that buffers stock on purpose). */
    ignore: (id: string, reason: string) => close(id, 'ignored', reason),
  };
}

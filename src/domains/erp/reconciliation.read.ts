import type { Kysely } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked, selectByKeys } from '../../kernel/sql.js';
import type { AtpService } from './atp.service.js';
import { selectIn, selectPairs } from './ledger.read.js';
import type {
  ErpReconciliationDifferenceRow,
  ErpReconciliationExceptionRow,
  ErpReconciliationRunRow,
} from './reconciliation.schema.js';
import type {
  ExceptionStatus,
  Measure,
  Outcome,
  ReconciliationDifference,
  ReconciliationException,
  ReconciliationRun,
  ReportLine,
  Tolerance,
} from './reconciliation.types.js';
import { targetOf } from './reconciliation.validate.js';

/**
 * What a reconciliation run reads — the ERP's truth for the reported lines, the references it
 * knows, the differences operators accepted — and its rows turned into API shapes.
 */

/** A line's identity within a source and measure. */
export const lineKey = (sku: string, target: string) => `${sku}\u0000${target}`;

/** `location` / `channel` of a line from its target and the run's measure. */
const targetFields = (measure: string, target: string) =>
  measure === 'atp' ? { location: null, channel: target } : { location: target, channel: null };

export function toRun(r: ErpReconciliationRunRow): ReconciliationRun {
  return {
    id: r.id,
    source: r.source,
    measure: r.measure as Measure,
    tolerance: JSON.parse(r.tolerance) as Tolerance,
    exceptionAfterRuns: Number(r.exception_after),
    lines: Number(r.lines),
    matched: Number(r.matched),
    healed: Number(r.healed),
    exceptions: Number(r.exceptions),
    accuracy: Number(r.accuracy),
    unitError: Number(r.unit_error),
    opened: Number(r.opened),
    autoResolved: Number(r.auto_resolved),
    actor: r.actor,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export function toDifference(r: ErpReconciliationDifferenceRow, measure: string): ReconciliationDifference {
  return {
    n: Number(r.n),
    sku: r.sku,
    ...targetFields(measure, r.target),
    reported: Number(r.reported),
    expected: Number(r.expected),
    delta: Number(r.delta),
    outcome: r.outcome as Outcome,
    streak: Number(r.streak),
  };
}

export function toException(r: ErpReconciliationExceptionRow): ReconciliationException {
  return {
    id: r.id,
    source: r.source,
    measure: r.measure as Measure,
    sku: r.sku,
    ...targetFields(r.measure, r.target),
    status: r.status as ExceptionStatus,
    reported: Number(r.reported),
    expected: Number(r.expected),
    delta: Number(r.delta),
    streak: Number(r.streak),
    occurrences: Number(r.occurrences),
    firstRun: r.first_run,
    lastRun: r.last_run,
    openedAt: r.opened_at,
    updatedAt: r.updated_at,
    closed:
      r.closed_at === null
        ? null
        : { at: r.closed_at, by: r.closed_by ?? '', reason: r.close_reason ?? '', run: r.closed_run ?? null },
  };
}

/** The reported SKUs the ERP knows, and the reported locations (or channels) that exist. */
export async function loadKnown(
  tx: Tx,
  dialect: Dialect,
  measure: Measure,
  lines: readonly ReportLine[],
): Promise<{ skus: Set<string>; targets: Set<string> }> {
  const skus = await selectIn<{ sku: string }>(
    tx,
    dialect,
    'erp_items',
    'sku',
    lines.map((l) => l.sku),
  );
  const targets = lines.map(targetOf);
  const found =
    measure === 'available'
      ? (await selectIn<{ code: string }>(tx, dialect, 'erp_locations', 'code', targets)).map((r) => r.code)
      : (await selectIn<{ channel: string }>(tx, dialect, 'erp_channels', 'channel', targets)).map(
          (r) => r.channel,
        );
  return { skus: new Set(skus.map((r) => r.sku)), targets: new Set(found) };
}

/**
 * The ERP's truth for every line, by lineKey: the level's `available` (0 where the SKU never moved
 * at the location) or the channel's ATP, computed by the ATP service itself so that
 * reconciliation judges exactly what the ERP publishes.
 */
export async function loadTruth(
  tx: Tx,
  dialect: Dialect,
  atp: AtpService,
  measure: Measure,
  lines: readonly ReportLine[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (measure === 'available') {
    const rows = await selectPairs<{ sku: string; location: string; available: unknown }>(
      tx,
      dialect,
      'erp_levels',
      lines.map((l) => [l.sku, targetOf(l)] as const),
    );
    for (const r of rows) out.set(lineKey(r.sku, r.location), Number(r.available));
    return out;
  }
  const byChannel = new Map<string, string[]>();
  for (const l of lines) byChannel.set(targetOf(l), [...(byChannel.get(targetOf(l)) ?? []), l.sku]);
  for (const [channel, skus] of byChannel)
    for (const part of chunked(skus)) {
      const res = await atp.atp({ channel, skus: part });
      for (const item of res.items) out.set(lineKey(item.sku, channel), item.atp);
    }
  return out;
}

/**
 * The differences operators accepted, by lineKey: for each reported line whose latest exception
 * (open or closed) of this source and measure was ignored, that exception's difference. A later
 * exception of the line — the drift changed, escalated again — ends the acceptance.
 */
export async function acceptedDeltas(
  tx: Tx,
  dialect: Dialect,
  source: string,
  measure: Measure,
  lines: readonly { sku: string; target: string }[],
): Promise<Map<string, number>> {
  const rows = await selectByKeys<{
    sku: string;
    target: string;
    seq: number;
    status: string;
    delta: number;
  }>(
    tx,
    dialect,
    'erp_reconciliation_exceptions',
    ['source', 'measure', 'sku', 'target'],
    lines.map((l) => [source, measure, l.sku, l.target]),
    ['sku', 'target', 'seq', 'status', 'delta'],
  );
  const latest = new Map<string, { seq: number; status: string; delta: number }>();
  for (const r of rows) {
    const key = lineKey(r.sku, r.target);
    const seq = Number(r.seq);
    if ((latest.get(key)?.seq ?? -1) < seq)
      latest.set(key, { seq, status: r.status, delta: Number(r.delta) });
  }
  const out = new Map<string, number>();
  for (const [key, e] of latest) if (e.status === 'ignored') out.set(key, e.delta);
  return out;
}

/** The source's open exceptions, by lineKey (few: each is a line someone has to look at). */
export async function openExceptions(
  db: Kysely<any>,
  source: string,
  measure: Measure,
): Promise<Map<string, ErpReconciliationExceptionRow>> {
  const rows = (await db
    .selectFrom('erp_reconciliation_exceptions')
    .selectAll()
    .where('source', '=', source)
    .where('measure', '=', measure)
    .where('status', '=', 'open')
    .execute()) as ErpReconciliationExceptionRow[];
  return new Map(rows.map((r) => [lineKey(r.sku, r.target), r]));
}

/**
 * Inventory reconciliation's vocabulary. A source (a channel or a connector, by id) reports what it
 * believes a quantity is; the ERP compares each line with its own truth at that moment:
 *
 *   measure `available`  line = SKU × location, truth = the level's `available` bucket
 *   measure `atp`        line = SKU × channel,  truth = the channel's available-to-promise
 *
 * A line within tolerance is `matched`. A drifted line is `healed`: the SKU is marked dirty so the
 * level publisher emits the truth again. A line that keeps drifting for `exceptionAfterRuns`
 * consecutive runs of its source becomes an `exception` (re-publishing evidently does not fix it)
 * for an operator to resolve or ignore; a later matching report resolves it automatically. A line
 * whose latest exception an operator ignored is `accepted` while it drifts by exactly the ignored
 * difference (e.g. a marketplace holding back a buffer on purpose): not healed, not escalated.
 */

export const MEASURES = ['available', 'atp'] as const;
export type Measure = (typeof MEASURES)[number];

export const OUTCOMES = ['matched', 'accepted', 'healed', 'exception'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const EXCEPTION_STATUSES = ['open', 'resolved', 'ignored'] as const;
export type ExceptionStatus = (typeof EXCEPTION_STATUSES)[number];

/** Most lines in one report: one transaction, one multi-row insert per 500. */
export const MAX_REPORT_LINES = 10_000;
/** Upper bound of `exceptionAfterRuns`: beyond it drift would effectively never be escalated. */
export const MAX_EXCEPTION_AFTER_RUNS = 100;

/**
 * How far a reported quantity may be from the truth and still match: at most
 * `max(units, floor(|expected| × basisPoints / 10 000))` units either way.
 */
export interface Tolerance {
  units: number;
  basisPoints: number;
}

export interface ReconciliationPolicy {
  tolerance: Tolerance;
  /** The consecutive drifting run at which a line becomes an exception (1: never heal first). */
  exceptionAfterRuns: number;
}

/** Exact match; heal once, escalate if the next run still drifts. */
export const DEFAULT_RECONCILIATION_POLICY: ReconciliationPolicy = {
  tolerance: { units: 0, basisPoints: 0 },
  exceptionAfterRuns: 2,
};

/** One line of a report: exactly one of `location` (measure available) or `channel` (measure atp). */
export interface ReportLine {
  sku: string;
  location?: string;
  channel?: string;
  quantity: number;
}

export interface ReportInput {
  /** The channel or connector reporting (`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`). */
  source: string;
  lines: ReportLine[];
  /** Overrides of the service's default policy for this run. */
  tolerance?: Partial<Tolerance>;
  exceptionAfterRuns?: number;
}

/** Counts of a run (or of several runs summed), with the accuracy they give. */
export interface AccuracySummary {
  lines: number;
  /** Lines within tolerance, and those `accepted` (drifting by a difference an operator ignored). */
  matched: number;
  healed: number;
  exceptions: number;
  /** matched / lines (1 for no lines). */
  accuracy: number;
  /** Σ |reported − expected| over every line, in units. */
  unitError: number;
}

export interface ReconciliationRun extends AccuracySummary {
  id: string;
  source: string;
  measure: Measure;
  tolerance: Tolerance;
  exceptionAfterRuns: number;
  /** Exceptions this run opened (others it found drifting were open already). */
  opened: number;
  /** Open exceptions this run's matching lines resolved. */
  autoResolved: number;
  actor: string;
  startedAt: string;
  finishedAt: string;
}

export interface ReconciliationDifference {
  n: number;
  sku: string;
  location: string | null;
  channel: string | null;
  reported: number;
  expected: number;
  delta: number;
  outcome: Outcome;
  streak: number;
}

export interface ReconciliationException {
  id: string;
  source: string;
  measure: Measure;
  sku: string;
  location: string | null;
  channel: string | null;
  status: ExceptionStatus;
  /** The latest drift found. */
  reported: number;
  expected: number;
  delta: number;
  streak: number;
  occurrences: number;
  firstRun: string;
  lastRun: string;
  openedAt: string;
  updatedAt: string;
  /** Who closed it, when, why (null while open); `closedRun` when a matching report did. */
  closed: { at: string; by: string; reason: string; run: string | null } | null;
}

export interface SourceAccuracy extends AccuracySummary {
  source: string;
  measure: Measure;
  runId: string;
  finishedAt: string;
}

export interface AccuracyReport {
  /** The latest runs of every source, summed: the inventory accuracy KPI now. */
  overall: AccuracySummary & { sources: number };
  sources: SourceAccuracy[];
}

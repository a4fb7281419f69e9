import type { AccuracySummary, Outcome, ReconciliationPolicy, Tolerance } from './reconciliation.types.js';

/**
 * The pure core of reconciliation: is a reported quantity close enough to the truth, what becomes
 * of a line given how long it has been drifting, and how accurate a set of lines is. No store, no
 * clock: the service feeds it the truth and the lines' streaks.
 */

/** Units a line may be off by and still match (see Tolerance). */
export function allowedDrift(expected: number, tolerance: Tolerance): number {
  return Math.max(tolerance.units, Math.floor((Math.abs(expected) * tolerance.basisPoints) / 10_000));
}

export function withinTolerance(reported: number, expected: number, tolerance: Tolerance): boolean {
  return Math.abs(reported - expected) <= allowedDrift(expected, tolerance);
}

export interface JudgedLine {
  outcome: Outcome;
  delta: number;
  /** Consecutive drifting runs including this one; 0 when matched (the streak is broken). */
  streak: number;
}

/**
 * One line's outcome. `previousStreak` is how many consecutive runs of the same source before this
 * one found the line drifting (0 if the last one matched it, never saw it, or an operator closed
 * its exception since). Drift is healed until the streak reaches `exceptionAfterRuns`.
 * `acceptedDelta` is the difference of the line's latest exception if an operator ignored it: the
 * same drift again is `accepted` (known and intended); any other drift is judged as usual.
 */
export function judgeLine(
  reported: number,
  expected: number,
  previousStreak: number,
  policy: ReconciliationPolicy,
  acceptedDelta?: number,
): JudgedLine {
  const delta = reported - expected;
  if (withinTolerance(reported, expected, policy.tolerance)) return { outcome: 'matched', delta, streak: 0 };
  if (delta === acceptedDelta) return { outcome: 'accepted', delta, streak: 0 };
  const streak = previousStreak + 1;
  return { outcome: streak >= policy.exceptionAfterRuns ? 'exception' : 'healed', delta, streak };
}

/**
 * Accuracy of judged lines: the share whose reported quantity was within tolerance or drifted by
 * an accepted difference (both count as `matched`: the source says what it is meant to say), and
 * the total absolute unit error (which neither forgives: a matched line off by one counts one).
 */
export function summarize(lines: readonly { outcome: Outcome; delta: number }[]): AccuracySummary {
  const s = { lines: lines.length, matched: 0, healed: 0, exceptions: 0, unitError: 0 };
  for (const l of lines) {
    if (l.outcome === 'matched' || l.outcome === 'accepted') s.matched++;
    else if (l.outcome === 'healed') s.healed++;
    else s.exceptions++;
    s.unitError += Math.abs(l.delta);
  }
  return { ...s, accuracy: accuracyOf(s.matched, s.lines) };
}

/** Several summaries as one (lines-weighted): the overall accuracy of many sources' latest runs. */
export function combine(summaries: readonly AccuracySummary[]): AccuracySummary {
  const s = { lines: 0, matched: 0, healed: 0, exceptions: 0, unitError: 0 };
  for (const x of summaries) {
    s.lines += x.lines;
    s.matched += x.matched;
    s.healed += x.healed;
    s.exceptions += x.exceptions;
    s.unitError += x.unitError;
  }
  return { ...s, accuracy: accuracyOf(s.matched, s.lines) };
}

/** Nothing compared is nothing wrong: no lines reads as fully accurate. */
const accuracyOf = (matched: number, lines: number) => (lines === 0 ? 1 : matched / lines);

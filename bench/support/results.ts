import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Figure } from '../scenario.js';
import { currentLoad, type Machine } from './machine.js';
import type { Skipped, Verdict } from './table.js';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export interface ScenarioRecord {
  ranAt: string;
  durationS: number;
  /** 1-minute load average before and after the scenario ran. */
  load: [number, number];
  /** CPU time stolen by the hypervisor while the scenario ran, in % (Linux only). */
  stealPct?: number;
  quick: boolean;
  figures: Figure[];
  skipped: Omit<Skipped, 'scenario'>[];
  targets: { backend: string; metric: string; op: string; value: number; actual: number; met: boolean }[];
  error?: string;
  /** Earlier runs the same day whose figures for other backends were kept (see mergeRecord). */
  earlier?: { ranAt: string; load: [number, number]; backends: string[] }[];
}

export interface ResultsFile {
  date: string;
  machine: Machine;
  scenarios: Record<string, ScenarioRecord>;
}

/** Local date as YYYY-MM-DD. */
export function today(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function toRecord(
  scenario: string,
  started: Date,
  loadBefore: number,
  quick: boolean,
  figures: Figure[],
  skipped: readonly Skipped[],
  verdicts: readonly Verdict[],
  error?: string,
): ScenarioRecord {
  return {
    ranAt: started.toISOString(),
    durationS: Math.round((Date.now() - started.getTime()) / 100) / 10,
    load: [loadBefore, currentLoad()],
    quick,
    figures,
    skipped: skipped
      .filter((s) => s.scenario === scenario)
      .map(({ backend, reason }) => ({ backend, reason })),
    targets: verdicts.map((v) => ({
      backend: v.target.backend,
      metric: v.target.metric,
      op: v.target.op,
      value: v.target.value,
      actual: v.figure.value,
      met: v.met,
    })),
    ...(error ? { error } : {}),
  };
}

/**
 * A scenario run again replaces the figures of the backends it ran (measured or skipped), and keeps
 * the earlier run's figures for the others: `--backends sqlite` then `--backends postgres` leaves
 * both in the day's file, the earlier run named under `earlier`.
 */
export function mergeRecord(previous: ScenarioRecord | undefined, next: ScenarioRecord): ScenarioRecord {
  if (!previous) return next;
  const ran = new Set([...next.figures.map((f) => f.backend), ...next.skipped.map((s) => s.backend)]);
  const kept = <T extends { backend: string }>(items: readonly T[]) =>
    items.filter((i) => !ran.has(i.backend));
  const keptBackends = [
    ...new Set([...kept(previous.figures), ...kept(previous.skipped)].map((i) => i.backend)),
  ];
  if (keptBackends.length === 0) return next;
  return {
    ...next,
    figures: [...kept(previous.figures), ...next.figures],
    skipped: [...kept(previous.skipped), ...next.skipped],
    targets: [...kept(previous.targets), ...next.targets],
    earlier: [
      ...(previous.earlier ?? []).filter((e) => e.backends.some((b) => keptBackends.includes(b))),
      { ranAt: previous.ranAt, load: previous.load, backends: keptBackends },
    ],
  };
}

/**
 * Write the day's results file. Scenarios run again replace their earlier entry of the day for
 * the backends they ran (mergeRecord); the others are kept. Quick runs go to a separate file so they never replace a full run's figures.
 */
export function saveResults(
  machine: Machine,
  quick: boolean,
  records: Record<string, ScenarioRecord>,
): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const date = today();
  const file = join(RESULTS_DIR, `${date}${quick ? '.quick' : ''}.json`);
  let previous: ResultsFile | undefined;
  if (existsSync(file)) {
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as ResultsFile;
    } catch {
      previous = undefined;
    }
  }
  const content: ResultsFile = {
    date,
    machine,
    scenarios: {
      ...(previous?.scenarios ?? {}),
      ...Object.fromEntries(
        Object.entries(records).map(([name, r]) => [name, mergeRecord(previous?.scenarios[name], r)]),
      ),
    },
  };
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

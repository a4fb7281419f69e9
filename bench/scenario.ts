/**
 * The contract every benchmark scenario fulfils. A scenario measures, and returns figures in one
 * shape for every scenario, so that runs can be compared across commits and machines:
 *
 *   {"scenario":"bus","backend":"sqlite","metric":"events_per_s","value":21345,"unit":"1/s"}
 *
 * The runner (bench/run.ts) prints them, judges them against the scenario's targets (not under
 * --quick) and saves them under bench/results/.
 */

export interface Figure {
  scenario: string;
  /** `sqlite`, `postgres`, `postgres+nats`, or a peer's name for a side-by-side figure (`pg-boss`). */
  backend: string;
  metric: string;
  value: number;
  unit: string;
}

/** A goal from an issue, e.g. sqlite events_per_s >= 20000. */
export interface Target {
  backend: string;
  metric: string;
  op: '>=' | '<';
  value: number;
}

export interface ScenarioContext {
  /** Run the small size (CI); targets are not judged. */
  quick: boolean;
  /** Backends to run (all the scenario knows when undefined). */
  backends: readonly string[] | undefined;
  /** Progress for the person watching (goes to stderr). */
  log(message: string): void;
  /** A backend that could not run (its service is unreachable): reported, never a crash. */
  skip(backend: string, reason: string): void;
  /** A backend whose measurement failed: reported, the run exits non-zero, other backends go on. */
  fail(backend: string, error: unknown): void;
}

export interface Scenario {
  name: string;
  description: string;
  /** Backends this scenario can measure (for --backends validation and the help text). */
  backends: readonly string[];
  targets: readonly Target[];
  run(ctx: ScenarioContext): Promise<Figure[]>;
}

export function meets(target: Target, value: number): boolean {
  return target.op === '>=' ? value >= target.value : value < target.value;
}

/** A figure builder bound to one scenario and backend. */
export function figures(scenario: string, backend: string) {
  return (metric: string, value: number, unit: string): Figure => ({
    scenario,
    backend,
    metric,
    value: round(value),
    unit,
  });
}

/** Three significant decimals below 100, whole numbers above: enough for comparing runs. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value);
  if (abs >= 1) return Math.round(value * 100) / 100;
  return Math.round(value * 1000) / 1000;
}

import { type Figure, meets, type Target } from '../scenario.js';

/** A backend that did not produce figures: skipped (service unreachable) or failed. */
export interface Skipped {
  scenario: string;
  backend: string;
  reason: string;
}

export interface Verdict {
  figure: Figure;
  target: Target;
  met: boolean;
}

/** Verdicts for every target that has a figure (none under --quick). */
export function judge(figures: readonly Figure[], targets: readonly Target[]): Verdict[] {
  const out: Verdict[] = [];
  for (const target of targets) {
    const figure = figures.find((f) => f.backend === target.backend && f.metric === target.metric);
    if (figure) out.push({ figure, target, met: meets(target, figure.value) });
  }
  return out;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
}

/** A plain-text table: scenario, backend, metric, value, unit, target and whether it is met. */
export function renderTable(
  figures: readonly Figure[],
  verdicts: readonly Verdict[],
  skipped: readonly Skipped[],
): string {
  const header = ['scenario', 'backend', 'metric', 'value', 'unit', 'target'];
  const rows = figures.map((f) => {
    const v = verdicts.find((x) => x.figure === f);
    const target = v ? `${v.target.op} ${formatValue(v.target.value)} ${v.met ? 'met' : 'MISSED'}` : '';
    return [f.scenario, f.backend, f.metric, formatValue(f.value), f.unit, target];
  });
  for (const s of skipped) rows.push([s.scenario, s.backend, '-', '', '', s.reason]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = new Set([3]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Output for humans (aligned tables, key: value blocks) or scripts (`--json`: one JSON document). */
export interface Output {
  json: boolean;
  /** Print a result: JSON as is, or through `human` for people. */
  result(value: unknown, human?: (value: any) => string): void;
  info(line: string): void;
}

export function createOutput(
  json: boolean,
  write: (s: string) => void = (s) => process.stdout.write(s),
): Output {
  return {
    json,
    result(value, human) {
      if (json) write(`${JSON.stringify(value, null, 2)}\n`);
      else write(`${human ? human(value) : JSON.stringify(value, null, 2)}\n`);
    },
    info(line) {
      if (!json) write(`${line}\n`);
    },
  };
}

/** An aligned text table. */
export function table(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

/** `key: value` lines for one record. */
export function block(record: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(record).map((k) => k.length));
  return Object.entries(record)
    .map(
      ([k, v]) =>
        `${`${k}:`.padEnd(width + 2)}${typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v)}`,
    )
    .join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

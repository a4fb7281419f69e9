/** Command-line arguments of `npm run bench`. */
export interface BenchArgs {
  scenarios: string[];
  quick: boolean;
  json: boolean;
  help: boolean;
  backends: string[] | undefined;
}

export class UsageError extends Error {}

export const USAGE = `Usage: npm run bench -- [scenario …] [--quick] [--json] [--backends a,b] [--help]

Runs the named benchmark scenarios (all of them when none is named) and prints a table.

Options:
  --quick           small size of each scenario (for CI); targets are not judged
  --json            also print every figure as one JSON object per line on stdout
                    (the table then goes to stderr)
  --backends LIST   only these backends, comma-separated (e.g. sqlite,postgres+nats,pg-boss)
  --help            this text

Environment:
  KEEL_BENCH_PG_URL    PostgreSQL admin URL (default postgres://postgres@127.0.0.1:5432/postgres)
  KEEL_BENCH_NATS_URL  NATS server (default nats://127.0.0.1:4222)

Results are also written to bench/results/<YYYY-MM-DD>.json (--quick: <YYYY-MM-DD>.quick.json).`;

export function parseArgs(argv: readonly string[]): BenchArgs {
  const out: BenchArgs = { scenarios: [], quick: false, json: false, help: false, backends: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') out.quick = true;
    else if (a === '--json') out.json = true;
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--backends' || a.startsWith('--backends=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!value) throw new UsageError('--backends needs a comma-separated list');
      out.backends = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option "${a}"`);
    else out.scenarios.push(a);
  }
  return out;
}

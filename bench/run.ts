import type { Figure, Scenario } from './scenario.js';
import { SCENARIOS } from './scenarios/index.js';
import { type BenchArgs, parseArgs, USAGE, UsageError } from './support/args.js';
import { cpuTicks, currentLoad, describeMachine, machineLine, stealPercent } from './support/machine.js';
import { type ScenarioRecord, saveResults, toRecord } from './support/results.js';
import { judge, renderTable, type Skipped, type Verdict } from './support/table.js';

/** `npm run bench -- [scenario …] [--quick] [--json]`: see USAGE and docs/benchmarks.md. */

function select(args: BenchArgs): Scenario[] {
  const known = new Map(SCENARIOS.map((s) => [s.name, s]));
  const unknown = args.scenarios.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown scenario${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; ` +
        `available: ${[...known.keys()].join(', ')}`,
    );
  }
  const picked = args.scenarios.length
    ? [...new Set(args.scenarios)].map((n) => known.get(n)!)
    : [...SCENARIOS];
  if (args.backends) {
    const all = new Set(picked.flatMap((s) => s.backends));
    const bad = args.backends.filter((b) => !all.has(b));
    if (bad.length > 0)
      throw new UsageError(`unknown backend ${bad.join(', ')}; available: ${[...all].join(', ')}`);
  }
  return picked;
}

function helpText(): string {
  const list = SCENARIOS.map((s) => `  ${s.name.padEnd(12)} ${s.description} [${s.backends.join(', ')}]`);
  return `${USAGE}\n\nScenarios:\n${list.join('\n')}`;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  let scenarios: Scenario[];
  try {
    args = parseArgs(argv);
    if (args.help) {
      console.log(helpText());
      return 0;
    }
    scenarios = select(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`bench: ${err.message}\n\n${USAGE}`);
    return 2;
  }

  // With --json, stdout carries only the JSON lines; everything for people goes to stderr.
  const say = (text: string) => (args.json ? console.error(text) : console.log(text));
  const log = (text: string) => console.error(text);
  const machine = await describeMachine();
  say(`Keel bench${args.quick ? ' (quick: nothing is judged)' : ''} on ${machineLine(machine)}`);

  const all: Figure[] = [];
  const verdicts: Verdict[] = [];
  const skipped: Skipped[] = [];
  const records: Record<string, ScenarioRecord> = {};
  let failed = false;
  for (const scenario of scenarios) {
    const started = new Date();
    const loadBefore = currentLoad();
    const ticksBefore = cpuTicks();
    log(`\n[${scenario.name}] ${scenario.description}`);
    let figures: Figure[] = [];
    let error: string | undefined;
    try {
      figures = await scenario.run({
        quick: args.quick,
        backends: args.backends,
        log: (m) => log(`[${scenario.name}] ${m}`),
        skip: (backend, reason) => {
          log(`[${scenario.name}] ${backend}: skipped (${reason})`);
          skipped.push({ scenario: scenario.name, backend, reason: `skipped: ${reason}` });
        },
        fail: (backend, err) => {
          failed = true;
          const message = err instanceof Error ? err.message : String(err);
          log(`[${scenario.name}] ${backend}: FAILED: ${err instanceof Error ? err.stack : message}`);
          skipped.push({ scenario: scenario.name, backend, reason: `failed: ${message.split('\n')[0]}` });
        },
      });
    } catch (err) {
      failed = true;
      error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`[${scenario.name}] FAILED: ${error}`);
    }
    const judged = args.quick ? [] : judge(figures, scenario.targets);
    all.push(...figures);
    verdicts.push(...judged);
    const stealPct = stealPercent(ticksBefore, cpuTicks());
    records[scenario.name] = {
      ...toRecord(scenario.name, started, loadBefore, args.quick, figures, skipped, judged, error),
      ...(stealPct !== undefined ? { stealPct } : {}),
    };
    const steal = stealPct !== undefined ? `; ${stealPct} % of CPU time stolen by the hypervisor` : '';
    log(`[${scenario.name}] load average ${loadBefore} before, ${currentLoad()} after${steal}`);
    if (args.json) for (const f of figures) console.log(JSON.stringify(f));
  }

  say(`\n${renderTable(all, verdicts, skipped)}`);
  const missed = verdicts.filter((v) => !v.met);
  if (verdicts.length > 0) say(`\nTargets: ${verdicts.length - missed.length} of ${verdicts.length} met.`);
  const file = saveResults(machine, args.quick, records);
  say(`Results written to ${file}`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Drivers may keep sockets or timers alive after cleanup; the run is over.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

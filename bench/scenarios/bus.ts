import type { Figure, Scenario, ScenarioContext } from '../scenario.js';
import { figures } from '../scenario.js';
import { guarded, sampled } from '../support/backend-run.js';
import { missingServices, sweepLeftovers } from '../support/services.js';
import { BUS_BACKENDS, type BusBackend, productionSettings } from './bus-fixture.js';
import { type LatencyPlan, type LatencyResult, measureLatency } from './bus-latency.js';
import { measureThroughput, type ThroughputPlan } from './bus-throughput.js';
import { measurePgBoss, type PgBossPlan } from './pg-boss.js';

const NAME = 'bus';
/** The offered rate: single-event transactions per second. */
const RATE = 5000;
/**
 * A second, gentler rate, so every backend has a latency that is not an overload result: on the
 * reference machine the PostgreSQL backends commit ~1,000 single-event transactions per second.
 */
const LOW_RATE = 500;

interface Plan {
  throughput: ThroughputPlan;
  /** The same measurement at `RATE` and at `LOW_RATE`. */
  latency: Omit<LatencyPlan, 'rate'>;
  pgBoss: PgBossPlan;
}

function plan(quick: boolean): Plan {
  const { bus, poolSize } = productionSettings();
  const events = quick ? 5_000 : 100_000;
  return {
    throughput: { events, batch: 500, producers: 4, keys: 1000 },
    latency: {
      tickMs: 10,
      warmupS: quick ? 0.5 : 1,
      durationS: quick ? 2 : 10,
      drainS: quick ? 5 : 30,
      keys: 1000,
    },
    // The same volume, batches and producers; as many workers as the bus has lanes per group.
    pgBoss: { jobs: events, batch: 500, producers: 4, workers: bus.concurrency, fetchBatch: 500, poolSize },
  };
}

function needs(backend: string): { pg?: boolean; nats?: boolean } {
  if (backend === 'sqlite') return {};
  if (backend === 'postgres+nats') return { pg: true, nats: true };
  return { pg: true };
}

async function runBusBackend(backend: BusBackend, p: Plan, ctx: ScenarioContext): Promise<Figure[]> {
  const fig = figures(NAME, backend);
  const { value, peakMb } = await sampled(async () => {
    ctx.log(`${backend}: throughput, ${p.throughput.events} events…`);
    const t = await measureThroughput(backend, p.throughput, ctx.log);
    ctx.log(`${backend}: ${Math.round(t.eventsPerS)} events/s end to end`);
    const latencies: { rate: number; l: LatencyResult }[] = [];
    for (const rate of [RATE, LOW_RATE]) {
      ctx.log(`${backend}: latency at ${rate}/s offered for ${p.latency.durationS} s…`);
      latencies.push({ rate, l: await measureLatency(backend, { ...p.latency, rate }, ctx.log) });
    }
    return { t, latencies };
  });
  const { t, latencies } = value;
  return [
    fig('events_per_s', t.eventsPerS, '1/s'),
    fig('appended_per_s', t.appendedPerS, '1/s'),
    ...latencies.flatMap(({ rate, l }) => [
      fig(`p50_ms_at_${rate}`, l.p50, 'ms'),
      fig(`p99_ms_at_${rate}`, l.p99, 'ms'),
      fig(`max_ms_at_${rate}`, l.max, 'ms'),
      fig(`offered_per_s_at_${rate}`, l.offeredPerS, '1/s'),
      fig(`unfinished_at_${rate}`, l.unfinished, 'events'),
    ]),
    fig('peak_rss_mb', peakMb, 'MB'),
  ];
}

async function runPgBoss(p: Plan, ctx: ScenarioContext): Promise<Figure[]> {
  const fig = figures(NAME, 'pg-boss');
  ctx.log(`pg-boss: ${p.pgBoss.jobs} jobs…`);
  const { value, peakMb } = await sampled(() => measurePgBoss(p.pgBoss, ctx.log));
  ctx.log(`pg-boss: ${Math.round(value)} jobs/s`);
  return [fig('jobs_per_s', value, '1/s'), fig('peak_rss_mb', peakMb, 'MB')];
}

export const busScenario: Scenario = {
  name: NAME,
  description:
    'event bus: end-to-end events/s, append-to-handled latency at 5,000/s and 500/s offered, peak RSS; pg-boss side by side',
  backends: [...BUS_BACKENDS, 'pg-boss'],
  targets: [
    { backend: 'sqlite', metric: 'events_per_s', op: '>=', value: 20_000 },
    { backend: 'sqlite', metric: `p99_ms_at_${RATE}`, op: '<', value: 50 },
    { backend: 'postgres+nats', metric: 'events_per_s', op: '>=', value: 10_000 },
  ],
  async run(ctx) {
    const p = plan(ctx.quick);
    await sweepLeftovers();
    const wanted = (b: string) => !ctx.backends || ctx.backends.includes(b);
    const out: Figure[] = [];
    for (const backend of BUS_BACKENDS) {
      if (!wanted(backend)) continue;
      const missing = await missingServices(needs(backend));
      if (missing) ctx.skip(backend, missing);
      else out.push(...(await guarded(backend, ctx, () => runBusBackend(backend, p, ctx))));
    }
    if (wanted('pg-boss')) {
      const missing = await missingServices({ pg: true });
      if (missing) ctx.skip('pg-boss', missing);
      else out.push(...(await guarded('pg-boss', ctx, () => runPgBoss(p, ctx))));
    }
    const boss = out.find((f) => f.backend === 'pg-boss' && f.metric === 'jobs_per_s');
    for (const backend of ['postgres', 'postgres+nats']) {
      const keel = out.find((f) => f.backend === backend && f.metric === 'events_per_s');
      if (boss && keel) out.push(figures(NAME, backend)('ratio_vs_pg_boss', keel.value / boss.value, 'x'));
    }
    return out;
  },
};

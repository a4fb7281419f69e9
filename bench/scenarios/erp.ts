import type { KeelApp } from '../../src/app.js';
import type { Erp } from '../../src/domains/erp/index.js';
import type { Figure, Scenario, ScenarioContext } from '../scenario.js';
import { figures } from '../scenario.js';
import { guarded, sampled } from '../support/backend-run.js';
import { asOperator, databaseMb, openBenchApp } from '../support/bench-app.js';
import { missingServices, sweepLeftovers } from '../support/services.js';
import { percentile } from '../support/stats.js';
import {
  CHANNEL,
  drain,
  InventoryModel,
  LOCATION_COUNT,
  LOCATIONS,
  lastLogId,
  levelEventsAfter,
  locationInput,
  MovementMix,
  post,
  prng,
  seedBatch,
  skuOf,
} from './erp-fixture.js';

/**
 * `erp`: the inventory ledger at scale — through a real Keel app (createApp, migrations, the ERP's
 * services called in-process as the API would call them), on a fresh database per backend.
 *
 * Setup (not measured): 10 locations, a channel `web` selling from all of them, 100,000 SKUs
 * received at each location (1,000,000 levels) in batches of 10,000 receipts, and the publisher's
 * backlog of those 100,000 SKUs drained (timed, as an extra figure: `publish_100k_skus_s`).
 *
 * 1. postings_per_s: a mix of reservations, allocations, releases, shipments, receipts,
 *    adjustments, returns and cycle counts on random SKUs × locations, through `ledger.post` in
 *    batches of 1,000 (one transaction each; levels, postings and the publisher's dirty marks are
 *    written in it). A refused batch fails the run.
 * 2. atp_p50/p95/p99_ms: single-SKU `atp({ channel: 'web', skus: [sku] })` on random SKUs, one at a
 *    time after a warm-up, each answer checked against the generator's model.
 * 3. coalesce_100k_s: 100,000 level changes, then the time until the publisher has drained them.
 */

const NAME = 'erp';
const BACKENDS = ['sqlite', 'postgres'] as const;
type ErpBackend = (typeof BACKENDS)[number];

/** Receipts per seeding call (the API's batch limit). */
const SEED_BATCH = 10_000;
/** Movements per `ledger.post` call in the measured phases. */
const POST_BATCH = 1_000;
const PROGRESS_EVERY_MS = 5000;

interface Plan {
  skus: number;
  /** Movements posted in the measured postings phase. */
  postings: number;
  atpWarmup: number;
  atpQueries: number;
  /** Level changes of the coalescing measurement, over `coalesceSkus` SKUs. */
  coalesceChanges: number;
  coalesceSkus: number;
  /** Seeding calls in flight (disjoint SKUs). */
  seedConcurrency: Record<ErpBackend, number>;
  /**
   * Writers posting at once in the measured phases, each over its own SKUs (sku mod writers), as
   * concurrent API clients would: SQLite folds their transactions into shared commits (one fsync),
   * PostgreSQL runs them on separate connections.
   */
  writers: Record<ErpBackend, number>;
}

function plan(quick: boolean): Plan {
  const common = { seedConcurrency: { sqlite: 2, postgres: 4 }, writers: { sqlite: 4, postgres: 4 } };
  return quick
    ? {
        skus: 2_000,
        postings: 20_000,
        atpWarmup: 200,
        atpQueries: 2_000,
        coalesceChanges: 10_000,
        coalesceSkus: 2_000,
        ...common,
      }
    : {
        skus: 100_000,
        postings: 300_000,
        atpWarmup: 1_000,
        atpQueries: 10_000,
        // 100,000 changes over 20,000 SKUs: see coalesce() for why.
        coalesceChanges: 100_000,
        coalesceSkus: 20_000,
        ...common,
      };
}

const seconds = (startMs: number) => (performance.now() - startMs) / 1000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Run `total` units of work as `lanes` concurrent loops, logging progress every few seconds. */
async function inLanes(
  lanes: number,
  total: number,
  work: (lane: number) => Promise<number>,
  progress: (done: number) => void,
): Promise<void> {
  let done = 0;
  let lastLog = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (done < total) {
        const n = await work(lane);
        if (n === 0) return;
        done += n;
        if (performance.now() - lastLog >= PROGRESS_EVERY_MS) {
          lastLog = performance.now();
          progress(done);
        }
      }
    }),
  );
}

async function seed(app: KeelApp, p: Plan, backend: ErpBackend, log: (m: string) => void): Promise<void> {
  const erp = app.domains.erp;
  await asOperator(async () => {
    for (const [i, code] of LOCATIONS.entries()) await erp.locations.create(locationInput(code, i));
    await erp.atp.putChannel(CHANNEL, { locations: [...LOCATIONS], inboundHorizonDays: 14 });
  });
  const skusPerBatch = SEED_BATCH / LOCATION_COUNT;
  let next = 0;
  const t0 = performance.now();
  await inLanes(
    p.seedConcurrency[backend],
    p.skus,
    async () => {
      const from = next;
      if (from >= p.skus) return 0;
      const to = Math.min(p.skus, from + skusPerBatch);
      next = to;
      await post(erp, seedBatch(from, to));
      return to - from;
    },
    (done) => log(`  ${fmt(done)} SKUs seeded (${fmt((done * LOCATION_COUNT) / seconds(t0))} receipts/s)`),
  );
  log(
    `seeded ${fmt(p.skus)} SKUs × ${LOCATION_COUNT} locations in ${seconds(t0).toFixed(1)} s ` +
      `(${fmt((p.skus * LOCATION_COUNT) / seconds(t0))} receipts/s)`,
  );
}

/** Post `total` movements from per-writer mixes, POST_BATCH per call; returns the seconds taken. */
async function postMix(
  erp: Erp,
  mixes: MovementMix[],
  total: number,
  log: (m: string) => void,
): Promise<number> {
  let queued = 0;
  const t0 = performance.now();
  await inLanes(
    mixes.length,
    total,
    async (lane) => {
      const size = Math.min(POST_BATCH, total - queued);
      if (size <= 0) return 0;
      queued += size;
      await post(erp, mixes[lane]!.batch(size));
      return size;
    },
    (done) => log(`  ${fmt(done)} movements (${fmt(done / seconds(t0))}/s)`),
  );
  return seconds(t0);
}

/** Writers' mixes over SKUs `pool[k]`, each writer owning the SKUs with index ≡ writer (mod writers). */
function mixes(model: InventoryModel, pool: readonly number[], writers: number, phase: string, seed: number) {
  return Array.from({ length: writers }, (_, w) => {
    const own = pool.filter((s) => s % writers === w);
    return new MovementMix(
      model,
      `${phase}:${w}`,
      seed + w,
      (random) => own[Math.floor(random() * own.length)]!,
    );
  });
}

async function runErpBackend(backend: ErpBackend, p: Plan, ctx: ScenarioContext): Promise<Figure[]> {
  const fig = figures(NAME, backend);
  const log = (m: string) => ctx.log(`${backend}: ${m}`);
  const { value, peakMb } = await sampled(async () => {
    const opened = await openBenchApp(backend, 'keel-bench-erp-');
    try {
      const { app } = opened;
      const erp = app.domains.erp;
      const model = new InventoryModel(p.skus);
      const allSkus = Array.from({ length: p.skus }, (_, i) => i);

      // Setup: locations, the channel, 1,000,000 levels; then the seeding's publisher backlog.
      log(`seeding ${fmt(p.skus)} SKUs × ${LOCATION_COUNT} locations…`);
      await seed(app, p, backend, log);
      const mark = await lastLogId(app);
      let t0 = performance.now();
      const seedEvents = await drain(erp);
      const publishSeedS = seconds(t0);
      const logged = await levelEventsAfter(app, mark);
      if (seedEvents !== p.skus || logged !== p.skus)
        throw new Error(
          `published ${seedEvents} SKUs after seeding (${logged} events logged), not ${p.skus}`,
        );
      log(`published the seeding's ${fmt(seedEvents)} SKUs in ${publishSeedS.toFixed(1)} s`);

      // 1. Postings.
      log(`posting ${fmt(p.postings)} movements in batches of ${POST_BATCH}, ${p.writers[backend]} writers…`);
      const postS = await postMix(erp, mixes(model, allSkus, p.writers[backend], 'mix', 1), p.postings, log);
      const postingsPerS = p.postings / postS;
      log(`posted in ${postS.toFixed(1)} s: ${fmt(postingsPerS)} movements/s`);
      // The levels are current: they agree with the ledger's entries.
      const random = prng(7);
      for (let i = 0; i < 20; i++) {
        const sku = skuOf(Math.floor(random() * p.skus));
        const report = await erp.ledger.verify({ sku });
        if (!report.ok)
          throw new Error(`levels of ${sku} drifted: ${JSON.stringify(report.drift.slice(0, 3))}`);
      }
      t0 = performance.now();
      const postingsEvents = await drain(erp);
      log(`(published the postings' ${fmt(postingsEvents)} dirty SKUs in ${seconds(t0).toFixed(1)} s)`);

      // 2. ATP, one SKU per query, each answer checked against the model.
      const atpOnce = async (sku: number): Promise<number> => {
        const start = performance.now();
        const r = await erp.atp.atp({ channel: CHANNEL, skus: [skuOf(sku)] });
        const ms = performance.now() - start;
        const item = r.items[0];
        if (!item || item.atp !== model.atp(sku) || item.locations.length !== LOCATION_COUNT)
          throw new Error(`ATP of ${skuOf(sku)}: ${JSON.stringify(item)}, expected ${model.atp(sku)}`);
        return ms;
      };
      for (let i = 0; i < p.atpWarmup; i++) await atpOnce(Math.floor(random() * p.skus));
      const times: number[] = [];
      for (let i = 0; i < p.atpQueries; i++) times.push(await atpOnce(Math.floor(random() * p.skus)));
      times.sort((a, b) => a - b);
      const atp = { p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
      log(
        `ATP of one SKU, ${fmt(p.atpQueries)} queries: p50 ${atp.p50.toFixed(3)} ms, p95 ${atp.p95.toFixed(3)} ms, p99 ${atp.p99.toFixed(3)} ms`,
      );

      // 3. Coalescing.
      const co = await coalesce(app, model, p, backend, log);

      return { postingsPerS, postS, atp, publishSeedS, ...co, dbMb: await databaseMb(app, backend) };
    } finally {
      await opened.close();
    }
  });
  return [
    fig('postings_per_s', value.postingsPerS, '1/s'),
    fig('postings', p.postings, 'movements'),
    fig('atp_p50_ms', value.atp.p50, 'ms'),
    fig('atp_p95_ms', value.atp.p95, 'ms'),
    fig('atp_p99_ms', value.atp.p99, 'ms'),
    fig('coalesce_100k_s', value.coalesceS, 's'),
    fig('coalesce_changes', p.coalesceChanges, 'changes'),
    fig('coalesce_events', value.coalesceEvents, 'events'),
    fig('publish_100k_skus_s', value.publishSeedS, 's'),
    fig('skus', p.skus, 'SKUs'),
    fig('db_size_mb', value.dbMb, 'MB'),
    fig('peak_rss_mb', peakMb, 'MB'),
  ];
}

/**
 * "100,000 level changes coalesced and published": we take it as a burst of 100,000 changes that
 * arrives faster than the publisher's interval — a bulk adjustment, a flash sale, the publisher
 * catching up after a pause — and time from the moment the last of them is committed until every
 * one is reflected in an event in the bus log (no dirty SKU left). The changes are movements
 * of the same mix as the postings phase (each changes at least one level), on 20,000 SKUs picked
 * at random: 5 changes per SKU on average, unevenly, as real traffic is, so coalescing matters
 * (19,274 events, not 100,000) while each event still carries a SKU's 10 levels. The publisher
 * is idle during the burst, so the whole backlog is measured; in production it would already have
 * published part of it by the end. Five times the events — one per SKU for 100,000 SKUs, each
 * received at its 10 locations — is the `publish_100k_skus_s` figure: the seeding's backlog.
 */
async function coalesce(
  app: KeelApp,
  model: InventoryModel,
  p: Plan,
  backend: ErpBackend,
  log: (m: string) => void,
): Promise<{ coalesceS: number; coalesceEvents: number }> {
  const erp = app.domains.erp;
  const random = prng(11);
  const pool = Array.from({ length: p.skus }, (_, i) => i);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  const subset = pool.slice(0, p.coalesceSkus);
  log(`coalescing: ${fmt(p.coalesceChanges)} level changes over ${fmt(p.coalesceSkus)} SKUs…`);
  const writeS = await postMix(
    erp,
    mixes(model, subset, p.writers[backend], 'burst', 101),
    p.coalesceChanges,
    log,
  );
  const dirty = await erp.publisher.pending();
  const mark = await lastLogId(app);
  const t0 = performance.now();
  const events = await drain(erp);
  const coalesceS = seconds(t0);
  const logged = await levelEventsAfter(app, mark);
  if (logged !== events || events !== dirty)
    throw new Error(`${dirty} dirty SKUs, ${events} published, ${logged} events in the log`);
  log(
    `written in ${writeS.toFixed(1)} s; ${fmt(dirty)} dirty SKUs published as ${fmt(events)} events in ${coalesceS.toFixed(2)} s`,
  );
  return { coalesceS, coalesceEvents: events };
}

export const erpScenario: Scenario = {
  name: NAME,
  description:
    'ERP inventory: movement postings/s with levels current, single-SKU ATP latency over 100k SKUs × 10 locations, 100k level changes coalesced and published; peak RSS',
  backends: BACKENDS,
  targets: [
    { backend: 'sqlite', metric: 'postings_per_s', op: '>=', value: 30_000 },
    { backend: 'sqlite', metric: 'atp_p99_ms', op: '<', value: 5 },
    // The issue says ≤ 5 s; `<` is the closest operator the runner has.
    { backend: 'sqlite', metric: 'coalesce_100k_s', op: '<', value: 5 },
    // Only the postings target names a backend (embedded SQLite); the other two hold for both.
    { backend: 'postgres', metric: 'atp_p99_ms', op: '<', value: 5 },
    { backend: 'postgres', metric: 'coalesce_100k_s', op: '<', value: 5 },
  ],
  async run(ctx) {
    const p = plan(ctx.quick);
    await sweepLeftovers();
    const out: Figure[] = [];
    for (const backend of BACKENDS) {
      if (ctx.backends && !ctx.backends.includes(backend)) continue;
      const missing = await missingServices({ pg: backend === 'postgres' });
      if (missing) ctx.skip(backend, missing);
      else out.push(...(await guarded(backend, ctx, () => runErpBackend(backend, p, ctx))));
    }
    return out;
  },
};

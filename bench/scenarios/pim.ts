import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { KeelApp } from '../../src/app.js';
import type { ImportReport } from '../../src/domains/pim/index.js';
import type { TransitionResult, WorkflowAction } from '../../src/domains/pim/workflow.service.js';
import type { Figure, Scenario, ScenarioContext } from '../scenario.js';
import { figures } from '../scenario.js';
import { guarded, sampled } from '../support/backend-run.js';
import { asOperator, databaseMb, openBenchApp } from '../support/bench-app.js';
import { missingServices, sweepLeftovers } from '../support/services.js';
import {
  type CatalogPlan,
  CHANNEL,
  catalogPlan,
  deltaIndexes,
  GOOGLE_RULES,
  LOCALE,
  modelCount,
  seedModels,
  seedSetup,
  skuOf,
  writeCatalogCsv,
  writeDeltaCsv,
} from './pim-fixture.js';

/**
 * `pim`: import 1,000,000 variants from CSV, publish them to a Google channel, export the feed,
 * then re-publish a 10,000-variant delta — through a real Keel app (createApp, migrations, the
 * PIM's services called in-process as a CLI operator would), on a fresh database per backend.
 */

const NAME = 'pim';
const BACKENDS = ['sqlite', 'postgres'] as const;
type PimBackend = (typeof BACKENDS)[number];

/** Ids per workflow call (the API's bulk limit). */
const WORKFLOW_CHUNK = 10_000;
/** Rows per import transaction: the importer's (and the CLI's) default. */
const IMPORT_BATCH = 1000;
const PROGRESS_EVERY_MS = 5000;

interface Plan {
  catalog: CatalogPlan;
  /** Models put at once while seeding (setup, not measured). */
  seedConcurrency: Record<PimBackend, number>;
}

function plan(quick: boolean): Plan {
  return {
    catalog: quick ? catalogPlan(20_000, 10, 2_000) : catalogPlan(1_000_000, 10, 10_000),
    seedConcurrency: { sqlite: 64, postgres: 8 },
  };
}

const seconds = (startMs: number) => (performance.now() - startMs) / 1000;

/** Import a file, logging rows/s every few seconds; a rejected row fails the run. */
async function importFile(
  app: KeelApp,
  file: string,
  rejectsFile: string,
  log: (m: string) => void,
): Promise<ImportReport> {
  const rejects = createWriteStream(rejectsFile);
  const started = performance.now();
  let lastLog = started;
  let lastRows = 0;
  try {
    const report = await asOperator(() =>
      app.domains.pim.imports.importProducts(createReadStream(file), {
        format: 'csv',
        batchSize: IMPORT_BATCH,
        rejects,
        onProgress: (r) => {
          const now = performance.now();
          if (now - lastLog < PROGRESS_EVERY_MS) return;
          const rate = ((r.rows - lastRows) / (now - lastLog)) * 1000;
          log(`  ${r.rows.toLocaleString('en-US')} rows, ${Math.round(rate).toLocaleString('en-US')} rows/s`);
          lastLog = now;
          lastRows = r.rows;
        },
      }),
    );
    if (report.rejected > 0) {
      const first = report.problems
        .slice(0, 5)
        .map((p) => `line ${p.line} ${p.field}: ${p.code}: ${p.message}`)
        .join('; ');
      throw new Error(`${report.rejected} of ${report.rows} rows rejected (${first})`);
    }
    return report;
  } finally {
    rejects.end();
    await finished(rejects).catch(() => {});
  }
}

interface StepTimes {
  submit: number;
  approve: number;
  publish: number;
}

/** submit → approve → publish (to the Google channel) of these ids; every product must succeed. */
async function publish(app: KeelApp, ids: readonly string[], times: StepTimes): Promise<void> {
  const wf = app.domains.pim.workflow;
  const step = async (action: WorkflowAction & keyof StepTimes) => {
    const t0 = performance.now();
    const results: TransitionResult[] = await asOperator(() =>
      wf.transition(action, ids, action === 'publish' ? { channels: [CHANNEL] } : {}),
    );
    times[action] += seconds(t0);
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0)
      throw new Error(
        `${action}: ${failed.length} of ${ids.length} products failed, e.g. ${JSON.stringify(failed[0])}`,
      );
  };
  await step('submit');
  await step('approve');
  await step('publish');
}

/** Every product, a page of ids at a time, through the workflow. */
async function publishAll(app: KeelApp, total: number, log: (m: string) => void): Promise<StepTimes> {
  const times: StepTimes = { submit: 0, approve: 0, publish: 0 };
  let after = '';
  let done = 0;
  let lastLog = performance.now();
  for (;;) {
    const rows = await app.store.db
      .selectFrom('pim_products')
      .select('id')
      .where('id', '>', after)
      .orderBy('id')
      .limit(WORKFLOW_CHUNK)
      .execute();
    if (rows.length === 0) break;
    const ids = rows.map((r) => r.id as string);
    await publish(app, ids, times);
    done += ids.length;
    after = ids[ids.length - 1]!;
    if (performance.now() - lastLog >= PROGRESS_EVERY_MS) {
      log(`  ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} published`);
      lastLog = performance.now();
    }
  }
  if (done !== total) throw new Error(`published ${done} products, expected ${total}`);
  return times;
}

/** Ids of these SKUs (in chunks the drivers' parameter limits allow). */
async function idsOfSkus(app: KeelApp, skus: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (let k = 0; k < skus.length; k += 500) {
    const rows = await app.store.db
      .selectFrom('pim_products')
      .select('id')
      .where('sku', 'in', skus.slice(k, k + 500))
      .execute();
    for (const r of rows) ids.push(r.id as string);
  }
  if (ids.length !== skus.length) throw new Error(`found ${ids.length} of ${skus.length} delta SKUs`);
  return ids;
}

const fmtTimes = (t: StepTimes) =>
  `submit ${t.submit.toFixed(1)} s, approve ${t.approve.toFixed(1)} s, publish ${t.publish.toFixed(1)} s`;

async function runPimBackend(backend: PimBackend, p: Plan, ctx: ScenarioContext): Promise<Figure[]> {
  const fig = figures(NAME, backend);
  const log = (m: string) => ctx.log(`${backend}: ${m}`);
  const c = p.catalog;
  const { value, peakMb } = await sampled(async () => {
    const opened = await openBenchApp(backend, 'keel-bench-pim-');
    try {
      const { app, dir } = opened;
      const pim = app.domains.pim;

      // Setup (not measured): catalog, models, the files.
      let t0 = performance.now();
      await asOperator(() => seedSetup(pim));
      await asOperator(() => pim.rules.put(CHANNEL, GOOGLE_RULES));
      log(`seeding ${modelCount(c).toLocaleString('en-US')} product models…`);
      await asOperator(() =>
        seedModels(pim, c, p.seedConcurrency[backend], (n) =>
          log(`  ${n.toLocaleString('en-US')} models (${Math.round(n / seconds(t0))}/s)`),
        ),
      );
      log(`setup done in ${seconds(t0).toFixed(1)} s`);
      const catalogFile = join(dir, 'catalog.csv');
      const deltaFile = join(dir, 'delta.csv');
      t0 = performance.now();
      await writeCatalogCsv(catalogFile, c);
      await writeDeltaCsv(deltaFile, c);
      const csvMb = statSync(catalogFile).size / 1024 ** 2;
      log(
        `wrote ${c.variants.toLocaleString('en-US')} rows (${csvMb.toFixed(0)} MB) in ${seconds(t0).toFixed(1)} s`,
      );

      // 1. Import.
      log(`importing ${c.variants.toLocaleString('en-US')} variants…`);
      t0 = performance.now();
      const report = await importFile(app, catalogFile, join(dir, 'catalog.rejects.csv'), log);
      const importS = seconds(t0);
      if (report.rows !== c.variants || report.created !== c.variants)
        throw new Error(`import: ${JSON.stringify({ ...report, problems: undefined })}`);
      const importPerS = c.variants / importS;
      log(`imported in ${importS.toFixed(1)} s: ${Math.round(importPerS)} variants/s`);

      // 2. Publish everything to the channel.
      log('publishing (submit, approve, publish)…');
      t0 = performance.now();
      const times = await publishAll(app, c.variants, log);
      const publishS = seconds(t0);
      log(`published in ${publishS.toFixed(1)} s (${fmtTimes(times)})`);

      // 3. The full feed.
      log('exporting the Google feed…');
      const feedFile = join(dir, 'google.xml');
      t0 = performance.now();
      const feed = await asOperator(() =>
        pim.exports.exportGoogleFeed(feedFile, {
          channel: CHANNEL,
          locale: LOCALE,
          link: 'https://shop.example.com',
        }),
      );
      const feedS = seconds(t0);
      if (feed.written !== c.variants || feed.rejected !== 0)
        throw new Error(
          `feed: ${feed.written} written, ${feed.rejected} rejected of ${c.variants}; e.g. ${JSON.stringify(feed.invalid[0])}`,
        );
      log(`feed: ${feed.written} items, ${(feed.bytes / 1024 ** 2).toFixed(0)} MB in ${feedS.toFixed(1)} s`);

      // 4. A delta: re-import changed rows, look up their ids, take them through the workflow again.
      log(`delta of ${c.delta.toLocaleString('en-US')} variants…`);
      const deltaSkus = deltaIndexes(c).map((i) => skuOf(c, i));
      const deltaTimes: StepTimes = { submit: 0, approve: 0, publish: 0 };
      t0 = performance.now();
      const delta = await importFile(app, deltaFile, join(dir, 'delta.rejects.csv'), log);
      const deltaImportS = seconds(t0);
      if (delta.updated !== c.delta)
        throw new Error(`delta import: ${JSON.stringify({ ...delta, problems: undefined })}`);
      const ids = await idsOfSkus(app, deltaSkus);
      for (let k = 0; k < ids.length; k += WORKFLOW_CHUNK)
        await publish(app, ids.slice(k, k + WORKFLOW_CHUNK), deltaTimes);
      const deltaS = seconds(t0);
      log(`delta in ${deltaS.toFixed(2)} s (import ${deltaImportS.toFixed(2)} s, ${fmtTimes(deltaTimes)})`);
      await checkDeltaListing(app, deltaSkus[0]!);
      const dbMb = await databaseMb(app, backend);
      log(`database: ${dbMb.toFixed(0)} MB`);

      return {
        importPerS,
        importS,
        publishS,
        times,
        feedS,
        feedMb: feed.bytes / 1024 ** 2,
        deltaS,
        deltaImportS,
        dbMb,
      };
    } finally {
      await opened.close();
    }
  });
  return [
    fig('import_variants_per_s', value.importPerS, '1/s'),
    fig('import_s', value.importS, 's'),
    fig('publish_variants_per_s', c.variants / value.publishS, '1/s'),
    fig('feed_export_1m_s', value.feedS, 's'),
    fig('feed_bytes_mb', value.feedMb, 'MB'),
    fig('delta_10k_s', value.deltaS, 's'),
    fig('delta_import_s', value.deltaImportS, 's'),
    fig('db_size_mb', value.dbMb, 'MB'),
    fig('variants', c.variants, 'variants'),
    fig('peak_rss_mb', peakMb, 'MB'),
  ];
}

/** The delta really went out: the listing carries the new name. */
async function checkDeltaListing(app: KeelApp, sku: string): Promise<void> {
  const row = await app.store.db
    .selectFrom('pim_listings')
    .select(['payload', 'product_version'])
    .where('sku', '=', sku)
    .where('channel', '=', CHANNEL)
    .executeTakeFirst();
  const payload = row ? JSON.parse(row.payload as string) : undefined;
  if (!payload || !String(payload.title).startsWith('New ') || Number(row!.product_version) !== 2)
    throw new Error(`delta listing of ${sku} was not re-published: ${JSON.stringify(row)}`);
}

export const pimScenario: Scenario = {
  name: NAME,
  description:
    'PIM: import 1M variants from CSV, publish them to a Google channel, export the feed, re-publish a 10k delta; peak RSS',
  backends: BACKENDS,
  targets: [
    { backend: 'sqlite', metric: 'import_variants_per_s', op: '>=', value: 20_000 },
    // The issue says ≤ 60 s; `<` is the closest operator the runner has.
    { backend: 'sqlite', metric: 'feed_export_1m_s', op: '<', value: 60 },
    { backend: 'sqlite', metric: 'delta_10k_s', op: '<', value: 5 },
    { backend: 'sqlite', metric: 'peak_rss_mb', op: '<', value: 1024 },
  ],
  async run(ctx) {
    const p = plan(ctx.quick);
    await sweepLeftovers();
    const out: Figure[] = [];
    for (const backend of BACKENDS) {
      if (ctx.backends && !ctx.backends.includes(backend)) continue;
      const missing = await missingServices({ pg: backend === 'postgres' });
      if (missing) ctx.skip(backend, missing);
      else out.push(...(await guarded(backend, ctx, () => runPimBackend(backend, p, ctx))));
    }
    return out;
  },
};

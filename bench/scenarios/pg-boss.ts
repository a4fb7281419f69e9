import PgBoss from 'pg-boss';
import { freshPgDatabase } from '../support/services.js';
import { nowMs, sleep } from '../support/stats.js';

export interface PgBossPlan {
  jobs: number;
  /** Jobs per `insert` call (one statement, one transaction). */
  batch: number;
  producers: number;
  /** Concurrent fetch → handle → complete loops. */
  workers: number;
  /** Jobs per `fetch`. */
  fetchBatch: number;
  poolSize: number;
}

const QUEUE = 'bench';

/**
 * pg-boss 10, the reference point: the same number of jobs inserted in batches by concurrent
 * producers, worked by concurrent workers with the same trivial handler, on the same PostgreSQL
 * (its own fresh database). Workers use pg-boss's batch API — `fetch(queue, { batchSize })`, the
 * handler, then `complete(queue, ids)` — in a loop that fetches again at once while there is work.
 * (`work()` would add its polling interval, at least 0.5 s, between batches.)
 * Measured from the first insert to the last completion.
 */
export async function measurePgBoss(plan: PgBossPlan, log: (m: string) => void): Promise<number> {
  const db = await freshPgDatabase('keel_bench_pgboss');
  const boss = new PgBoss({
    connectionString: db.value,
    max: plan.poolSize,
    supervise: false,
    schedule: false,
  });
  let bossError: unknown;
  boss.on('error', (err) => {
    bossError = err;
  });
  try {
    await boss.start();
    await boss.createQueue(QUEUE);
    const batches = Math.ceil(plan.jobs / plan.batch);
    let next = 0;
    let produced = false;
    let handled = 0;
    let completed = 0;
    const started = nowMs();
    const producer = async () => {
      for (let b = next++; b < batches; b = next++) {
        const from = b * plan.batch;
        const to = Math.min(plan.jobs, from + plan.batch);
        const t = nowMs();
        const jobs: PgBoss.JobInsert[] = [];
        for (let n = from; n < to; n++) jobs.push({ name: QUEUE, data: { n, t } });
        await boss.insert(jobs);
      }
    };
    const worker = async () => {
      while (completed < plan.jobs) {
        const jobs = await boss.fetch<{ n: number; t: number }>(QUEUE, { batchSize: plan.fetchBatch });
        if (jobs.length === 0) {
          if (produced && completed >= plan.jobs) break;
          await sleep(2);
          continue;
        }
        for (const _job of jobs) handled++;
        await boss.complete(
          QUEUE,
          jobs.map((j) => j.id),
        );
        completed += jobs.length;
      }
    };
    const workers = Array.from({ length: plan.workers }, worker);
    await Promise.all(Array.from({ length: plan.producers }, producer));
    produced = true;
    log(`pg-boss: ${plan.jobs} jobs inserted in ${((nowMs() - started) / 1000).toFixed(1)} s`);
    await Promise.all(workers);
    const seconds = (nowMs() - started) / 1000;
    if (bossError) throw bossError;
    if (handled !== plan.jobs) throw new Error(`pg-boss: handled ${handled} of ${plan.jobs} jobs`);
    const left = await boss.getQueueSize(QUEUE, { before: 'completed' });
    if (left !== 0) throw new Error(`pg-boss: ${left} jobs not completed at the end`);
    return plan.jobs / seconds;
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true }).catch(() => {});
    await db.dispose();
  }
}

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { availableBackends, createPgDatabase, tempDir } from '../support/backends.js';
import { natsNames, waitFor } from '../support/buses.js';
import { type CliResult, runCli, show } from './run-cli.js';

/** `keel migrate` on a fresh database of each backend. */
const backends = await availableBackends();

const MODULES = ['bus', 'audit', 'api', 'sagas', 'pim', 'channels', 'oms', 'erp'];
type Applied = { domain: string; id: string }[];

function expectFullList(applied: Applied) {
  expect([...new Set(applied.map((m) => m.domain))]).toEqual(MODULES);
  for (const m of applied) expect(m.id).toMatch(/^\d{3}_\w+$/);
  expect(new Set(applied.map((m) => `${m.domain}/${m.id}`)).size).toBe(applied.length);
}
const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

describe.each(backends)('keel migrate [%s]', (backend) => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  // Each backend registers only the variant that fits it (nothing shows as skipped).
  if (backend === 'sqlite')
    it('applies every module on a fresh database, then nothing', async () => {
      const tmp = tempDir();
      cleanups.push(tmp.remove);
      const env = { KEEL_BACKEND: backend, KEEL_DATA_DIR: tmp.dir };
      const first = await runCli(['migrate', '--json'], { env });
      expectExit(first, 0);
      expectFullList(first.json().applied);
      const second = await runCli(['migrate', '--json'], { env });
      expectExit(second, 0);
      expect(second.json()).toEqual({ applied: [] });
    });

  // On PostgreSQL the two runs start together (as replicas of `keel start` do on a fresh database):
  // one applies everything, the other waits for it and applies nothing. To make them collide
  // deterministically, a transaction holds the name `keel_migrations` until both processes wait.
  // (PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against a concurrent creator, which is why
  // the store creates its bookkeeping table under the migration lock.)
  if (backend !== 'sqlite')
    it('applies every module on a fresh database once, even when two runs start together', async () => {
      const db = await createPgDatabase();
      cleanups.push(db.drop);
      const names = natsNames(); // never created: migrate does not start the bus
      const env = {
        KEEL_BACKEND: backend,
        KEEL_POSTGRES_URL: db.url,
        KEEL_NATS_STREAM: names.stream,
        KEEL_NATS_SUBJECT_PREFIX: names.subjectPrefix,
      };
      const holder = new pg.Client({ connectionString: db.url });
      const watcher = new pg.Client({ connectionString: db.url });
      await holder.connect();
      await watcher.connect();
      let runs: Promise<CliResult>[] = [];
      try {
        await holder.query('BEGIN');
        await holder.query('CREATE TABLE keel_migrations (held integer)');
        runs = [runCli(['migrate', '--json'], { env }), runCli(['migrate', '--json'], { env })];
        const dbName = new URL(db.url).pathname.slice(1);
        const waiting = async () => {
          const r = await watcher.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'`,
            [dbName],
          );
          return r.rows[0].n >= 2;
        };
        await waitFor(waiting, 30_000, 'both migrate processes to wait on the database').catch(
          async (err) => {
            await holder.query('ROLLBACK');
            const done = await Promise.all(runs);
            throw new Error(`${(err as Error).message}\n${done.map(show).join('\n')}`);
          },
        );
        await holder.query('ROLLBACK');
      } finally {
        await holder.end().catch(() => {});
        await watcher.end().catch(() => {});
      }
      const results = await Promise.all(runs);
      for (const r of results) expectExit(r, 0);
      const [none, all] = results.map((r) => r.json().applied as Applied).sort((a, b) => a.length - b.length);
      expect(none).toEqual([]);
      expectFullList(all!);
    });
});

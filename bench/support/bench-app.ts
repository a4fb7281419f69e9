import { existsSync, statSync } from 'node:fs';
import { sql } from 'kysely';
import { createApp, type KeelApp, sqliteFile } from '../../src/app.js';
import { resolveConfig } from '../../src/kernel/config.js';
import { runWithContext } from '../../src/kernel/context.js';
import { newId } from '../../src/kernel/ids.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { type Disposable, freshPgDatabase, freshTempDir } from './services.js';

/** A real Keel for a scenario: fresh storage per backend, an operator's context, what it left on disk. */

export type BenchBackend = 'sqlite' | 'postgres';

export interface BenchApp {
  app: KeelApp;
  /** The data directory (files the scenario writes can go here; removed on close). */
  dir: string;
  close(): Promise<void>;
}

/** A migrated Keel (no HTTP server, no consumers, no background tasks) on fresh storage; close removes it all. */
export async function openBenchApp(backend: BenchBackend, prefix: string): Promise<BenchApp> {
  const disposables: Disposable<unknown>[] = [];
  const close = async () => {
    for (const d of disposables.reverse()) await d.dispose().catch(() => {});
  };
  try {
    const dir = freshTempDir(prefix);
    disposables.push(dir);
    const overrides: Record<string, unknown> = { backend, dataDir: dir.value, logLevel: 'silent' };
    if (backend === 'postgres') {
      const db = await freshPgDatabase();
      disposables.push(db);
      overrides['postgres.url'] = db.value;
    }
    const { config } = resolveConfig({ overrides });
    const app = await createApp({ config, log: silentLogger });
    disposables.push({ value: app, dispose: () => app.stop() });
    await app.migrate();
    return { app, dir: dir.value, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Trusted, as the CLI is: an operator acting in-process holds every role. */
export function asOperator<T>(fn: () => Promise<T>): Promise<T> {
  return runWithContext({ correlationId: newId('cor'), actor: 'cli:bench' }, fn);
}

/** What the run left on disk: the SQLite file and its WAL, or the PostgreSQL database. */
export async function databaseMb(app: KeelApp, backend: BenchBackend): Promise<number> {
  if (backend === 'postgres') {
    const r = await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(
      app.store.db,
    );
    return Number(r.rows[0]?.bytes ?? 0) / 1024 ** 2;
  }
  const file = sqliteFile(app.config);
  let bytes = 0;
  for (const f of [file, `${file}-wal`]) bytes += existsSync(f) ? statSync(f).size : 0;
  return bytes / 1024 ** 2;
}

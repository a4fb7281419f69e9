import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { deleteNatsStream, hostPort, tcpReachable } from '../../test/support/probes.js';

/**
 * The services a benchmark runs against. Each measurement gets its own fresh database, file or
 * stream, removed afterwards, so runs never see each other's data.
 */
export const PG_ADMIN_URL = process.env.KEEL_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.KEEL_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Why a backend cannot run here, or undefined if its services answer. */
export async function missingServices(needs: { pg?: boolean; nats?: boolean }): Promise<string | undefined> {
  const missing: string[] = [];
  const pgAt = hostPort(PG_ADMIN_URL, 5432);
  const natsAt = hostPort(NATS_URL, 4222);
  if (needs.pg && !(await tcpReachable(pgAt))) missing.push(`PostgreSQL at ${pgAt.host}:${pgAt.port}`);
  if (needs.nats && !(await tcpReachable(natsAt))) missing.push(`NATS at ${natsAt.host}:${natsAt.port}`);
  return missing.length ? `${missing.join(' and ')} unreachable` : undefined;
}

export interface Disposable<T> {
  value: T;
  dispose(): Promise<void>;
}

/** A fresh PostgreSQL database; dispose drops it. */
export async function freshPgDatabase(prefix = 'keel_bench'): Promise<Disposable<string>> {
  const name = uniqueName(prefix);
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    value: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`),
    dispose: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** A fresh temporary directory; dispose removes it. */
export function freshTempDir(prefix = 'keel-bench-'): Disposable<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { value: dir, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Delete a JetStream stream (ignoring one that is already gone). */
export function deleteStream(stream: string): Promise<void> {
  return deleteNatsStream(NATS_URL, stream);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a bench resource name carries (`<prefix>_<pid>_<hex>`), if it is one of ours. */
function ownerPid(name: string, prefix: RegExp): number | undefined {
  const m = prefix.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Remove databases and streams left behind by bench runs that were killed before their cleanup
 * ran (their process is gone). Best effort: a service that does not answer is left alone.
 */
export async function sweepLeftovers(): Promise<void> {
  if (!(await missingServices({ pg: true }))) {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    try {
      await c.connect();
      const r = await c.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE 'keel\\_bench\\_%'",
      );
      for (const { datname } of r.rows) {
        const pid = ownerPid(datname, /^keel_bench(?:_pgboss)?_(\d+)_[0-9a-f]+$/);
        if (pid !== undefined && !alive(pid))
          await c.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    } catch {
      // leave it for next time
    } finally {
      await c.end().catch(() => {});
    }
  }
  if (!(await missingServices({ nats: true }))) {
    try {
      const { connect } = await import('@nats-io/transport-node');
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const nc = await connect({ servers: [NATS_URL] });
      try {
        const jsm = await jetstreamManager(nc);
        for await (const name of jsm.streams.names()) {
          const pid = ownerPid(name, /^KEEL_BENCH_(\d+)_[0-9a-f]+$/);
          if (pid !== undefined && !alive(pid)) await jsm.streams.delete(name).catch(() => false);
        }
      } finally {
        await nc.close();
      }
    } catch {
      // leave it for next time
    }
  }
}

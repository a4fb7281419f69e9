import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { hostPort, tcpReachable } from './probes.js';

/**
 * Which backends the suite runs against: KEEL_TEST_BACKENDS (comma-separated), default all three.
 * A backend whose service is down fails under CI=true and is skipped (loudly) otherwise.
 */
export type Backend = 'sqlite' | 'postgres' | 'postgres+nats';
export const ALL_BACKENDS: Backend[] = ['sqlite', 'postgres', 'postgres+nats'];

export const PG_ADMIN_URL = process.env.KEEL_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.KEEL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export function selectedBackends(): Backend[] {
  const raw = process.env.KEEL_TEST_BACKENDS;
  if (!raw) return ALL_BACKENDS;
  const picked = raw.split(',').map((s) => s.trim()) as Backend[];
  for (const b of picked)
    if (!ALL_BACKENDS.includes(b)) throw new Error(`KEEL_TEST_BACKENDS: unknown backend "${b}"`);
  return picked;
}

const reach = new Map<string, Promise<boolean>>();
function reachable(name: string, at: { host: string; port: number }): Promise<boolean> {
  if (!reach.has(name)) reach.set(name, tcpReachable(at));
  return reach.get(name)!;
}

/** Backends to run, checking services: throws under CI=true if one is missing. */
export async function availableBackends(): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const b of selectedBackends()) {
    const needPg = b !== 'sqlite';
    const needNats = b === 'postgres+nats';
    const missing: string[] = [];
    const pgAt = hostPort(PG_ADMIN_URL, 5432);
    const natsAt = hostPort(NATS_URL, 4222);
    if (needPg && !(await reachable('pg', pgAt))) missing.push(`PostgreSQL on ${pgAt.host}:${pgAt.port}`);
    if (needNats && !(await reachable('nats', natsAt))) missing.push(`NATS on ${natsAt.host}:${natsAt.port}`);
    if (missing.length === 0) out.push(b);
    else if (process.env.CI === 'true')
      throw new Error(`backend ${b} needs ${missing.join(' and ')} (CI=true: not skipping)`);
    else console.warn(`[keel tests] skipping backend ${b}: ${missing.join(' and ')} unreachable`);
  }
  return out;
}

/** A unique name for this run's databases and streams, so concurrent runs never collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A fresh PostgreSQL database; returns its URL and a drop function. */
export async function createPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('keel_t');
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'keel-test-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

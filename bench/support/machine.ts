import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type Calibration, calibrate } from './calibrate.js';
import { missingServices, NATS_URL, PG_ADMIN_URL } from './services.js';

/** What the figures were measured on: without it, a number means little. */
export interface Machine {
  cpu: string;
  cores: number;
  ramGb: number;
  os: string;
  node: string;
  sqlite: string;
  postgres: string | null;
  nats: string | null;
  /** 1-minute load average when the run began: other work on the machine skews every figure. */
  loadAvg1m: number;
  /** Fixed workloads timed at the start: compare these before comparing figures across days. */
  calibration: Calibration;
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (m?.[1]) return `${m[1]} (${type()} ${release()})`;
  } catch {
    // not Linux, or no os-release
  }
  return `${type()} ${release()}`;
}

function sqliteVersion(): string {
  const db = new Database(':memory:');
  try {
    return (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
  } finally {
    db.close();
  }
}

async function postgresVersion(): Promise<string | null> {
  if (await missingServices({ pg: true })) return null;
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  try {
    await c.connect();
    const r = await c.query<{ server_version: string }>('SHOW server_version');
    return r.rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

async function natsVersion(): Promise<string | null> {
  if (await missingServices({ nats: true })) return null;
  try {
    const { connect } = await import('@nats-io/transport-node');
    const nc = await connect({ servers: [NATS_URL] });
    const v = nc.info?.version ?? null;
    await nc.close();
    return v;
  } catch {
    return null;
  }
}

export async function describeMachine(): Promise<Machine> {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    node: process.version,
    sqlite: sqliteVersion(),
    postgres: await postgresVersion(),
    nats: await natsVersion(),
    loadAvg1m: currentLoad(),
    calibration: calibrate(),
  };
}

/** Cumulative CPU ticks of the whole machine (Linux `/proc/stat`), or undefined elsewhere. */
export interface CpuTicks {
  total: number;
  steal: number;
}

export function cpuTicks(): CpuTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return undefined;
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/**
 * The share of CPU time the hypervisor gave to other guests between two samples: on a virtual
 * machine, the figures of a run with 15 % steal are not those of a run with none.
 */
export function stealPercent(from: CpuTicks | undefined, to: CpuTicks | undefined): number | undefined {
  if (!from || !to || to.total <= from.total) return undefined;
  return Math.round(((to.steal - from.steal) / (to.total - from.total)) * 1000) / 10;
}

export function currentLoad(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

export function machineLine(m: Machine): string {
  const services = [
    `SQLite ${m.sqlite}`,
    m.postgres ? `PostgreSQL ${m.postgres}` : 'PostgreSQL n/a',
    m.nats ? `NATS ${m.nats}` : 'NATS n/a',
  ];
  return (
    `${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM, ${m.os}, Node ${m.node}; ${services.join(', ')}; ` +
    `load average ${m.loadAvg1m}; calibration: cpu ${m.calibration.cpuMs} ms, commit ${m.calibration.commitMs} ms`
  );
}

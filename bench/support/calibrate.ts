import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * How fast this machine is right now, by two fixed workloads: the same virtual machine type has
 * given the same scenario twice the throughput on one day as on another, and without a yardstick
 * a reader cannot tell a change in the code from a change in the host. Both take about a second.
 */
export interface Calibration {
  /** Fixed JavaScript work shaped like Keel's write paths (serialize, parse, hash): lower is faster. */
  cpuMs: number;
  /** One small durable SQLite commit (WAL, synchronous=FULL) on the temp directory's disk. */
  commitMs: number;
}

const CPU_ROUNDS = 40_000;
const COMMITS = 100;

function cpuWork(): number {
  const doc = {
    sku: 'TEE-000001-BLUE-M',
    values: Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [
        `attr_${i}`,
        [{ locale: 'en_US', channel: null, data: `value ${i}` }],
      ]),
    ),
  };
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < CPU_ROUNDS; i++) {
    doc.sku = `TEE-${i}`;
    const text = JSON.stringify(doc);
    sink += (JSON.parse(text) as { sku: string }).sku.length;
    sink += createHash('sha256').update(text).digest('base64url').length;
  }
  if (sink === 0) throw new Error('unreachable');
  return performance.now() - t0;
}

function commitWork(): number {
  const dir = mkdtempSync(join(tmpdir(), 'keel-calibrate-'));
  const db = new Database(join(dir, 'c.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('create table t (id integer primary key, v text)');
    const insert = db.prepare('insert into t (v) values (?)');
    const t0 = performance.now();
    for (let i = 0; i < COMMITS; i++) insert.run(`row ${i}`);
    return (performance.now() - t0) / COMMITS;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function calibrate(): Calibration {
  cpuWork(); // warm-up: the JIT, not the machine, would dominate a cold first run
  const round = (n: number, d: number) => Math.round(n * 10 ** d) / 10 ** d;
  return { cpuMs: round(cpuWork(), 0), commitMs: round(commitWork(), 2) };
}

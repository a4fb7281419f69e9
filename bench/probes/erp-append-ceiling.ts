import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * A probe, not a scenario: the durable ceiling of an append-only inventory ledger on SQLite, with
 * levels held in memory (the design proposed in docs/decisions.md, "ERP: the 30,000 postings/s
 * target"). Each movement is one row with its double-entry entries inline, a unique reference and
 * a content hash; batches of `B` per transaction, `synchronous=FULL`. Then the cost of flushing
 * the dirty levels to a level table in key order.
 *
 *   npx tsx bench/probes/erp-append-ceiling.ts            (N=300000 B=4000 INDEXES=reference)
 *   INDEXES=reference,sku SYNC=NORMAL npx tsx bench/probes/erp-append-ceiling.ts
 */

const N = Number(process.env.N ?? 300_000);
const B = Number(process.env.B ?? 4000);
const INDEXES = (process.env.INDEXES ?? 'reference').split(',').filter(Boolean);
const SYNC = process.env.SYNC ?? 'FULL';
const SKUS = 100_000;
const LOCATIONS = 10;

const dir = mkdtempSync(join(tmpdir(), 'keel-probe-'));
const db = new Database(join(dir, 'ledger.db'));
try {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNC}`);
  db.exec(`create table movements (seq integer primary key, reference text not null, type text not null,
    sku text not null, location text not null, quantity integer not null, entries text not null,
    content_hash text not null, actor text not null, recorded_at text not null)`);
  if (INDEXES.includes('reference'))
    db.exec('create unique index movements_reference on movements (reference)');
  if (INDEXES.includes('sku')) db.exec('create index movements_sku on movements (sku, seq)');
  db.exec(`create table levels (sku text not null, location text not null, available integer not null,
    reserved integer not null, last_seq integer not null, primary key (sku, location)) without rowid`);

  const sku = (s: number) => `SKU-${String(s).padStart(6, '0')}`;
  const levels = new Map<string, { available: number; reserved: number; seq: number }>();
  const seedLevel = db.prepare('insert into levels values (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let s = 0; s < SKUS; s++)
      for (let l = 0; l < LOCATIONS; l++) {
        levels.set(`${sku(s)}|L${l}`, { available: 1000, reserved: 0, seq: 0 });
        seedLevel.run(sku(s), `L${l}`, 1000, 0, 0);
      }
  })();

  const insert = db.prepare(`insert into movements (seq, reference, type, sku, location, quantity, entries,
    content_hash, actor, recorded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const dirty = new Set<string>();
  const now = new Date().toISOString();
  let seq = 0;
  const t0 = performance.now();
  for (let done = 0; done < N; done += B) {
    db.transaction(() => {
      for (let i = 0; i < B; i++) {
        const s = sku(Math.floor(Math.random() * SKUS));
        const location = `L${Math.floor(Math.random() * LOCATIONS)}`;
        const key = `${s}|${location}`;
        const level = levels.get(key)!;
        if (level.available < 1) continue;
        const reference = `res-${done + i}`;
        level.available -= 1;
        level.reserved += 1;
        level.seq = ++seq;
        dirty.add(key);
        const entries = JSON.stringify([
          { account: 'available', quantity: -1 },
          { account: 'reserved', quantity: 1 },
        ]);
        const hash = createHash('sha256').update(`${reference}|reserve|${key}|1`).digest('base64url');
        insert.run(seq, reference, 'reserve', s, location, 1, entries, hash, 'probe', now);
      }
    })();
  }
  const appendS = (performance.now() - t0) / 1000;

  const upsert = db.prepare(`insert into levels values (?, ?, ?, ?, ?) on conflict (sku, location) do update
    set available = excluded.available, reserved = excluded.reserved, last_seq = excluded.last_seq`);
  const t1 = performance.now();
  db.transaction(() => {
    for (const key of [...dirty].sort()) {
      const [s, location] = key.split('|') as [string, string];
      const level = levels.get(key)!;
      upsert.run(s, location, level.available, level.reserved, level.seq);
    }
  })();
  const flushS = (performance.now() - t1) / 1000;
  console.log(
    JSON.stringify({
      movements: N,
      batch: B,
      indexes: INDEXES,
      synchronous: SYNC,
      movementsPerS: Math.round(N / appendS),
      dirtyLevels: dirty.size,
      flushS: Math.round(flushS * 100) / 100,
      flushUsPerLevel: Math.round((flushS / dirty.size) * 1e6 * 10) / 10,
    }),
  );
} finally {
  db.close();
  rmSync(dir, { recursive: true, force: true });
}

import type { Kysely } from 'kysely';
import type { Dialect } from '../../kernel/ports/store.js';
import { inSkuBlocks, skuBlocks, throughMovements } from './ledger.read.js';
import { levelKey } from './ledger.rules.js';
import { BUCKETS, PHYSICAL } from './ledger.types.js';
import type { ErpLevelRow } from './schema.js';

/**
 * verifyLevels: recompute every balance from the ledger and report where the levels table
 * disagrees. The levels are written in the same transaction as the postings, so drift means a bug
 * or a hand edit of the database; this is the check that would show it. Also checked: every
 * movement's entries sum to zero, reserved equals what active reservations hold, and inbound
 * equals what expected-inbound lines still await.
 */

export interface Drift {
  sku: string;
  location: string;
  /** A bucket (`available` …), `on_hand`, or `reserved`/`inbound` against their detail tables. */
  field: string;
  level: number;
  expected: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Level rows checked. */
  levels: number;
  /** At most 1,000 differences. */
  drift: Drift[];
  /** Movements whose entries do not sum to zero (at most 1,000). */
  unbalanced: { seq: number; sum: number }[];
  checkedAt: string;
}

const MAX_REPORTED = 1000;

/** SKUs per step of a full verification: bounds its memory on a ledger of millions of levels. */
const SKUS_PER_STEP = 2000;

/** A slice of the SKU space: one SKU, or those after `after` (exclusive) up to `upTo` (inclusive). */
type Scope = { sku: string } | { after: string | null; upTo: string | null };

interface Findings {
  levels: number;
  drift: Drift[];
  unbalanced: { seq: number; sum: number }[];
}

export async function verifyLevels(
  db: Kysely<any>,
  dialect: Dialect,
  now: string,
  sku?: string,
  skusPerStep = SKUS_PER_STEP,
): Promise<VerifyReport> {
  const out: Findings = { levels: 0, drift: [], unbalanced: [] };
  if (sku !== undefined) await verifyScope(db, dialect, { sku }, out);
  else {
    // Everything, a range of SKUs at a time (through the SKU-leading indexes). The ranges are cut
    // at level rows' SKUs but cover the whole key space (the last one is open-ended), so postings
    // of a SKU without any level row are checked too.
    let after: string | null = null;
    for (;;) {
      let q = db.selectFrom('erp_levels').select('sku').distinct().orderBy('sku').limit(skusPerStep);
      if (after !== null) q = q.where('sku', '>', after);
      const skus = (await q.execute()).map((r) => r.sku as string);
      const upTo = skus.length === skusPerStep ? skus[skus.length - 1]! : null;
      await verifyScope(db, dialect, { after, upTo }, out);
      if (upTo === null) break;
      after = upTo;
    }
  }
  return {
    ok: out.drift.length === 0 && out.unbalanced.length === 0,
    levels: out.levels,
    drift: out.drift,
    unbalanced: out.unbalanced,
    checkedAt: now,
  };
}

async function verifyScope(db: Kysely<any>, dialect: Dialect, scope: Scope, out: Findings): Promise<void> {
  const scoped = (q: any, column = 'sku'): any => {
    if ('sku' in scope) return q.where(column, '=', scope.sku);
    let r = q;
    if (scope.after !== null) r = r.where(column, '>', scope.after);
    if (scope.upTo !== null) r = r.where(column, '<=', scope.upTo);
    return r;
  };
  // A posting's SKU is its movement's; postings are found through the movements' SKU index.
  const blocks = await skuBlocks(db, dialect);
  const postings = (): any =>
    scoped(inSkuBlocks(throughMovements(db, dialect, 'erp_postings', 'p'), dialect, blocks), 'm.sku');
  const sums = await postings()
    .select([
      'm.sku as sku',
      'p.location as location',
      'p.account as account',
      (eb: any) => eb.fn.sum('p.quantity').as('total'),
    ])
    .where('p.account', 'in', [...BUCKETS])
    .groupBy(['m.sku', 'p.location', 'p.account'])
    .execute();
  const reservations = await scoped(
    db
      .selectFrom('erp_reservations')
      .select(['sku', 'location', (eb) => eb.fn.sum('remaining').as('total')])
      .where('status', '=', 'active'),
  )
    .groupBy(['sku', 'location'])
    .execute();
  const inbound = await scoped(
    db.selectFrom('erp_inbound').select(['sku', 'location', (eb) => eb.fn.sum('remaining').as('total')]),
  )
    .groupBy(['sku', 'location'])
    .execute();
  const levels = (await scoped(db.selectFrom('erp_levels').selectAll()).execute()) as ErpLevelRow[];

  const expected = new Map<string, { sku: string; location: string; v: Record<string, number> }>();
  const slot = (s: string, l: string) => {
    const k = levelKey(s, l);
    let e = expected.get(k);
    if (!e) {
      e = { sku: s, location: l, v: {} };
      expected.set(k, e);
    }
    return e;
  };
  for (const r of sums as { sku: string; location: string; account: string; total: unknown }[])
    slot(r.sku, r.location).v[r.account] = Number(r.total);
  for (const r of reservations as { sku: string; location: string; total: unknown }[])
    slot(r.sku, r.location).v['reserved:reservations'] = Number(r.total);
  for (const r of inbound as { sku: string; location: string; total: unknown }[])
    slot(r.sku, r.location).v['inbound:lines'] = Number(r.total);

  const { drift } = out;
  const report = (d: Drift) => {
    if (d.level !== d.expected && drift.length < MAX_REPORTED) drift.push(d);
  };
  const seen = new Set<string>();
  for (const row of levels) {
    const key = levelKey(row.sku, row.location);
    seen.add(key);
    const v = expected.get(key)?.v ?? {};
    const at = { sku: row.sku, location: row.location };
    for (const b of BUCKETS) report({ ...at, field: b, level: Number(row[b]), expected: v[b] ?? 0 });
    report({
      ...at,
      field: 'on_hand',
      level: Number(row.on_hand),
      expected: PHYSICAL.reduce((s, b) => s + (v[b] ?? 0), 0),
    });
    report({
      ...at,
      field: 'reserved',
      level: Number(row.reserved),
      expected: v['reserved:reservations'] ?? 0,
    });
    report({ ...at, field: 'inbound', level: Number(row.inbound), expected: v['inbound:lines'] ?? 0 });
  }
  // Balances with postings but no level row at all.
  for (const [key, e] of expected) {
    if (seen.has(key)) continue;
    for (const [field, total] of Object.entries(e.v))
      report({ sku: e.sku, location: e.location, field: field.split(':')[0]!, level: 0, expected: total });
  }

  out.levels += levels.length;
  if (out.unbalanced.length >= MAX_REPORTED) return;
  const unbalancedRows = await postings()
    .select(['m.seq as movement_seq', (eb: any) => eb.fn.sum('p.quantity').as('total')])
    .groupBy('m.seq')
    .having((eb: any) => eb.fn.sum('p.quantity'), '<>', 0)
    .limit(MAX_REPORTED - out.unbalanced.length)
    .execute();
  for (const r of unbalancedRows as { movement_seq: unknown; total: unknown }[])
    out.unbalanced.push({ seq: Number(r.movement_seq), sum: Number(r.total) });
}

import type { Kysely } from 'kysely';
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

export async function verifyLevels(db: Kysely<any>, now: string, sku?: string): Promise<VerifyReport> {
  // One SKU (through the SKU-leading indexes) or everything.
  const scoped = (q: any): any => (sku === undefined ? q : q.where('sku', '=', sku));
  const sums = await scoped(
    db
      .selectFrom('erp_postings')
      .select(['sku', 'location', 'account', (eb) => eb.fn.sum('quantity').as('total')])
      .where('account', 'in', [...BUCKETS]),
  )
    .groupBy(['sku', 'location', 'account'])
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

  const drift: Drift[] = [];
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

  const unbalancedRows = await scoped(
    db.selectFrom('erp_postings').select(['movement_seq', (eb) => eb.fn.sum('quantity').as('total')]),
  )
    .groupBy('movement_seq')
    .having((eb: any) => eb.fn.sum('quantity'), '<>', 0)
    .limit(MAX_REPORTED)
    .execute();
  const unbalanced = (unbalancedRows as { movement_seq: unknown; total: unknown }[]).map((r) => ({
    seq: Number(r.movement_seq),
    sum: Number(r.total),
  }));
  return {
    ok: drift.length === 0 && unbalanced.length === 0,
    levels: levels.length,
    drift,
    unbalanced,
    checkedAt: now,
  };
}

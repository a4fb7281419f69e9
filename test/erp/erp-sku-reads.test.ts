import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import { throughMovements } from '../../src/domains/erp/ledger.read.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

/**
 * Postings and cost lines keep no SKU index of their own (011_ledger_sku_indexes): a SKU's rows are
 * found through its movements. These reads must still return exactly that SKU's rows.
 */
describe.each(backends)('ERP reads by SKU through movements [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let n = 0;
  const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
  const post = async (...movements: Record<string, unknown>[]) => {
    const r = await api('POST', '/movements', {
      movements: movements.map((m) => ({ reference: `sr-${++n}`, ...m })),
    });
    expect(r.status).toBe(201);
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1', 'WH2']);
    for (const sku of ['CUP', 'CUPS', 'BOWL'])
      await post(
        { type: 'receipt', sku, location: 'WH1', quantity: 10, unitCost: 200, currency: 'EUR' },
        { type: 'receipt', sku, location: 'WH2', quantity: 5, unitCost: 300, currency: 'EUR' },
      );
    await post(
      { type: 'transfer_out', sku: 'CUP', location: 'WH1', toLocation: 'WH2', quantity: 2 },
      { type: 'allocation', sku: 'BOWL', location: 'WH1', quantity: 1 },
      { type: 'shipment', sku: 'BOWL', location: 'WH1', quantity: 1 },
      { type: 'transfer_in', sku: 'CUP', location: 'WH2', fromLocation: 'WH1', quantity: 2 },
      { type: 'allocation', sku: 'CUP', location: 'WH2', quantity: 3 },
      { type: 'shipment', sku: 'CUP', location: 'WH2', quantity: 3 },
    );
  });
  afterAll(async () => t?.cleanup());

  it("lists one SKU's cost lines, in ledger order, paged, by location", async () => {
    const all = (await api('GET', '/costs/lines?sku=CUP&limit=100')).body.items as any[];
    expect(all.map((l) => l.sku)).toEqual(all.map(() => 'CUP'));
    const seqs = all.map((l) => l.movementSeq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // Two receipts, the transfer out and in, the shipment (an allocation moves no value).
    expect(new Set(seqs).size).toBe(5);
    expect(all.some((l) => l.location === 'WH1') && all.some((l) => l.location === 'WH2')).toBe(true);

    const first = (await api('GET', '/costs/lines?sku=CUP&limit=2')).body;
    const rest = (await api('GET', `/costs/lines?sku=CUP&limit=100&after=${first.next}`)).body;
    expect([...first.items, ...rest.items]).toEqual(all);

    const wh2 = (await api('GET', '/costs/lines?sku=CUP&location=WH2')).body.items as any[];
    expect(wh2.length).toBeGreaterThan(0);
    expect(wh2).toEqual(all.filter((l) => l.location === 'WH2'));
  });

  it("verifies one SKU's levels from its postings, and finds a hand-edited posting", async () => {
    for (const sku of ['CUP', 'CUPS', 'BOWL']) expect((await erp.ledger.verify({ sku })).ok).toBe(true);
    expect((await erp.ledger.verify()).ok).toBe(true);
    const shipment = await t.app.store.db
      .selectFrom('erp_movements')
      .select('seq')
      .where('sku', '=', 'CUP')
      .where('type', '=', 'shipment')
      .executeTakeFirstOrThrow();
    await t.app.store.tx(async (tx) => {
      await tx
        .updateTable('erp_postings')
        .set({ quantity: sql`quantity + 1` })
        .where('movement_seq', '=', shipment.seq)
        .where('n', '=', 0)
        .execute();
    });
    const report = await erp.ledger.verify({ sku: 'CUP' });
    expect(report.ok).toBe(false);
    expect(report.unbalanced).toEqual([{ seq: Number(shipment.seq), sum: 1 }]);
    expect(report.drift.map((d) => [d.sku, d.location])).toContainEqual(['CUP', 'WH2']);
    // Its neighbours in the SKU order are untouched.
    expect((await erp.ledger.verify({ sku: 'CUPS' })).ok).toBe(true);
    expect((await erp.ledger.verify()).unbalanced).toEqual(report.unbalanced);
  });
});

describe.runIf(backends.includes('postgres'))('ERP reads by SKU: plans [postgres]', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp('postgres');
    // 200,000 postings PostgreSQL has no statistics for (a bulk load; autovacuum may be off). On a
    // larger ledger filled by the app, a plain join of movements and postings was planned as a
    // hash join over every posting (108 ms for one SKU's verify, 3 ms probed); this guards the
    // probe shape the reads are written in.
    await sql`insert into erp_movements (id, reference, type, sku, location, quantity, details, content_hash, actor, occurred_at, recorded_at)
      select 'mov' || i, 'ref' || i, 'adjustment', 'S' || (i % 5000), 'WH1', 1, '{}', '', 'test', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'
      from generate_series(1, 100000) as i`.execute(t.app.store.db);
    await sql`insert into erp_postings (movement_seq, n, sku, location, account, quantity)
      select m.seq, k, m.sku, 'WH1', 'available', 1 from erp_movements as m, generate_series(0, 1) as k`.execute(
      t.app.store.db,
    );
  });
  afterAll(async () => t?.cleanup());

  // One SKU (verify of a SKU, its cost lines) and a range of SKUs (a step of the full verify).
  it.each([
    ['one SKU', (q: any) => q.where('m.sku', '=', 'S42')],
    ['a range of SKUs', (q: any) => q.where('m.sku', '>', 'S1').where('m.sku', '<=', 'S2')],
  ])('finds the postings of %s by index probes, not by scanning the postings', async (_, scope) => {
    // The shape of verify's sums: per SKU × location × account.
    const plan = await scope(throughMovements(t.app.store.db, 'postgres', 'erp_postings', 'p'))
      .select(['m.sku', 'p.location', 'p.account', (eb: any) => eb.fn.sum('p.quantity').as('total')])
      .groupBy(['m.sku', 'p.location', 'p.account'])
      .explain();
    const text = plan.map((r: object) => Object.values(r).join(' ')).join('\n');
    expect(text).toMatch(/Index Scan (using|on) erp_postings_pk/);
    expect(text).not.toMatch(/Seq Scan on erp_postings/);
  });
});

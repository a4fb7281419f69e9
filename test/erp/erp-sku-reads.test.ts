import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import { SKU_BLOCK } from '../../src/domains/erp/ledger.layout.schema.js';
import { inSkuBlocks, skuBlocks, throughMovements } from '../../src/domains/erp/ledger.read.js';
import { historyWindow } from '../../src/domains/erp/replenishment.plan.js';
import { demandHistory, key } from '../../src/domains/erp/replenishment.read.js';
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

/**
 * On SQLite the movements' SKU index is cut into blocks of SKU_BLOCK movements by seq
 * (013_ledger_layout). A SKU's movements spread over several blocks must all be found, in ledger
 * order, by every read by SKU: the listing (paged across blocks), cost lines, verification and
 * the demand history.
 */
describe.runIf(backends.includes('sqlite'))('ERP reads by SKU across index blocks [sqlite]', () => {
  let t: TestApp;
  let erp: Erp;
  const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
  const seqs: number[] = [];

  beforeAll(async () => {
    t = await createTestApp('sqlite');
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1']);
    const day = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const r = await api('POST', '/movements', {
      movements: [
        {
          type: 'receipt',
          reference: 'hop-1',
          sku: 'HOP',
          location: 'WH1',
          quantity: 10,
          unitCost: 100,
          currency: 'EUR',
        },
        {
          type: 'receipt',
          reference: 'hop-2',
          sku: 'HOP',
          location: 'WH1',
          quantity: 5,
          unitCost: 130,
          currency: 'EUR',
        },
        {
          type: 'receipt',
          reference: 'other',
          sku: 'HOPS',
          location: 'WH1',
          quantity: 1,
          unitCost: 100,
          currency: 'EUR',
        },
        { type: 'allocation', reference: 'hop-3', sku: 'HOP', location: 'WH1', quantity: 4 },
        { type: 'shipment', reference: 'hop-4', sku: 'HOP', location: 'WH1', quantity: 4, occurredAt: day },
      ],
    });
    expect(r.status).toBe(201);
    // Spread HOP's movements over blocks 0, 2, 5 and 7, entries and cost lines with them.
    const moved = (r.body.items as { reference: string; seq: number }[]).filter(
      (m) => m.reference !== 'other',
    );
    await t.app.store.tx(async (tx) => {
      for (const [i, m] of moved.entries()) {
        const to = m.seq + [0, 2, 5, 7][i]! * SKU_BLOCK;
        seqs.push(to);
        if (to === m.seq) continue;
        await tx.updateTable('erp_movements').set({ seq: to }).where('seq', '=', m.seq).execute();
        for (const table of ['erp_postings', 'erp_cost_lines'])
          await tx.updateTable(table).set({ movement_seq: to }).where('movement_seq', '=', m.seq).execute();
      }
    });
  });
  afterAll(async () => t?.cleanup());

  it('lists the movements of a SKU from every block, in order, paged across blocks', async () => {
    const all = (await api('GET', '/movements?sku=HOP&limit=100')).body.items as any[];
    expect(all.map((m) => m.seq)).toEqual(seqs);
    const paged: number[] = [];
    let next: string | undefined;
    do {
      const page = (await api('GET', `/movements?sku=HOP&limit=1${next ? `&after=${next}` : ''}`)).body;
      paged.push(...page.items.map((m: any) => m.seq));
      next = page.next;
    } while (next);
    expect(paged).toEqual(seqs);
    const shipments = (await api('GET', '/movements?sku=HOP&type=shipment')).body.items as any[];
    expect(shipments.map((m) => m.seq)).toEqual([seqs[3]]);
  });

  it('finds cost lines, postings and shipped units in every block', async () => {
    const lines = (await api('GET', '/costs/lines?sku=HOP&limit=100')).body.items as any[];
    expect([...new Set(lines.map((l) => l.movementSeq))]).toEqual([seqs[0], seqs[1], seqs[3]]);
    expect((await erp.ledger.verify({ sku: 'HOP' })).ok).toBe(true);
    expect((await erp.ledger.verify()).ok).toBe(true);
    // A posting in the farthest block, edited by hand, is found.
    await t.app.store.tx((tx) =>
      tx
        .updateTable('erp_postings')
        .set({ quantity: sql`quantity + 1` })
        .where('movement_seq', '=', seqs[3]!)
        .where('n', '=', 0)
        .execute(),
    );
    expect((await erp.ledger.verify({ sku: 'HOP' })).unbalanced).toEqual([{ seq: seqs[3], sum: 1 }]);
    const window = historyWindow(Date.now(), 7);
    const history = await demandHistory(
      t.app.store.db,
      'sqlite',
      [{ sku: 'HOP', location: 'WH1', policy: {} as any }],
      window,
    );
    expect(history.get(key('HOP', 'WH1'))!.reduce((s, u) => s + u, 0)).toBe(4);
  });

  it('reads by SKU through the block index', async () => {
    const blocks = await skuBlocks(t.app.store.db, 'sqlite');
    expect(blocks).toEqual({ from: 0, to: Math.floor(seqs[3]! / SKU_BLOCK) });
    const q = inSkuBlocks(
      t.app.store.db.selectFrom('erp_movements as m').selectAll().where('m.sku', '=', 'HOP'),
      'sqlite',
      blocks,
    );
    const { sql: text, parameters } = q.compile();
    const plan = await t.app.store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${text}`, [...parameters]),
    );
    expect(plan.rows.map((r) => r.detail).join('\n')).toMatch(/USING INDEX erp_movements_sku_block/);
  });
});

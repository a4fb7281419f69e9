import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeelApp } from '../../src/app.js';
import { createAtpService } from '../../src/domains/erp/atp.service.js';
import type { Erp } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { location, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();
const DAY = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();

/** The app's ATP service over a connection that records every statement it compiles. */
function recordingAtp(app: KeelApp) {
  const queries: CompiledQuery[] = [];
  const base = app.store.db;
  const db = base.withPlugin({
    transformQuery: (args) => {
      queries.push(base.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => args.result,
  });
  const store = new Proxy(app.store, {
    get: (target, prop) => (prop === 'db' ? db : Reflect.get(target, prop)),
  });
  const atp = createAtpService({ store, bus: app.bus, clock: app.clock, log: app.log, audit: app.audit });
  return { atp, queries };
}

/** The query plan of a statement, one line per step. */
async function planOf(app: KeelApp, q: CompiledQuery): Promise<string[]> {
  if (app.store.dialect === 'sqlite') {
    const r = await app.store.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]),
    );
    return r.rows.map((row) => row.detail);
  }
  return app.store.tx(async (tx) => {
    await sql`set local enable_seqscan = off`.execute(tx);
    const r = await tx.executeQuery<{ 'QUERY PLAN': string }>(
      CompiledQuery.raw(`explain ${q.sql}`, [...q.parameters]),
    );
    return r.rows.map((row) => row['QUERY PLAN'].trim());
  });
}

describe.each(backends)('ERP available-to-promise [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp);
    await erp.atp.putChannel('web', { locations: ['WH1', 'WH2'], inboundHorizonDays: 7 });
    await erp.atp.putChannel('store-berlin', { locations: ['ST1'] });
    await erp.ledger.post([
      { type: 'receipt', reference: 'atp:r1', sku: 'ATP-1', location: 'WH1', quantity: 10 },
      { type: 'receipt', reference: 'atp:r2', sku: 'ATP-1', location: 'WH2', quantity: 2 },
      { type: 'receipt', reference: 'atp:r3', sku: 'ATP-1', location: 'ST1', quantity: 4 },
      {
        type: 'expect_inbound',
        reference: 'po:9:1',
        sku: 'ATP-1',
        location: 'WH2',
        quantity: 6,
        eta: inDays(3),
      },
      {
        type: 'expect_inbound',
        reference: 'po:9:2',
        sku: 'ATP-1',
        location: 'WH1',
        quantity: 4,
        eta: inDays(30),
      },
      { type: 'reservation', reference: 'order:a:1', sku: 'ATP-1', location: 'WH1', quantity: 2 },
    ]);
    await erp.ledger.putSettings([
      { sku: 'ATP-1', location: 'WH1', safetyStock: 3, allowBackorder: false },
      { sku: 'ATP-1', location: 'WH2', safetyStock: 5, allowBackorder: false },
    ]);
  });
  afterAll(async () => t?.cleanup());

  it('sums available − safety stock + inbound due by the horizon over the channel’s locations', async () => {
    const r = await erp.atp.atp({ channel: 'web', skus: ['ATP-1', 'ATP-NONE'] });
    expect(r.items).toEqual([
      {
        sku: 'ATP-1',
        // WH1: 8 available − 3 safety (its inbound is due after the horizon); WH2: 2 − 5 + 6 due.
        atp: 5 + 3,
        locations: [
          { location: 'WH1', available: 8, safetyStock: 3, inbound: 0, atp: 5 },
          { location: 'WH2', available: 2, safetyStock: 5, inbound: 6, atp: 3 },
        ],
      },
      { sku: 'ATP-NONE', atp: 0, locations: [] },
    ]);
    expect((await erp.atp.atp({ channel: 'web', skus: ['ATP-1'], horizonDays: 40 })).items[0]!.atp).toBe(
      9 + 3,
    );
    expect((await erp.atp.atp({ channel: 'store-berlin', skus: ['ATP-1'] })).items[0]!.atp).toBe(4);
  });

  it('never lets one location’s shortfall hide another’s stock', async () => {
    await erp.ledger.putSettings([{ sku: 'ATP-1', location: 'WH2', safetyStock: 50, allowBackorder: false }]);
    const r = await erp.atp.atp({ channel: 'web', skus: ['ATP-1'] });
    expect(r.items[0]!.locations.map((l) => l.atp)).toEqual([5, 0]);
    expect(r.items[0]!.atp).toBe(5);
    await erp.ledger.putSettings([{ sku: 'ATP-1', location: 'WH2', safetyStock: 5, allowBackorder: false }]);
  });

  it('leaves out inactive locations, and knows only configured channels', async () => {
    await erp.locations.replace('WH2', { ...location('WH2'), status: 'inactive' });
    expect((await erp.atp.atp({ channel: 'web', skus: ['ATP-1'] })).items[0]).toMatchObject({
      atp: 5,
      locations: [{ location: 'WH1' }],
    });
    await erp.locations.replace('WH2', { ...location('WH2'), status: 'active' });
    expect((await erp.atp.atp({ channel: 'web', skus: ['ATP-1'] })).items[0]!.atp).toBe(8);
    await expect(erp.atp.atp({ channel: 'nowhere', skus: ['ATP-1'] })).rejects.toMatchObject({
      code: 'ERP_CHANNEL_NOT_FOUND',
    });
    await expect(erp.atp.putChannel('web', { locations: ['WH1', 'MOON'] })).rejects.toMatchObject({
      code: 'ERP_SETTINGS_INVALID',
      extensions: { errors: [{ field: 'locations[1]', code: 'LOCATION_UNKNOWN' }] },
    });
    expect(await erp.atp.channel('web')).toMatchObject({ locations: ['WH1', 'WH2'], inboundHorizonDays: 7 });
  });

  it('answers from indexes only: no statement it runs scans the levels, the inbound lines or the sources', async () => {
    const skus = Array.from({ length: 200 }, (_, i) => `IDX-${i}`);
    await erp.ledger.post(
      skus.flatMap((sku, i) => [
        { type: 'receipt' as const, reference: `idx:${i}:1`, sku, location: 'WH1', quantity: 5 },
        { type: 'receipt' as const, reference: `idx:${i}:2`, sku, location: 'WH2', quantity: 5 + (i % 3) },
        { type: 'receipt' as const, reference: `idx:${i}:3`, sku, location: 'ST1', quantity: 50 },
      ]),
    );
    // Right for many SKUs at once and for each alone (ST1 is not a source of the channel).
    const expected = skus.map((sku, i) => [sku, 10 + (i % 3)]);
    const all = await erp.atp.atp({ channel: 'web', skus });
    expect(all.items.map((i) => [i.sku, i.atp])).toEqual(expected);
    for (const [sku, atp] of expected)
      expect((await erp.atp.atp({ channel: 'web', skus: [sku as string] })).items[0]!.atp).toBe(atp);

    // The plan of every statement one single-SKU query runs. Speed itself is measured by
    // `npm run bench -- erp` (docs/benchmarks.md), never asserted here.
    const { atp, queries } = recordingAtp(t.app);
    expect((await atp.atp({ channel: 'web', skus: ['IDX-7'] })).items[0]!.atp).toBe(11);
    const tables = ['erp_channels', 'erp_channel_sources', 'erp_levels', 'erp_inbound'];
    expect(tables.every((table) => queries.some((q) => q.sql.includes(`"${table}"`)))).toBe(true);
    for (const q of queries) {
      const plan = await planOf(t.app, q);
      if (t.app.store.dialect === 'sqlite') {
        // SQLite assumes large tables when it has no statistics, so this is the plan at any size.
        expect(
          plan.filter((line) => /^SCAN /.test(line)),
          `${q.sql}\n${plan.join('\n')}`,
        ).toEqual([]);
        expect(plan.some((line) => /^SEARCH .* USING (COVERING )?(INDEX|PRIMARY KEY)/.test(line))).toBe(true);
      } else {
        // PostgreSQL rightly scans tables this small; with scans priced out it must find an index.
        expect(
          plan.filter((line) => /Seq Scan/.test(line)),
          `${q.sql}\n${plan.join('\n')}`,
        ).toEqual([]);
        expect(plan.some((line) => /Index (Only )?Scan|Bitmap Index Scan/.test(line))).toBe(true);
      }
    }
  });
});

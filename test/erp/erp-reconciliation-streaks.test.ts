import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconciliationStreaksMigration } from '../../src/domains/erp/reconciliation.schema.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

/**
 * Migration 012 carries the streaks over from what the previous rule read: the drifting lines of
 * each source's latest run, unless an operator closed the line's exception after that run.
 */
describe.each(backends)('reconciliation streaks migration [%s]', (backend) => {
  let t: TestApp;
  const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
  const report = (source: string, lines: unknown[]) => api('POST', '/reconciliation/runs', { source, lines });

  beforeAll(async () => {
    t = await createTestApp(backend);
    await seedLocations(t.app.domains.erp, ['WH1']);
    await t.app.domains.erp.ledger.post([
      { type: 'receipt', reference: 'r1', sku: 'MUG-1', location: 'WH1', quantity: 5 },
      { type: 'receipt', reference: 'r2', sku: 'CAP-1', location: 'WH1', quantity: 3 },
      { type: 'receipt', reference: 'r3', sku: 'TEE-1', location: 'WH1', quantity: 8 },
    ]);
  });
  afterAll(async () => t?.cleanup());

  it("backfills the latest run's drifting lines, leaving out lines an operator closed since", async () => {
    const lines = [
      { sku: 'MUG-1', location: 'WH1', quantity: 9 },
      { sku: 'CAP-1', location: 'WH1', quantity: 7 },
      { sku: 'TEE-1', location: 'WH1', quantity: 8 },
    ];
    expect((await report('bf', lines)).body).toMatchObject({ healed: 2, matched: 1 });
    const latest = await report('bf', lines);
    expect(latest.body).toMatchObject({ exceptions: 2 });
    // Another source, whose latest run matched: nothing of it to carry over.
    expect((await report('other', lines.slice(2))).body).toMatchObject({ matched: 1 });
    const open = (await api('GET', '/reconciliation/exceptions?source=bf&status=open')).body.items;
    const cap = open.find((e: any) => e.sku === 'CAP-1');
    expect(
      (await api('POST', `/reconciliation/exceptions/${cap.id}/ignore`, { reason: 'buffer' })).status,
    ).toBe(200);

    const db = t.app.store.db;
    await t.app.store.tx(async (tx) => {
      await sql`drop table erp_reconciliation_streaks`.execute(tx);
      await reconciliationStreaksMigration.up(tx, t.app.store.dialect);
    });
    const rows = await db
      .selectFrom('erp_reconciliation_streaks')
      .select(['source', 'measure', 'sku', 'target', 'streak'])
      .execute();
    expect(rows.map((r) => ({ ...r, streak: Number(r.streak) }))).toEqual([
      { source: 'bf', measure: 'available', sku: 'MUG-1', target: 'WH1', streak: 2 },
    ]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, MovementInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

/** The planning instant of every run here; history is back-dated from it. */
const AS_OF = '2026-03-02T00:00:00.000Z';
const at = (days: number, hour = 12) =>
  new Date(Date.parse(AS_OF) + days * 86_400_000 + hour * 3_600_000).toISOString();
/** A week of daily demand: the season every forecast here should find. */
const WEEK = [20, 22, 25, 30, 45, 60, 10];
const WEEK_UNITS = WEEK.reduce((a, b) => a + b, 0);

const SUPPLIER = {
  code: 'ACME',
  name: 'Acme Hardware',
  currency: 'EUR',
  leadTimeDays: 7,
  paymentTerms: { netDays: 30 },
  skus: [{ sku: 'BOLT-1', moq: 30, packSize: 12 }],
};

/**
 * Stock received well before, then `daily[i]` units allocated and shipped on day i of the history
 * (the last entry the day before AS_OF), so that `left` units remain on hand.
 */
function history(sku: string, location: string, daily: number[], left: number): MovementInput[] {
  const total = daily.reduce((a, b) => a + b, 0);
  const start = -daily.length;
  const out: MovementInput[] = [
    {
      type: 'receipt',
      reference: `${sku}-${location}-R`,
      sku,
      location,
      quantity: total + left,
      occurredAt: at(start - 1),
    },
  ];
  daily.forEach((q, i) => {
    if (q === 0) return;
    const common = { sku, location, quantity: q, occurredAt: at(start + i) };
    out.push({ type: 'allocation', reference: `${sku}-${location}-A${i}`, ...common });
    out.push({ type: 'shipment', reference: `${sku}-${location}-S${i}`, ...common });
  });
  return out;
}

const weeks = (n: number, noise: (i: number) => number = () => 0) =>
  Array.from({ length: 7 * n }, (_, i) => WEEK[i % 7]! + noise(i));

describe.each(backends)('ERP replenishment [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    t.api(method, `/api/v1/erp${path}`, body, headers);

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1', 'WH2']);
    await erp.procurement.createSupplier(SUPPLIER);
    await erp.ledger.registerItems(['MUG-1', 'NUT-1', 'SOCK-1', 'HAT-1', 'CAP-1', 'KIT/1']);
  });
  afterAll(async () => t?.cleanup());

  it('creates, reads, pages, replaces conditionally and deletes policies', async () => {
    const put = await api('PUT', '/replenishment/policies/MUG-1/WH2', {
      kind: 'min_max',
      min: 10,
      max: 40,
      supplier: 'ACME',
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).toBe('"1"');
    expect(put.body).toMatchObject({
      sku: 'MUG-1',
      location: 'WH2',
      kind: 'min_max',
      min: 10,
      max: 40,
      version: 1,
    });
    const got = await api('GET', '/replenishment/policies/MUG-1/WH2');
    expect(got.body).toEqual(put.body);

    const v2 = await api(
      'PUT',
      '/replenishment/policies/MUG-1/WH2',
      { kind: 'min_max', min: 12, max: 40, supplier: 'ACME' },
      { 'if-match': '"1"' },
    );
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ min: 12, version: 2 });
    const stale = await api(
      'PUT',
      '/replenishment/policies/MUG-1/WH2',
      { kind: 'min_max', min: 99, max: 100, supplier: 'ACME' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.body.code).toBe('ERP_REPLENISHMENT_POLICY_VERSION_MISMATCH');
    expect((await api('GET', '/replenishment/policies/MUG-1/WH2')).body.min).toBe(12);

    await api('PUT', '/replenishment/policies/MUG-1/WH1', {
      kind: 'reorder_point',
      reorderPoint: 5,
      orderQuantity: 20,
      leadTimeDays: 2,
    });
    const page1 = await api('GET', '/replenishment/policies?sku=MUG-1&limit=1');
    expect(page1.body.items.map((p: { location: string }) => p.location)).toEqual(['WH1']);
    expect(page1.body.next).toBeDefined();
    const page2 = await api(
      'GET',
      `/replenishment/policies?sku=MUG-1&limit=1&after=${encodeURIComponent(page1.body.next)}`,
    );
    expect(page2.body.items.map((p: { location: string }) => p.location)).toEqual(['WH2']);
    expect(page2.body.next).toBeUndefined();

    // A SKU with a slash travels URL-encoded.
    const slash = await api('PUT', '/replenishment/policies/KIT%2F1/WH2', {
      kind: 'min_max',
      min: 1,
      max: 2,
      leadTimeDays: 1,
    });
    expect(slash.status).toBe(200);
    expect(slash.body.sku).toBe('KIT/1');
    expect((await api('GET', '/replenishment/policies/KIT%2F1/WH2')).body.max).toBe(2);
    expect((await api('DELETE', '/replenishment/policies/KIT%2F1/WH2')).status).toBe(204);

    const doc = (await t.api('GET', '/openapi.json')).body;
    for (const path of ['/policies', '/policies/{sku}/{location}', '/suggestions', '/backtest'])
      expect(Object.keys(doc.paths)).toContain(`/api/v1/erp/replenishment${path}`);
    expect(Object.keys(doc.paths['/api/v1/erp/replenishment/policies/{sku}/{location}'])).toEqual(
      expect.arrayContaining(['get', 'put', 'delete']),
    );

    const del = await api('DELETE', '/replenishment/policies/MUG-1/WH1');
    expect(del.status).toBe(204);
    const gone = await api('GET', '/replenishment/policies/MUG-1/WH1');
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe('ERP_REPLENISHMENT_POLICY_NOT_FOUND');
  });

  it('refuses bad policies with problem+json and writes nothing', async () => {
    const before = (await api('GET', '/replenishment/policies?limit=200')).body.items;
    const refused = async (path: string, body: unknown) => {
      const r = await api('PUT', path, body);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      return {
        status: r.status,
        code: r.body.code,
        errors: (r.body.errors ?? []).map((e: { code: string }) => e.code),
      };
    };
    expect(
      await refused('/replenishment/policies/NOPE-1/WH1', {
        kind: 'min_max',
        min: 1,
        max: 2,
        leadTimeDays: 1,
      }),
    ).toEqual({
      status: 422,
      code: 'ERP_REPLENISHMENT_POLICY_INVALID',
      errors: ['SKU_UNKNOWN'],
    });
    expect(
      await refused('/replenishment/policies/NUT-1/NOWHERE', {
        kind: 'min_max',
        min: 1,
        max: 2,
        supplier: 'GHOST',
      }),
    ).toEqual({
      status: 422,
      code: 'ERP_REPLENISHMENT_POLICY_INVALID',
      errors: ['LOCATION_UNKNOWN', 'SUPPLIER_UNKNOWN'],
    });
    expect(
      await refused('/replenishment/policies/NUT-1/WH2', {
        kind: 'min_max',
        min: 9,
        max: 5,
        leadTimeDays: 1,
      }),
    ).toEqual({
      status: 422,
      code: 'ERP_REPLENISHMENT_POLICY_INVALID',
      errors: ['MAX_BELOW_MIN'],
    });
    expect(
      await refused('/replenishment/policies/NUT-1/WH2', {
        kind: 'reorder_point',
        reorderPoint: -1,
        orderQuantity: 5,
        leadTimeDays: 1,
      }),
    ).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect(
      await refused('/replenishment/policies/NUT-1/WH2', { kind: 'forecast', leadTimeDays: -3 }),
    ).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await api('GET', '/replenishment/policies?limit=200')).body.items).toEqual(before);

    const { key: reader } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    const asReader = { authorization: `Bearer ${reader}` };
    const denied = await api(
      'PUT',
      '/replenishment/policies/NUT-1/WH2',
      { kind: 'min_max', min: 1, max: 2, leadTimeDays: 1 },
      asReader,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await api('GET', '/replenishment/policies/MUG-1/WH2', undefined, asReader)).status).toBe(200);
    expect((await api('GET', '/replenishment/policies/NUT-1/WH2')).status).toBe(404);
  });

  it('suggests by reorder point counting reserved stock and inbound, rounded to MOQ and packs', async () => {
    await erp.ledger.post([
      { type: 'receipt', reference: 'BOLT-R', sku: 'BOLT-1', location: 'WH1', quantity: 30 },
      { type: 'allocation', reference: 'BOLT-A', sku: 'BOLT-1', location: 'WH1', quantity: 5 },
      {
        type: 'expect_inbound',
        reference: 'BOLT-IN-SOON',
        sku: 'BOLT-1',
        location: 'WH1',
        quantity: 10,
        eta: at(3, 0),
      },
      {
        type: 'expect_inbound',
        reference: 'BOLT-IN-LATE',
        sku: 'BOLT-1',
        location: 'WH1',
        quantity: 100,
        eta: at(30, 0),
      },
    ]);
    const put = await api('PUT', '/replenishment/policies/BOLT-1/WH1', {
      kind: 'reorder_point',
      reorderPoint: 40,
      orderQuantity: 25,
      supplier: 'ACME',
      unitCost: 250,
    });
    expect(put.status).toBe(200);
    const r = await api('POST', '/replenishment/suggestions', { sku: 'BOLT-1', asOf: AS_OF });
    expect(r.status).toBe(200);
    expect(r.body.purchaseOrders).toHaveLength(1);
    const [po] = r.body.purchaseOrders;
    expect(po).toMatchObject({ supplier: 'ACME', location: 'WH1' });
    expect(po.draft).toBeUndefined();
    const [line] = po.lines;
    // Position 25 available + 10 due within the 7-day lead time = 35 ≤ 40: one lot of 25, raised to
    // the supplier's MOQ of 30, then whole packs of 12: 36.
    expect(line).toMatchObject({ sku: 'BOLT-1', quantity: 36, unitCost: 250, expectedDate: '2026-03-09' });
    expect(line.explanation).toMatchObject({
      policy: 'reorder-point',
      reason: 'at-or-below-reorder-point',
      onHand: 30,
      reserved: 5,
      available: 25,
      inboundWithinHorizon: 10,
      inboundBeyondHorizon: 100,
      inventoryPosition: 35,
      trigger: 40,
      lots: 1,
      rounding: { need: 25, moq: 30, caseSize: 12, quantity: 36 },
      terms: {
        supplier: 'ACME',
        leadTimeDays: 7,
        moq: 30,
        packSize: 12,
        sources: { leadTimeDays: 'supplier', moq: 'supplier', packSize: 'supplier' },
      },
      forecast: null,
    });
  });

  it('suggests from a forecast of back-dated seasonal shipments', async () => {
    await erp.ledger.post(history('TEE-1', 'WH1', weeks(8), 100));
    await api('PUT', '/replenishment/policies/TEE-1/WH1', {
      kind: 'forecast',
      supplier: 'ACME',
      safetyStock: 20,
      packSize: 10,
    });
    const r = await api('POST', '/replenishment/suggestions', { sku: 'TEE-1', asOf: AS_OF });
    expect(r.status).toBe(200);
    expect(r.body.skipped).toEqual([]);
    const line = r.body.purchaseOrders[0].lines[0];
    const e = line.explanation;
    // A whole season ahead (the 7-day lead time) is one week of demand: 212. 100 on hand − 212 is
    // 112 short of zero, 132 short of the safety stock of 20; packs of 10 make it 140.
    expect(e.demandOverLeadTime).toBeCloseTo(WEEK_UNITS, 6);
    expect(e.projectedAtHorizon).toBeCloseTo(100 - WEEK_UNITS, 6);
    expect(e.safetyStock).toEqual({ units: 20, source: 'given' });
    expect(line.quantity).toBe(140);
    expect(e.forecast).toMatchObject({
      historyDays: 364,
      periodDays: 1,
      seasonLength: 7,
      periods: 56,
      droppedLeadingPeriods: 364 - 56,
      model: { name: 'seasonal-naive', method: 'seasonal-naive' },
      fit: { metric: 'mae', mae: 0, origins: 12 },
    });
    expect(e.forecast.values).toEqual(WEEK);
  });

  it('groups min/max lines without a supplier apart, lists covered policies and skips thin histories', async () => {
    await erp.ledger.post([
      { type: 'receipt', reference: 'NUT-R', sku: 'NUT-1', location: 'WH2', quantity: 8 },
      { type: 'receipt', reference: 'SOCK-R', sku: 'SOCK-1', location: 'WH2', quantity: 20 },
      ...history('HAT-1', 'WH2', [3, 4], 10),
    ]);
    await erp.replenishment.putPolicy('NUT-1', 'WH2', {
      kind: 'min_max',
      min: 10,
      max: 50,
      leadTimeDays: 3,
      maxOrderQuantity: 30,
    });
    await erp.replenishment.putPolicy('SOCK-1', 'WH2', {
      kind: 'reorder_point',
      reorderPoint: 5,
      orderQuantity: 10,
      leadTimeDays: 3,
    });
    await erp.replenishment.putPolicy('HAT-1', 'WH2', {
      kind: 'forecast',
      leadTimeDays: 3,
      method: 'holt-winters',
    });
    const r = await api('POST', '/replenishment/suggestions', {
      location: 'WH2',
      asOf: AS_OF,
      includeCovered: true,
      createDrafts: true,
    });
    expect(r.status).toBe(200);
    // MUG-1 (min 12, nothing on hand) orders from ACME; NUT-1 has no supplier: no draft for it.
    expect(
      r.body.purchaseOrders.map(
        (g: { supplier: string | null; lines: { sku: string; quantity: number }[]; draft?: unknown }) => [
          g.supplier,
          g.lines.map((l) => [l.sku, l.quantity]),
          g.draft !== undefined,
        ],
      ),
    ).toEqual([
      ['ACME', [['MUG-1', 40]], true],
      [null, [['NUT-1', 30]], false],
    ]);
    // 50 − 8 = 42 suggested, capped to the maximum order quantity of 30.
    expect(r.body.purchaseOrders[1].lines[0].explanation).toMatchObject({
      suggested: 42,
      capped: true,
      shortfall: 42,
    });
    expect(
      r.body.covered.map((l: { sku: string; quantity: number; explanation: { reason: string } }) => [
        l.sku,
        l.quantity,
        l.explanation.reason,
      ]),
    ).toEqual([['SOCK-1', 0, 'above-reorder-point']]);
    expect(r.body.skipped).toMatchObject([
      { sku: 'HAT-1', location: 'WH2', code: 'ERP_FORECAST_HISTORY_TOO_SHORT' },
    ]);
  });

  it('creates draft purchase orders once per planning run', async () => {
    const run = { location: 'WH1', asOf: AS_OF, createDrafts: true, runReference: 'RUN-1' };
    const first = await api('POST', '/replenishment/suggestions', run);
    expect(first.status).toBe(200);
    expect(first.body.purchaseOrders).toHaveLength(1);
    expect(first.body.purchaseOrders[0].draft).toEqual({
      number: 'RUN-1-ACME-WH1',
      status: 'draft',
      created: true,
    });
    const po = await api('GET', '/purchase-orders/RUN-1-ACME-WH1');
    expect(po.body).toMatchObject({
      supplier: 'ACME',
      shipTo: 'WH1',
      status: 'draft',
      orderDate: '2026-03-02',
    });
    expect(
      po.body.lines.map(
        (l: { sku: string; quantityOrdered: number; unitCost: number; expectedDate: string }) => [
          l.sku,
          l.quantityOrdered,
          l.unitCost,
          l.expectedDate,
        ],
      ),
    ).toEqual([
      ['BOLT-1', 36, 250, '2026-03-09'],
      ['TEE-1', 140, 0, '2026-03-09'],
    ]);
    const again = await api('POST', '/replenishment/suggestions', run);
    expect(again.body.purchaseOrders[0].draft).toEqual({
      number: 'RUN-1-ACME-WH1',
      status: 'draft',
      created: false,
    });
    const list = await api('GET', '/purchase-orders?supplier=ACME&limit=200');
    expect(list.body.items.filter((p: { number: string }) => p.number.startsWith('RUN-1-'))).toHaveLength(1);

    const { key: reader } = await t.app.keys.create({ name: 'planner', scopes: ['erp:read'] });
    const asReader = { authorization: `Bearer ${reader}` };
    expect(
      (await api('POST', '/replenishment/suggestions', { ...run, createDrafts: false }, asReader)).status,
    ).toBe(200);
    const denied = await api(
      'POST',
      '/replenishment/suggestions',
      { ...run, runReference: 'RUN-2' },
      asReader,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await api('GET', '/purchase-orders/RUN-2-ACME-WH1')).status).toBe(404);

    // The next run counts those drafts as on order: nothing more to buy for BOLT-1 (35 + 36 > 40)
    // nor TEE-1 (100 + 140 − 212 = 28 ≥ the safety stock of 20).
    const next = await api('POST', '/replenishment/suggestions', {
      location: 'WH1',
      asOf: AS_OF,
      runReference: 'RUN-3',
      includeCovered: true,
    });
    expect(next.body.purchaseOrders).toEqual([]);
    const byS = Object.fromEntries(
      next.body.covered.map((l: { sku: string; explanation: unknown }) => [l.sku, l.explanation]),
    );
    expect(byS['BOLT-1']).toMatchObject({
      inventoryPosition: 71,
      onDraftOrders: { quantity: 36, orders: ['RUN-1-ACME-WH1'] },
    });
    expect(byS['TEE-1'].projectedAtHorizon).toBeCloseTo(100 + 140 - WEEK_UNITS, 6);
  });

  it("measures the lead time from the supplier's received purchase orders when the policy asks", async () => {
    await erp.procurement.createSupplier({ ...SUPPLIER, code: 'SLOW', name: 'Slow Freight', skus: [] });
    await erp.ledger.registerItems(['LT-1']);
    const DAY = 86_400_000;
    let last = 0;
    // Three orders, delivered 10, 12 and 14 days after they were sent: 12 ± 2 days.
    for (const days of [10, 12, 14]) {
      const number = `PO-LT-${days}`;
      await erp.procurement.createPurchaseOrder({
        number,
        supplier: 'SLOW',
        shipTo: 'WH1',
        orderDate: '2026-11-01',
        lines: [{ lineNo: 1, sku: 'LT-1', quantityOrdered: 10, unitCost: 100, expectedDate: '2026-12-31' }],
      });
      const sent = await erp.procurement.send(number);
      const receivedAt = Date.parse(sent.sentAt!) + days * DAY;
      last = Math.max(last, receivedAt);
      await erp.procurement.receive(number, {
        id: `GRN-LT-${days}`,
        receivedAt: new Date(receivedAt).toISOString(),
        lines: [{ sku: 'LT-1', quantityReceived: 10 }],
      });
    }
    const policy = { kind: 'reorder_point', reorderPoint: 50, orderQuantity: 100, supplier: 'SLOW' };
    const asOf = new Date(last + DAY).toISOString();
    const suggest = async () => {
      const r = await api('POST', '/replenishment/suggestions', { sku: 'LT-1', asOf });
      expect(r.status).toBe(200);
      return r.body.purchaseOrders.find((o: any) => o.supplier === 'SLOW').lines[0];
    };

    // By the terms: the supplier's 7 days.
    await api('PUT', '/replenishment/policies/LT-1/WH1', policy);
    const byTerms = await suggest();
    expect(byTerms.explanation.terms).toMatchObject({
      leadTimeDays: 7,
      sources: { leadTimeDays: 'supplier' },
    });
    expect(byTerms.explanation.leadTime).toBeUndefined();

    // Measured: 12 days, σ 2, from the three orders.
    await api('PUT', '/replenishment/policies/LT-1/WH1', { ...policy, leadTimeFrom: 'receipts' });
    const measured = await suggest();
    expect(measured.quantity).toBe(100);
    expect(measured.explanation.terms).toMatchObject({
      leadTimeDays: 12,
      sources: { leadTimeDays: 'receipts' },
    });
    expect(measured.explanation.leadTime).toEqual({
      from: 'receipts',
      measured: { purchaseOrders: 3, meanDays: 12, sdDays: 2 },
    });
    expect(measured.expectedDate).toBe(new Date(Date.parse(asOf) + 12 * DAY).toISOString().slice(0, 10));

    // Planning as of before the last delivery sees two orders: too few, the terms apply, and say so.
    const early = await api('POST', '/replenishment/suggestions', {
      sku: 'LT-1',
      asOf: new Date(last - DAY).toISOString(),
    });
    const line = early.body.purchaseOrders.find((o: any) => o.supplier === 'SLOW').lines[0];
    expect(line.explanation.terms.sources.leadTimeDays).toBe('supplier');
    expect(line.explanation.leadTime.measured.purchaseOrders).toBe(2);
    expect(line.explanation.notes.join(' ')).toMatch(
      /2 received purchase orders of SLOW are fewer than the 3/,
    );

    // A forecast with a service level takes the measured σ for its safety stock (2 days of demand
    // variability on top of the forecast error), unless the policy sets leadTimeSdDays itself.
    const shipped: MovementInput[] = [];
    for (let d = 28; d >= 2; d--) {
      const common = {
        sku: 'LT-1',
        location: 'WH1',
        quantity: 1,
        occurredAt: new Date(last - d * DAY).toISOString(),
      };
      shipped.push({ type: 'allocation', reference: `LT-1-A${d}`, ...common });
      shipped.push({ type: 'shipment', reference: `LT-1-S${d}`, ...common });
    }
    await erp.ledger.post(shipped);
    const forecast = { kind: 'forecast', supplier: 'SLOW', serviceLevel: 0.95, leadTimeFrom: 'receipts' };
    await api('PUT', '/replenishment/policies/LT-1/WH1', forecast);
    const safety = (await suggest()).explanation.safetyStock;
    expect(safety).toMatchObject({ source: 'service-level', leadTimeSdDays: 2 });
    await api('PUT', '/replenishment/policies/LT-1/WH1', { ...forecast, leadTimeSdDays: 5 });
    expect((await suggest()).explanation.safetyStock).toMatchObject({ leadTimeSdDays: 5 });

    const refused = await api('PUT', '/replenishment/policies/LT-1/WH2', {
      kind: 'reorder_point',
      reorderPoint: 5,
      orderQuantity: 10,
      leadTimeDays: 3,
      leadTimeFrom: 'receipts',
    });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toContainEqual(
      expect.objectContaining({ field: 'supplier', code: 'FIELD_REQUIRED' }),
    );
  });

  it('backtests the forecast: a finite MAPE below the naive forecast on a seasonal series', async () => {
    // Weekly season with a deterministic wobble of ±2 units on a 5-day cycle, so that no model is exact.
    const daily = weeks(8, (i) => ((i * 3) % 5) - 2);
    await erp.ledger.post(history('CAP-1', 'WH2', daily, 50));
    await erp.replenishment.putPolicy('CAP-1', 'WH2', {
      kind: 'forecast',
      leadTimeDays: 7,
      serviceLevel: 0.95,
    });
    const r = await api('POST', '/replenishment/backtest', {
      sku: 'CAP-1',
      asOf: AS_OF,
      historyDays: 56,
      horizon: 7,
    });
    expect(r.status).toBe(200);
    expect(r.body.skipped).toEqual([]);
    const [item] = r.body.items;
    expect(item).toMatchObject({ sku: 'CAP-1', location: 'WH2', origins: 12, points: 84 });
    expect(Number.isFinite(item.mapePct)).toBe(true);
    expect(item.mapePct).toBeGreaterThan(0);

    // The naive (last value) forecast over the same 12 origins, computed here from the series.
    let ape = 0;
    let n = 0;
    for (let origin = 56 - 7 - 11; origin <= 56 - 7; origin++)
      for (let h = 0; h < 7; h++) {
        ape += Math.abs(daily[origin - 1]! - daily[origin + h]!) / daily[origin + h]!;
        n++;
      }
    const naiveMape = (100 * ape) / n;
    expect(item.naive.mapePct).toBeCloseTo(naiveMape, 6);
    expect(item.mapePct).toBeLessThan(naiveMape / 2);
    expect(['seasonal-naive', 'holt-winters']).toContain(item.model.method);
    expect(r.body.overall.mapePct).toBeCloseTo(item.mapePct, 9);
    expect(r.body.overall.points).toBe(84);

    // The same policy's safety stock comes from the service level and the forecast error.
    /** The SKU's one suggestion line, ordered or covered. */
    const suggestion = async () => {
      const r = await api('POST', '/replenishment/suggestions', {
        sku: 'CAP-1',
        asOf: AS_OF,
        includeCovered: true,
      });
      return [...r.body.purchaseOrders.flatMap((g: { lines: unknown[] }) => g.lines), ...r.body.covered][0];
    };
    const line = await suggestion();
    const ss = line.explanation.safetyStock;
    expect(ss).toMatchObject({ source: 'service-level', serviceLevel: 0.95, periods: 7 });
    expect(ss.z).toBeCloseTo(1.6449, 4);
    expect(ss.errorSd).toBe(line.explanation.forecast.errorSd);
    expect(ss.errorSd).toBeGreaterThan(0);
    expect(ss.units).toBeCloseTo(ss.z * ss.errorSd * Math.sqrt(7), 9);

    // A supplier whose deliveries vary by 2 days: the same policy with leadTimeSdDays holds more.
    const put = await api('PUT', '/replenishment/policies/CAP-1/WH2', {
      kind: 'forecast',
      leadTimeDays: 7,
      serviceLevel: 0.95,
      leadTimeSdDays: 2,
    });
    expect(put.status).toBeLessThan(300);
    const line2 = await suggestion();
    const ss2 = line2.explanation.safetyStock;
    expect(ss2).toMatchObject({ source: 'service-level', leadTimeSdDays: 2, periods: 7 });
    const d = line2.explanation.demandOverHorizon / 7;
    expect(ss2.meanDemand).toBeCloseTo(d, 9);
    expect(ss2.units).toBeCloseTo(ss2.z * Math.sqrt(7 * ss2.errorSd ** 2 + d ** 2 * 2 ** 2), 9);
    expect(ss2.units).toBeGreaterThan(ss.units);
    // Without the service level it sizes, it is refused, and the stored policy stays as it was.
    const bad = await api('PUT', '/replenishment/policies/CAP-1/WH2', {
      kind: 'forecast',
      leadTimeDays: 7,
      safetyStock: 5,
      leadTimeSdDays: 2,
    });
    expect(bad.status).toBe(422);
    expect((await api('GET', '/replenishment/policies/CAP-1/WH2')).body).toMatchObject({ leadTimeSdDays: 2 });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

type Res = { status: number; body: any };

describe.each(backends)('ERP costing [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let n = 0;
  const ref = () => `cost-${++n}`;
  const api = (method: string, path: string, body?: unknown): Promise<Res> =>
    t.api(method, `/api/v1/erp${path}`, body);
  const post = (...movements: Record<string, unknown>[]) =>
    api('POST', '/movements', { movements: movements.map((m) => ({ reference: ref(), ...m })) });
  const cost = async (sku: string, location: string) =>
    (await api('GET', `/costs?sku=${sku}&location=${location}`)).body.items[0];
  const balance = async (account: string, currency = 'EUR') => {
    const [tb] = await erp.journal.trialBalance({ currency });
    return tb?.rows.find((r) => r.account === account)?.balance ?? 0;
  };
  const count = async (table: string) =>
    Number(
      (
        await t.app.store.db
          .selectFrom(table as 'erp_cost_lines')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1', 'WH2', 'ST1']);
  });
  afterAll(async () => t?.cleanup());

  it('keeps a weighted average cost per SKU × location, updated on receipt', async () => {
    const at = '2026-11-10T09:00:00Z';
    expect(
      (
        await post(
          {
            type: 'receipt',
            sku: 'MUG',
            location: 'WH1',
            quantity: 10,
            unitCost: 1000,
            currency: 'EUR',
            occurredAt: at,
          },
          {
            type: 'receipt',
            sku: 'MUG',
            location: 'WH1',
            quantity: 10,
            unitCost: 1300,
            currency: 'EUR',
            occurredAt: at,
          },
        )
      ).status,
    ).toBe(201);
    expect(await cost('MUG', 'WH1')).toMatchObject({
      currency: 'EUR',
      quantity: 20,
      value: 23_000,
      averageUnitCost: 1150,
    });
    const lines = (await api('GET', '/costs/lines?sku=MUG')).body.items;
    expect(lines.map((l: any) => [l.movementType, l.quantity, l.value, l.basis])).toEqual([
      ['receipt', 10, 10_000, 'given'],
      ['receipt', 10, 13_000, 'given'],
    ]);
  });

  it('posts the cost of goods at shipment to the journal and reports the margin per order line', async () => {
    const cogsBefore = await balance('5000');
    const inventoryBefore = await balance('1200');
    const at = '2026-11-11T10:00:00Z';
    const order = 'order:ORD-1:line:';
    const res = await post(
      { type: 'allocation', sku: 'MUG', location: 'WH1', quantity: 6, occurredAt: at },
      {
        type: 'shipment',
        sku: 'MUG',
        location: 'WH1',
        quantity: 5,
        orderLine: `${order}1`,
        unitPrice: 2500,
        currency: 'EUR',
        occurredAt: at,
      },
      {
        type: 'shipment',
        sku: 'MUG',
        location: 'WH1',
        quantity: 1,
        orderLine: `${order}2`,
        unitPrice: 1000,
        currency: 'EUR',
        occurredAt: at,
      },
    );
    expect(res.status).toBe(201);
    // 6 units leave at 1150 each: 5750 for line 1, 1150 for line 2, one COGS entry for the batch.
    expect(await balance('5000')).toBe(cogsBefore + 6900);
    expect(await balance('1200')).toBe(inventoryBefore - 6900);
    expect(await cost('MUG', 'WH1')).toMatchObject({ quantity: 14, value: 16_100 });
    const lines = (await api('GET', `/costs/lines?orderLine=${encodeURIComponent(`${order}1`)}`)).body.items;
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ value: -5750, revenue: 12_500, revenueCurrency: 'EUR' });
    expect(lines[0].journalEntry).toMatch(/^jnl_/);
    const entry = await erp.journal.get(lines[0].journalEntry);
    expect(entry).toMatchObject({ source: 'cogs', totals: { debit: 6900, credit: 6900 } });

    // One unit of line 1 comes back: it gives back its price (2500) and its cost (1150).
    await post({
      type: 'return_restock',
      sku: 'MUG',
      location: 'WH1',
      quantity: 1,
      orderLine: `${order}1`,
      occurredAt: '2026-11-12T10:00:00Z',
    });
    const margins = (await api('GET', `/margins?order=${encodeURIComponent(order)}`)).body.items;
    expect(margins).toEqual([
      expect.objectContaining({
        orderLine: `${order}1`,
        shipped: 5,
        returned: 1,
        revenue: 10_000,
        cost: 4600,
        margin: 5400,
        revenueCurrency: 'EUR',
        costCurrency: 'EUR',
      }),
      expect.objectContaining({ orderLine: `${order}2`, revenue: 1000, cost: 1150, margin: -150 }),
    ]);
    expect(margins[0].marginRate).toBeCloseTo(0.54, 10);
    expect(await balance('5000')).toBe(cogsBefore + 6900 - 1150);
  });

  it('carries cost through a transfer and books counts and scrap against adjustments', async () => {
    await post({ type: 'transfer_out', sku: 'MUG', location: 'WH1', toLocation: 'ST1', quantity: 3 });
    expect(await cost('MUG', 'ST1')).toMatchObject({ quantity: 0, inTransit: { quantity: 3, value: 3450 } });
    await post({ type: 'transfer_in', sku: 'MUG', location: 'ST1', quantity: 3, fromLocation: 'WH1' });
    expect(await cost('MUG', 'ST1')).toMatchObject({ quantity: 3, value: 3450, averageUnitCost: 1150 });

    const adjustments = await balance('5100');
    await post({ type: 'scrap', sku: 'MUG', location: 'ST1', quantity: 1, reason: 'broken' });
    expect(await balance('5100')).toBe(adjustments + 1150);
    await post({ type: 'cycle_count', sku: 'MUG', location: 'ST1', counted: 4 });
    // Two units found: valued at the average (1150), a gain against adjustments.
    expect(await balance('5100')).toBe(adjustments + 1150 - 2300);
    expect(await cost('MUG', 'ST1')).toMatchObject({ quantity: 4, value: 4600 });
    const valuation = (await api('GET', '/costs/valuation')).body.items;
    const eur = valuation.find((v: any) => v.currency === 'EUR');
    expect(eur.value).toBe(16_100 + 1150 - 3450 + 4600);
  });

  it('values a purchase order receipt at its PO cost', async () => {
    await erp.procurement.createSupplier({
      code: 'SUP-C',
      name: 'Costly Ltd',
      currency: 'EUR',
      leadTimeDays: 7,
      paymentTerms: { netDays: 30 },
    });
    await erp.procurement.createPurchaseOrder({
      number: 'PO-COST-1',
      supplier: 'SUP-C',
      shipTo: 'WH2',
      orderDate: '2026-11-01',
      lines: [{ lineNo: 1, sku: 'MUG', quantityOrdered: 4, unitCost: 900, expectedDate: '2026-11-20' }],
    });
    await erp.procurement.send('PO-COST-1');
    await erp.procurement.receive('PO-COST-1', {
      id: 'GRN-C1',
      receivedAt: '2026-11-20T08:00:00Z',
      lines: [{ sku: 'MUG', quantityReceived: 4 }],
    });
    expect(await cost('MUG', 'WH2')).toMatchObject({ quantity: 4, value: 3600, currency: 'EUR' });
  });

  it('refuses a unit cost in another currency, a cost without currency, and writes nothing', async () => {
    const lines = await count('erp_cost_lines');
    const before = await levelOf(erp, 'MUG', 'WH1');
    const mismatch = await post({
      type: 'receipt',
      sku: 'MUG',
      location: 'WH1',
      quantity: 1,
      unitCost: 100,
      currency: 'USD',
    });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.code).toBe('ERP_MOVEMENT_INVALID');
    expect(mismatch.body.errors.map((e: any) => [e.field, e.code])).toEqual([
      ['movements[0].currency', 'CURRENCY_MISMATCH'],
    ]);
    const bare = await post(
      { type: 'receipt', sku: 'MUG', location: 'WH1', quantity: 1, unitCost: 100 },
      { type: 'shipment', sku: 'MUG', location: 'WH1', quantity: 1, unitPrice: -1, currency: 'EUR' },
      { type: 'reservation', sku: 'MUG', location: 'WH1', quantity: 1, unitCost: 5, currency: 'EUR' },
    );
    expect(bare.status).toBe(422);
    expect(bare.body.errors.map((e: any) => [e.field, e.code])).toEqual([
      ['movements[0].currency', 'FIELD_REQUIRED'],
      ['movements[1].unitPrice', 'AMOUNT_INVALID'],
      ['movements[2].unitCost', 'FIELD_NOT_ALLOWED'],
      ['movements[2].currency', 'FIELD_NOT_ALLOWED'],
    ]);
    expect(await count('erp_cost_lines')).toBe(lines);
    expect(await levelOf(erp, 'MUG', 'WH1')).toEqual(before);
  });

  it('refuses a shipment dated into a closed period: ledger, costs and journal untouched', async () => {
    await post({
      type: 'receipt',
      sku: 'LAMP',
      location: 'WH1',
      quantity: 2,
      unitCost: 4000,
      currency: 'EUR',
      occurredAt: '2026-09-01T08:00:00Z',
    });
    await post({ type: 'allocation', sku: 'LAMP', location: 'WH1', quantity: 1 });
    await erp.periods.close('2026-09');
    const lines = await count('erp_cost_lines');
    const entries = await count('erp_journal_entries');
    const res = await post({
      type: 'shipment',
      sku: 'LAMP',
      location: 'WH1',
      quantity: 1,
      occurredAt: '2026-09-30T12:00:00Z',
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('ERP_PERIOD_CLOSED');
    expect(await count('erp_cost_lines')).toBe(lines);
    expect(await count('erp_journal_entries')).toBe(entries);
    expect((await levelOf(erp, 'LAMP', 'WH1')).allocated).toBe(1);
    expect(await cost('LAMP', 'WH1')).toMatchObject({ quantity: 2, value: 8000 });
    await erp.periods.reopen('2026-09', 'test over');
  });

  it('answers a margin query without order lines with a problem', async () => {
    const res = await api('GET', '/margins');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});

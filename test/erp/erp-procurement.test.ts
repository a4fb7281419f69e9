import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, PurchaseOrderInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

const SUPPLIER = {
  code: 'ACME',
  name: 'Acme Textiles',
  currency: 'EUR',
  leadTimeDays: 14,
  paymentTerms: { netDays: 30 },
  // 10 % over-receipt, 2 % on price.
  tolerances: { overReceipt: { basisPoints: 1_000 }, price: { basisPoints: 200 } },
};

const po = (number: string, over: Partial<PurchaseOrderInput> = {}): PurchaseOrderInput => ({
  number,
  supplier: 'ACME',
  shipTo: 'WH1',
  orderDate: '2026-11-01',
  lines: [
    { lineNo: 1, sku: 'TEE-1', quantityOrdered: 100, unitCost: 500, expectedDate: '2026-11-20' },
    { lineNo: 2, sku: 'MUG-1', quantityOrdered: 10, unitCost: 300, expectedDate: '2026-11-20' },
  ],
  ...over,
});

describe.each(backends)('ERP procurement [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1']);
    await erp.procurement.createSupplier(SUPPLIER);
  });
  afterAll(async () => t?.cleanup());

  it('orders, receives in part and in full, books stock and the journal, matches the invoice', async () => {
    const draft = await erp.procurement.createPurchaseOrder(po('PO-1'));
    expect(draft).toMatchObject({ status: 'draft', currency: 'EUR' });
    expect((await levelOf(erp, 'TEE-1', 'WH1')).inbound).toBe(0);

    const sent = await erp.procurement.send('PO-1');
    expect(sent.status).toBe('sent');
    expect(await levelOf(erp, 'TEE-1', 'WH1')).toMatchObject({ inbound: 100, onHand: 0 });
    expect(await levelOf(erp, 'MUG-1', 'WH1')).toMatchObject({ inbound: 10 });

    const first = await erp.procurement.receive('PO-1', {
      id: 'GRN-1',
      receivedAt: '2026-11-20T09:00:00Z',
      lines: [{ sku: 'TEE-1', quantityReceived: 42, quantityDamaged: 2 }],
    });
    expect(first).toMatchObject({ cost: 40 * 500, poStatus: 'partially_received' });
    expect(await levelOf(erp, 'TEE-1', 'WH1')).toMatchObject({ inbound: 60, onHand: 40, available: 40 });
    const again = await erp.procurement.receive('PO-1', {
      id: 'GRN-1',
      receivedAt: '2026-11-20T09:00:00Z',
      lines: [{ sku: 'TEE-1', quantityReceived: 42, quantityDamaged: 2 }],
    });
    expect(again.journalEntry).toBe(first.journalEntry);
    expect((await levelOf(erp, 'TEE-1', 'WH1')).onHand).toBe(40);

    const second = await erp.procurement.receive('PO-1', {
      id: 'GRN-2',
      receivedAt: '2026-11-21T09:00:00Z',
      lines: [
        { sku: 'TEE-1', quantityReceived: 60 },
        { sku: 'MUG-1', poLineNo: 2, quantityReceived: 10 },
      ],
    });
    expect(second).toMatchObject({ cost: 60 * 500 + 10 * 300, poStatus: 'received' });
    expect(await levelOf(erp, 'TEE-1', 'WH1')).toMatchObject({ inbound: 0, onHand: 100 });
    expect(await levelOf(erp, 'MUG-1', 'WH1')).toMatchObject({ inbound: 0, onHand: 10 });

    const entry = await erp.journal.get(second.journalEntry!);
    expect(entry).toMatchObject({ source: 'purchase', reference: 'GRN-2', totals: { debit: 33_000 } });
    expect(entry.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['1200', 33_000, 0],
      ['2200', 0, 33_000],
    ]);

    const got = await erp.procurement.getPurchaseOrder('PO-1');
    expect(got.status).toBe('received');
    expect(got.lines.map((l) => [l.lineNo, l.received, l.damaged, l.outstanding])).toEqual([
      [1, 100, 2, 0],
      [2, 10, 0, 0],
    ]);
    expect(got.receipts).toEqual(['GRN-1', 'GRN-2']);

    await waitFor(
      async () => (await t.app.bus.admin.events({ type: 'keel.erp.po.received.v1', limit: 10 })).length >= 2,
      10_000,
      'po.received',
    );
    const events = await t.app.bus.admin.events({ type: 'keel.erp.po.received.v1', limit: 10 });
    expect(events.map((e) => (e.data as { receiptId: string }).receiptId).sort()).toEqual(['GRN-1', 'GRN-2']);

    const inv = await erp.procurement.createSupplierInvoice({
      number: 'ACME-INV-1',
      poNumber: 'PO-1',
      invoiceDate: '2026-11-22',
      lines: [
        { lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 500, tax: 0 },
        { lineNo: 2, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 0 },
      ],
    });
    expect(inv.status).toBe('matched');
    expect(inv.match.amounts).toMatchObject({ approved: 53_000, grniCleared: 53_000, held: 0 });
    expect((await erp.procurement.getSupplierInvoice(inv.id)).match.status).toBe('matched');

    const closed = await erp.procurement.close('PO-1');
    expect(closed.status).toBe('closed');
  });

  it('refuses an over-receipt beyond tolerance with the lines, writing nothing', async () => {
    await erp.procurement.createPurchaseOrder(po('PO-2', { lines: [po('x').lines[0]!] }));
    await erp.procurement.send('PO-2');
    const before = await levelOf(erp, 'TEE-1', 'WH1');
    const over = erp.procurement.receive('PO-2', {
      id: 'GRN-OVER',
      lines: [{ sku: 'TEE-1', quantityReceived: 111 }],
    });
    await expect(over).rejects.toMatchObject({
      code: 'ERP_PO_OVER_RECEIPT',
      status: 409,
      extensions: { lines: [{ line: 1, sku: 'TEE-1', ordered: 100, received: 111, allowed: 110 }] },
    });
    expect(await levelOf(erp, 'TEE-1', 'WH1')).toEqual(before);
    expect(await erp.procurement.listReceipts('PO-2')).toEqual([]);
    expect((await erp.journal.list({ reference: 'GRN-OVER' })).items).toEqual([]);
    expect((await erp.procurement.getPurchaseOrder('PO-2')).status).toBe('sent');
    // Within tolerance (110 of 100) it is booked.
    const ok = await erp.procurement.receive('PO-2', {
      id: 'GRN-OK',
      lines: [{ sku: 'TEE-1', quantityReceived: 110 }],
    });
    expect(ok.poStatus).toBe('received');
    expect((await levelOf(erp, 'TEE-1', 'WH1')).onHand).toBe(before.onHand + 110);
  });

  it('holds an invoice priced beyond tolerance and refuses a duplicate number', async () => {
    await erp.procurement.createPurchaseOrder(po('PO-3'));
    await erp.procurement.send('PO-3');
    await erp.procurement.receive('PO-3', {
      id: 'GRN-3',
      lines: [
        { sku: 'TEE-1', quantityReceived: 100 },
        { sku: 'MUG-1', quantityReceived: 10 },
      ],
    });
    const lines = [
      { lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 550, tax: 0 },
      { lineNo: 2, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 0 },
    ];
    const inv = await erp.procurement.createSupplierInvoice({
      number: 'ACME-INV-3',
      poNumber: 'PO-3',
      lines,
    });
    expect(inv.status).toBe('exception');
    expect(inv.match.discrepancies.map((d) => d.kind)).toEqual(['total', 'price']);
    expect(inv.match.amounts.approved).toBe(0);
    // The same invoice again is the stored one; the number again with other content is refused.
    expect(
      (await erp.procurement.createSupplierInvoice({ number: 'ACME-INV-3', poNumber: 'PO-3', lines })).id,
    ).toBe(inv.id);
    expect(
      await codes(
        erp.procurement.createSupplierInvoice({
          number: 'acme inv 3',
          poNumber: 'PO-3',
          lines: [{ lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 500, tax: 0 }],
        }),
      ),
    ).toEqual(['ERP_SUPPLIER_INVOICE_DUPLICATE']);
    // Within the 2 % price tolerance: matched within tolerance.
    const near = await erp.procurement.createSupplierInvoice({
      number: 'ACME-INV-3B',
      poNumber: 'PO-3',
      total: 53_500,
      lines: [
        { lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 505, tax: 0 },
        { lineNo: 2, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 0 },
      ],
    });
    expect(near.status).toBe('matched_within_tolerance');
  });

  it('cancelling a sent PO releases its inbound', async () => {
    await erp.procurement.createPurchaseOrder(
      po('PO-4', {
        lines: [{ lineNo: 1, sku: 'CAP-1', quantityOrdered: 30, unitCost: 100, expectedDate: '2026-12-01' }],
      }),
    );
    await erp.procurement.send('PO-4');
    expect((await levelOf(erp, 'CAP-1', 'WH1')).inbound).toBe(30);
    const cancelled = await erp.procurement.cancel('PO-4', { reason: 'supplier out of stock' });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: 'supplier out of stock' });
    expect((await levelOf(erp, 'CAP-1', 'WH1')).inbound).toBe(0);
    expect(
      await codes(
        erp.procurement.receive('PO-4', { id: 'GRN-4', lines: [{ sku: 'CAP-1', quantityReceived: 1 }] }),
      ),
    ).toEqual(['ERP_PO_TRANSITION_INVALID']);
  });

  it('refuses a send to an unknown location and a receipt in a closed period, writing nothing', async () => {
    await erp.procurement.createPurchaseOrder(po('PO-6', { shipTo: 'NOWHERE' }));
    expect((await codes(erp.procurement.send('PO-6')))[0]).toBe('ERP_MOVEMENT_INVALID');
    expect((await erp.procurement.getPurchaseOrder('PO-6')).status).toBe('draft');

    await erp.procurement.createPurchaseOrder(
      po('PO-7', {
        lines: [{ lineNo: 1, sku: 'SOCK-1', quantityOrdered: 5, unitCost: 100, expectedDate: '2026-11-20' }],
      }),
    );
    await erp.procurement.send('PO-7');
    await erp.periods.close('2026-09');
    const late = erp.procurement.receive('PO-7', {
      id: 'GRN-7',
      receivedAt: '2026-09-30T10:00:00Z',
      lines: [{ sku: 'SOCK-1', quantityReceived: 5 }],
    });
    expect((await codes(late))[0]).toBe('ERP_PERIOD_CLOSED');
    expect(await levelOf(erp, 'SOCK-1', 'WH1')).toMatchObject({ inbound: 5, onHand: 0 });
    expect(await erp.procurement.listReceipts('PO-7')).toEqual([]);
    // Wholly damaged: recorded, nothing into stock, nothing valued.
    const broken = await erp.procurement.receive('PO-7', {
      id: 'GRN-7B',
      lines: [{ sku: 'SOCK-1', quantityReceived: 5, quantityDamaged: 5 }],
    });
    expect(broken).toMatchObject({ cost: 0, journalEntry: null, poStatus: 'sent' });
    expect(await levelOf(erp, 'SOCK-1', 'WH1')).toMatchObject({ inbound: 5, onHand: 0 });
  });

  it('serializes concurrent receipts of one PO: the tolerance holds across them', async () => {
    await erp.procurement.createPurchaseOrder(
      po('PO-8', {
        lines: [{ lineNo: 1, sku: 'BAG-1', quantityOrdered: 100, unitCost: 100, expectedDate: '2026-11-20' }],
      }),
    );
    await erp.procurement.send('PO-8');
    const results = await Promise.allSettled(
      [1, 2, 3].map((n) =>
        erp.procurement.receive('PO-8', {
          id: `GRN-8-${n}`,
          lines: [{ sku: 'BAG-1', quantityReceived: 50 }],
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const [refused] = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused!.reason.code).toBe('ERP_PO_OVER_RECEIPT');
    expect(await levelOf(erp, 'BAG-1', 'WH1')).toMatchObject({ inbound: 0, onHand: 100 });
    expect((await erp.procurement.getPurchaseOrder('PO-8')).status).toBe('received');
  });

  it('receives against an ASN and stores the discrepancy report', async () => {
    await erp.procurement.createPurchaseOrder(po('PO-5'));
    await erp.procurement.send('PO-5');
    await erp.procurement.createAsn({
      id: 'ASN-5',
      poNumber: 'PO-5',
      expectedArrival: '2026-11-20',
      lines: [
        { sku: 'TEE-1', quantityShipped: 100 },
        { sku: 'MUG-1', quantityShipped: 10 },
      ],
    });
    const r = await erp.procurement.receive('PO-5', {
      id: 'GRN-5',
      asnId: 'ASN-5',
      receivedAt: '2026-11-22T10:00:00Z',
      lines: [
        { sku: 'TEE-1', quantityReceived: 95 },
        { sku: 'MUG-1', quantityReceived: 10, quantityDamaged: 1 },
      ],
    });
    expect(r.asnReport).toMatchObject({
      clean: false,
      discrepancies: [
        { sku: 'MUG-1', kind: 'damaged', actual: 1 },
        { sku: 'TEE-1', kind: 'shortage', expected: 100, actual: 95 },
      ],
      arrival: { daysLate: 2, late: true },
    });
    expect((await erp.procurement.listReceipts('PO-5'))[0]!.asnReport).toEqual(r.asnReport);
  });

  it('serves procurement over REST with problem+json errors', async () => {
    const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
    const sup = await api('POST', '/suppliers', { ...SUPPLIER, code: 'BOLT' });
    expect(sup.status).toBe(201);
    expect(sup.body.effectiveTolerances.overReceipt).toEqual({ basisPoints: 1_000 });
    const created = await api('POST', '/purchase-orders', po('PO-H', { supplier: 'BOLT' }));
    expect(created.status).toBe(201);
    expect((await api('POST', '/purchase-orders/PO-H/send')).body.status).toBe('sent');
    const rec = await api('POST', '/purchase-orders/PO-H/receipts', {
      id: 'GRN-H',
      lines: [{ sku: 'MUG-1', quantityReceived: 10 }],
    });
    expect(rec.status).toBe(201);
    expect(rec.body.poStatus).toBe('partially_received');
    const over = await api('POST', '/purchase-orders/PO-H/receipts', {
      id: 'GRN-H2',
      lines: [{ sku: 'MUG-1', quantityReceived: 5 }],
    });
    expect(over.status).toBe(409);
    expect(over.headers.get('content-type')).toContain('application/problem+json');
    expect(over.body.code).toBe('ERP_PO_OVER_RECEIPT');
    const got = await api('GET', '/purchase-orders/PO-H');
    expect(got.body.lines[1]).toMatchObject({ sku: 'MUG-1', received: 10, outstanding: 0 });
    const inv = await api('POST', '/supplier-invoices', {
      number: 'BOLT-1',
      poNumber: 'PO-H',
      lines: [{ lineNo: 1, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 0 }],
    });
    expect(inv.status).toBe(201);
    expect(inv.body.status).toBe('matched');
    expect((await api('GET', '/supplier-invoices?poNumber=PO-H')).body.items).toHaveLength(1);
    const closed = await api('POST', '/purchase-orders/PO-H/close', { reason: 'rest not needed' });
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: 'rest not needed' });

    await api('POST', '/purchase-orders', po('PO-H3', { supplier: 'BOLT' }));
    const cancelled = await api('POST', '/purchase-orders/PO-H3/cancel');
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const noLines = await api('POST', '/purchase-orders/PO-H/receipts', { id: 'GRN-H3' });
    expect(noLines.status).toBe(422);
    expect(noLines.body.code).toBe('ERP_PO_RECEIPT_INVALID');
    const bad = await api('POST', '/purchase-orders', { ...po('PO-BAD'), lines: [] });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const { key: reader } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    const asReader = { authorization: `Bearer ${reader}` };
    expect((await t.api('GET', '/api/v1/erp/purchase-orders/PO-H', undefined, asReader)).status).toBe(200);
    const refused = await t.api('POST', '/api/v1/erp/suppliers', { ...SUPPLIER, code: 'NOPE' }, asReader);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await api('GET', '/purchase-orders/PO-NOPE')).body.code).toBe('ERP_PO_NOT_FOUND');
    expect((await api('DELETE', '/suppliers/BOLT')).body.code).toBe('ERP_SUPPLIER_IN_USE');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, PurchaseOrderInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

/**
 * Supplier invoices booked to the journal (GRNI, price variance, input tax / payables), held
 * invoices released or rejected, draft PO edits with If-Match, and the payables view — through
 * the service and over HTTP. Each scenario runs in a currency of its own, so the trial balance of
 * that currency holds exactly the figures the scenario posted.
 */

const backends = await availableBackends();

const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

const supplier = (code: string, currency: string) => ({
  code,
  name: `Supplier ${code}`,
  currency,
  leadTimeDays: 7,
  paymentTerms: { netDays: 30 },
  // 2 % on price and on the total.
  tolerances: { price: { basisPoints: 200 }, total: { basisPoints: 200 } },
});

const SHIP_TO: Record<string, string> = { NORD: 'WH1', DANE: 'WH2', REJ: 'WH3', EDIT: 'WH4', LATE: 'WH5' };

const po = (
  number: string,
  supplierCode: string,
  lines: PurchaseOrderInput['lines'],
): PurchaseOrderInput => ({
  number,
  supplier: supplierCode,
  // Inventory at a location is valued in one currency: each supplier (currency) ships to its own.
  shipTo: SHIP_TO[supplierCode]!,
  orderDate: '2026-11-01',
  lines,
});

const line = (lineNo: number, sku: string, quantityOrdered: number, unitCost: number) => ({
  lineNo,
  sku,
  quantityOrdered,
  unitCost,
  expectedDate: '2026-11-20',
});

describe.each(backends)('ERP procurement booking [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    t.api(method, `/api/v1/erp${path}`, body, headers);

  /** Rows of a table: "nothing written" is counted, not assumed. */
  const count = async (table: string) =>
    Number(
      (
        await t.app.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  /** A currency's trial balance: `account → [debit, credit, balance]` of the accounts that moved. */
  const trial = async (currency: string) => {
    const [tb] = await erp.journal.trialBalance({ currency });
    return {
      balanced: tb?.balanced,
      totals: tb?.totals,
      rows: Object.fromEntries(
        (tb?.rows ?? [])
          .filter((r) => r.debit > 0 || r.credit > 0)
          .map((r) => [r.account, [r.debit, r.credit, r.balance]]),
      ),
    };
  };

  /**
   * The state changes an invoice announced, oldest first, once `n` are in the log (PostgreSQL
   * sequences events after commit). Waits a little longer to see that no extra one follows.
   */
  const stateEvents = async (invoiceId: string, n: number) => {
    const read = async () =>
      (
        await t.app.bus.admin.events({
          type: 'keel.erp.supplier-invoice.state-changed.v1',
          subject: invoiceId,
          afterSeq: 0,
          limit: 100,
        })
      ).map((e) => e.data as Record<string, unknown>);
    await waitFor(async () => (await read()).length >= n, 10_000, `${n} events of ${invoiceId}`);
    await new Promise((r) => setTimeout(r, 300));
    return read();
  };

  /** An ordered, sent and fully received PO. */
  const received = async (number: string, supplierCode: string, lines: PurchaseOrderInput['lines']) => {
    await erp.procurement.createPurchaseOrder(po(number, supplierCode, lines));
    await erp.procurement.send(number);
    await erp.procurement.receive(number, {
      id: `GRN-${number}`,
      receivedAt: '2026-11-20T09:00:00Z',
      lines: lines.map((l) => ({ sku: l.sku, poLineNo: l.lineNo, quantityReceived: l.quantityOrdered })),
    });
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, Object.values(SHIP_TO));
    for (const [code, currency] of [
      ['NORD', 'SEK'],
      ['DANE', 'DKK'],
      ['REJ', 'NOK'],
      ['EDIT', 'CHF'],
      ['LATE', 'PLN'],
    ] as const)
      await erp.procurement.createSupplier(supplier(code, currency));
  });
  afterAll(async () => t?.cleanup());

  it('books a matched invoice: GRNI at PO cost, price variance, input tax, payables', async () => {
    await received('PO-B1', 'NORD', [line(1, 'TEE-1', 100, 500), line(2, 'MUG-1', 10, 300)]);
    // TEE-1 at 505 (1 % over cost, within the 2 %); tax 20 % and 20 %.
    const inv = await erp.procurement.createSupplierInvoice({
      number: 'NORD-1',
      poNumber: 'PO-B1',
      invoiceDate: '2026-11-22',
      lines: [
        { lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 505, tax: 10_100 },
        { lineNo: 2, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 600 },
      ],
    });
    expect(inv).toMatchObject({ status: 'matched_within_tolerance', state: 'booked', resolution: null });
    expect(inv.journalEntry).toMatch(/^jnl_/);

    const entry = await erp.journal.get(inv.journalEntry!);
    expect(entry).toMatchObject({
      source: 'purchase',
      reference: `supplier-invoice:${inv.id}`,
      date: '2026-11-22',
    });
    // 100 × 500 + 10 × 300 at PO cost; 100 × 5 over it; 10_100 + 600 tax; 50_500 + 3_000 + 10_700 owed.
    expect(entry.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['2200', 53_000, 0],
      ['5200', 500, 0],
      ['1300', 10_700, 0],
      ['2000', 0, 64_200],
    ]);
    expect(entry.lines[0]!.dimensions).toEqual({ supplier: 'NORD', location: 'WH1' });

    // The receipt (Dr 1200 / Cr 2200 53_000) and the invoice: GRNI is cleared to zero.
    expect(await trial('SEK')).toEqual({
      balanced: true,
      totals: { debit: 117_200, credit: 117_200 },
      rows: {
        '1200': [53_000, 0, 53_000],
        '1300': [10_700, 0, 10_700],
        '2000': [0, 64_200, 64_200],
        '2200': [53_000, 53_000, 0],
        '5200': [500, 0, 500],
      },
    });
    expect((await erp.procurement.getSupplierInvoice(inv.id)).journalEntry).toBe(inv.journalEntry);
    expect(await erp.procurement.payables({ supplier: 'NORD' })).toEqual({
      items: [{ supplier: 'NORD', currency: 'SEK', invoices: 1, total: 64_200 }],
    });
    // The same invoice sent again is the stored one: nothing posted twice.
    const entries = await count('erp_journal_entries');
    const again = await erp.procurement.createSupplierInvoice({
      number: 'NORD-1',
      poNumber: 'PO-B1',
      invoiceDate: '2026-11-22',
      lines: [
        { lineNo: 1, sku: 'TEE-1', quantityInvoiced: 100, unitPrice: 505, tax: 10_100 },
        { lineNo: 2, sku: 'MUG-1', quantityInvoiced: 10, unitPrice: 300, tax: 600 },
      ],
    });
    expect(again.id).toBe(inv.id);
    expect(await count('erp_journal_entries')).toBe(entries);
    // Announced once (the resend is not a new state): booked on receipt, with its entry.
    expect(await stateEvents(inv.id, 1)).toEqual([
      expect.objectContaining({
        invoiceId: inv.id,
        number: 'NORD-1',
        supplier: 'NORD',
        poNumber: 'PO-B1',
        currency: 'SEK',
        total: 64_200,
        matchStatus: 'matched_within_tolerance',
        state: 'booked',
        previousState: null,
        journalEntry: inv.journalEntry,
        reason: null,
      }),
    ]);
    // A matched invoice is not held: it can be neither released nor rejected.
    expect(await codes(erp.procurement.releaseSupplierInvoice(inv.id, { reason: 'ok' }))).toEqual([
      'ERP_SUPPLIER_INVOICE_NOT_HELD',
    ]);
    expect(await codes(erp.procurement.rejectSupplierInvoice(inv.id, { reason: 'no' }))).toEqual([
      'ERP_SUPPLIER_INVOICE_NOT_HELD',
    ]);
  });

  it('holds an invoice beyond tolerance unbooked; a release over HTTP books it, once', async () => {
    await received('PO-B2', 'DANE', [line(1, 'TEE-1', 50, 1_000)]);
    const before = await count('erp_journal_entries');
    // 20 % over cost: a price and a total exception.
    const created = await api('POST', '/supplier-invoices', {
      number: 'DANE-1',
      poNumber: 'PO-B2',
      invoiceDate: '2026-11-23',
      lines: [{ lineNo: 1, sku: 'TEE-1', quantityInvoiced: 50, unitPrice: 1_200, tax: 0 }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({
      status: 'exception',
      state: 'held',
      journalEntry: null,
      resolution: null,
    });
    expect(await count('erp_journal_entries')).toBe(before);
    expect((await erp.journal.list({ reference: `supplier-invoice:${id}` })).items).toEqual([]);
    // Only the receipt is in the books; nothing is owed.
    expect((await trial('DKK')).rows).toEqual({ '1200': [50_000, 0, 50_000], '2200': [0, 50_000, 50_000] });
    expect((await api('GET', '/payables?supplier=DANE')).body).toEqual({ items: [] });
    const heldIds = async () =>
      (await api('GET', '/supplier-invoices?supplier=DANE&state=held')).body.items.map(
        (x: { id: string }) => x.id,
      );
    expect(await heldIds()).toEqual([id]);

    const noReason = await api('POST', `/supplier-invoices/${id}/release`, {});
    expect(noReason.status).toBe(400);
    const released = await api('POST', `/supplier-invoices/${id}/release`, {
      reason: 'price rise agreed by phone',
    });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({
      state: 'booked',
      status: 'exception',
      resolution: { action: 'released', reason: 'price rise agreed by phone' },
    });
    const entry = await erp.journal.get(released.body.journalEntry);
    expect(entry.reference).toBe(`supplier-invoice:${id}`);
    expect(await heldIds()).toEqual([]);
    expect(entry.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['2200', 50_000, 0],
      ['5200', 10_000, 0],
      ['2000', 0, 60_000],
    ]);
    expect(await trial('DKK')).toEqual({
      balanced: true,
      totals: { debit: 110_000, credit: 110_000 },
      rows: {
        '1200': [50_000, 0, 50_000],
        '2000': [0, 60_000, 60_000],
        '2200': [50_000, 50_000, 0],
        '5200': [10_000, 0, 10_000],
      },
    });
    const [audited] = await t.app.audit.list({
      target: `supplier-invoice:${id}`,
      action: 'erp.supplier_invoice.released',
    });
    expect(audited).toBeDefined();
    expect(released.body.resolution.by).toBe(audited!.actor);
    // Held on receipt with what the match found; then booked by the release, with the reason.
    const [held, booked] = await stateEvents(id, 2);
    expect(held).toMatchObject({ state: 'held', previousState: null, journalEntry: null, reason: null });
    expect(
      (held!.discrepancies as { kind: string; withinTolerance: boolean }[])
        .filter((d) => !d.withinTolerance)
        .map((d) => d.kind)
        .sort(),
    ).toEqual(['price', 'total']);
    expect(booked).toMatchObject({
      state: 'booked',
      previousState: 'held',
      matchStatus: 'exception',
      journalEntry: entry.id,
      reason: 'price rise agreed by phone',
      actor: audited!.actor,
    });

    // Released twice: refused with the state, nothing posted again.
    const entries = await count('erp_journal_entries');
    const twice = await api('POST', `/supplier-invoices/${id}/release`, { reason: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toContain('application/problem+json');
    expect(twice.body).toMatchObject({ code: 'ERP_SUPPLIER_INVOICE_NOT_HELD', state: 'booked' });
    expect(await count('erp_journal_entries')).toBe(entries);
    expect((await api('GET', '/payables?supplier=DANE')).body).toEqual({
      items: [{ supplier: 'DANE', currency: 'DKK', invoices: 1, total: 60_000 }],
    });
    // The released invoice used up the 50 received units: one more billed is a quantity exception.
    const extra = await erp.procurement.createSupplierInvoice({
      number: 'DANE-2',
      poNumber: 'PO-B2',
      lines: [{ lineNo: 1, sku: 'TEE-1', quantityInvoiced: 1, unitPrice: 1_000, tax: 0 }],
    });
    expect(extra.match.discrepancies.map((d) => d.kind)).toContain('quantity');
    expect(extra.state).toBe('held');
  });

  it('rejects a held invoice: nothing booked, and it cannot be released after', async () => {
    await received('PO-B3', 'REJ', [line(1, 'MUG-1', 20, 400)]);
    const inv = await erp.procurement.createSupplierInvoice({
      number: 'REJ-1',
      poNumber: 'PO-B3',
      lines: [{ lineNo: 1, sku: 'MUG-1', quantityInvoiced: 20, unitPrice: 900, tax: 1_800 }],
    });
    expect(inv.state).toBe('held');
    const entries = await count('erp_journal_entries');
    const rejected = await erp.procurement.rejectSupplierInvoice(inv.id, { reason: 'wrong price list' });
    expect(rejected).toMatchObject({
      state: 'rejected',
      journalEntry: null,
      resolution: { action: 'rejected', reason: 'wrong price list', by: 'system:erp' },
    });
    expect(await count('erp_journal_entries')).toBe(entries);
    expect((await trial('NOK')).rows).toEqual({ '1200': [8_000, 0, 8_000], '2200': [0, 8_000, 8_000] });
    expect(await erp.procurement.payables({ supplier: 'REJ' })).toEqual({ items: [] });
    expect(
      await codes(erp.procurement.releaseSupplierInvoice(inv.id, { reason: 'changed my mind' })),
    ).toEqual(['ERP_SUPPLIER_INVOICE_NOT_HELD']);
    expect((await erp.procurement.getSupplierInvoice(inv.id)).state).toBe('rejected');
    expect((await stateEvents(inv.id, 2)).map((e) => [e.state, e.previousState, e.reason])).toEqual([
      ['held', null, null],
      ['rejected', 'held', 'wrong price list'],
    ]);
    expect((await t.app.audit.list({ target: `supplier-invoice:${inv.id}` })).map((a) => a.action)).toEqual([
      'erp.supplier_invoice.booked',
      'erp.supplier_invoice.rejected',
    ]);
    const missing = await api('POST', '/supplier-invoices/sinv_nope/reject', { reason: 'x' });
    expect([missing.status, missing.body.code]).toEqual([404, 'ERP_SUPPLIER_INVOICE_NOT_FOUND']);
  });

  it('edits a draft PO with If-Match; a stale version and a sent PO are refused, nothing written', async () => {
    const created = await api('POST', '/purchase-orders', po('PO-E1', 'EDIT', [line(1, 'CAP-1', 10, 250)]));
    expect(created.status).toBe(201);
    const got = await api('GET', '/purchase-orders/PO-E1');
    expect(got.headers.get('etag')).toBe(`"${got.body.version}"`);
    const v1 = got.headers.get('etag')!;

    const body = {
      supplier: 'EDIT',
      shipTo: 'WH4',
      lines: [line(1, 'CAP-1', 40, 240), line(2, 'BAG-1', 5, 900)],
    };
    const edited = await api('PUT', '/purchase-orders/PO-E1', body, { 'if-match': v1 });
    expect(edited.status).toBe(200);
    expect(
      edited.body.lines.map((l: { sku: string; quantityOrdered: number }) => [l.sku, l.quantityOrdered]),
    ).toEqual([
      ['CAP-1', 40],
      ['BAG-1', 5],
    ]);
    expect(edited.body).toMatchObject({ status: 'draft', currency: 'CHF', version: got.body.version + 1 });
    expect(edited.headers.get('etag')).toBe(`"${edited.body.version}"`);
    // The same content again makes no new version.
    const same = await api('PUT', '/purchase-orders/PO-E1', body, {
      'if-match': edited.headers.get('etag')!,
    });
    expect(same.body.version).toBe(edited.body.version);

    const stale = await api(
      'PUT',
      '/purchase-orders/PO-E1',
      { ...body, lines: [line(1, 'CAP-1', 1, 1)] },
      { 'if-match': v1 },
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      code: 'ERP_PO_VERSION_CONFLICT',
      expectedVersion: got.body.version,
      currentVersion: edited.body.version,
    });
    expect((await erp.procurement.getPurchaseOrder('PO-E1')).lines.map((l) => l.quantityOrdered)).toEqual([
      40, 5,
    ]);
    expect(await codes(erp.procurement.editPurchaseOrder('PO-E1', body, { expectedVersion: 99 }))).toEqual([
      'ERP_PO_VERSION_CONFLICT',
    ]);

    // Sent: what goes inbound is the edited order.
    await erp.procurement.send('PO-E1');
    expect((await levelOf(erp, 'CAP-1', 'WH4')).inbound).toBe(40);
    const sent = await erp.procurement.getPurchaseOrder('PO-E1');
    const audits = (await t.app.audit.list({ target: 'purchase-order:PO-E1' })).length;
    const late = await api('PUT', '/purchase-orders/PO-E1', body, { 'if-match': `"${sent.version}"` });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'ERP_PO_NOT_EDITABLE', poStatus: 'sent' });
    expect(
      await codes(erp.procurement.editPurchaseOrder('PO-E1', { ...body, lines: [line(1, 'CAP-1', 3, 1)] })),
    ).toEqual(['ERP_PO_NOT_EDITABLE']);
    expect(await erp.procurement.getPurchaseOrder('PO-E1')).toEqual(sent);
    expect((await t.app.audit.list({ target: 'purchase-order:PO-E1' })).length).toBe(audits);
    expect((await api('PUT', '/purchase-orders/PO-NONE', body)).body.code).toBe('ERP_PO_NOT_FOUND');

    // A reader may look but not edit.
    const { key: reader } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    const refused = await t.api('PUT', '/api/v1/erp/purchase-orders/PO-E1', body, {
      authorization: `Bearer ${reader}`,
    });
    expect([refused.status, refused.body.code]).toEqual([403, 'OWNERSHIP_VIOLATION']);
  });

  it('documents the routes in OpenAPI', async () => {
    const { paths } = (await t.api('GET', '/openapi.json')).body;
    expect(Object.keys(paths['/api/v1/erp/purchase-orders/{number}'])).toContain('put');
    expect(paths['/api/v1/erp/purchase-orders/{number}'].put.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'if-match' }),
    );
    for (const kind of ['release', 'reject'])
      expect(paths[`/api/v1/erp/supplier-invoices/{id}/${kind}`].post.description).toContain(
        'ERP_SUPPLIER_INVOICE_NOT_HELD',
      );
    expect(paths['/api/v1/erp/payables'].get.tags).toEqual(['erp']);
  });

  it('refuses booking into a closed period, writing nothing', async () => {
    await received('PO-B5', 'LATE', [line(1, 'SOCK-1', 10, 100)]);
    await erp.periods.close('2026-09');
    const invoices = await count('erp_supplier_invoices');
    const entries = await count('erp_journal_entries');
    const lines = await count('erp_journal_lines');
    const input = {
      number: 'LATE-1',
      poNumber: 'PO-B5',
      invoiceDate: '2026-09-30',
      lines: [{ lineNo: 1, sku: 'SOCK-1', quantityInvoiced: 10, unitPrice: 100, tax: 250 }],
    };
    expect((await codes(erp.procurement.createSupplierInvoice(input)))[0]).toBe('ERP_PERIOD_CLOSED');
    const viaHttp = await api('POST', '/supplier-invoices', input);
    expect([viaHttp.status, viaHttp.body.code]).toEqual([409, 'ERP_PERIOD_CLOSED']);
    expect(await count('erp_supplier_invoices')).toBe(invoices);
    expect(await count('erp_journal_entries')).toBe(entries);
    expect(await count('erp_journal_lines')).toBe(lines);
    // Nothing half-written: the number is free, and dated in an open period it is booked.
    const ok = await erp.procurement.createSupplierInvoice({ ...input, invoiceDate: '2026-11-25' });
    expect(ok.state).toBe('booked');
    expect(
      (await erp.journal.get(ok.journalEntry!)).lines.map((l) => [l.account, l.debit, l.credit]),
    ).toEqual([
      ['2200', 1_000, 0],
      ['1300', 250, 0],
      ['2000', 0, 1_250],
    ]);
    expect((await trial('PLN')).balanced).toBe(true);

    // A held invoice is released on the day: with the current month closed, the release is refused
    // and the invoice stays held. (This test runs last: the app's current month is closed after it.)
    const held = await erp.procurement.createSupplierInvoice({
      number: 'LATE-2',
      poNumber: 'PO-B5',
      lines: [{ lineNo: 1, sku: 'SOCK-1', quantityInvoiced: 1, unitPrice: 100, tax: 0 }],
    });
    expect(held.state).toBe('held');
    await erp.periods.close(t.app.clock.now().toISOString().slice(0, 7));
    const before = [await count('erp_journal_entries'), await count('erp_journal_lines')];
    const refused = await api('POST', `/supplier-invoices/${held.id}/release`, { reason: 'late approval' });
    expect([refused.status, refused.body.code]).toEqual([409, 'ERP_PERIOD_CLOSED']);
    expect([await count('erp_journal_entries'), await count('erp_journal_lines')]).toEqual(before);
    expect(await erp.procurement.getSupplierInvoice(held.id)).toMatchObject({
      state: 'held',
      journalEntry: null,
      resolution: null,
    });
  });
});

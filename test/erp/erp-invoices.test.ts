import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, InvoiceInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';

const backends = await availableBackends();

const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

const SELLER = {
  legalName: 'Keel Demo GmbH',
  address: { line1: 'Invalidenstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  vatId: 'DE123456789',
  registration: 'HRB 12345, Amtsgericht Berlin',
};

/** A German seller's sale to a French consumer: French VAT (20%) under OSS. */
const sale = (reference: string, over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  series: 'DE',
  reference,
  issueDate: '2026-11-20',
  dueDays: 14,
  currency: 'EUR',
  taxRuleSet: 'eu-vat',
  buyer: {
    name: 'Camille Martin',
    type: 'b2c',
    address: { line1: '5 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
  },
  lines: [
    {
      sku: 'TEE-RED-M',
      description: 'Classic tee, red, M',
      quantity: 2,
      unitPrice: 2_000,
      taxClass: 'standard',
    },
    { sku: 'MUG-1', description: 'Mug', quantity: 1, unitPrice: 1_000, taxClass: 'standard' },
  ],
  shipping: { amount: 500 },
  ...over,
});

describe.each(backends)('ERP invoicing [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await erp.invoices.putSeries({ code: 'DE', prefix: 'INV-2026-', seller: SELLER });
    await erp.invoices.putSeries({ code: 'CN', prefix: 'CN-2026-', padding: 4, seller: SELLER });
  });
  afterAll(async () => t?.cleanup());

  const seriesNext = async (code: string) =>
    (await erp.invoices.listSeries()).find((s) => s.code === code)!.nextNumber;

  it('issues an invoice: taxed, numbered, booked in the journal, announced', async () => {
    const inv = await erp.invoices.issue(sale('order-1'));
    expect(inv).toMatchObject({
      kind: 'invoice',
      number: 'INV-2026-000001',
      totals: { net: 5_500, tax: 1_100, gross: 6_600 },
      taxRuleSet: { id: 'eu-vat' },
    });
    expect(inv.document.lines.map((l) => l.sku)).toEqual(['TEE-RED-M', 'MUG-1', 'SHIPPING']);
    expect(inv.document).toMatchObject({ dueDate: '2026-12-04', seller: { vatId: 'DE123456789' } });
    const entry = await erp.journal.get(inv.journalEntry);
    expect(entry).toMatchObject({ source: 'sale', reference: 'INV-2026-000001', totals: { debit: 6_600 } });
    expect(entry.lines.map((l) => [l.account, l.debit, l.credit])).toEqual([
      ['1100', 6_600, 0],
      ['4000', 0, 5_000],
      ['4200', 0, 500],
      ['2100', 0, 1_100],
    ]);
    await waitFor(
      async () =>
        (await t.app.bus.admin.events({ type: 'keel.erp.invoice.issued.v1', limit: 10 })).length > 0,
      10_000,
      'invoice.issued',
    );
    const [event] = await t.app.bus.admin.events({ type: 'keel.erp.invoice.issued.v1', limit: 10 });
    expect(event!.data).toMatchObject({ number: 'INV-2026-000001', gross: 6_600, reference: 'order-1' });
  });

  it('renders the stored document to HTML and PDF', async () => {
    const [inv] = (await erp.invoices.list({ reference: 'order-1' })).items;
    const html = await erp.invoices.html(inv!.id);
    expect(html).toContain('INV-2026-000001');
    expect(html).toContain('Camille Martin');
    const pdf = await erp.invoices.pdf(inv!.id);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('is idempotent by reference; other content for it is a conflict', async () => {
    const next = await seriesNext('DE');
    const again = await erp.invoices.issue(sale('order-1'));
    expect(again.number).toBe('INV-2026-000001');
    expect(await codes(erp.invoices.issue(sale('order-1', { dueDays: 30 })))).toEqual([
      'ERP_INVOICE_REFERENCE_CONFLICT',
    ]);
    expect(await seriesNext('DE')).toBe(next);
  });

  it('uses no number when issuing fails (gap-free)', async () => {
    const next = await seriesNext('DE');
    const badClass = sale('order-bad', {
      lines: [{ sku: 'X', description: 'X', quantity: 1, unitPrice: 1, taxClass: 'nope' }],
    });
    expect(await codes(erp.invoices.issue(badClass))).toEqual(['ERP_TAX_CLASS_UNKNOWN']);
    await erp.periods.close('2026-10');
    expect(await codes(erp.invoices.issue(sale('order-late', { issueDate: '2026-10-30' })))).toEqual([
      'ERP_PERIOD_CLOSED',
      'PERIOD_CLOSED',
    ]);
    expect(await codes(erp.invoices.issue(sale('order-x', { series: 'NOPE' })))).toEqual([
      'ERP_INVOICE_SERIES_NOT_FOUND',
    ]);
    expect(await seriesNext('DE')).toBe(next);
    expect((await erp.invoices.list({ reference: 'order-late' })).items).toEqual([]);
    const ok = await erp.invoices.issue(sale('order-2'));
    expect(ok.number).toBe(`INV-2026-${String(next).padStart(6, '0')}`);
  });

  it('numbers concurrent issues without gaps or repeats', async () => {
    const first = await seriesNext('DE');
    const issued = await Promise.all(
      Array.from({ length: 8 }, (_, i) => erp.invoices.issue(sale(`order-c${i}`))),
    );
    const numbers = issued.map((i) => Number(i.number.slice(-6))).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 8 }, (_, i) => first + i));
  });

  it('credits part of an invoice, then the rest, never more', async () => {
    const inv = await erp.invoices.issue(sale('order-3', { series: 'DE' }));
    const part = await erp.invoices.credit(inv.id, {
      reference: 'return-3a',
      reason: 'one tee returned',
      issueDate: '2026-11-25',
      lines: [{ sku: 'TEE-RED-M', quantity: 1 }],
    });
    expect(part).toMatchObject({
      kind: 'credit_note',
      credits: inv.id,
      totals: { net: 2_000, tax: 400, gross: 2_400 },
    });
    expect(part.document.referencedInvoice).toMatchObject({ number: inv.number });
    const entry = await erp.journal.get(part.journalEntry);
    expect(entry).toMatchObject({ source: 'return', totals: { debit: 2_400 } });
    expect(
      await codes(
        erp.invoices.credit(inv.id, {
          reference: 'return-3b',
          reason: 'x',
          lines: [{ sku: 'TEE-RED-M', quantity: 2 }],
        }),
      ),
    ).toEqual(['ERP_INVOICE_OVER_CREDIT', 'OVER_CREDIT']);
    expect(
      await codes(
        erp.invoices.credit(inv.id, {
          reference: 'return-3c',
          reason: 'x',
          lines: [{ sku: 'NOPE', quantity: 1 }],
        }),
      ),
    ).toEqual(['ERP_INVOICE_OVER_CREDIT', 'SKU_NOT_INVOICED']);
    const rest = await erp.invoices.credit(inv.id, {
      reference: 'return-3d',
      reason: 'order cancelled',
      issueDate: '2026-11-26',
    });
    // The other tee, the mug and the shipping.
    expect(rest.totals).toEqual({ net: 3_500, tax: 700, gross: 4_200 });
    expect(part.totals.gross + rest.totals.gross).toBe(inv.totals.gross);
    expect(await codes(erp.invoices.credit(inv.id, { reference: 'return-3e', reason: 'again' }))).toEqual([
      'ERP_INVOICE_OVER_CREDIT',
      'NOTHING_TO_CREDIT',
    ]);
    expect(await codes(erp.invoices.credit(part.id, { reference: 'return-3f', reason: 'x' }))).toEqual([
      'ERP_INVOICE_NOT_CREDITABLE',
    ]);
    // A retry of credits that went through returns the stored notes (though nothing is left now);
    // the same reference with another request is a conflict.
    const retried = await erp.invoices.credit(inv.id, {
      reference: 'return-3a',
      reason: 'one tee returned',
      issueDate: '2026-11-25',
      lines: [{ sku: 'TEE-RED-M', quantity: 1 }],
    });
    expect([retried.id, retried.number]).toEqual([part.id, part.number]);
    const again = await erp.invoices.credit(inv.id, { reference: 'return-3d', reason: 'order cancelled' });
    expect(again.id).toBe(rest.id);
    expect(
      await codes(
        erp.invoices.credit(inv.id, {
          reference: 'return-3a',
          reason: 'one tee returned',
          lines: [{ sku: 'MUG-1', quantity: 1 }],
        }),
      ),
    ).toEqual(['ERP_INVOICE_REFERENCE_CONFLICT']);
    const [tb] = await erp.journal.trialBalance({ currency: 'EUR' });
    expect(tb!.balanced).toBe(true);
  });

  it('serves invoices over REST with problem+json errors', async () => {
    const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
    const created = await api('POST', '/invoices', sale('order-http'));
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await api('GET', `/invoices/${id}`)).body.number).toBe(created.body.number);
    const html = await fetch(`${t.url}/api/v1/erp/invoices/${id}/html`, {
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain(created.body.number);
    const pdf = await fetch(`${t.url}/api/v1/erp/invoices/${id}/pdf`, {
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    const bad = await api('POST', '/invoices', { ...sale('order-bad-http'), lines: [] });
    expect(bad.status).toBe(400);
    expect((await api('GET', '/invoices/inv_nope')).body.code).toBe('ERP_INVOICE_NOT_FOUND');
    const credit = await api('POST', `/invoices/${id}/credit-notes`, {
      reference: 'ret-http',
      reason: 'damaged',
    });
    expect(credit.status).toBe(201);
    expect(credit.body.kind).toBe('credit_note');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, Invoice, InvoiceInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';

/**
 * Invoices whose prices include tax (`pricesIncludeTax: true`): the tax is extracted from the gross
 * prices, and totals, journal, event, documents and credit notes all follow from that.
 */

const backends = await availableBackends();

const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

const DE_SELLER = {
  legalName: 'Keel Demo GmbH',
  address: { line1: 'Invalidenstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  vatId: 'DE123456789',
};
const UK_SELLER = {
  legalName: 'Keel Demo Ltd',
  address: { line1: '1 Finsbury Square', city: 'London', postalCode: 'EC2A 1AE', country: 'GB' },
  vatId: 'GB123456789',
};

/** A UK shop's gross price: 120.00 including 20 % VAT, restated in EUR for the record. */
const ukSale = (reference: string, over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  series: 'UK',
  reference,
  issueDate: '2026-11-20',
  currency: 'GBP',
  taxRuleSet: 'uk-vat',
  pricesIncludeTax: true,
  buyer: {
    name: 'Jo Bloggs',
    type: 'b2c',
    address: { line1: '10 High Street', city: 'Leeds', postalCode: 'LS1 1AA', country: 'GB' },
  },
  lines: [{ sku: 'KETTLE', description: 'Kettle', quantity: 1, unitPrice: 12_000, taxClass: 'standard' }],
  reporting: { currency: 'EUR', rate: '1.165', rateDate: '2026-11-19' },
  ...over,
});

/**
 * A German consumer sale at gross prices: three tees and shipping at 19 %, two books at 7 %.
 * Germany rounds per document: 19/119 of (3 × 9.99 + 4.90) = 5.5675 → 5.57 for the group, where
 * rounding each line on its own would give 1.60 × 3 + 0.78 = 5.58.
 */
const deSale = (reference: string, over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  series: 'DE',
  reference,
  issueDate: '2026-11-20',
  currency: 'EUR',
  taxRuleSet: 'eu-vat',
  pricesIncludeTax: true,
  buyer: {
    name: 'Max Muster',
    type: 'b2c',
    address: { line1: 'Unter den Linden 1', city: 'Berlin', postalCode: '10117', country: 'DE' },
  },
  lines: [
    { sku: 'TEE-R', description: 'Tee, red', quantity: 1, unitPrice: 999, taxClass: 'standard' },
    { sku: 'TEE-B', description: 'Tee, blue', quantity: 1, unitPrice: 999, taxClass: 'standard' },
    { sku: 'TEE-G', description: 'Tee, green', quantity: 1, unitPrice: 999, taxClass: 'standard' },
    { sku: 'BOOK', description: 'Book', quantity: 2, unitPrice: 1_499, taxClass: 'books' },
  ],
  shipping: { amount: 490 },
  ...over,
});

/** Intl puts no-break spaces between a currency code and the amount. */
const html = async (erp: Erp, id: string) => (await erp.invoices.html(id)).replace(/[\u00a0\u202f]/g, ' ');
const lineFigures = (i: Invoice) => i.document.lines.map((l) => [l.sku, l.net, l.taxAmount, l.gross]);

describe.each(backends)('ERP invoices with prices including tax [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await erp.invoices.putSeries({ code: 'DE', prefix: 'INV-DE-', seller: DE_SELLER });
    await erp.invoices.putSeries({ code: 'UK', prefix: 'INV-UK-', seller: UK_SELLER });
  });
  afterAll(async () => t?.cleanup());

  const journalLines = async (id: string) =>
    (await erp.journal.get(id)).lines.map((l) => [l.account, l.debit, l.credit]);
  const seriesNext = async (code: string) =>
    (await erp.invoices.listSeries()).find((s) => s.code === code)!.nextNumber;
  const issuedEvent = async (inv: Invoice) => {
    const query = { type: 'keel.erp.invoice.issued.v1', subject: inv.id, limit: 5 };
    await waitFor(async () => (await t.app.bus.admin.events(query)).length > 0, 10_000, inv.number);
    return (await t.app.bus.admin.events(query))[0]!.data;
  };

  it('UK VAT: 120.00 gross is 100.00 net + 20.00 VAT in totals, journal, event and documents', async () => {
    const inv = await erp.invoices.issue(ukSale('uk-1'));
    expect(inv).toMatchObject({
      number: 'INV-UK-000001',
      pricesIncludeTax: true,
      totals: { net: 10_000, tax: 2_000, gross: 12_000 },
    });
    expect(inv.document.pricesIncludeTax).toBe(true);
    expect(inv.document.lines[0]).toMatchObject({ unitPriceGross: 12_000, net: 10_000, taxAmount: 2_000 });
    expect(inv.document.lines[0]!.unitPriceNet).toBeUndefined();
    // The restatement converts the extracted tax: 20.00 GBP × 1.165 = 23.30 EUR.
    expect(inv.document.reportingCurrency).toMatchObject({ currency: 'EUR', taxTotal: 2_330 });
    expect(await journalLines(inv.journalEntry)).toEqual([
      ['1100', 12_000, 0],
      ['4000', 0, 10_000],
      ['2100', 0, 2_000],
    ]);
    expect(await issuedEvent(inv)).toMatchObject({
      kind: 'invoice',
      number: 'INV-UK-000001',
      net: 10_000,
      tax: 2_000,
      gross: 12_000,
      pricesIncludeTax: true,
    });
    const page = await html(erp, inv.id);
    expect(page).toContain('Amounts in GBP · prices include tax');
    expect(page).toContain('>Unit price incl. tax<');
    expect(page).toContain('<td class="num">120.00</td>');
    expect(page).toContain('>GBP 20.00<');
    expect((await erp.invoices.pdf(inv.id)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('UK VAT: a full credit note reverses the invoice exactly, on the same price basis', async () => {
    const [inv] = (await erp.invoices.list({ reference: 'uk-1' })).items;
    const note = await erp.invoices.credit(inv!.id, { reference: 'uk-1-ret', reason: 'returned' });
    expect(note).toMatchObject({ kind: 'credit_note', pricesIncludeTax: true, totals: inv!.totals });
    expect(lineFigures(note)).toEqual(lineFigures(inv!));
    expect(note.document.lines[0]!.unitPriceGross).toBe(12_000);
    expect(note.document.reportingCurrency?.taxTotal).toBe(2_330);
    expect(await journalLines(note.journalEntry)).toEqual([
      ['4100', 10_000, 0],
      ['2100', 2_000, 0],
      ['1100', 0, 12_000],
    ]);
    expect(await html(erp, note.id)).toContain('prices include tax');
  });

  it('EU VAT: several lines, tax extracted per rate group as Germany rounds (per document)', async () => {
    const inv = await erp.invoices.issue(deSale('de-1'));
    expect(inv.totals).toEqual({ net: 5_732, tax: 753, gross: 6_485 });
    expect(lineFigures(inv)).toEqual([
      ['TEE-R', 839, 160, 999],
      ['TEE-B', 839, 160, 999],
      ['TEE-G', 840, 159, 999],
      ['BOOK', 2_802, 196, 2_998],
      ['SHIPPING', 412, 78, 490],
    ]);
    expect(inv.document.taxBreakdown.map((b) => [b.rate, b.taxableBase, b.tax])).toEqual([
      ['19', 2_930, 557],
      ['7', 2_802, 196],
    ]);
    // Receivable = gross, revenue and shipping revenue = their net, output tax = the tax.
    expect(await journalLines(inv.journalEntry)).toEqual([
      ['1100', 6_485, 0],
      ['4000', 0, 5_320],
      ['4200', 0, 412],
      ['2100', 0, 753],
    ]);
    expect(await issuedEvent(inv)).toMatchObject({
      net: 5_732,
      tax: 753,
      gross: 6_485,
      pricesIncludeTax: true,
    });
    const page = await html(erp, inv.id);
    expect(page).toContain('Amounts in EUR · prices include tax');
    expect(page).toContain('<td class="num">EUR 29.30</td><td class="num">EUR 5.57</td>');
    expect(page).toContain('<td class="num">EUR 28.02</td><td class="num">EUR 1.96</td>');
  });

  it('EU VAT: partial credit notes follow the same rounding and together credit the invoice exactly', async () => {
    const [inv] = (await erp.invoices.list({ reference: 'de-1' })).items;
    const part = await erp.invoices.credit(inv!.id, {
      reference: 'de-1-ret-a',
      reason: 'red tee returned',
      lines: [{ sku: 'TEE-R', quantity: 1 }],
    });
    // 19/119 of 9.99 = 1.595 → 1.60.
    expect(part).toMatchObject({ pricesIncludeTax: true, totals: { net: 839, tax: 160, gross: 999 } });
    expect(await journalLines(part.journalEntry)).toEqual([
      ['4100', 839, 0],
      ['2100', 160, 0],
      ['1100', 0, 999],
    ]);
    const rest = await erp.invoices.credit(inv!.id, { reference: 'de-1-ret-b', reason: 'cancelled' });
    // 19 % group: 19/119 of (2 × 9.99 + 4.90) = 3.9724 → 3.97; books 1.96 as invoiced.
    expect(rest.totals).toEqual({ net: 4_893, tax: 593, gross: 5_486 });
    expect(lineFigures(rest)).toEqual([
      ['TEE-B', 839, 160, 999],
      ['TEE-G', 840, 159, 999],
      ['BOOK', 2_802, 196, 2_998],
      ['SHIPPING', 412, 78, 490],
    ]);
    expect(await journalLines(rest.journalEntry)).toEqual([
      ['4100', 4_481, 0],
      ['4200', 412, 0],
      ['2100', 593, 0],
      ['1100', 0, 5_486],
    ]);
    for (const k of ['net', 'tax', 'gross'] as const)
      expect(part.totals[k] + rest.totals[k]).toBe(inv!.totals[k]);
  });

  it('EU VAT: a full credit note reverses every line of a document-rounded invoice exactly', async () => {
    const inv = await erp.invoices.issue(deSale('de-2'));
    const note = await erp.invoices.credit(inv.id, { reference: 'de-2-ret', reason: 'cancelled' });
    expect(note.totals).toEqual(inv.totals);
    expect(lineFigures(note)).toEqual(lineFigures(inv));
    const [tb] = await erp.journal.trialBalance({ currency: 'EUR' });
    expect(tb!.balanced).toBe(true);
  });

  it('repeats by reference only on the same price basis; the other flag is a conflict', async () => {
    const next = await seriesNext('DE');
    const [stored] = (await erp.invoices.list({ reference: 'de-1' })).items;
    expect((await erp.invoices.issue(deSale('de-1'))).number).toBe(stored!.number);
    expect(await codes(erp.invoices.issue(deSale('de-1', { pricesIncludeTax: false })))).toEqual([
      'ERP_INVOICE_REFERENCE_CONFLICT',
      'PRICES_INCLUDE_TAX_CHANGED',
    ]);
    const { pricesIncludeTax: _, ...withoutFlag } = deSale('de-1');
    expect(await codes(erp.invoices.issue(withoutFlag))).toEqual([
      'ERP_INVOICE_REFERENCE_CONFLICT',
      'PRICES_INCLUDE_TAX_CHANGED',
    ]);
    // Other content on the same basis is a plain conflict.
    expect(await codes(erp.invoices.issue(deSale('de-1', { dueDays: 30 })))).toEqual([
      'ERP_INVOICE_REFERENCE_CONFLICT',
    ]);
    expect(await seriesNext('DE')).toBe(next);
  });

  it('leaves net-price invoices unchanged; an explicit false repeats one issued without the flag', async () => {
    const { pricesIncludeTax: _, ...net } = deSale('de-net-1');
    const inv = await erp.invoices.issue(net);
    // 19 % of 34.87 = 6.6253 → 6.63; 7 % of 29.98 = 2.0986 → 2.10.
    expect(inv).toMatchObject({ pricesIncludeTax: false, totals: { net: 6_485, tax: 873, gross: 7_358 } });
    expect('pricesIncludeTax' in inv.document).toBe(false);
    expect(inv.document.lines[0]).toMatchObject({ unitPriceNet: 999, net: 999, taxAmount: 190 });
    expect(inv.document.lines[0]!.unitPriceGross).toBeUndefined();
    expect(await journalLines(inv.journalEntry)).toEqual([
      ['1100', 7_358, 0],
      ['4000', 0, 5_995],
      ['4200', 0, 490],
      ['2100', 0, 873],
    ]);
    const page = await html(erp, inv.id);
    expect(page).not.toContain('prices include tax');
    expect(page).toContain('>Unit price<');
    const next = await seriesNext('DE');
    expect((await erp.invoices.issue({ ...net, pricesIncludeTax: false })).number).toBe(inv.number);
    expect(await codes(erp.invoices.issue({ ...net, pricesIncludeTax: true }))).toEqual([
      'ERP_INVOICE_REFERENCE_CONFLICT',
      'PRICES_INCLUDE_TAX_CHANGED',
    ]);
    expect(await seriesNext('DE')).toBe(next);
    const note = await erp.invoices.credit(inv.id, { reference: 'de-net-1-ret', reason: 'cancelled' });
    expect(note).toMatchObject({ pricesIncludeTax: false, totals: inv.totals });
  });

  it('refuses a malformed flag, and a credit note cannot choose its own', async () => {
    const bad = { ...deSale('de-bad'), pricesIncludeTax: 'yes' } as unknown as InvoiceInput;
    expect(await codes(erp.invoices.issue(bad))).toEqual(['VALIDATION_FAILED', 'SCHEMA']);
    const [inv] = (await erp.invoices.list({ reference: 'de-2' })).items;
    const credit = { reference: 'de-2-x', reason: 'x', pricesIncludeTax: false };
    expect(await codes(erp.invoices.credit(inv!.id, credit as never))).toEqual([
      'VALIDATION_FAILED',
      'SCHEMA',
    ]);
  });

  it('serves the flag over REST', async () => {
    const api = (method: string, path: string, body?: unknown) => t.api(method, `/api/v1/erp${path}`, body);
    const created = await api('POST', '/invoices', ukSale('uk-http'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ pricesIncludeTax: true, totals: { net: 10_000, tax: 2_000 } });
    const read = await api('GET', `/invoices/${created.body.id}`);
    expect(read.body.pricesIncludeTax).toBe(true);
    const other = await api('POST', '/invoices', { ...ukSale('uk-http'), pricesIncludeTax: false });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('ERP_INVOICE_REFERENCE_CONFLICT');
    const credit = await api('POST', `/invoices/${created.body.id}/credit-notes`, {
      reference: 'uk-http-ret',
      reason: 'x',
      pricesIncludeTax: false,
    });
    expect(credit.status).toBe(400);
  });
});

import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { type InvoiceDocument, type InvoiceLine, validateInvoiceDocument } from './invoice.document.js';
import { renderInvoiceHtml } from './invoice.render.html.js';
import { renderInvoicePdf, toWinAnsi } from './invoice.render.pdf.js';

/** A line whose figures agree (tax rounded half away from zero, as the validator expects). */
function line(sku: string, description: string, quantity: number, unit: number, rate: string, discount = 0) {
  const net = quantity * unit - discount;
  const taxAmount = Math.sign(net) * Math.round((Math.abs(net) * Number(rate)) / 100);
  return {
    sku,
    description,
    quantity,
    unitPriceNet: unit,
    discount,
    net,
    taxRate: rate,
    taxAmount,
    gross: net + taxAmount,
  };
}

/** Totals and breakdown derived from the lines, so every fixture is consistent unless a test breaks it. */
function makeDoc(
  over: Partial<InvoiceDocument> = {},
  lines: InvoiceLine[] = defaultLines(),
): InvoiceDocument {
  const rates = [...new Set(lines.map((l) => l.taxRate))];
  const sumOf = (ls: InvoiceLine[], k: 'net' | 'taxAmount' | 'gross') => ls.reduce((a, l) => a + l[k], 0);
  return {
    kind: 'invoice',
    series: 'INV-2026',
    number: 'INV-2026-000123',
    issueDate: '2026-03-05',
    supplyDate: '2026-03-02',
    dueDate: '2026-04-04',
    currency: 'USD',
    seller: {
      legalName: 'Keel Demo GmbH',
      address: { line1: 'Invalidenstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      vatId: 'DE123456789',
      registration: 'HRB 12345 B, Amtsgericht Charlottenburg',
    },
    buyer: {
      name: 'Acme Corporation',
      address: {
        line1: '1 Main Street',
        city: 'Springfield',
        region: 'IL',
        postalCode: '62701',
        country: 'US',
      },
      vatId: 'US-EIN-12-3456789',
    },
    lines,
    taxBreakdown: rates.map((rate) => {
      const at = lines.filter((l) => l.taxRate === rate);
      return { rate, label: `VAT ${rate}%`, taxableBase: sumOf(at, 'net'), tax: sumOf(at, 'taxAmount') };
    }),
    totals: { net: sumOf(lines, 'net'), tax: sumOf(lines, 'taxAmount'), gross: sumOf(lines, 'gross') },
    notes: ['Reverse charge: VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)'],
    paymentTerms: 'Net 30 days. IBAN DE89 3704 0044 0532 0130 00',
    ...over,
  };
}

// Net 1,234.50 / tax 217.22 / gross 1,451.72 in a 2-decimal currency.
function defaultLines(): InvoiceLine[] {
  return [
    line('SKU-001', 'Widget, large', 3, 25000, '19'),
    line('SKU-002', 'Gadget, blue', 2, 17500, '19', 1000),
    line('SKU-003', 'Handbook (print)', 1, 14450, '7'),
  ];
}

const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const codes = (doc: InvoiceDocument) => validateInvoiceDocument(doc).map((e) => `${e.field}:${e.code}`);

/** Every string a content stream draws (TJ arrays of hex codes), after inflating the streams. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/stream\r?\n([\s\S]*?)\r?\nendstream/g)) {
    const bytes = Buffer.from(m[1]!, 'latin1');
    let body: string;
    try {
      body = inflateSync(bytes).toString('latin1');
    } catch {
      body = bytes.toString('latin1');
    }
    for (const tj of body.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      const hex = [...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1]).join('');
      out.push(Buffer.from(hex, 'hex').toString('latin1'));
    }
  }
  return plain(out.join('\n'));
}

const pageCount = (pdf: Buffer) => Number(/\/Type \/Pages\s*\/Count (\d+)/.exec(pdf.toString('latin1'))?.[1]);

describe('validateInvoiceDocument', () => {
  it('accepts a consistent invoice, including a fractional rate rounded half away from zero', () => {
    expect(codes(makeDoc())).toEqual([]);
    const ny = [line('SKU-9', 'Service', 1, 10000, '8.875')]; // 887.5 → 888
    expect(ny[0]!.taxAmount).toBe(888);
    expect(codes(makeDoc({}, ny))).toEqual([]);
  });

  it('catches totals that do not add up, against the lines and the breakdown', () => {
    const good = makeDoc();
    const doc = makeDoc({
      totals: { ...good.totals, net: good.totals.net + 1, gross: good.totals.gross + 1 },
    });
    const found = codes(doc);
    expect(found).toContain('totals.net:TOTAL_MISMATCH');
    expect(found).toContain('totals.gross:TOTAL_MISMATCH');
    expect(found).toContain('taxBreakdown:BREAKDOWN_MISMATCH');
    const unbalanced = makeDoc({ totals: { ...good.totals, gross: good.totals.gross - 5 } });
    expect(validateInvoiceDocument(unbalanced).find((e) => e.field === 'totals.gross')?.message).toMatch(
      /net \+ tax|sum of the lines/,
    );
  });

  it('rejects an unknown or malformed currency code', () => {
    expect(codes(makeDoc({ currency: 'XYZ' }))).toContain('currency:CURRENCY_UNKNOWN');
    expect(codes(makeDoc({ currency: 'usd' }))).toContain('currency:CURRENCY_UNKNOWN');
  });

  it('requires a credit note to name the invoice it corrects', () => {
    expect(codes(makeDoc({ kind: 'credit_note', number: 'CN-2026-000007' }))).toContain(
      'referencedInvoice.number:REFERENCE_REQUIRED',
    );
    const ok = makeDoc({
      kind: 'credit_note',
      number: 'CN-2026-000007',
      referencedInvoice: { number: 'INV-2026-000123' },
    });
    expect(codes(ok)).toEqual([]);
  });

  it('reports every problem of a broken document at once', () => {
    const lines = defaultLines();
    lines[0] = { ...lines[0]!, gross: lines[0]!.gross + 1 }; // net + tax ≠ gross
    lines[1] = { ...lines[1]!, taxAmount: lines[1]!.taxAmount + 50, gross: lines[1]!.gross + 50 }; // wrong tax for 19 %
    const doc = makeDoc(
      { number: ' ', dueDate: '2026-02-01', seller: { ...makeDoc().seller, vatId: undefined } },
      lines,
    );
    doc.taxBreakdown = doc.taxBreakdown.filter((b) => b.rate !== '7');
    const found = codes(doc);
    for (const expected of [
      'number:REQUIRED',
      'dueDate:DATE_ORDER',
      'seller.vatId:TAX_ID_REQUIRED',
      'lines[0].gross:LINE_GROSS_MISMATCH',
      'lines[1].taxAmount:LINE_TAX_MISMATCH',
      'lines[2].taxRate:BREAKDOWN_MISSING',
    ])
      expect(found).toContain(expected);
  });

  it('checks the reporting-currency tax against the exchange rate across exponents', () => {
    // Tax 217.22 USD at 150.5 JPY/USD = 32,691.61 → 32,692 JPY (0 decimals).
    const rc = { currency: 'JPY', taxTotal: 32692, exchangeRate: '150.5', rateDate: '2026-03-04' };
    expect(codes(makeDoc({ reportingCurrency: rc }))).toEqual([]);
    expect(codes(makeDoc({ reportingCurrency: { ...rc, taxTotal: 32600 } }))).toContain(
      'reportingCurrency.taxTotal:REPORTING_TAX_MISMATCH',
    );
  });
});

describe('renderInvoiceHtml', () => {
  it('renders a complete, self-contained document with the number, both parties and every line', () => {
    const html = renderInvoiceHtml(makeDoc());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<title>Invoice INV-2026-000123</title>');
    for (const s of [
      'Keel Demo GmbH',
      'DE123456789',
      'HRB 12345 B',
      'Acme Corporation',
      'Springfield',
      'Art. 196',
    ])
      expect(html).toContain(s);
    for (const l of makeDoc().lines) {
      expect(html).toContain(`>${l.sku}<`);
      expect(html).toContain(l.description);
    }
    expect(html.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr>/g)).toHaveLength(3);
    // Nothing to fetch, nothing to run.
    expect(html).not.toMatch(/<script|<link|\bsrc=|https?:\/\//i);
  });

  it.each([
    ['USD', 'en', 'USD 1,451.72', 'USD 217.22'],
    ['EUR', 'en', 'EUR 1,451.72', 'EUR 217.22'],
    ['EUR', 'de', '1.451,72 EUR', '217,22 EUR'],
    ['JPY', 'en', 'JPY 145,172', 'JPY 21,722'],
    ['KWD', 'en', 'KWD 145.172', 'KWD 21.722'],
  ])('formats totals in %s (%s) with the currency exponent', (currency, locale, gross, tax) => {
    const html = plain(renderInvoiceHtml(makeDoc({ currency, locale })));
    const grand = html.match(/<tr class="grand">[\s\S]*?<\/tr>/)?.[0] ?? '';
    const taxRow = html.match(/<tr class="tax">[\s\S]*?<\/tr>/)?.[0] ?? '';
    expect(grand).toContain(`>${gross}<`);
    expect(taxRow).toContain(`>${tax}<`);
  });

  it('escapes every caller text (HTML injection)', () => {
    const lines = defaultLines();
    lines[0] = { ...lines[0]!, description: '<script>alert("x")</script>' };
    const doc = makeDoc({ buyer: { ...makeDoc().buyer, name: '"><img src=x onerror=alert(1)>' } }, lines);
    doc.notes = ["Tom & Jerry's <b>note</b>"];
    const html = renderInvoiceHtml(doc);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>note');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Tom &amp; Jerry&#39;s &lt;b&gt;note&lt;/b&gt;');
  });

  it('titles a credit note and names the invoice it credits', () => {
    const doc = makeDoc({
      kind: 'credit_note',
      number: 'CN-2026-000007',
      referencedInvoice: { number: 'INV-2026-000099' },
    });
    const html = renderInvoiceHtml(doc);
    expect(html).toContain('<h1>Credit note</h1>');
    expect(html).toContain('INV-2026-000099');
    expect(html).toContain('Total credited');
  });

  it('refuses to render a document whose figures disagree', () => {
    const bad = makeDoc({ currency: 'XYZ' });
    expect(() => renderInvoiceHtml(bad)).toThrow(
      expect.objectContaining({ code: 'ERP_INVOICE_DOCUMENT_INVALID' }),
    );
  });
});

describe('renderInvoicePdf', () => {
  it('produces a PDF whose text holds the number and the total, with metadata from the document', async () => {
    const pdf = await renderInvoicePdf(makeDoc());
    expect(Buffer.isBuffer(pdf)).toBe(true);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    const text = pdfText(pdf);
    expect(text).toContain('INV-2026-000123');
    expect(text).toContain('USD 1,451.72');
    expect(text).toContain('Acme Corporation');
    expect(pageCount(pdf)).toBe(1);
    const raw = pdf.toString('latin1');
    expect(raw).toContain('(Invoice INV-2026-000123)');
    expect(raw).toContain('(Keel Demo GmbH)');
    expect(raw).toContain('(D:20260305000000Z)');
  });

  it('is deterministic: the same document gives the same bytes', async () => {
    const [a, b] = await Promise.all([renderInvoicePdf(makeDoc()), renderInvoicePdf(makeDoc())]);
    expect(a.equals(b)).toBe(true);
  });

  it('breaks 200 lines over several pages, repeating the table header', async () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      line(`SKU-${String(i + 1).padStart(4, '0')}`, `Item number ${i + 1}`, (i % 5) + 1, 1999, '19'),
    );
    const pdf = await renderInvoicePdf(makeDoc({}, lines));
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const text = pdfText(pdf);
    expect(text).toContain('SKU-0001');
    expect(text).toContain('SKU-0200');
    expect(text.match(/^Unit price$/gm)?.length).toBeGreaterThanOrEqual(pages);
    expect(text).toContain(`Page ${pages} of ${pages}`);
  });

  it('folds characters outside WinAnsi instead of crashing or printing garbage', async () => {
    const lines = defaultLines();
    lines[0] = { ...lines[0]!, description: 'Ελληνικά προϊόντα' };
    lines[1] = { ...lines[1]!, description: 'Товар 東京 ✓' };
    const doc = makeDoc(
      { buyer: { ...makeDoc().buyer, name: 'Zakład Łódź Sp. z o.o.' }, locale: 'fr' },
      lines,
    );
    const text = pdfText(await renderInvoicePdf(doc));
    expect(text).toContain('Zaklad Lódz Sp. z o.o.'); // ó is cp1252, ł and ź are not
    expect(text).toContain('Ellinika proionta');
    expect(text).toContain('Tovar ?? ?');
    expect(text).toContain('1 451,72 USD'); // fr groups with U+202F, folded to a no-break space
  });

  it('rejects an invalid document', async () => {
    await expect(renderInvoicePdf(makeDoc({ kind: 'credit_note' }))).rejects.toMatchObject({
      code: 'ERP_INVOICE_DOCUMENT_INVALID',
    });
  });
});

describe('toWinAnsi', () => {
  it('keeps cp1252, folds the rest', () => {
    expect(toWinAnsi('Müller € – “ok”')).toBe('Müller € – “ok”');
    expect(toWinAnsi('Łukasz Wałęsa')).toBe('Lukasz Walesa');
    expect(toWinAnsi('ΘΕΣΣΑΛΟΝΙΚΗ')).toBe('ThESSALONIKI');
    expect(toWinAnsi('a\u202fb\u2212c 😀')).toBe('a\u00a0b-c ?');
  });
});

describe('documents whose prices include tax', () => {
  /** A gross-priced line: tax extracted as gross × rate / (100 + rate), half away from zero. */
  function grossLine(sku: string, quantity: number, unit: number, rate: string, discount = 0): InvoiceLine {
    const gross = quantity * unit - discount;
    const taxAmount = Math.round((gross * Number(rate)) / (100 + Number(rate)));
    return {
      sku,
      description: `Item ${sku}`,
      quantity,
      unitPriceGross: unit,
      ...(discount ? { discount } : {}),
      net: gross - taxAmount,
      taxRate: rate,
      taxAmount,
      gross,
    };
  }
  // 119.00 at 19 % → 100.00 + 19.00; 2 × 10.70 − 1.00 at 7 % → 19.07 + 1.33.
  const inclusiveLines = () => [grossLine('A', 1, 11_900, '19'), grossLine('B', 2, 1_070, '7', 100)];
  const inclusiveDoc = (over: Partial<InvoiceDocument> = {}) =>
    makeDoc({ pricesIncludeTax: true, notes: [], ...over }, inclusiveLines());

  it('accepts gross unit prices with the tax extracted from them', () => {
    expect(inclusiveLines().map((l) => [l.net, l.taxAmount, l.gross])).toEqual([
      [10_000, 1_900, 11_900],
      [1_907, 133, 2_040],
    ]);
    expect(codes(inclusiveDoc())).toEqual([]);
  });

  it('refuses a line priced on the other basis, or tax computed as if the price were net', () => {
    // Gross-priced lines on a document that says nothing (net prices).
    const unflagged = codes(makeDoc({ notes: [] }, inclusiveLines()));
    expect(unflagged).toContain('lines[0].unitPriceGross:PRICE_BASIS_MISMATCH');
    expect(unflagged).toContain('lines[0].unitPriceNet:AMOUNT_INVALID');
    // Net-priced lines on a document that says its prices include tax.
    expect(codes(makeDoc({ pricesIncludeTax: true }))).toContain(
      'lines[0].unitPriceNet:PRICE_BASIS_MISMATCH',
    );
    const wrong = inclusiveLines();
    wrong[0] = { ...wrong[0]!, taxAmount: 2_261, net: 9_639 }; // 19 % of the gross, not 19/119
    const problems = validateInvoiceDocument(makeDoc({ pricesIncludeTax: true, notes: [] }, wrong));
    expect(problems.find((p) => p.field === 'lines[0].taxAmount')).toMatchObject({
      code: 'LINE_TAX_MISMATCH',
      message: 'must be gross × 19 / (100 + 19) (1900)',
    });
    const flag = { pricesIncludeTax: 'yes' } as unknown as Partial<InvoiceDocument>;
    expect(codes(inclusiveDoc(flag))).toContain('pricesIncludeTax:PRICE_BASIS_INVALID');
  });

  it('says so in the HTML and prints the gross unit price with the tax breakdown', () => {
    const html = plain(renderInvoiceHtml(inclusiveDoc()));
    expect(html).toContain('<caption>Amounts in USD · prices include tax</caption>');
    expect(html).toContain('>Unit price incl. tax<');
    expect(html).toContain('<td class="num">119.00</td>');
    expect(html).toContain('<td class="num">USD 100.00</td><td class="num">USD 19.00</td>');
    expect(html.match(/<tr class="grand">[\s\S]*?<\/tr>/)?.[0]).toContain('>USD 139.40<');
    const net = plain(renderInvoiceHtml(makeDoc()));
    expect(net).not.toContain('prices include tax');
    expect(net).toContain('>Unit price<');
  });

  it('says so in the PDF', async () => {
    const text = pdfText(await renderInvoicePdf(inclusiveDoc()));
    expect(text).toContain('Amounts in USD · prices include tax');
    expect(text).toContain('USD 139.40');
    expect(pdfText(await renderInvoicePdf(makeDoc()))).not.toContain('prices include tax');
  });
});

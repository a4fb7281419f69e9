import { currencyExponent } from '../../kernel/money.js';
import {
  assertValidInvoiceDocument,
  billedUnitPrice,
  type InvoiceAddress,
  type InvoiceDocument,
} from './invoice.document.js';

/**
 * An invoice or credit note as one self-contained, printable HTML document: inline CSS, no scripts,
 * no external resources (a CSP meta forbids them, so even an escaping bug could not load anything).
 * Every interpolated value goes through the `html` tag below, which escapes it unless it is markup
 * this file built — there is no way to splice caller text in raw.
 */

// ── Presentation shared with the PDF renderer, so both print exactly the same strings. ──

/** Minor units → exact decimal string ("-1234.50"), so Intl formats it without a float. */
export function minorToDecimal(amount: number, exponent: number): `${number}` {
  const abs = Math.abs(amount)
    .toString()
    .padStart(exponent + 1, '0');
  const whole = exponent === 0 ? abs : abs.slice(0, -exponent);
  const frac = exponent === 0 ? '' : `.${abs.slice(-exponent)}`;
  return `${amount < 0 ? '-' : ''}${whole}${frac}` as `${number}`;
}

/** The presentation both renderers share, so the HTML and the PDF print the same strings. */
export interface InvoiceFormat {
  /** "USD 1,234.50" — currency code, the currency's own number of decimals. */
  money(amount: number, currency?: string): string;
  /** "1,234.50" — for table cells under an "Amounts in USD" caption. */
  amount(amount: number): string;
  quantity(q: number): string;
  rate(rate: string): string;
  date(isoDate: string): string;
  /** "Germany" for "DE": a cross-border invoice must be readable by both sides. */
  country(code: string): string;
}

export function invoiceFormat(doc: InvoiceDocument): InvoiceFormat {
  const locale = doc.locale ?? 'en';
  const cache = new Map<string, Intl.NumberFormat>();
  const nf = (key: string, make: () => Intl.NumberFormat) => {
    const f = cache.get(key) ?? make();
    cache.set(key, f);
    return f;
  };
  const money = (amount: number, currency = doc.currency) => {
    const exp = currencyExponent(currency);
    const opts = { minimumFractionDigits: exp, maximumFractionDigits: exp };
    const f = nf(
      `m:${currency}`,
      () => new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'code', ...opts }),
    );
    return f.format(minorToDecimal(amount, exp));
  };
  const docExp = currencyExponent(doc.currency);
  const plain = new Intl.NumberFormat(locale, {
    minimumFractionDigits: docExp,
    maximumFractionDigits: docExp,
  });
  const qty = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
  const pct = new Intl.NumberFormat(locale, { style: 'unit', unit: 'percent', maximumFractionDigits: 6 });
  // Calendar dates carry no zone; format them at UTC so the printed day never shifts.
  const dates = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const regions = new Intl.DisplayNames(locale, { type: 'region', fallback: 'code' });
  return {
    money,
    amount: (a) => plain.format(minorToDecimal(a, docExp)),
    quantity: (q) => qty.format(String(q) as `${number}`),
    rate: (r) => pct.format(r as `${number}`),
    date: (d) => dates.format(new Date(`${d}T00:00:00Z`)),
    country: (code) => regions.of(code) ?? code,
  };
}

/** English labels; a locale-keyed table can replace this when translated documents are needed. */
export const INVOICE_LABELS = {
  invoice: 'Invoice',
  credit_note: 'Credit note',
  number: 'Number',
  issueDate: 'Issue date',
  supplyDate: 'Date of supply',
  dueDate: 'Due date',
  references: 'Credits invoice',
  seller: 'From',
  buyer: 'Bill to',
  vatId: 'VAT ID',
  taxId: 'Tax ID',
  registration: 'Registration',
  amountsIn: 'Amounts in',
  pricesIncludeTax: 'prices include tax',
  cols: ['SKU', 'Description', 'Qty', 'Unit price', 'Discount', 'Net', 'Tax rate', 'Tax', 'Gross'],
  /** Replaces `cols` where the prices include tax: the unit price and discount printed are gross. */
  colsInclusive: [
    'SKU',
    'Description',
    'Qty',
    'Unit price incl. tax',
    'Discount incl. tax',
    'Net',
    'Tax rate',
    'Tax',
    'Gross',
  ],
  breakdown: 'Tax breakdown',
  breakdownCols: ['Tax', 'Rate', 'Taxable base', 'Tax amount'],
  net: 'Total net',
  tax: 'Total tax',
  grossInvoice: 'Total due',
  grossCredit: 'Total credited',
  reporting: 'Tax in reporting currency',
  notes: 'Notes',
  paymentTerms: 'Payment terms',
  page: 'Page',
  of: 'of',
} as const;

/** "Postcode City", region, country — the lines of an address as printed. */
export function addressLines(a: InvoiceAddress, f: InvoiceFormat): string[] {
  const city = [a.postalCode, a.city].filter(Boolean).join(' ');
  return [a.line1, a.line2, city, a.region, f.country(a.country)].filter((s): s is string =>
    Boolean(s?.trim()),
  );
}

const L = INVOICE_LABELS;

/** The lines table's column headings: they say whether the printed prices include tax. */
export function lineColumns(d: InvoiceDocument): readonly string[] {
  return d.pricesIncludeTax === true ? L.colsInclusive : L.cols;
}

/** "Amounts in EUR", and "· prices include tax" on a document whose prices are gross. */
export function amountsCaption(d: InvoiceDocument): string {
  return `${L.amountsIn} ${d.currency}${d.pricesIncludeTax === true ? ` · ${L.pricesIncludeTax}` : ''}`;
}

// ── HTML ──

class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Part = SafeHtml | string | number | null | undefined | false | Part[];

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof SafeHtml) return p.value;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

/** Tagged template: literal parts are markup, every value is escaped unless already SafeHtml. */
function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

const CSS = `
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 10pt; color: #111;
  margin: 0 auto; max-width: 190mm; padding: 10mm 0; line-height: 1.35; }
header { display: flex; justify-content: space-between; gap: 12mm; margin-bottom: 8mm; }
h1 { font-size: 20pt; margin: 0 0 3mm; letter-spacing: .02em; }
h2 { font-size: 10pt; text-transform: uppercase; letter-spacing: .05em; color: #555; margin: 0 0 1.5mm; }
.party p, .meta td { margin: 0; }
.seller-name, .buyer-name { font-weight: bold; }
.meta { text-align: right; }
.meta table { margin-left: auto; border-collapse: collapse; }
.meta th { text-align: left; font-weight: normal; color: #555; padding: .5mm 4mm .5mm 0; }
.meta td { text-align: right; font-weight: bold; }
.parties { margin-bottom: 6mm; }
table.lines, table.breakdown, table.totals { border-collapse: collapse; width: 100%; }
table.lines caption { caption-side: top; text-align: right; color: #555; font-size: 8.5pt; padding-bottom: 1mm; }
table.lines th, table.lines td, table.breakdown th, table.breakdown td { padding: 1.5mm 1.5mm; vertical-align: top; }
table.lines thead th, table.breakdown thead th { border-bottom: 1.5px solid #111; text-align: left; font-size: 8.5pt; }
table.lines tbody td { border-bottom: 1px solid #ddd; }
.num { text-align: right !important; white-space: nowrap; font-variant-numeric: tabular-nums; }
.sku { white-space: nowrap; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 8.5pt; }
.desc { overflow-wrap: anywhere; }
/* Repeat the column headings on every printed page and keep a line on one page. */
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.summary { display: flex; justify-content: space-between; gap: 10mm; margin-top: 6mm; break-inside: avoid; }
.summary > div { flex: 1; }
table.totals th { text-align: left; font-weight: normal; padding: 1mm 0; }
table.totals td { padding: 1mm 0; }
table.totals tr.grand th, table.totals tr.grand td { font-weight: bold; font-size: 12pt; border-top: 1.5px solid #111;
  padding-top: 2mm; }
section.notes, section.payment, section.reporting { margin-top: 6mm; break-inside: avoid; }
section.notes p { margin: 0 0 2mm; white-space: pre-wrap; }
footer { margin-top: 10mm; padding-top: 2mm; border-top: 1px solid #ddd; color: #555; font-size: 8pt; }
@media print { body { padding: 0; max-width: none; } }
`;

function party(d: InvoiceDocument, f: InvoiceFormat, who: 'seller' | 'buyer'): SafeHtml {
  const p = who === 'seller' ? d.seller : d.buyer;
  const name = who === 'seller' ? d.seller.legalName : d.buyer.name;
  const ids: [string, string | undefined][] =
    who === 'seller'
      ? [
          [L.vatId, d.seller.vatId],
          [L.taxId, d.seller.taxId],
          [L.registration, d.seller.registration],
        ]
      : [[L.vatId, d.buyer.vatId]];
  return html`<div class="party ${who}">
<h2>${who === 'seller' ? L.seller : L.buyer}</h2>
<p class="${who}-name">${name}</p>
${addressLines(p.address, f).map((line) => html`<p>${line}</p>`)}
${ids.filter(([, v]) => v).map(([label, v]) => html`<p>${label}: ${v}</p>`)}
</div>`;
}

function meta(d: InvoiceDocument, f: InvoiceFormat): SafeHtml {
  const rows: [string, string][] = [[L.number, d.number]];
  rows.push([L.issueDate, f.date(d.issueDate)]);
  if (d.supplyDate) rows.push([L.supplyDate, f.date(d.supplyDate)]);
  if (d.dueDate) rows.push([L.dueDate, f.date(d.dueDate)]);
  if (d.referencedInvoice) {
    const on = d.referencedInvoice.issueDate ? ` (${f.date(d.referencedInvoice.issueDate)})` : '';
    rows.push([L.references, `${d.referencedInvoice.number}${on}`]);
  }
  return html`<div class="meta">
<h1>${L[d.kind]}</h1>
<table>${rows.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</table>
</div>`;
}

function linesTable(d: InvoiceDocument, f: InvoiceFormat): SafeHtml {
  const num = new Set([2, 3, 4, 5, 6, 7, 8]);
  const head = lineColumns(d).map(
    (c, i) => html`<th scope="col"${num.has(i) ? new SafeHtml(' class="num"') : ''}>${c}</th>`,
  );
  const rows = d.lines.map(
    (l) => html`<tr>
<td class="sku">${l.sku}</td><td class="desc">${l.description}</td>
<td class="num">${f.quantity(l.quantity)}${l.unit ? ` ${l.unit}` : ''}</td>
<td class="num">${f.amount(billedUnitPrice(d, l))}</td>
<td class="num">${l.discount ? f.amount(l.discount) : ''}</td>
<td class="num">${f.amount(l.net)}</td>
<td class="num">${f.rate(l.taxRate)}${l.taxJurisdiction ? ` ${l.taxJurisdiction}` : ''}</td>
<td class="num">${f.amount(l.taxAmount)}</td>
<td class="num">${f.amount(l.gross)}</td>
</tr>`,
  );
  return html`<table class="lines">
<caption>${amountsCaption(d)}</caption>
<thead><tr>${head}</tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function summary(d: InvoiceDocument, f: InvoiceFormat): SafeHtml {
  const breakdown = d.taxBreakdown.map(
    (b) => html`<tr>
<td>${b.label ?? b.jurisdiction ?? ''}</td><td class="num">${f.rate(b.rate)}</td>
<td class="num">${f.money(b.taxableBase)}</td><td class="num">${f.money(b.tax)}</td>
</tr>`,
  );
  const grossLabel = d.kind === 'credit_note' ? L.grossCredit : L.grossInvoice;
  return html`<section class="summary">
<div>
<h2>${L.breakdown}</h2>
<table class="breakdown">
<thead><tr>${L.breakdownCols.map((c, i) => html`<th scope="col"${i > 0 ? new SafeHtml(' class="num"') : ''}>${c}</th>`)}</tr></thead>
<tbody>${breakdown}</tbody>
</table>
</div>
<div>
<table class="totals">
<tr class="net"><th scope="row">${L.net}</th><td class="num">${f.money(d.totals.net)}</td></tr>
<tr class="tax"><th scope="row">${L.tax}</th><td class="num">${f.money(d.totals.tax)}</td></tr>
<tr class="grand"><th scope="row">${grossLabel}</th><td class="num">${f.money(d.totals.gross)}</td></tr>
</table>
</div>
</section>`;
}

/** "1 USD = 0.9123 EUR, rate of March 4, 2026" — the restated tax and where it came from. */
export function reportingLine(d: InvoiceDocument, f: InvoiceFormat): string | undefined {
  const rc = d.reportingCurrency;
  if (!rc) return undefined;
  return `${L.tax}: ${f.money(rc.taxTotal, rc.currency)} (1 ${d.currency} = ${rc.exchangeRate} ${rc.currency}, ${f.date(rc.rateDate)})`;
}

/** The complete HTML document. Throws ERP_INVOICE_DOCUMENT_INVALID (listing every problem) first. */
export function renderInvoiceHtml(doc: InvoiceDocument): string {
  assertValidInvoiceDocument(doc);
  const f = invoiceFormat(doc);
  const title = `${L[doc.kind]} ${doc.number}`;
  const reporting = reportingLine(doc, f);
  const footer = [
    doc.seller.legalName,
    doc.seller.registration,
    doc.seller.vatId && `${L.vatId} ${doc.seller.vatId}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const page = html`<!DOCTYPE html>
<html lang="${doc.locale ?? 'en'}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(CSS)}</style>
</head>
<body class="${doc.kind}">
<header>
${party(doc, f, 'seller')}
${meta(doc, f)}
</header>
<section class="parties">
${party(doc, f, 'buyer')}
</section>
${linesTable(doc, f)}
${summary(doc, f)}
${reporting && html`<section class="reporting"><h2>${L.reporting}</h2><p>${reporting}</p></section>`}
${doc.notes && doc.notes.length > 0 && html`<section class="notes"><h2>${L.notes}</h2>${doc.notes.map((n) => html`<p>${n}</p>`)}</section>`}
${doc.paymentTerms && html`<section class="payment"><h2>${L.paymentTerms}</h2><p>${doc.paymentTerms}</p></section>`}
<footer>${footer}</footer>
</body>
</html>
`;
  return page.value;
}

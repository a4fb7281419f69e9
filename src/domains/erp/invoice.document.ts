import { isCalendarDate } from '../../kernel/dates.js';
import { defineError } from '../../kernel/errors.js';
import { currencyExponent, isCurrency } from '../../kernel/money.js';
import type { FieldError } from './errors.js';

/**
 * What an issued invoice or credit note looks like to its renderers (HTML, PDF). Pure data: the
 * issuer has already numbered it (gap-free series) and computed every amount; rendering never
 * recomputes, it only checks that the figures agree, because a legal document must print exactly what
 * was booked. Money is integer minor units of `currency`; rates are decimal-percent strings ("19",
 * "8.875") so no float ever touches a tax figure. Dates are calendar dates `YYYY-MM-DD`.
 * Convention: a credit note lists positive amounts — its kind says they are credited.
 */

export type InvoiceKind = 'invoice' | 'credit_note';

export interface InvoiceAddress {
  line1: string;
  line2?: string;
  postalCode?: string;
  city: string;
  region?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface InvoiceSeller {
  legalName: string;
  address: InvoiceAddress;
  /** At least one of vatId / taxId: an invoice must identify its issuer for tax. */
  vatId?: string;
  taxId?: string;
  /** Company register entry, e.g. "HRB 12345, Amtsgericht Berlin". */
  registration?: string;
}

export interface InvoiceBuyer {
  name: string;
  address: InvoiceAddress;
  /** Required in practice for reverse charge; not checked here (the issuer knows the tax case). */
  vatId?: string;
}

export interface InvoiceLine {
  sku: string;
  description: string;
  /** Up to 6 decimals (weights, hours). */
  quantity: number;
  /** Unit of measure shown after the quantity ("pcs", "kg", "h"). */
  unit?: string;
  /** The unit price as billed: net on a document whose prices exclude tax (the default)… */
  unitPriceNet?: number;
  /** …gross on one whose prices include it. A line carries exactly the one its document uses. */
  unitPriceGross?: number;
  /** Absolute discount on the line, minor units, on the same basis as the unit price; 0 when absent. */
  discount?: number;
  /** quantity × unitPriceNet − discount; with prices including tax, gross − tax. */
  net: number;
  taxRate: string;
  /** Matches a breakdown entry together with the rate (e.g. "US-NY", "DE"). */
  taxJurisdiction?: string;
  taxAmount: number;
  /** net + tax; with prices including tax, quantity × unitPriceGross − discount. */
  gross: number;
}

export interface InvoiceTaxBreakdown {
  rate: string;
  jurisdiction?: string;
  /** Display name, e.g. "VAT 19%" or "NY State + NYC sales tax". */
  label?: string;
  taxableBase: number;
  tax: number;
}

export interface InvoiceDocument {
  kind: InvoiceKind;
  series: string;
  /** The full printed identifier, e.g. "INV-2026-000123". */
  number: string;
  issueDate: string;
  /** Date of supply / tax point, when it differs from the issue date. */
  supplyDate?: string;
  dueDate?: string;
  /** ISO 4217. */
  currency: string;
  /**
   * The prices printed (unit prices, discounts) include tax, and tax was extracted from them. Absent
   * means false, which is how every document stored before the flag existed reads.
   */
  pricesIncludeTax?: boolean;
  /** BCP 47 tag for numbers and dates (default "en"); labels are English for now. */
  locale?: string;
  seller: InvoiceSeller;
  buyer: InvoiceBuyer;
  lines: InvoiceLine[];
  taxBreakdown: InvoiceTaxBreakdown[];
  totals: { net: number; tax: number; gross: number };
  /** Printed verbatim, one paragraph each (e.g. the reverse-charge legal note). */
  notes?: string[];
  /** Required for a credit note: the invoice it corrects. */
  referencedInvoice?: { number: string; issueDate?: string };
  /** Tax total restated in the reporting currency, as some states require (e.g. VAT in the home currency). */
  reportingCurrency?: {
    currency: string;
    taxTotal: number;
    /** Units of the reporting currency per one unit of the document currency, decimal string. */
    exchangeRate: string;
    rateDate: string;
  };
  paymentTerms?: string;
}

/** The unit price as billed on `line`: gross when the document's prices include tax, else net. */
export function billedUnitPrice(doc: InvoiceDocument, line: InvoiceLine): number {
  return (doc.pricesIncludeTax === true ? line.unitPriceGross : line.unitPriceNet) ?? 0;
}

export const InvoiceDocumentErrors = {
  /** `errors` lists every problem. Kept here rather than in errors.ts until that file is merged. */
  INVALID: defineError({
    code: 'ERP_INVOICE_DOCUMENT_INVALID',
    status: 422,
    title: 'Invoice document is invalid',
  }),
};

const RATE_RE = /^(0|[1-9]\d{0,2})(\.\d{1,6})?$/;
const DECIMAL_RE = /^\d{1,12}(\.\d{1,12})?$/;
// String(n) of a number with ≤ 6 decimals; exponent notation (1e-7, 1e21) fails it on purpose.
const QTY_RE = /^\d{1,12}(\.\d{1,6})?$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
const MAX_TEXT = 2000;

/** A decimal string as an exact fraction: "8.875" → 8875 / 1000. */
function fraction(dec: string): { n: bigint; d: bigint } {
  const [int, frac = ''] = dec.split('.');
  return { n: BigInt(int + frac), d: 10n ** BigInt(frac.length) };
}

/** n / d rounded half away from zero, exactly. */
function divRound(n: bigint, d: bigint): bigint {
  const neg = n < 0n !== d < 0n;
  const an = n < 0n ? -n : n;
  const ad = d < 0n ? -d : d;
  const q = (2n * an + ad) / (2n * ad);
  return neg ? -q : q;
}

const absDiff = (a: bigint, b: bigint) => (a > b ? a - b : b - a);
const sum = (xs: number[]) => xs.reduce((acc, x) => acc + BigInt(Number.isSafeInteger(x) ? x : 0), 0n);
const taxKey = (rate: string, jurisdiction?: string) => `${rate}|${jurisdiction ?? ''}`;

/**
 * Every problem of the document at once. Sums must agree exactly; a line's tax against its rate, a
 * fractional quantity's product and the reporting-currency restatement may differ by one minor
 * unit, because issuers legitimately round per line or per document.
 */
export function validateInvoiceDocument(doc: InvoiceDocument): FieldError[] {
  const errors: FieldError[] = [];
  const add = (field: string, code: string, message: string) => errors.push({ field, code, message });
  const text = (field: string, v: unknown, required = true) => {
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || v.trim() === '') add(field, 'REQUIRED', 'must be a non-empty text');
    else if (v.length > MAX_TEXT) add(field, 'TOO_LONG', `must be at most ${MAX_TEXT} characters`);
  };
  const amount = (field: string, v: unknown) => {
    if (!Number.isSafeInteger(v)) add(field, 'AMOUNT_INVALID', 'must be an integer of minor units');
  };
  const date = (field: string, v: unknown, required = true) => {
    if (v === undefined && !required) return;
    if (!isCalendarDate(v)) add(field, 'DATE_INVALID', 'must be a calendar date YYYY-MM-DD');
  };
  const address = (field: string, a: InvoiceAddress | undefined) => {
    if (!a) return add(field, 'REQUIRED', 'is required');
    text(`${field}.line1`, a.line1);
    text(`${field}.city`, a.city);
    if (!COUNTRY_RE.test(a.country ?? ''))
      add(`${field}.country`, 'COUNTRY_INVALID', 'must be ISO 3166-1 alpha-2');
  };

  if (doc.kind !== 'invoice' && doc.kind !== 'credit_note')
    add('kind', 'KIND_INVALID', 'must be "invoice" or "credit_note"');
  text('series', doc.series);
  text('number', doc.number);
  date('issueDate', doc.issueDate);
  date('supplyDate', doc.supplyDate, false);
  date('dueDate', doc.dueDate, false);
  if (isCalendarDate(doc.dueDate) && isCalendarDate(doc.issueDate) && doc.dueDate < doc.issueDate)
    add('dueDate', 'DATE_ORDER', 'must not be before the issue date');
  if (!isCurrency(doc.currency)) add('currency', 'CURRENCY_UNKNOWN', `"${doc.currency}" is not ISO 4217`);
  if (doc.locale !== undefined) {
    try {
      Intl.getCanonicalLocales(doc.locale);
    } catch {
      add('locale', 'LOCALE_INVALID', 'must be a BCP 47 language tag');
    }
  }

  text('seller.legalName', doc.seller?.legalName);
  address('seller.address', doc.seller?.address);
  if (!doc.seller?.vatId?.trim() && !doc.seller?.taxId?.trim())
    add('seller.vatId', 'TAX_ID_REQUIRED', 'the seller needs a VAT id or a tax id');
  text('buyer.name', doc.buyer?.name);
  address('buyer.address', doc.buyer?.address);

  if (doc.kind === 'credit_note') {
    if (!doc.referencedInvoice?.number?.trim())
      add(
        'referencedInvoice.number',
        'REFERENCE_REQUIRED',
        'a credit note must name the invoice it corrects',
      );
    else if (doc.referencedInvoice.number === doc.number)
      add('referencedInvoice.number', 'REFERENCE_INVALID', 'a credit note cannot reference itself');
    date('referencedInvoice.issueDate', doc.referencedInvoice?.issueDate, false);
  }

  if (doc.pricesIncludeTax !== undefined && typeof doc.pricesIncludeTax !== 'boolean')
    add('pricesIncludeTax', 'PRICE_BASIS_INVALID', 'must be true or false');
  // The billed price is net, or gross when the prices include tax: the line's arithmetic holds on
  // that basis, and the other amount follows from the tax.
  const inclusive = doc.pricesIncludeTax === true;
  const priceKey = inclusive ? 'unitPriceGross' : 'unitPriceNet';
  const otherKey = inclusive ? 'unitPriceNet' : 'unitPriceGross';
  const pricedKey = inclusive ? 'gross' : 'net';

  const lines = Array.isArray(doc.lines) ? doc.lines : [];
  if (lines.length === 0) add('lines', 'REQUIRED', 'needs at least one line');
  const groups = new Map<string, { base: bigint; tax: bigint; field: string; name: string }>();
  lines.forEach((l, i) => {
    const f = `lines[${i}]`;
    text(`${f}.sku`, l.sku);
    text(`${f}.description`, l.description);
    if (l[otherKey] !== undefined)
      add(
        `${f}.${otherKey}`,
        'PRICE_BASIS_MISMATCH',
        `the document's prices ${inclusive ? 'include' : 'exclude'} tax: the line needs ${priceKey} only`,
      );
    for (const k of [priceKey, 'net', 'taxAmount', 'gross'] as const) amount(`${f}.${k}`, l[k]);
    if (l.discount !== undefined) amount(`${f}.discount`, l.discount);
    const qtyOk = Number.isFinite(l.quantity) && QTY_RE.test(String(Math.abs(l.quantity)));
    if (!qtyOk) add(`${f}.quantity`, 'QUANTITY_INVALID', 'must be a number with at most 6 decimals');
    const rateOk = typeof l.taxRate === 'string' && RATE_RE.test(l.taxRate) && Number(l.taxRate) <= 100;
    if (!rateOk) add(`${f}.taxRate`, 'RATE_INVALID', 'must be a decimal percent 0–100, e.g. "19" or "8.875"');
    const unitPrice = l[priceKey] as number;
    const ints = [unitPrice, l.net, l.taxAmount, l.gross, l.discount ?? 0].every(Number.isSafeInteger);
    if (!ints) return;
    if (l.net + l.taxAmount !== l.gross) add(`${f}.gross`, 'LINE_GROSS_MISMATCH', 'must equal net + tax');
    if (qtyOk) {
      const q = fraction(String(Math.abs(l.quantity)));
      const sign = l.quantity < 0 ? -1n : 1n;
      const expected = divRound(sign * q.n * BigInt(unitPrice), q.d) - BigInt(l.discount ?? 0);
      const tolerance = q.d === 1n ? 0n : 1n;
      if (absDiff(expected, BigInt(l[pricedKey])) > tolerance)
        add(`${f}.${pricedKey}`, 'LINE_ARITHMETIC', `must be quantity × unit price − discount (${expected})`);
    }
    if (rateOk) {
      // Exclusive: tax = net × r. Inclusive: tax = gross × r / (1 + r), i.e. gross × rate / (100 + rate).
      const r = fraction(l.taxRate);
      const expected = inclusive
        ? divRound(BigInt(l.gross) * r.n, 100n * r.d + r.n)
        : divRound(BigInt(l.net) * r.n, 100n * r.d);
      const rule = inclusive ? `gross × ${l.taxRate} / (100 + ${l.taxRate})` : `net × ${l.taxRate}%`;
      if (absDiff(expected, BigInt(l.taxAmount)) > 1n)
        add(`${f}.taxAmount`, 'LINE_TAX_MISMATCH', `must be ${rule} (${expected})`);
      const key = taxKey(l.taxRate, l.taxJurisdiction);
      const name = `${l.taxRate}%${l.taxJurisdiction ? ` (${l.taxJurisdiction})` : ''}`;
      const g = groups.get(key) ?? { base: 0n, tax: 0n, field: `${f}.taxRate`, name };
      g.base += BigInt(l.net);
      g.tax += BigInt(l.taxAmount);
      groups.set(key, g);
    }
  });

  const t = doc.totals ?? { net: Number.NaN, tax: Number.NaN, gross: Number.NaN };
  for (const k of ['net', 'tax', 'gross'] as const) amount(`totals.${k}`, t[k]);
  const totalsOk = [t.net, t.tax, t.gross].every(Number.isSafeInteger);
  if (totalsOk) {
    if (t.net + t.tax !== t.gross) add('totals.gross', 'TOTAL_MISMATCH', 'must equal net + tax');
    const sums = {
      net: sum(lines.map((l) => l.net)),
      tax: sum(lines.map((l) => l.taxAmount)),
      gross: sum(lines.map((l) => l.gross)),
    };
    for (const k of ['net', 'tax', 'gross'] as const)
      if (sums[k] !== BigInt(t[k]))
        add(`totals.${k}`, 'TOTAL_MISMATCH', `must equal the sum of the lines (${sums[k]})`);
  }

  const breakdown = Array.isArray(doc.taxBreakdown) ? doc.taxBreakdown : [];
  if (breakdown.length === 0 && lines.length > 0)
    add('taxBreakdown', 'REQUIRED', 'needs one entry per tax rate and jurisdiction');
  const seen = new Set<string>();
  for (const [i, b] of breakdown.entries()) {
    const f = `taxBreakdown[${i}]`;
    amount(`${f}.taxableBase`, b.taxableBase);
    amount(`${f}.tax`, b.tax);
    if (typeof b.rate !== 'string' || !RATE_RE.test(b.rate)) {
      add(`${f}.rate`, 'RATE_INVALID', 'must be a decimal percent, e.g. "19"');
      continue;
    }
    const key = taxKey(b.rate, b.jurisdiction);
    const g = groups.get(key);
    const dup = seen.has(key);
    seen.add(key);
    if (dup) add(f, 'BREAKDOWN_DUPLICATE', `rate ${b.rate} is listed twice`);
    else if (!g) add(f, 'BREAKDOWN_EXTRA', `no line is taxed at ${b.rate}%`);
    if (!g || dup) continue;
    if (Number.isSafeInteger(b.taxableBase) && g.base !== BigInt(b.taxableBase))
      add(`${f}.taxableBase`, 'BREAKDOWN_MISMATCH', `must equal the lines' net at this rate (${g.base})`);
    if (Number.isSafeInteger(b.tax) && g.tax !== BigInt(b.tax))
      add(`${f}.tax`, 'BREAKDOWN_MISMATCH', `must equal the lines' tax at this rate (${g.tax})`);
  }
  for (const [key, g] of groups)
    if (breakdown.length > 0 && !seen.has(key))
      add(g.field, 'BREAKDOWN_MISSING', `rate ${g.name} has no tax breakdown entry`);
  if (totalsOk && breakdown.length > 0) {
    const base = sum(breakdown.map((b) => b.taxableBase));
    const tax = sum(breakdown.map((b) => b.tax));
    if (base !== BigInt(t.net))
      add('taxBreakdown', 'BREAKDOWN_MISMATCH', `taxable bases sum to ${base}, net total is ${t.net}`);
    if (tax !== BigInt(t.tax))
      add('taxBreakdown', 'BREAKDOWN_MISMATCH', `taxes sum to ${tax}, tax total is ${t.tax}`);
  }

  for (const [i, n] of (doc.notes ?? []).entries()) text(`notes[${i}]`, n);
  text('paymentTerms', doc.paymentTerms, false);

  const rc = doc.reportingCurrency;
  if (rc) {
    const known = isCurrency(rc.currency);
    if (!known) add('reportingCurrency.currency', 'CURRENCY_UNKNOWN', `"${rc.currency}" is not ISO 4217`);
    amount('reportingCurrency.taxTotal', rc.taxTotal);
    date('reportingCurrency.rateDate', rc.rateDate);
    const rateOk = typeof rc.exchangeRate === 'string' && DECIMAL_RE.test(rc.exchangeRate);
    if (!rateOk || Number(rc.exchangeRate) === 0)
      add('reportingCurrency.exchangeRate', 'EXCHANGE_RATE_INVALID', 'must be a positive decimal string');
    else if (known && isCurrency(doc.currency) && totalsOk && Number.isSafeInteger(rc.taxTotal)) {
      // tax (doc minor units) × rate, rescaled from the document's exponent to the reporting one.
      const r = fraction(rc.exchangeRate);
      const shift = currencyExponent(rc.currency) - currencyExponent(doc.currency);
      const n = BigInt(t.tax) * r.n * 10n ** BigInt(Math.max(shift, 0));
      const expected = divRound(n, r.d * 10n ** BigInt(Math.max(-shift, 0)));
      if (absDiff(expected, BigInt(rc.taxTotal)) > 1n)
        add('reportingCurrency.taxTotal', 'REPORTING_TAX_MISMATCH', `must be tax × rate (${expected})`);
    }
  }
  return errors;
}

/** Renderers refuse an inconsistent document: printing it would make a wrong legal record. */
export function assertValidInvoiceDocument(doc: InvoiceDocument): void {
  const errors = validateInvoiceDocument(doc);
  if (errors.length > 0)
    throw InvoiceDocumentErrors.INVALID.create(errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
      errors,
    });
}

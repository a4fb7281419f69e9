import { isCalendarDate } from '../../kernel/dates.js';
import { currencyExponent } from '../../kernel/money.js';
import { TaxErrors } from './tax.errors.js';
import { type Decimal, parseDecimal, parseQuantity, pow10, roundDiv } from './tax.rounding.js';
import type { ExemptionReason, TaxAddress, TaxCustomer, TaxDocument, TaxRoundingRule } from './tax.types.js';
import { COUNTRY_RE, type CompiledRuleSet, REGION_RE } from './tax.validate.js';

/**
 * Checking a document as untrusted input and reducing each line to one non-negative amount. The first
 * problem throws, with a specific code and the offending `field` in the extensions.
 */

export const MAX_QUANTITY_SCALE = 6;
const MAX_FX_SCALE = 12;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const CUSTOMER_TYPES = ['b2c', 'b2b', 'exempt'];
const REASONS: ExemptionReason[] = ['resale', 'nonprofit', 'government', 'diplomatic', 'other'];

export interface PreparedLine {
  lineId: string;
  kind: 'item' | 'shipping';
  /** Requested class; undefined for shipping without its own class (the jurisdiction decides). */
  taxClass: string | undefined;
  /** Quantity × unit price − discount, in minor units: net or gross per `pricesIncludeTax`. */
  base: bigint;
}

export interface PreparedDocument {
  doc: TaxDocument;
  origin: TaxAddress;
  destination: TaxAddress;
  customer: TaxCustomer;
  lines: PreparedLine[];
  rounding: Partial<TaxRoundingRule>;
  reporting?: {
    currency: string;
    rate: Decimal;
    rateText: string;
    rateDate: string;
    fromExponent: number;
    toExponent: number;
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function currency(code: unknown, field: string): number {
  try {
    if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) throw new Error('pattern');
    return currencyExponent(code);
  } catch {
    throw TaxErrors.CURRENCY_INVALID.create(`${field}: ${JSON.stringify(code)} is not an ISO 4217 code`, {
      field,
    });
  }
}

function amount(v: unknown, field: string): bigint {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw TaxErrors.AMOUNT_INVALID.create(`${field}: ${JSON.stringify(v)} is not a non-negative integer`, {
      field,
    });
  return BigInt(v);
}

function address(v: unknown, field: string, needRegion: boolean): TaxAddress {
  if (!isObj(v) || typeof v.country !== 'string' || !COUNTRY_RE.test(v.country))
    throw TaxErrors.ADDRESS_INVALID.create(`${field}.country must be ISO 3166-1 alpha-2`, { field });
  const region = v.region;
  if (region !== undefined && (typeof region !== 'string' || !REGION_RE.test(region)))
    throw TaxErrors.ADDRESS_INVALID.create(`${field}.region must be ISO 3166-2 (US-CA)`, { field });
  if (region !== undefined && !region.startsWith(`${v.country}-`))
    throw TaxErrors.ADDRESS_INVALID.create(`${field}.region ${region} is not in ${v.country}`, { field });
  if (needRegion && region === undefined)
    throw TaxErrors.ADDRESS_INVALID.create(`${field}.region is required for sales tax`, { field });
  return v as unknown as TaxAddress;
}

function taxClass(c: CompiledRuleSet, v: unknown, field: string): string {
  if (typeof v !== 'string' || !c.classes.has(v))
    throw TaxErrors.CLASS_UNKNOWN.create(
      `${field}: ${JSON.stringify(v)} is not one of ${[...c.classes.keys()].join(', ')}`,
      { field },
    );
  return v;
}

function customer(v: unknown): TaxCustomer {
  if (!isObj(v) || !CUSTOMER_TYPES.includes(v.type as string))
    throw TaxErrors.DOCUMENT_INVALID.create(`customer.type must be one of ${CUSTOMER_TYPES}`, {
      field: 'customer.type',
    });
  if (v.vatId !== undefined && typeof v.vatId !== 'string')
    throw TaxErrors.VAT_ID_INVALID.create('customer.vatId must be a string', { field: 'customer.vatId' });
  if (v.type === 'exempt') {
    const e = v.exemption;
    if (!isObj(e) || typeof e.certificateId !== 'string' || e.certificateId.trim() === '')
      throw TaxErrors.EXEMPTION_MISSING.create('an exempt customer needs exemption.certificateId', {
        field: 'customer.exemption.certificateId',
      });
    if (!REASONS.includes(e.reason as ExemptionReason))
      throw TaxErrors.DOCUMENT_INVALID.create(`exemption.reason must be one of ${REASONS}`, {
        field: 'customer.exemption.reason',
      });
    if (e.jurisdictions !== undefined && !Array.isArray(e.jurisdictions))
      throw TaxErrors.DOCUMENT_INVALID.create('exemption.jurisdictions must be an array', {
        field: 'customer.exemption.jurisdictions',
      });
  }
  return v as unknown as TaxCustomer;
}

function base(qty: Decimal, unit: bigint, discount: bigint, field: string): bigint {
  // Quantity × price is commerce, not tax: rounded half-up to the minor unit like any extended price.
  const extended = roundDiv(unit * qty.digits, pow10(qty.scale), 'half_up');
  if (discount > extended)
    throw TaxErrors.AMOUNT_INVALID.create(
      `${field}.discount ${discount} exceeds the line total ${extended}`,
      {
        field: `${field}.discount`,
      },
    );
  const b = extended - discount;
  // Gross can reach twice the net (rates are at most 100%): keep that within safe integers too.
  if (b * 2n > MAX_SAFE)
    throw TaxErrors.AMOUNT_INVALID.create(`${field}: line total too large`, { field: `${field}.unitPrice` });
  return b;
}

export function prepareDocument(c: CompiledRuleSet, input: TaxDocument): PreparedDocument {
  const doc = input as unknown;
  if (!isObj(doc)) throw TaxErrors.DOCUMENT_INVALID.create('document must be an object', { field: '' });
  if (!isCalendarDate(doc.date))
    throw TaxErrors.DATE_INVALID.create(`date ${JSON.stringify(doc.date)} is not YYYY-MM-DD`, {
      field: 'date',
    });
  const fromExponent = currency(doc.currency, 'currency');
  if (typeof doc.pricesIncludeTax !== 'boolean')
    throw TaxErrors.DOCUMENT_INVALID.create('pricesIncludeTax must be a boolean', {
      field: 'pricesIncludeTax',
    });
  const salesTax = c.def.regime === 'sales_tax';
  // US sales tax is levied by states: a domestic destination without one cannot be taxed.
  const dest = doc.destination;
  const needRegion = salesTax && isObj(dest) && c.territory.has(dest.country as string);
  const destination = address(dest, 'destination', needRegion);
  const origin = doc.origin === undefined ? c.def.seller.address : address(doc.origin, 'origin', false);
  const cust = customer(doc.customer);

  if (!Array.isArray(doc.lines))
    throw TaxErrors.DOCUMENT_INVALID.create('lines must be an array', { field: 'lines' });
  const ids = new Set<string>();
  const lines: PreparedLine[] = doc.lines.map((raw: unknown, i: number) => {
    const at = `lines[${i}]`;
    if (!isObj(raw) || typeof raw.id !== 'string' || raw.id === '')
      throw TaxErrors.DOCUMENT_INVALID.create(`${at}.id must be a non-empty string`, { field: `${at}.id` });
    if (ids.has(raw.id))
      throw TaxErrors.DOCUMENT_INVALID.create(`${at}.id "${raw.id}" is used twice`, { field: `${at}.id` });
    ids.add(raw.id);
    const cls = taxClass(c, raw.taxClass, `${at}.taxClass`);
    const qty = parseQuantity(raw.quantity, MAX_QUANTITY_SCALE);
    if (!qty)
      throw TaxErrors.QUANTITY_INVALID.create(`${at}.quantity ${JSON.stringify(raw.quantity)} is invalid`, {
        field: `${at}.quantity`,
      });
    const unit = amount(raw.unitPrice, `${at}.unitPrice`);
    const discount = raw.discount === undefined ? 0n : amount(raw.discount, `${at}.discount`);
    return { lineId: raw.id, kind: 'item', taxClass: cls, base: base(qty, unit, discount, at) };
  });

  if (doc.shipping !== undefined) {
    const s = doc.shipping;
    if (!isObj(s))
      throw TaxErrors.DOCUMENT_INVALID.create('shipping must be an object', { field: 'shipping' });
    const id = s.id === undefined ? 'shipping' : s.id;
    if (typeof id !== 'string' || id === '' || ids.has(id))
      throw TaxErrors.DOCUMENT_INVALID.create('shipping.id must be a string unused by the lines', {
        field: 'shipping.id',
      });
    const cls = s.taxClass === undefined ? undefined : taxClass(c, s.taxClass, 'shipping.taxClass');
    const discount = s.discount === undefined ? 0n : amount(s.discount, 'shipping.discount');
    const b = base({ digits: 1n, scale: 0 }, amount(s.amount, 'shipping.amount'), discount, 'shipping');
    lines.push({ lineId: id, kind: 'shipping', taxClass: cls, base: b });
  }

  const rounding = doc.rounding ?? {};
  if (
    !isObj(rounding) ||
    (rounding.level !== undefined && rounding.level !== 'line' && rounding.level !== 'document') ||
    (rounding.mode !== undefined && rounding.mode !== 'half_up' && rounding.mode !== 'half_even')
  )
    throw TaxErrors.DOCUMENT_INVALID.create(
      'rounding override needs level line|document, mode half_up|half_even',
      {
        field: 'rounding',
      },
    );

  let reporting: PreparedDocument['reporting'];
  if (doc.reporting !== undefined) {
    const r = doc.reporting;
    if (!isObj(r))
      throw TaxErrors.DOCUMENT_INVALID.create('reporting must be an object', { field: 'reporting' });
    const toExponent = currency(r.currency, 'reporting.currency');
    const rate = parseDecimal(r.rate, MAX_FX_SCALE);
    if (!rate || rate.digits === 0n)
      throw TaxErrors.RATE_MALFORMED.create(
        `reporting.rate ${JSON.stringify(r.rate)} must be a positive decimal`,
        {
          field: 'reporting.rate',
        },
      );
    if (!isCalendarDate(r.rateDate))
      throw TaxErrors.DATE_INVALID.create('reporting.rateDate must be YYYY-MM-DD', {
        field: 'reporting.rateDate',
      });
    reporting = {
      currency: r.currency as string,
      rate,
      rateText: r.rate as string,
      rateDate: r.rateDate,
      fromExponent,
      toExponent,
    };
  }
  return {
    doc: input,
    origin,
    destination,
    customer: cust,
    lines,
    rounding: rounding as Partial<TaxRoundingRule>,
    ...(reporting ? { reporting } : {}),
  };
}

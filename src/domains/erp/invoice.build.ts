import type {
  InvoiceAddress,
  InvoiceDocument,
  InvoiceSeller,
  InvoiceTaxBreakdown,
} from './invoice.document.js';
import type { InvoiceInput } from './invoice.types.js';
import type { TaxAddress, TaxDocument, TaxResult } from './tax.types.js';

/**
 * From an invoice request to the tax engine's document, and from its result to the printed
 * document: pure, so issuing and re-rendering an invoice can never disagree.
 */

export const SHIPPING_SKU = 'SHIPPING';

/** US sales tax needs the state as ISO 3166-2; an address may carry `NY` or `US-NY`. */
export function taxAddress(a: InvoiceAddress): TaxAddress {
  const region = a.region ? (/^[A-Z]{2}-/.test(a.region) ? a.region : `${a.country}-${a.region}`) : undefined;
  return {
    country: a.country,
    ...(region ? { region } : {}),
    ...(a.postalCode ? { postalCode: a.postalCode } : {}),
  };
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whether a request's prices are gross; absent (every request from before the flag) means net. */
export function includesTax(input: Pick<InvoiceInput, 'pricesIncludeTax'>): boolean {
  return input.pricesIncludeTax === true;
}

/**
 * What the idempotency hash of an issue covers. `pricesIncludeTax: false` is the default and is left
 * out, so an explicit false repeats an invoice issued without the flag, and hashes stored before
 * the flag existed still match; true is in, so the same reference re-sent with the other price
 * basis is a conflict, never a silent repeat of a document with other amounts.
 */
export function issueContent(kind: InvoiceDocument['kind'], input: InvoiceInput, credits: string | null) {
  return { kind, input: { ...input, pricesIncludeTax: includesTax(input) || undefined }, credits };
}

export function taxDocumentOf(input: InvoiceInput, taxDate: string, id: string): TaxDocument {
  return {
    id,
    date: taxDate,
    currency: input.currency,
    pricesIncludeTax: includesTax(input),
    destination: taxAddress(input.buyer.address),
    customer: {
      type: input.buyer.type,
      ...(input.buyer.vatId ? { vatId: input.buyer.vatId } : {}),
      ...(input.buyer.exemption
        ? { exemption: input.buyer.exemption as TaxDocument['customer']['exemption'] }
        : {}),
    },
    lines: input.lines.map((l, i) => ({
      id: String(i),
      taxClass: l.taxClass,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      ...(l.discount ? { discount: l.discount } : {}),
    })),
    ...(input.shipping && input.shipping.amount > 0
      ? { shipping: { id: 'shipping', amount: input.shipping.amount } }
      : {}),
    ...(input.reporting ? { reporting: input.reporting } : {}),
  };
}

/** Breakdown rows per rate and jurisdiction, as an invoice shows them (treatments of one rate merged). */
function breakdownOf(result: TaxResult): InvoiceTaxBreakdown[] {
  const rows = new Map<string, InvoiceTaxBreakdown & { treatments: Set<string> }>();
  for (const b of result.breakdown) {
    const key = `${b.jurisdiction}\u0000${b.rate}`;
    const row = rows.get(key) ?? {
      rate: b.rate,
      jurisdiction: b.jurisdiction,
      taxableBase: 0,
      tax: 0,
      treatments: new Set<string>(),
    };
    row.taxableBase += b.net;
    row.tax += b.tax;
    row.treatments.add(b.treatment);
    rows.set(key, row);
  }
  return [...rows.values()].map(({ treatments, ...r }) => ({
    ...r,
    label: `${r.jurisdiction} ${r.rate}% (${[...treatments].join(', ').replaceAll('_', ' ')})`,
  }));
}

export interface DocumentHeader {
  kind: InvoiceDocument['kind'];
  series: string;
  number: string;
  issueDate: string;
  seller: InvoiceSeller;
  referencedInvoice?: { number: string; issueDate: string };
}

export function invoiceDocumentOf(
  header: DocumentHeader,
  input: InvoiceInput,
  result: TaxResult,
): InvoiceDocument {
  const inclusive = includesTax(input);
  // The unit price is printed as billed: gross when the prices include tax, net otherwise.
  const priced = (unitPrice: number) =>
    inclusive ? { unitPriceGross: unitPrice } : { unitPriceNet: unitPrice };
  const lines = result.lines.map((t) => {
    if (t.kind === 'shipping')
      return {
        sku: SHIPPING_SKU,
        description: input.shipping?.description ?? 'Shipping',
        quantity: 1,
        ...priced(inclusive ? t.gross : t.net),
        net: t.net,
        taxRate: t.rate,
        taxJurisdiction: t.jurisdiction,
        taxAmount: t.tax,
        gross: t.gross,
      };
    const l = input.lines[Number(t.lineId)]!;
    return {
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      ...(l.unit ? { unit: l.unit } : {}),
      ...priced(l.unitPrice),
      ...(l.discount ? { discount: l.discount } : {}),
      net: t.net,
      taxRate: t.rate,
      taxJurisdiction: t.jurisdiction,
      taxAmount: t.tax,
      gross: t.gross,
    };
  });
  const notes = [...result.notes, ...(input.notes ?? [])];
  return {
    kind: header.kind,
    series: header.series,
    number: header.number,
    issueDate: header.issueDate,
    ...(input.supplyDate ? { supplyDate: input.supplyDate } : {}),
    ...(input.dueDays !== undefined && header.kind === 'invoice'
      ? { dueDate: addDays(header.issueDate, input.dueDays) }
      : {}),
    currency: result.currency,
    // Only when true: an exclusive document stays exactly as it was before the flag existed.
    ...(inclusive ? { pricesIncludeTax: true } : {}),
    ...(input.locale ? { locale: input.locale } : {}),
    seller: header.seller,
    buyer: {
      name: input.buyer.name,
      address: input.buyer.address,
      ...(input.buyer.vatId ? { vatId: input.buyer.vatId } : {}),
    },
    lines,
    taxBreakdown: breakdownOf(result),
    totals: result.totals,
    ...(notes.length > 0 ? { notes } : {}),
    ...(header.referencedInvoice ? { referencedInvoice: header.referencedInvoice } : {}),
    ...(result.reporting
      ? {
          reportingCurrency: {
            currency: result.reporting.currency,
            taxTotal: result.reporting.totals.tax,
            exchangeRate: result.reporting.rate,
            rateDate: result.reporting.rateDate,
          },
        }
      : {}),
    ...(input.paymentTerms ? { paymentTerms: input.paymentTerms } : {}),
  };
}

/** Net of goods and of shipping, for the journal (revenue and shipping revenue are apart). */
export function netSplit(result: TaxResult): { goods: number; shipping: number } {
  let goods = 0;
  let shipping = 0;
  for (const l of result.lines)
    if (l.kind === 'shipping') shipping += l.net;
    else goods += l.net;
  return { goods, shipping };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { digest } from '../../kernel/json.js';
import { includesTax, invoiceDocumentOf, issueContent, netSplit, taxDocumentOf } from './invoice.build.js';
import { validateInvoiceDocument } from './invoice.document.js';
import type { InvoiceInput } from './invoice.types.js';
import { createTaxEngine } from './tax.engine.js';
import { EU_VAT, UK_VAT, US_SALES_TAX } from './tax.rulesets.js';

const eu = createTaxEngine(EU_VAT);
const uk = createTaxEngine(UK_VAT);

const SELLER = {
  legalName: 'Keel Demo GmbH',
  address: { line1: 'Invalidenstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  vatId: 'DE123456789',
};
const HEADER = {
  kind: 'invoice' as const,
  series: 'DE',
  number: 'INV-1',
  issueDate: '2026-11-20',
  seller: SELLER,
};

/** A domestic German sale: three tees at 19 %, two books at 7 %, shipping at 19 %. */
const input = (over: Partial<InvoiceInput> = {}): InvoiceInput => ({
  series: 'DE',
  reference: 'order-1',
  currency: 'EUR',
  taxRuleSet: 'eu-vat',
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

function build(i: InvoiceInput, engine = eu) {
  const result = engine.calculate(taxDocumentOf(i, '2026-11-20', 'inv_1'));
  return { result, document: invoiceDocumentOf(HEADER, i, result) };
}

describe('includesTax', () => {
  it('reads an absent flag as net prices', () => {
    expect(includesTax({})).toBe(false);
    expect(includesTax({ pricesIncludeTax: false })).toBe(false);
    expect(includesTax({ pricesIncludeTax: true })).toBe(true);
  });
});

describe('taxDocumentOf', () => {
  it('passes the price basis to the engine, net by default', () => {
    expect(taxDocumentOf(input(), '2026-11-20', 'x').pricesIncludeTax).toBe(false);
    expect(taxDocumentOf(input({ pricesIncludeTax: true }), '2026-11-20', 'x').pricesIncludeTax).toBe(true);
  });
});

describe('invoiceDocumentOf with prices including tax', () => {
  it('extracts tax per rate group (document rounding) and prints gross unit prices', () => {
    const { result, document } = build(input({ pricesIncludeTax: true }));
    // 19 % group: 19/119 of 3 × 9.99 + 4.90 = 556.75 → 557, allocated 160 / 160 / 159 / 78.
    // 7 % group: 7/107 of 29.98 = 196.13 → 196.
    expect(document.lines.map((l) => [l.sku, l.unitPriceGross, l.net, l.taxAmount, l.gross])).toEqual([
      ['TEE-R', 999, 839, 160, 999],
      ['TEE-B', 999, 839, 160, 999],
      ['TEE-G', 999, 840, 159, 999],
      ['BOOK', 1_499, 2_802, 196, 2_998],
      ['SHIPPING', 490, 412, 78, 490],
    ]);
    expect(document.lines.every((l) => l.unitPriceNet === undefined)).toBe(true);
    expect(document.pricesIncludeTax).toBe(true);
    expect(document.totals).toEqual({ net: 5_732, tax: 753, gross: 6_485 });
    expect(document.taxBreakdown.map((b) => [b.rate, b.taxableBase, b.tax])).toEqual([
      ['19', 2_930, 557],
      ['7', 2_802, 196],
    ]);
    expect(netSplit(result)).toEqual({ goods: 5_320, shipping: 412 });
    expect(validateInvoiceDocument(document)).toEqual([]);
  });

  it('differs from per-line rounding by a cent here, which is why the jurisdiction decides', () => {
    const perLine = eu.calculate({
      ...taxDocumentOf(input({ pricesIncludeTax: true }), '2026-11-20', 'x'),
      rounding: { level: 'line' },
    });
    expect(perLine.totals.tax).toBe(754);
    expect(build(input({ pricesIncludeTax: true })).result.totals.tax).toBe(753);
  });

  it('rounds each line on its own under UK VAT', () => {
    const { document } = build(
      input({
        pricesIncludeTax: true,
        taxRuleSet: 'uk-vat',
        currency: 'GBP',
        buyer: {
          name: 'Jo Bloggs',
          type: 'b2c',
          address: { line1: '1 High St', city: 'London', postalCode: 'EC1A 1BB', country: 'GB' },
        },
        lines: [
          { sku: 'KETTLE', description: 'Kettle', quantity: 1, unitPrice: 12_000, taxClass: 'standard' },
          { sku: 'MUG', description: 'Mug', quantity: 3, unitPrice: 333, taxClass: 'standard' },
        ],
      }),
      uk,
    );
    // 120.00 → 20.00 VAT; 9.99 → 1.665 → 1.67 on its own line.
    expect(document.lines.map((l) => [l.sku, l.net, l.taxAmount])).toEqual([
      ['KETTLE', 10_000, 2_000],
      ['MUG', 832, 167],
      ['SHIPPING', 408, 82],
    ]);
    expect(validateInvoiceDocument(document)).toEqual([]);
  });

  it('extracts nothing where no tax applies: under reverse charge the gross price is the net', () => {
    const { result, document } = build(
      input({
        pricesIncludeTax: true,
        buyer: {
          name: 'Acme SARL',
          type: 'b2b',
          vatId: 'FR40303265045',
          address: { line1: '5 rue de Rivoli', city: 'Paris', postalCode: '75001', country: 'FR' },
        },
      }),
    );
    expect(result.reverseCharge).toBe(true);
    expect(document.totals).toEqual({ net: 6_485, tax: 0, gross: 6_485 });
    expect(document.notes?.[0]).toMatch(/^Reverse charge/);
    expect(validateInvoiceDocument(document)).toEqual([]);
  });

  it('works under US sales tax too (the engine refuses no rule set for gross prices)', () => {
    const us = createTaxEngine(US_SALES_TAX);
    const i = input({
      pricesIncludeTax: true,
      taxRuleSet: 'us-sales-tax',
      currency: 'USD',
      buyer: {
        name: 'Pat Doe',
        type: 'b2c',
        address: { line1: '1 Main St', city: 'Albany', region: 'NY', country: 'US' },
      },
      lines: [{ sku: 'LAMP', description: 'Lamp', quantity: 1, unitPrice: 10_400, taxClass: 'standard' }],
      shipping: { amount: 0 },
    });
    const { document } = build(i, us);
    // New York's 4 % state rate: 104.00 gross is 100.00 + 4.00.
    expect(document.totals).toEqual({ net: 10_000, tax: 400, gross: 10_400 });
    expect(validateInvoiceDocument(document)).toEqual([]);
  });

  it('leaves a net-price document exactly as before the flag existed', () => {
    const { document } = build(input());
    expect('pricesIncludeTax' in document).toBe(false);
    expect(document.lines.every((l) => l.unitPriceGross === undefined)).toBe(true);
    expect(document.lines[0]).toMatchObject({ unitPriceNet: 999, net: 999 });
    // 19 %: 34.87 → 6.63 (6.6253); 7 %: 29.98 → 2.10 (2.0986).
    expect(document.totals).toEqual({ net: 6_485, tax: 873, gross: 7_358 });
    expect(validateInvoiceDocument(document)).toEqual([]);
  });

  it('always builds a document that validates, whatever the lines (property)', () => {
    const lineArb = fc.record({
      quantity: fc.oneof(fc.integer({ min: 1, max: 50 }), fc.constantFrom(0.5, 2.25, 1.333)),
      unitPrice: fc.integer({ min: 0, max: 500_000 }),
      taxClass: fc.constantFrom('standard', 'reduced', 'books', 'groceries'),
      discountShare: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('DE', 'FR', 'SE', 'IE', 'IT'),
        fc.boolean(),
        fc.integer({ min: 0, max: 2_000 }),
        (raw, country, inclusive, shipping) => {
          const lines = raw.map((l, i) => {
            const total = Math.floor(l.quantity * l.unitPrice);
            const discount = Math.floor((total * l.discountShare) / 1000);
            return {
              sku: `SKU-${i}`,
              description: `Item ${i}`,
              quantity: l.quantity,
              unitPrice: l.unitPrice,
              ...(discount > 0 ? { discount } : {}),
              taxClass: l.taxClass,
            };
          });
          const i = input({
            pricesIncludeTax: inclusive,
            lines,
            shipping: { amount: shipping },
            buyer: { ...input().buyer, address: { line1: 'x', city: 'y', country } },
          });
          const { result, document } = build(i);
          expect(validateInvoiceDocument(document)).toEqual([]);
          const kept = inclusive ? result.totals.gross : result.totals.net;
          const billed = result.lines.reduce((a, l) => a + (inclusive ? l.gross : l.net), 0);
          expect(kept).toBe(billed);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('issueContent', () => {
  const hash = (i: InvoiceInput) => digest(issueContent('invoice', i, null));

  it('hashes an explicit false like an absent flag, so old invoices repeat unchanged', () => {
    expect(hash(input({ pricesIncludeTax: false }))).toBe(hash(input()));
    // What invoices issued before the flag were hashed over.
    expect(hash(input())).toBe(digest({ kind: 'invoice', input: input(), credits: null }));
  });

  it('hashes prices including tax differently: the same reference with the other basis conflicts', () => {
    expect(hash(input({ pricesIncludeTax: true }))).not.toBe(hash(input()));
  });
});

import { type Static, Type } from '@sinclair/typebox';
import type { InvoiceDocument } from './invoice.document.js';

/** What callers send to issue invoices and credit notes, and what they get back. */

const Text = (max = 200) => Type.String({ minLength: 1, maxLength: max });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const InvoiceAddressSchema = Type.Object(
  {
    line1: Text(),
    line2: Type.Optional(Text()),
    postalCode: Type.Optional(Text(20)),
    city: Text(),
    /** ISO 3166-2 (`US-NY`) or the subdivision part (`NY`); US sales tax needs it. */
    region: Type.Optional(Text(10)),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
  },
  { additionalProperties: false },
);

export const SeriesInputSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }),
    /** Printed before the number: `INV-2026-`. */
    prefix: Type.String({ maxLength: 32 }),
    /** Digits of the number, zero-padded. */
    padding: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    /** The legal entity issuing the series' documents. */
    seller: Type.Object(
      {
        legalName: Text(),
        address: InvoiceAddressSchema,
        vatId: Type.Optional(Text(32)),
        taxId: Type.Optional(Text(32)),
        registration: Type.Optional(Text()),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type SeriesInput = Static<typeof SeriesInputSchema>;

export const InvoiceInputSchema = Type.Object(
  {
    series: Text(32),
    /** What is billed (an order id): the same reference issued again returns the stored invoice. */
    reference: Text(),
    /** Defaults to today. Also the tax point unless `supplyDate` is given. */
    issueDate: Type.Optional(IsoDate),
    supplyDate: Type.Optional(IsoDate),
    dueDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 365 })),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    /** The tax rule set (its version in force at issue is recorded). */
    taxRuleSet: Text(64),
    buyer: Type.Object(
      {
        name: Text(),
        address: InvoiceAddressSchema,
        type: Type.Union([Type.Literal('b2c'), Type.Literal('b2b'), Type.Literal('exempt')]),
        vatId: Type.Optional(Text(32)),
        exemption: Type.Optional(
          Type.Object({
            certificateId: Text(64),
            reason: Type.Union(
              ['resale', 'nonprofit', 'government', 'diplomatic', 'other'].map((r) => Type.Literal(r)),
            ),
            jurisdictions: Type.Optional(Type.Array(Text(10), { maxItems: 60 })),
          }),
        ),
      },
      { additionalProperties: false },
    ),
    /**
     * Whether `unitPrice`, `discount` and `shipping.amount` include tax (gross, as B2C price lists
     * usually are): the tax is then extracted, tax = gross × r / (1 + r), net = gross − tax. Absent
     * means false (net prices), so requests and stored invoices from before the flag read unchanged.
     */
    pricesIncludeTax: Type.Optional(
      Type.Boolean({ description: 'Prices are gross (tax included and extracted); default false: net' }),
    ),
    /** Net or gross per `pricesIncludeTax`. */
    lines: Type.Array(
      Type.Object(
        {
          sku: Text(64),
          description: Text(500),
          quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e9 }),
          unit: Type.Optional(Text(16)),
          unitPrice: Minor,
          discount: Type.Optional(Minor),
          taxClass: Text(32),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 1000 },
    ),
    shipping: Type.Optional(
      Type.Object({ amount: Minor, description: Type.Optional(Text()) }, { additionalProperties: false }),
    ),
    notes: Type.Optional(Type.Array(Text(2000), { maxItems: 10 })),
    paymentTerms: Type.Optional(Text(500)),
    locale: Type.Optional(Type.String({ pattern: '^[a-z]{2,3}(-[A-Z]{2})?$' })),
    /** Restate tax in another currency at a rate fixed now (e.g. VAT in the home currency). */
    reporting: Type.Optional(
      Type.Object({
        currency: Type.String({ pattern: '^[A-Z]{3}$' }),
        rate: Type.String({ pattern: '^\\d+(\\.\\d+)?$' }),
        rateDate: IsoDate,
      }),
    ),
  },
  { additionalProperties: false },
);
export type InvoiceInput = Static<typeof InvoiceInputSchema>;

export const CreditInputSchema = Type.Object(
  {
    /** What the credit is for (a return id): the same reference again returns the stored note. */
    reference: Text(),
    reason: Text(500),
    issueDate: Type.Optional(IsoDate),
    /**
     * Quantities to credit per SKU; everything not yet credited (shipping included) when absent.
     * There is no `pricesIncludeTax` here: a credit note always takes its invoice's.
     */
    lines: Type.Optional(
      Type.Array(
        Type.Object({ sku: Text(64), quantity: Type.Number({ exclusiveMinimum: 0, maximum: 1e9 }) }),
        { minItems: 1, maxItems: 1000 },
      ),
    ),
    /** Credit the shipping charge too (default: only when crediting everything). */
    shipping: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreditInput = Static<typeof CreditInputSchema>;

export interface Invoice {
  id: string;
  kind: 'invoice' | 'credit_note';
  number: string;
  series: string;
  reference: string;
  issueDate: string;
  currency: string;
  totals: { net: number; tax: number; gross: number };
  /** Whether the document's prices include tax (a credit note has its invoice's). */
  pricesIncludeTax: boolean;
  /** For a credit note: the invoice it credits. */
  credits: string | null;
  taxRuleSet: { id: string; version: string };
  journalEntry: string;
  issuedAt: string;
  actor: string;
  document: InvoiceDocument;
}

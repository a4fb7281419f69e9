/**
 * Types of the tax rules engine. A rule set is plain JSON (no functions, no Dates, no bigints) so it
 * can be stored per jurisdiction, sent over HTTP and checked with `validateRuleSet` before use.
 *
 * Conventions fixed here, relied on everywhere:
 * - Money is integer minor units of the document currency.
 * - Tax rates are decimal PERCENT strings ("19", "8.875", "5.5"; at most 6 decimals, 0 to 100), parsed
 *   exactly into integers: strings survive JSON and databases unchanged, and a percent is what tax
 *   authorities publish, so data can be checked against the source by eye.
 * - Dates are ISO calendar dates (YYYY-MM-DD). A rule applies on `validFrom <= date < validTo`
 *   (half-open), so a rate change is one rule's `validTo` equal to the next one's `validFrom`, with
 *   no gap day and no overlap.
 */

export type TaxRegime = 'vat' | 'sales_tax';
export type RoundingMode = 'half_up' | 'half_even';
/** `line`: each line's tax rounded on its own. `document`: rounded once per rate group, then allocated. */
export type RoundingLevel = 'line' | 'document';
export type Sourcing = 'origin' | 'destination';
export type RuleTreatment = 'taxable' | 'zero_rated' | 'exempt';
export type CustomerType = 'b2c' | 'b2b' | 'exempt';

/** How a line ended up taxed (or not). */
export type TaxTreatment =
  | RuleTreatment
  /** Shipping in a jurisdiction that does not tax separately stated shipping. */
  | 'not_taxable'
  /** Intra-EU B2B supply: the customer accounts for the VAT. */
  | 'reverse_charge'
  /** Destination outside the rule set's territory. */
  | 'export'
  /** US: the seller has no nexus in the destination state. */
  | 'no_nexus'
  /** The customer holds an exemption certificate valid in the taxing jurisdiction. */
  | 'customer_exempt';

/**
 * Where the supply is taxed: `domestic` (origin = destination), `destination` (EU OSS distance sale,
 * US destination sourcing), `origin` (EU seller below the OSS threshold, US origin sourcing),
 * `reverse_charge`, `export`, `no_nexus`.
 */
export type PlaceOfSupply = 'domestic' | 'destination' | 'origin' | 'reverse_charge' | 'export' | 'no_nexus';

export interface TaxAddress {
  /** ISO 3166-1 alpha-2 (`DE`, `US`, `GB`). */
  country: string;
  /** ISO 3166-2 subdivision (`US-CA`, `ES-CN`); required for US sales tax destinations. */
  region?: string;
  postalCode?: string;
}

export interface TaxRoundingRule {
  level: RoundingLevel;
  mode: RoundingMode;
}

export interface TaxClassDef {
  id: string;
  description?: string;
  /**
   * Class used in a jurisdiction that has NO rule at all for this one (e.g. `clothing` → `standard`),
   * so jurisdictions list only their exceptions. A jurisdiction with rules for the class that do not
   * cover the date does not fall back: that is a gap in the data and an error.
   */
  fallback?: string;
}

export interface TaxRule {
  /** Unique within the rule set; echoed in results so an invoice line points at its legal basis. */
  id: string;
  taxClass: string;
  /** Decimal percent string; must be "0" unless the treatment is `taxable`. */
  rate: string;
  /** Defaults to `taxable`. */
  treatment?: RuleTreatment;
  validFrom: string;
  /** Exclusive; absent = open-ended. */
  validTo?: string;
  /** Printed on the invoice when the rule is applied (e.g. the legal basis of an exemption). */
  note?: string;
}

export interface TaxJurisdiction {
  /** `DE` for VAT countries, ISO 3166-2 (`US-CA`) for US states. */
  code: string;
  name: string;
  rounding: TaxRoundingRule;
  /** US only: intrastate sales in an `origin` state are taxed at the ship-from location. */
  sourcing?: Sourcing;
  /** Whether a separately stated shipping charge is taxed, and as which class. */
  shipping: { taxable: boolean; taxClass?: string };
  rules: TaxRule[];
}

export interface TaxSeller {
  name?: string;
  /** Establishment; also the ship-from address unless a document gives its own `origin`. */
  address: TaxAddress;
  vatId?: string;
  /** US: ISO 3166-2 states where the seller must collect (physical or economic nexus). */
  nexus?: string[];
  /**
   * EU: the seller's cross-border B2C sales stay under the €10,000 yearly threshold (Art. 59c of the
   * VAT Directive) and it has not opted into OSS, so such sales are taxed at the origin's rates.
   */
  belowOssThreshold?: boolean;
}

export interface TaxNotes {
  /** Placeholders: `{customerVatId}`, `{sellerVatId}`. */
  reverseCharge?: string;
  export?: string;
  /** Placeholders: `{certificateId}`, `{reason}`. */
  exemption?: string;
  noNexus?: string;
}

export interface TaxRuleSet {
  id: string;
  version: string;
  name: string;
  regime: TaxRegime;
  /** The tax area: a destination outside it is an export; a cross-border sale inside it is intra-area. */
  territory: { countries: string[]; excludedRegions?: string[] };
  taxClasses: TaxClassDef[];
  seller: TaxSeller;
  notes?: TaxNotes;
  jurisdictions: TaxJurisdiction[];
}

/** One problem found by `validateRuleSet`, every problem listed at once. */
export interface TaxRuleSetProblem {
  /** Path of the field: `jurisdictions[3].rules[0].rate`. */
  field: string;
  /** Stable code: `RATE_MALFORMED`, `RULE_OVERLAP`, `TAX_CLASS_UNKNOWN` … */
  code: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------
// Documents

export type ExemptionReason = 'resale' | 'nonprofit' | 'government' | 'diplomatic' | 'other';

export interface TaxExemption {
  certificateId: string;
  reason: ExemptionReason;
  /** Jurisdiction codes the certificate is valid in (`US-NY`, or a country); absent = everywhere. */
  jurisdictions?: string[];
}

export interface TaxCustomer {
  type: CustomerType;
  /** Required for a B2B intra-EU (reverse-charge) sale; must carry the destination's prefix. */
  vatId?: string;
  /** Required when `type` is `exempt`. */
  exemption?: TaxExemption;
}

export interface TaxDocumentLine {
  /** Unique within the document. */
  id: string;
  taxClass: string;
  /** Non-negative; a number or decimal string with at most 6 decimals (2.5 kg). */
  quantity: number | string;
  /** Minor units, non-negative; net or gross per the document's `pricesIncludeTax`. */
  unitPrice: number;
  /** Minor units off the line total, at most the line total. */
  discount?: number;
}

export interface TaxShippingCharge {
  /** Line id in the result; default `shipping`. */
  id?: string;
  amount: number;
  discount?: number;
  /** Overrides the jurisdiction's shipping class when shipping is taxable there. */
  taxClass?: string;
}

export interface TaxDocument {
  id?: string;
  /** Tax point (transaction date): picks the rates in force. */
  date: string;
  /** ISO 4217. */
  currency: string;
  pricesIncludeTax: boolean;
  /** Ship-from; defaults to the seller's address. */
  origin?: TaxAddress;
  destination: TaxAddress;
  customer: TaxCustomer;
  lines: TaxDocumentLine[];
  shipping?: TaxShippingCharge;
  /**
   * Overrides the jurisdiction's rounding where the law leaves the choice to the seller (HMRC
   * accepts line or invoice level, applied consistently).
   */
  rounding?: Partial<TaxRoundingRule>;
  /** Also express the totals in this currency, at a rate fixed at transaction time. */
  reporting?: {
    currency: string;
    /** Units of the reporting currency for ONE unit of the document currency, as a decimal string. */
    rate: string;
    rateDate: string;
  };
}

// ---------------------------------------------------------------------------------------------
// Results

export interface TaxExplanation {
  placeOfSupply: PlaceOfSupply;
  /** The requested class, then each fallback tried, in order. */
  classPath: string[];
  /** The class whose rule applied (after fallback), when a rule applied. */
  matchedClass?: string;
  rule?: { id: string; validFrom: string; validTo?: string };
  inputs: {
    taxClass: string;
    date: string;
    customerType: CustomerType;
    origin: string;
    destination: string;
    pricesIncludeTax: boolean;
  };
  /** One sentence a person can check against the law. */
  reason: string;
}

export interface TaxLineResult {
  lineId: string;
  kind: 'item' | 'shipping';
  /** For shipping, the class it was taxed as, or `shipping` when untaxed and no class applies. */
  taxClass: string;
  jurisdiction: string;
  treatment: TaxTreatment;
  /** Null when no rate rule applied (reverse charge, export, no nexus, exempt customer, untaxed shipping). */
  ruleId: string | null;
  /** Canonical decimal percent ("19", "8.875"). */
  rate: string;
  net: number;
  tax: number;
  gross: number;
  explanation: TaxExplanation;
}

/** Taxable amount and tax per jurisdiction and rate, as an invoice must show them. */
export interface TaxBreakdownEntry {
  jurisdiction: string;
  treatment: TaxTreatment;
  rate: string;
  ruleIds: string[];
  rounding: TaxRoundingRule;
  net: number;
  tax: number;
  gross: number;
}

export interface TaxTotals {
  net: number;
  tax: number;
  gross: number;
}

export interface TaxReporting {
  currency: string;
  rate: string;
  rateDate: string;
  breakdown: {
    jurisdiction: string;
    treatment: TaxTreatment;
    rate: string;
    net: number;
    tax: number;
    gross: number;
  }[];
  totals: TaxTotals;
}

export interface TaxResult {
  documentId?: string;
  ruleSet: { id: string; version: string };
  date: string;
  currency: string;
  pricesIncludeTax: boolean;
  placeOfSupply: PlaceOfSupply;
  lines: TaxLineResult[];
  breakdown: TaxBreakdownEntry[];
  totals: TaxTotals;
  reverseCharge: boolean;
  exemption?: { certificateId: string; reason: ExemptionReason; applied: boolean };
  /** Texts to print on the invoice, each once, in the order first needed. */
  notes: string[];
  reporting?: TaxReporting;
}

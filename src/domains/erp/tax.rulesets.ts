import type {
  RuleTreatment,
  TaxClassDef,
  TaxJurisdiction,
  TaxRoundingRule,
  TaxRule,
  TaxRuleSet,
  TaxSeller,
} from './tax.types.js';

/**
 * Built-in reference rule sets, as plain data (helpers below only spare repetition; the result is
 * JSON). They are starting points and test fixtures, not tax advice: check them against the
 * authorities' publications before relying on them.
 *
 * Coverage starts on 2020-01-01 (`validFrom` of the first rule is the start of the data, not the
 * date a rate was enacted); documents dated earlier fail with ERP_TAX_RULE_NOT_FOUND rather than
 * borrowing a rate. Real rate changes since then are encoded (Germany's 2020 cut, Ireland's 2020–21
 * cut, Poland's 2022–24 and Spain's 2023–24 food rates), so effective dating is exercised by data.
 *
 * US: state base rates only; county, city and district taxes are not modelled yet.
 */

const START = '2020-01-01';

/** Consecutive rates of one class: each step runs until the next one starts. */
type Step = readonly [validFrom: string, rate: string, treatment?: RuleTreatment];

function series(prefix: string, taxClass: string, steps: Step[], note?: string): TaxRule[] {
  return steps.map(([validFrom, rate, treatment], i) => {
    const next = steps[i + 1];
    return {
      id: `${prefix}-${taxClass}-${validFrom}`,
      taxClass,
      rate,
      ...(treatment && treatment !== 'taxable' ? { treatment } : {}),
      validFrom,
      ...(next ? { validTo: next[0] } : {}),
      ...(note ? { note } : {}),
    };
  });
}

const flat = (prefix: string, taxClass: string, rate: string, note?: string) =>
  series(prefix, taxClass, [[START, rate]], note);
const exempt = (prefix: string, taxClass: string, note?: string) =>
  series(prefix, taxClass, [[START, '0', 'exempt']], note);
const zero = (prefix: string, taxClass: string, from = START) =>
  series(prefix, taxClass, [[from, '0', 'zero_rated']]);

const CLASSES: TaxClassDef[] = [
  { id: 'standard', description: 'Goods and services at the standard rate' },
  { id: 'reduced', description: 'The general reduced rate' },
  { id: 'zero', description: 'Zero-rated where the jurisdiction has a zero rate' },
  { id: 'clothing', description: 'Apparel and footwear', fallback: 'standard' },
  { id: 'groceries', description: 'Food for home consumption', fallback: 'standard' },
  { id: 'digital', description: 'Digital goods and electronically supplied services', fallback: 'standard' },
  { id: 'books', description: 'Printed books', fallback: 'standard' },
  { id: 'exempt', description: 'Supplies exempt everywhere (e.g. financial services)' },
];

// ---------------------------------------------------------------------------------------------
// United States

const US_ROUNDING: TaxRoundingRule = { level: 'document', mode: 'half_up' };

interface StateSpec {
  code: string;
  name: string;
  rate: string;
  sourcing: 'origin' | 'destination';
  shippingTaxable: boolean;
  exemptClasses: string[];
}

function usState(s: StateSpec): TaxJurisdiction {
  const prefix = s.code.toLowerCase();
  return {
    code: s.code,
    name: s.name,
    rounding: US_ROUNDING,
    sourcing: s.sourcing,
    shipping: s.shippingTaxable ? { taxable: true, taxClass: 'standard' } : { taxable: false },
    rules: [
      ...flat(prefix, 'standard', s.rate),
      ...s.exemptClasses.flatMap((cls) => exempt(prefix, cls)),
      ...exempt(prefix, 'exempt'),
    ],
  };
}

export const US_SALES_TAX: TaxRuleSet = {
  id: 'us-sales-tax',
  version: '2025.1',
  name: 'US state sales tax (state base rates)',
  regime: 'sales_tax',
  territory: { countries: ['US'] },
  taxClasses: CLASSES,
  seller: {
    name: 'Keel Demo Inc.',
    address: { country: 'US', region: 'US-CA', postalCode: '94105' },
    // Florida deliberately left out: a state where the demo seller must not collect.
    nexus: ['US-CA', 'US-NY', 'US-TX', 'US-PA', 'US-NJ', 'US-OR', 'US-WA'],
  },
  notes: { exemption: 'Exempt sale: exemption certificate {certificateId} ({reason}) on file.' },
  jurisdictions: [
    // Shipping by common carrier, separately stated, is not taxable in CA (Regulation 1628).
    usState({
      code: 'US-CA',
      name: 'California',
      rate: '7.25',
      sourcing: 'origin',
      shippingTaxable: false,
      exemptClasses: ['groceries', 'digital'],
    }),
    // NY's clothing exemption below $110 per item needs a price condition; not modelled yet.
    usState({
      code: 'US-NY',
      name: 'New York',
      rate: '4',
      sourcing: 'destination',
      shippingTaxable: true,
      exemptClasses: ['groceries', 'digital'],
    }),
    usState({
      code: 'US-TX',
      name: 'Texas',
      rate: '6.25',
      sourcing: 'origin',
      shippingTaxable: true,
      exemptClasses: ['groceries'],
    }),
    usState({
      code: 'US-PA',
      name: 'Pennsylvania',
      rate: '6',
      sourcing: 'origin',
      shippingTaxable: true,
      exemptClasses: ['groceries', 'clothing'],
    }),
    usState({
      code: 'US-NJ',
      name: 'New Jersey',
      rate: '6.625',
      sourcing: 'destination',
      shippingTaxable: true,
      exemptClasses: ['groceries', 'clothing'],
    }),
    {
      code: 'US-OR',
      name: 'Oregon',
      rounding: US_ROUNDING,
      sourcing: 'destination',
      shipping: { taxable: false },
      rules: [
        ...exempt('us-or', 'standard', 'Oregon levies no general sales tax.'),
        ...exempt('us-or', 'exempt'),
      ],
    },
    usState({
      code: 'US-WA',
      name: 'Washington',
      rate: '6.5',
      sourcing: 'destination',
      shippingTaxable: true,
      exemptClasses: ['groceries'],
    }),
    // Delivery charges are taxable in FL when the buyer cannot avoid them, the usual online case.
    usState({
      code: 'US-FL',
      name: 'Florida',
      rate: '6',
      sourcing: 'destination',
      shippingTaxable: true,
      exemptClasses: ['groceries', 'digital'],
    }),
  ],
};

// ---------------------------------------------------------------------------------------------
// European Union

const EU_MEMBERS = 'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(
  ' ',
);

// Rate groups are rounded once per invoice (Art. 226(8)–(10): taxable amount and VAT per rate).
const EU_ROUNDING: TaxRoundingRule = { level: 'document', mode: 'half_up' };

interface CountrySpec {
  code: string;
  name: string;
  standard: Step[];
  reduced: Step[];
  groceries: Step[];
  books: Step[];
  extra?: TaxRule[];
}

function vatCountry(s: CountrySpec, rounding: TaxRoundingRule): TaxJurisdiction {
  const prefix = s.code.toLowerCase();
  return {
    code: s.code,
    name: s.name,
    rounding,
    // Simplification: shipping at the standard rate, not apportioned over the goods' rates.
    shipping: { taxable: true, taxClass: 'standard' },
    rules: [
      ...series(prefix, 'standard', s.standard),
      ...series(prefix, 'reduced', s.reduced),
      ...series(prefix, 'groceries', s.groceries),
      ...series(prefix, 'books', s.books),
      ...exempt(prefix, 'exempt'),
      ...(s.extra ?? []),
    ],
  };
}

const at = (rate: string): Step[] => [[START, rate]];
/** Germany's 2020 stimulus cut, from 1 July to 31 December 2020. */
const cut2020 = (normal: string, cut: string): Step[] => [
  [START, normal],
  ['2020-07-01', cut],
  ['2021-01-01', normal],
];

export const EU_VAT: TaxRuleSet = {
  id: 'eu-vat',
  version: '2025.1',
  name: 'EU VAT (selected member states)',
  regime: 'vat',
  // Canary Islands, Ceuta and Melilla are outside the EU VAT area.
  territory: { countries: EU_MEMBERS, excludedRegions: ['ES-CN', 'ES-CE', 'ES-ML'] },
  taxClasses: CLASSES,
  seller: { name: 'Keel Demo GmbH', address: { country: 'DE', postalCode: '10115' }, vatId: 'DE123456789' },
  notes: {
    reverseCharge:
      'Reverse charge: VAT to be accounted for by the recipient (Articles 138 and 196, Directive 2006/112/EC). ' +
      'Supplier VAT ID {sellerVatId}, customer VAT ID {customerVatId}.',
    export: 'VAT exempt export outside the EU (Article 146, Directive 2006/112/EC).',
    exemption: 'VAT exempt supply: certificate {certificateId} ({reason}).',
  },
  jurisdictions: [
    vatCountry(
      {
        code: 'DE',
        name: 'Germany',
        standard: cut2020('19', '16'),
        reduced: cut2020('7', '5'),
        groceries: cut2020('7', '5'),
        books: cut2020('7', '5'),
        // §12(3) UStG: 0% on photovoltaic systems since 2023.
        extra: zero('de', 'zero', '2023-01-01'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'FR',
        name: 'France',
        standard: at('20'),
        reduced: at('10'),
        groceries: at('5.5'),
        books: at('5.5'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'NL',
        name: 'Netherlands',
        standard: at('21'),
        reduced: at('9'),
        groceries: at('9'),
        books: at('9'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'IE',
        name: 'Ireland',
        standard: [
          [START, '23'],
          ['2020-09-01', '21'],
          ['2021-03-01', '23'],
        ],
        reduced: at('13.5'),
        groceries: [[START, '0', 'zero_rated']],
        books: [[START, '0', 'zero_rated']],
        extra: zero('ie', 'zero'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'IT',
        name: 'Italy',
        standard: at('22'),
        reduced: at('10'),
        groceries: at('4'),
        books: at('4'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'ES',
        name: 'Spain',
        standard: at('21'),
        reduced: at('10'),
        // Basic foods: 0% during 2023 and most of 2024, 2% for its last quarter, back to 4% in 2025.
        groceries: [
          [START, '4'],
          ['2023-01-01', '0'],
          ['2024-10-01', '2'],
          ['2025-01-01', '4'],
        ],
        books: at('4'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'PL',
        name: 'Poland',
        standard: at('23'),
        reduced: at('8'),
        // Basic foods: 0% from February 2022 to March 2024.
        groceries: [
          [START, '5'],
          ['2022-02-01', '0'],
          ['2024-04-01', '5'],
        ],
        books: at('5'),
      },
      EU_ROUNDING,
    ),
    vatCountry(
      {
        code: 'SE',
        name: 'Sweden',
        standard: at('25'),
        reduced: at('12'),
        groceries: at('12'),
        books: at('6'),
      },
      EU_ROUNDING,
    ),
  ],
};

// ---------------------------------------------------------------------------------------------
// United Kingdom

export const UK_VAT: TaxRuleSet = {
  id: 'uk-vat',
  version: '2025.1',
  name: 'UK VAT',
  regime: 'vat',
  territory: { countries: ['GB'] },
  taxClasses: CLASSES,
  seller: { name: 'Keel Demo Ltd', address: { country: 'GB', postalCode: 'EC1A 1BB' }, vatId: 'GB123456789' },
  notes: {
    export: 'Zero-rated export of goods (VAT Notice 703).',
    exemption: 'VAT exempt supply: certificate {certificateId} ({reason}).',
  },
  jurisdictions: [
    {
      code: 'GB',
      name: 'United Kingdom',
      // HMRC accepts line-level or invoice-level rounding if used consistently; line is the default
      // here, and a document may choose invoice level with `rounding: { level: 'document' }`.
      rounding: { level: 'line', mode: 'half_up' },
      shipping: { taxable: true, taxClass: 'standard' },
      rules: [
        ...flat('gb', 'standard', '20'),
        ...flat('gb', 'reduced', '5'),
        ...zero('gb', 'zero'),
        ...zero('gb', 'groceries'),
        ...zero('gb', 'books'),
        ...exempt('gb', 'exempt'),
      ],
    },
  ],
};

export const BUILTIN_TAX_RULE_SETS: readonly TaxRuleSet[] = [US_SALES_TAX, EU_VAT, UK_VAT];

/** A copy of a reference rule set for another seller (nexus, VAT id, OSS threshold). */
export function withSeller(ruleSet: TaxRuleSet, seller: TaxSeller): TaxRuleSet {
  return { ...structuredClone(ruleSet), seller: structuredClone(seller) };
}

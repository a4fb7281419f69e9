import { describe, expect, it } from 'vitest';
import { createTaxEngine } from './tax.engine.js';
import { BUILTIN_TAX_RULE_SETS, EU_VAT, UK_VAT, US_SALES_TAX } from './tax.rulesets.js';
import type { TaxRuleSet } from './tax.types.js';
import { validateRuleSet } from './tax.validate.js';

const codes = (rs: unknown) => validateRuleSet(rs).map((p) => `${p.field} ${p.code}`);

function ruleAt(rs: TaxRuleSet, jurisdiction: string, taxClass: string, date: string) {
  const j = rs.jurisdictions.find((x) => x.code === jurisdiction)!;
  return j.rules.find(
    (r) => r.taxClass === taxClass && r.validFrom <= date && (r.validTo === undefined || date < r.validTo),
  );
}

describe('built-in rule sets', () => {
  it('are valid, plain JSON data', () => {
    for (const rs of BUILTIN_TAX_RULE_SETS) {
      expect(validateRuleSet(rs)).toEqual([]);
      const copy = JSON.parse(JSON.stringify(rs));
      expect(copy).toEqual(rs);
      expect(validateRuleSet(copy)).toEqual([]);
    }
  });

  it('cover the required jurisdictions', () => {
    expect(US_SALES_TAX.jurisdictions.map((j) => j.code).sort()).toEqual(
      ['US-CA', 'US-FL', 'US-NJ', 'US-NY', 'US-OR', 'US-PA', 'US-TX', 'US-WA'].sort(),
    );
    expect(EU_VAT.jurisdictions.map((j) => j.code).sort()).toEqual([
      'DE',
      'ES',
      'FR',
      'IE',
      'IT',
      'NL',
      'PL',
      'SE',
    ]);
    expect(UK_VAT.jurisdictions.map((j) => j.code)).toEqual(['GB']);
  });

  it('hold the state base rates and taxability of the reference data', () => {
    const base = Object.fromEntries(
      US_SALES_TAX.jurisdictions.map((j) => [
        j.code,
        ruleAt(US_SALES_TAX, j.code, 'standard', '2025-01-01')!.rate,
      ]),
    );
    expect(base).toEqual({
      'US-CA': '7.25',
      'US-NY': '4',
      'US-TX': '6.25',
      'US-PA': '6',
      'US-NJ': '6.625',
      'US-OR': '0',
      'US-WA': '6.5',
      'US-FL': '6',
    });
    for (const state of ['US-PA', 'US-NJ'])
      expect(ruleAt(US_SALES_TAX, state, 'clothing', '2025-01-01')?.treatment).toBe('exempt');
    for (const state of ['US-CA', 'US-NY', 'US-TX', 'US-WA'])
      expect(ruleAt(US_SALES_TAX, state, 'clothing', '2025-01-01')).toBeUndefined();
    const groceriesExempt = US_SALES_TAX.jurisdictions.filter(
      (j) => ruleAt(US_SALES_TAX, j.code, 'groceries', '2025-01-01')?.treatment === 'exempt',
    );
    expect(groceriesExempt.length).toBeGreaterThanOrEqual(6);
    const shippingTaxed = US_SALES_TAX.jurisdictions.filter((j) => j.shipping.taxable).map((j) => j.code);
    expect(shippingTaxed).toEqual(expect.arrayContaining(['US-NY', 'US-TX']));
    expect(shippingTaxed).not.toContain('US-CA');
  });

  it('hold standard and reduced VAT rates', () => {
    const std = (c: string) => ruleAt(EU_VAT, c, 'standard', '2025-06-01')!.rate;
    const red = (c: string) => ruleAt(EU_VAT, c, 'reduced', '2025-06-01')!.rate;
    expect(['DE', 'FR', 'NL', 'IE', 'IT', 'ES', 'PL', 'SE'].map((c) => [std(c), red(c)])).toEqual([
      ['19', '7'],
      ['20', '10'],
      ['21', '9'],
      ['23', '13.5'],
      ['22', '10'],
      ['21', '10'],
      ['23', '8'],
      ['25', '12'],
    ]);
    expect(['standard', 'reduced', 'zero'].map((c) => ruleAt(UK_VAT, 'GB', c, '2025-06-01')!.rate)).toEqual([
      '20',
      '5',
      '0',
    ]);
  });
});

describe('validateRuleSet', () => {
  const broken = (): TaxRuleSet => ({
    id: 'x',
    version: '1',
    name: 'Broken',
    regime: 'sales_tax',
    territory: { countries: ['US'] },
    taxClasses: [
      { id: 'standard' },
      { id: 'a', fallback: 'b' },
      { id: 'b', fallback: 'a' },
      { id: 'c', fallback: 'nope' },
    ],
    seller: { address: { country: 'US', region: 'US-CA' }, nexus: ['US-CA', 'US-ZZ'] },
    jurisdictions: [
      {
        code: 'US-CA',
        name: 'California',
        rounding: { level: 'document', mode: 'half_up' },
        shipping: { taxable: false },
        rules: [
          { id: 'r1', taxClass: 'standard', rate: '7.25', validFrom: '2020-01-01' },
          { id: 'r2', taxClass: 'standard', rate: '7.5', validFrom: '2024-01-01', validTo: '2025-01-01' },
          { id: 'r1', taxClass: 'standard', rate: '19%', validFrom: '2010-01-01', validTo: '2011-01-01' },
          { id: 'r4', taxClass: 'caviar', rate: '-1', validFrom: '2020-13-01' },
          { id: 'r5', taxClass: 'standard', rate: '101', validFrom: '2001-01-01', validTo: '2000-01-01' },
          {
            id: 'r6',
            taxClass: 'standard',
            rate: '5',
            treatment: 'exempt',
            validFrom: '1990-01-01',
            validTo: '1991-01-01',
          },
          {
            id: 'r7',
            taxClass: 'standard',
            rate: '1.1234567',
            validFrom: '1980-01-01',
            validTo: '1981-01-01',
          },
        ],
      },
      {
        code: 'California',
        name: '',
        rounding: { level: 'cent', mode: 'half_up' } as never,
        shipping: { taxable: true },
        rules: [],
      },
      {
        code: 'DE-BY',
        name: 'Bavaria',
        rounding: { level: 'line', mode: 'half_even' },
        shipping: { taxable: false },
        rules: [],
      },
    ],
  });

  it('lists every problem with its field and a stable code', () => {
    const found = codes(broken());
    expect(found).toEqual(
      expect.arrayContaining([
        'taxClasses TAX_CLASS_FALLBACK_CYCLE',
        'taxClasses[3].fallback TAX_CLASS_UNKNOWN',
        'jurisdictions[0].rules[1] RULE_OVERLAP',
        'jurisdictions[0].rules[2].id RULE_ID_DUPLICATE',
        'jurisdictions[0].rules[2].rate RATE_MALFORMED',
        'jurisdictions[0].rules[3].taxClass TAX_CLASS_UNKNOWN',
        'jurisdictions[0].rules[3].rate RATE_MALFORMED',
        'jurisdictions[0].rules[3].validFrom DATE_INVALID',
        'jurisdictions[0].rules[4].rate RATE_MALFORMED',
        'jurisdictions[0].rules[4].validTo DATE_RANGE_INVALID',
        'jurisdictions[0].rules[5].rate RATE_TREATMENT_MISMATCH',
        'jurisdictions[0].rules[6].rate RATE_MALFORMED',
        'jurisdictions[1].code JURISDICTION_CODE_INVALID',
        'jurisdictions[1].name FIELD_REQUIRED',
        'jurisdictions[1].rounding ROUNDING_INVALID',
        'jurisdictions[1].shipping.taxClass TAX_CLASS_UNKNOWN',
        'jurisdictions[2].code JURISDICTION_OUTSIDE_TERRITORY',
        'seller.nexus[1] NEXUS_UNKNOWN',
      ]),
    );
    // The open-ended r1 overlaps r2 once; the closed ranges in other decades overlap nothing.
    expect(found.filter((f) => f.endsWith('RULE_OVERLAP'))).toEqual([
      'jurisdictions[0].rules[1] RULE_OVERLAP',
    ]);
    expect(validateRuleSet(broken()).find((p) => p.code === 'RULE_OVERLAP')!.message).toContain(
      '"r1" and "r2"',
    );
  });

  it('accepts adjacent ranges: validTo is exclusive', () => {
    const rs = structuredClone(US_SALES_TAX);
    const ca = rs.jurisdictions[0]!;
    ca.rules[0]!.validTo = '2026-01-01';
    ca.rules.push({ id: 'ca-2026', taxClass: 'standard', rate: '7.5', validFrom: '2026-01-01' });
    expect(validateRuleSet(rs)).toEqual([]);
    ca.rules.at(-1)!.validFrom = '2025-12-31';
    expect(codes(rs)).toEqual([`jurisdictions[0].rules[${ca.rules.length - 1}] RULE_OVERLAP`]);
  });

  it('rejects what is not a rule set at all', () => {
    expect(codes(null)).toEqual([' RULESET_NOT_OBJECT']);
    expect(codes([])).toEqual([' RULESET_NOT_OBJECT']);
    expect(codes({})).toEqual(
      expect.arrayContaining(['id FIELD_REQUIRED', 'regime REGIME_INVALID', 'jurisdictions FIELD_REQUIRED']),
    );
    const vat = { ...structuredClone(EU_VAT), seller: { address: { country: 'US' }, nexus: ['DE'] } };
    expect(codes(vat)).toEqual([
      'seller.address.country SELLER_OUTSIDE_TERRITORY',
      'seller.nexus FIELD_INVALID',
    ]);
  });

  it('makes an engine refuse an invalid rule set, with the problems attached', () => {
    try {
      createTaxEngine(broken());
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'ERP_TAX_RULESET_INVALID', status: 422 });
      expect((e as { extensions: { errors: unknown[] } }).extensions.errors).toEqual(
        validateRuleSet(broken()),
      );
    }
  });
});

import { describe, expect, it } from 'vitest';
import { calculateTax, createTaxEngine } from './tax.engine.js';
import { EU_VAT, UK_VAT, US_SALES_TAX, withSeller } from './tax.rulesets.js';
import type { TaxDocument, TaxDocumentLine, TaxResult, TaxRuleSet } from './tax.types.js';

const us = createTaxEngine(US_SALES_TAX);
const eu = createTaxEngine(EU_VAT);
const uk = createTaxEngine(UK_VAT);

function doc(over: Partial<TaxDocument> & Pick<TaxDocument, 'destination'>): TaxDocument {
  return {
    date: '2025-06-15',
    currency: 'USD',
    pricesIncludeTax: false,
    customer: { type: 'b2c' },
    lines: [{ id: 'l1', taxClass: 'standard', quantity: 1, unitPrice: 10000 }],
    ...over,
  };
}
const line = (
  id: string,
  taxClass: string,
  unitPrice: number,
  quantity: number | string = 1,
): TaxDocumentLine => ({
  id,
  taxClass,
  quantity,
  unitPrice,
});
const byId = (r: TaxResult, id: string) => r.lines.find((l) => l.lineId === id)!;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('US sales tax', () => {
  it('NY: clothing falls back to the standard rate, groceries are exempt, shipping is taxed, one rounding per rate', () => {
    const r = us.calculate(
      doc({
        destination: { country: 'US', region: 'US-NY' },
        lines: [line('a', 'standard', 999, 2), line('b', 'clothing', 4999), line('g', 'groceries', 1200)],
        shipping: { amount: 599 },
      }),
    );
    // 4% of (1998 + 4999 + 599) = 303.84 → 304, allocated 80 / 200 / 24 by largest remainder.
    expect(r.lines.map((l) => [l.lineId, l.tax, l.treatment])).toEqual([
      ['a', 80, 'taxable'],
      ['b', 200, 'taxable'],
      ['g', 0, 'exempt'],
      ['shipping', 24, 'taxable'],
    ]);
    expect(byId(r, 'b').explanation).toMatchObject({
      classPath: ['clothing', 'standard'],
      matchedClass: 'standard',
    });
    expect(byId(r, 'g').ruleId).toBe('us-ny-groceries-2020-01-01');
    expect(r.totals).toEqual({ net: 8796, tax: 304, gross: 9100 });
    expect(r.placeOfSupply).toBe('destination');
  });

  it('PA and NJ exempt clothing; TX taxes it', () => {
    const clothes = (region: string) =>
      us.calculate(doc({ destination: { country: 'US', region }, lines: [line('c', 'clothing', 5000)] }))
        .lines[0]!;
    expect(clothes('US-PA')).toMatchObject({
      tax: 0,
      treatment: 'exempt',
      ruleId: 'us-pa-clothing-2020-01-01',
    });
    expect(clothes('US-NJ')).toMatchObject({ tax: 0, treatment: 'exempt' });
    expect(clothes('US-TX')).toMatchObject({ tax: 313, rate: '6.25', ruleId: 'us-tx-standard-2020-01-01' });
  });

  it('CA does not tax separately stated shipping and sources intrastate sales at the origin', () => {
    const r = us.calculate(
      doc({ destination: { country: 'US', region: 'US-CA' }, shipping: { amount: 1000 } }),
    );
    expect(byId(r, 'l1')).toMatchObject({ tax: 725, rate: '7.25', jurisdiction: 'US-CA' });
    expect(byId(r, 'shipping')).toMatchObject({ tax: 0, treatment: 'not_taxable', ruleId: null });
    expect(r.placeOfSupply).toBe('origin');
  });

  it('TX taxes shipping; half-up and half-even differ on an exact half cent', () => {
    // 6.25% = 1/16 of 9928 is 620.5.
    const d = doc({
      destination: { country: 'US', region: 'US-TX' },
      lines: [line('a', 'standard', 9000)],
      shipping: { amount: 928 },
    });
    expect(us.calculate(d).totals.tax).toBe(621);
    expect(us.calculate({ ...d, rounding: { mode: 'half_even' } }).totals.tax).toBe(620);
    expect(byId(us.calculate(d), 'shipping').treatment).toBe('taxable');
  });

  it('collects nothing where the seller has no nexus (FL) and in Oregon', () => {
    const fl = us.calculate(doc({ destination: { country: 'US', region: 'US-FL' } }));
    expect(fl.placeOfSupply).toBe('no_nexus');
    expect(fl.lines[0]).toMatchObject({ tax: 0, treatment: 'no_nexus', ruleId: null, jurisdiction: 'US-FL' });
    const or = us.calculate(doc({ destination: { country: 'US', region: 'US-OR' } }));
    expect(or.lines[0]).toMatchObject({ tax: 0, treatment: 'exempt', ruleId: 'us-or-standard-2020-01-01' });
    expect(or.notes).toEqual(['Oregon levies no general sales tax.']);
    const withFl = withSeller(US_SALES_TAX, { ...US_SALES_TAX.seller, nexus: ['US-FL'] });
    expect(calculateTax(withFl, doc({ destination: { country: 'US', region: 'US-FL' } })).totals.tax).toBe(
      600,
    );
  });

  it('records the certificate of an exempt customer, only where the certificate is valid', () => {
    const exemption = { certificateId: 'NY-RES-42', reason: 'resale' as const };
    const r = us.calculate(
      doc({ destination: { country: 'US', region: 'US-NY' }, customer: { type: 'exempt', exemption } }),
    );
    expect(r.lines[0]).toMatchObject({ tax: 0, treatment: 'customer_exempt' });
    expect(r.exemption).toEqual({ certificateId: 'NY-RES-42', reason: 'resale', applied: true });
    expect(r.notes).toEqual(['Exempt sale: exemption certificate NY-RES-42 (resale) on file.']);
    const elsewhere = us.calculate(
      doc({
        destination: { country: 'US', region: 'US-NY' },
        customer: { type: 'exempt', exemption: { ...exemption, jurisdictions: ['US-NJ'] } },
      }),
    );
    expect(elsewhere.totals.tax).toBe(400);
    expect(elsewhere.exemption?.applied).toBe(false);
  });

  it('does not tax exports and rejects unknown or incomplete destinations', () => {
    const ca = us.calculate(doc({ destination: { country: 'CA', region: 'CA-ON' } }));
    expect(ca.lines[0]).toMatchObject({ treatment: 'export', tax: 0 });
    expect(code(() => us.calculate(doc({ destination: { country: 'US', region: 'US-ZZ' } })))).toBe(
      'ERP_TAX_JURISDICTION_UNKNOWN',
    );
    expect(code(() => us.calculate(doc({ destination: { country: 'US' } })))).toBe('ERP_TAX_ADDRESS_INVALID');
  });
});

describe('EU VAT', () => {
  const eur = (over: Partial<TaxDocument> & Pick<TaxDocument, 'destination'>) =>
    doc({ currency: 'EUR', ...over });

  it('domestic B2C and B2B pay German VAT, with reduced groceries', () => {
    for (const customer of [{ type: 'b2c' as const }, { type: 'b2b' as const, vatId: 'DE987654321' }]) {
      const r = eu.calculate(
        eur({
          destination: { country: 'DE' },
          customer,
          lines: [line('s', 'standard', 10000), line('g', 'groceries', 1000)],
        }),
      );
      expect(r.lines.map((l) => [l.tax, l.rate])).toEqual([
        [1900, '19'],
        [70, '7'],
      ]);
      expect(r.reverseCharge).toBe(false);
      expect(r.placeOfSupply).toBe('domestic');
    }
  });

  it('B2C cross-border uses the destination rate (OSS), or the origin rate below the threshold', () => {
    const d = eur({ destination: { country: 'FR' } });
    expect(eu.calculate(d).lines[0]).toMatchObject({ jurisdiction: 'FR', rate: '20', tax: 2000 });
    expect(eu.calculate(d).placeOfSupply).toBe('destination');
    const small = createTaxEngine(withSeller(EU_VAT, { ...EU_VAT.seller, belowOssThreshold: true }));
    expect(small.calculate(d).lines[0]).toMatchObject({ jurisdiction: 'DE', rate: '19', tax: 1900 });
    expect(small.calculate(d).placeOfSupply).toBe('origin');
  });

  it('intra-EU B2B is reverse-charged with the legal note and both VAT ids', () => {
    const r = eu.calculate(
      eur({
        destination: { country: 'FR' },
        customer: { type: 'b2b', vatId: 'fr 12 345678901' },
        shipping: { amount: 900 },
      }),
    );
    expect(r.reverseCharge).toBe(true);
    expect(r.lines.map((l) => [l.treatment, l.tax, l.jurisdiction])).toEqual([
      ['reverse_charge', 0, 'FR'],
      ['reverse_charge', 0, 'FR'],
    ]);
    expect(r.totals).toEqual({ net: 10900, tax: 0, gross: 10900 });
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toContain('Article');
    expect(r.notes[0]).toContain('FR12345678901');
    expect(r.notes[0]).toContain('DE123456789');
    // Greece's VAT ids are EL-prefixed; no Greek rates are needed to reverse-charge.
    const gr = eu.calculate(
      eur({ destination: { country: 'GR' }, customer: { type: 'b2b', vatId: 'EL094259216' } }),
    );
    expect(gr.reverseCharge).toBe(true);
  });

  it('rejects a reverse-charge claim without a VAT id of the destination', () => {
    const to = (vatId?: string) => () =>
      eu.calculate(
        eur({ destination: { country: 'FR' }, customer: { type: 'b2b', ...(vatId ? { vatId } : {}) } }),
      );
    expect(code(to())).toBe('ERP_TAX_VAT_ID_MISSING');
    expect(code(to('DE123456789'))).toBe('ERP_TAX_VAT_ID_INVALID');
    expect(code(to('FR'))).toBe('ERP_TAX_VAT_ID_INVALID');
  });

  it('zero-rates exports outside the EU, the Canary Islands included', () => {
    for (const destination of [
      { country: 'US', region: 'US-NY' },
      { country: 'ES', region: 'ES-CN' },
      { country: 'GB' },
    ]) {
      const r = eu.calculate(eur({ destination, customer: { type: 'b2b' } }));
      expect(r.lines[0]).toMatchObject({ treatment: 'export', tax: 0, jurisdiction: 'DE' });
      expect(r.notes[0]).toContain('Article 146');
    }
  });

  it('applies reduced rates per country', () => {
    const rate = (country: string, taxClass: string) =>
      eu.calculate(eur({ destination: { country }, lines: [line('x', taxClass, 10000)] })).lines[0]!;
    expect(rate('IT', 'books')).toMatchObject({ rate: '4', tax: 400 });
    expect(rate('NL', 'reduced')).toMatchObject({ rate: '9', tax: 900 });
    expect(rate('FR', 'groceries')).toMatchObject({ rate: '5.5', tax: 550 });
    expect(rate('IE', 'groceries')).toMatchObject({ rate: '0', treatment: 'zero_rated' });
    expect(rate('SE', 'books')).toMatchObject({ rate: '6', tax: 600 });
    expect(rate('PL', 'standard')).toMatchObject({ rate: '23', tax: 2300 });
    expect(rate('ES', 'clothing')).toMatchObject({ rate: '21', tax: 2100 });
  });

  it('needs rates for a B2C destination the rule set does not cover', () => {
    expect(code(() => eu.calculate(eur({ destination: { country: 'BE' } })))).toBe(
      'ERP_TAX_JURISDICTION_UNKNOWN',
    );
  });
});

describe('effective dates', () => {
  const de = (date: string) =>
    eu.calculate(doc({ currency: 'EUR', date, destination: { country: 'DE' } })).lines[0]!;

  it("switch on the rule's first day (Germany's 2020 cut)", () => {
    expect(de('2020-06-30')).toMatchObject({ rate: '19', ruleId: 'de-standard-2020-01-01' });
    expect(de('2020-07-01')).toMatchObject({ rate: '16', ruleId: 'de-standard-2020-07-01', tax: 1600 });
    expect(de('2020-12-31').rate).toBe('16');
    expect(de('2021-01-01').rate).toBe('19');
    expect(de('2020-07-01').explanation.rule).toEqual({
      id: 'de-standard-2020-07-01',
      validFrom: '2020-07-01',
      validTo: '2021-01-01',
    });
  });

  it('picks a new rate from 2026-01-01', () => {
    const set = structuredClone(EU_VAT) as TaxRuleSet;
    const fr = set.jurisdictions.find((j) => j.code === 'FR')!;
    fr.rules.find((r) => r.id === 'fr-standard-2020-01-01')!.validTo = '2026-01-01';
    fr.rules.push({ id: 'fr-standard-2026', taxClass: 'standard', rate: '21.2', validFrom: '2026-01-01' });
    const engine = createTaxEngine(set);
    const at = (date: string) =>
      engine.calculate(doc({ currency: 'EUR', date, destination: { country: 'FR' } })).lines[0]!;
    expect(at('2025-12-31')).toMatchObject({ rate: '20', tax: 2000 });
    expect(at('2026-01-01')).toMatchObject({ rate: '21.2', tax: 2120, ruleId: 'fr-standard-2026' });
  });

  it('fails rather than guess outside the data or where a class has no rule in force', () => {
    expect(code(() => de('2019-12-31'))).toBe('ERP_TAX_RULE_NOT_FOUND');
    const zero = (country: string, date: string) => () =>
      eu.calculate(doc({ currency: 'EUR', date, destination: { country }, lines: [line('z', 'zero', 100)] }));
    expect(code(zero('DE', '2022-12-31'))).toBe('ERP_TAX_RULE_NOT_FOUND');
    expect(zero('DE', '2023-01-01')().lines[0]!.treatment).toBe('zero_rated');
    expect(code(zero('FR', '2025-01-01'))).toBe('ERP_TAX_RULE_NOT_FOUND');
  });
});

describe('UK VAT', () => {
  const gbp = (over: Partial<TaxDocument>) =>
    doc({ currency: 'GBP', destination: { country: 'GB' }, ...over });

  it('standard 20%, reduced 5%, zero-rated classes', () => {
    const r = uk.calculate(
      gbp({
        lines: [
          line('s', 'standard', 1000),
          line('r', 'reduced', 1000),
          line('z', 'zero', 1000),
          line('b', 'books', 1000),
        ],
      }),
    );
    expect(r.lines.map((l) => [l.rate, l.tax, l.treatment])).toEqual([
      ['20', 200, 'taxable'],
      ['5', 50, 'taxable'],
      ['0', 0, 'zero_rated'],
      ['0', 0, 'zero_rated'],
    ]);
    expect(r.breakdown.map((b) => [b.rate, b.net, b.tax])).toEqual([
      ['20', 1000, 200],
      ['5', 1000, 50],
      ['0', 2000, 0],
    ]);
  });

  it('line and invoice rounding give different totals on the same invoice', () => {
    const lines = [line('a', 'standard', 99), line('b', 'standard', 99), line('c', 'standard', 99)];
    const byLine = uk.calculate(gbp({ lines }));
    const byInvoice = uk.calculate(gbp({ lines, rounding: { level: 'document' } }));
    // 19.8p per line: 20p × 3 = 60p, against 20% of 297p = 59.4p → 59p.
    expect(byLine.lines.map((l) => l.tax)).toEqual([20, 20, 20]);
    expect(byLine.totals.tax).toBe(60);
    expect(byInvoice.totals.tax).toBe(59);
    expect(byInvoice.lines.map((l) => l.tax)).toEqual([20, 20, 19]);
    expect(byInvoice.breakdown[0]!.rounding).toEqual({ level: 'document', mode: 'half_up' });
  });

  it('zero-rates exports to the EU since Brexit', () => {
    expect(uk.calculate(gbp({ destination: { country: 'FR' } })).lines[0]).toMatchObject({
      treatment: 'export',
      tax: 0,
    });
  });
});

describe('tax-inclusive prices', () => {
  it('extracts tax so that net + tax is the gross exactly, per line and per invoice', () => {
    const r = eu.calculate(
      doc({
        currency: 'EUR',
        pricesIncludeTax: true,
        destination: { country: 'DE' },
        lines: [
          line('a', 'standard', 11900),
          line('b', 'standard', 999),
          line('c', 'standard', 999),
          line('d', 'standard', 999),
        ],
      }),
    );
    expect(byId(r, 'a')).toMatchObject({ gross: 11900, tax: 1900, net: 10000 });
    // 19/119 of 2997 = 478.5 → 479 for the group, allocated 160 / 160 / 159.
    expect(['b', 'c', 'd'].map((id) => byId(r, id).tax)).toEqual([160, 160, 159]);
    for (const l of r.lines) expect(l.net + l.tax).toBe(l.gross);
    expect(r.totals).toEqual({ gross: 14897, tax: 2379, net: 12518 });
  });

  it('rounds each line on its own where the jurisdiction says so', () => {
    const r = uk.calculate(
      doc({
        currency: 'GBP',
        pricesIncludeTax: true,
        destination: { country: 'GB' },
        lines: [line('a', 'standard', 999)],
      }),
    );
    // 999 / 6 = 166.5 → 167.
    expect(r.lines[0]).toMatchObject({ gross: 999, tax: 167, net: 832 });
  });
});

describe('quantities, discounts and reporting currency', () => {
  it('applies decimal quantities and line discounts before tax', () => {
    const r = eu.calculate(
      doc({
        currency: 'EUR',
        destination: { country: 'DE' },
        lines: [{ id: 'k', taxClass: 'groceries', quantity: '2.5', unitPrice: 399, discount: 100 }],
      }),
    );
    // 2.5 × 399 = 997.5 → 998, minus 100 = 898; 7% = 62.86 → 63.
    expect(r.lines[0]).toMatchObject({ net: 898, tax: 63, gross: 961 });
  });

  it('converts totals at the fixed rate and echoes it, by currency exponent', () => {
    const base = doc({ currency: 'EUR', destination: { country: 'DE' } });
    const usd = eu.calculate({
      ...base,
      reporting: { currency: 'USD', rate: '1.0834', rateDate: '2025-06-14' },
    });
    expect(usd.reporting).toMatchObject({ currency: 'USD', rate: '1.0834', rateDate: '2025-06-14' });
    // 1900 × 1.0834 = 2058.46 → 2058.
    expect(usd.reporting!.totals).toEqual({ net: 10834, tax: 2058, gross: 12892 });
    const jpy = eu.calculate({
      ...base,
      reporting: { currency: 'JPY', rate: '161.25', rateDate: '2025-06-14' },
    });
    // 19.00 EUR × 161.25 = 3063.75 → 3064 yen.
    expect(jpy.reporting!.totals).toEqual({ net: 16125, tax: 3064, gross: 19189 });
    expect(usd.totals).toEqual({ net: 10000, tax: 1900, gross: 11900 });
  });
});

describe('determinism', () => {
  it('gives the same output for the same input, whatever happens to the rule set object later', () => {
    const set = structuredClone(EU_VAT) as TaxRuleSet;
    const engine = createTaxEngine(set);
    const d = doc({ currency: 'EUR', destination: { country: 'FR' }, shipping: { amount: 490 } });
    const first = JSON.stringify(engine.calculate(d));
    set.jurisdictions.find((j) => j.code === 'FR')!.rules[0]!.rate = '99';
    expect(JSON.stringify(engine.calculate(d))).toBe(first);
    expect(JSON.stringify(calculateTax(EU_VAT, d))).toBe(first);
    expect(sum(JSON.parse(first).lines.map((l: { tax: number }) => l.tax))).toBe(2098);
  });
});

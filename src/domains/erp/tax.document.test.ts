import { describe, expect, it } from 'vitest';
import { createTaxEngine } from './tax.engine.js';
import { US_SALES_TAX } from './tax.rulesets.js';
import type { TaxDocument } from './tax.types.js';

const us = createTaxEngine(US_SALES_TAX);

const d: TaxDocument = {
  date: '2025-06-15',
  currency: 'USD',
  pricesIncludeTax: false,
  customer: { type: 'b2c' },
  destination: { country: 'US', region: 'US-NY' },
  lines: [{ id: 'l1', taxClass: 'standard', quantity: 1, unitPrice: 10000 }],
};

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

describe('bad input', () => {
  const fails = (over: Record<string, unknown>) => code(() => us.calculate({ ...d, ...over } as TaxDocument));
  const withLine = (l: Record<string, unknown>) => fails({ lines: [{ ...d.lines[0], ...l }] });

  it('names each problem with a stable code', () => {
    expect(fails({ currency: 'XYZ' })).toBe('ERP_TAX_CURRENCY_INVALID');
    expect(fails({ currency: 'usd' })).toBe('ERP_TAX_CURRENCY_INVALID');
    expect(fails({ date: '2025-02-30' })).toBe('ERP_TAX_DATE_INVALID');
    expect(withLine({ quantity: -1 })).toBe('ERP_TAX_QUANTITY_INVALID');
    expect(withLine({ quantity: 0.1 + 0.2 })).toBe('ERP_TAX_QUANTITY_INVALID');
    expect(withLine({ unitPrice: -5 })).toBe('ERP_TAX_AMOUNT_INVALID');
    expect(withLine({ unitPrice: 1.5 })).toBe('ERP_TAX_AMOUNT_INVALID');
    expect(withLine({ discount: 10001 })).toBe('ERP_TAX_AMOUNT_INVALID');
    expect(withLine({ taxClass: 'caviar' })).toBe('ERP_TAX_CLASS_UNKNOWN');
    expect(fails({ lines: [d.lines[0], d.lines[0]] })).toBe('ERP_TAX_DOCUMENT_INVALID');
    expect(fails({ customer: { type: 'exempt' } })).toBe('ERP_TAX_EXEMPTION_MISSING');
    expect(fails({ customer: { type: 'vip' } })).toBe('ERP_TAX_DOCUMENT_INVALID');
    expect(fails({ shipping: { amount: -1 } })).toBe('ERP_TAX_AMOUNT_INVALID');
    expect(fails({ shipping: { id: 'l1', amount: 1 } })).toBe('ERP_TAX_DOCUMENT_INVALID');
    expect(fails({ origin: { country: 'USA' } })).toBe('ERP_TAX_ADDRESS_INVALID');
    expect(fails({ destination: { country: 'US', region: 'CA-ON' } })).toBe('ERP_TAX_ADDRESS_INVALID');
    expect(fails({ rounding: { level: 'cent' } })).toBe('ERP_TAX_DOCUMENT_INVALID');
    expect(fails({ reporting: { currency: 'XYZ', rate: '1', rateDate: '2025-06-15' } })).toBe(
      'ERP_TAX_CURRENCY_INVALID',
    );
    expect(fails({ reporting: { currency: 'EUR', rate: '0.92', rateDate: 'June 15' } })).toBe(
      'ERP_TAX_DATE_INVALID',
    );
    expect(fails({ reporting: { currency: 'EUR', rate: '0,92', rateDate: '2025-06-15' } })).toBe(
      'ERP_TAX_RATE_MALFORMED',
    );
  });

  it('points at the field', () => {
    try {
      us.calculate({ ...d, lines: [d.lines[0]!, { ...d.lines[0]!, id: 'l2', quantity: -2 }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({
        code: 'ERP_TAX_QUANTITY_INVALID',
        status: 400,
        extensions: { field: 'lines[1].quantity' },
      });
    }
  });
});

describe('documents that are valid', () => {
  it('accept an empty document and a zero quantity', () => {
    expect(us.calculate({ ...d, lines: [] }).totals).toEqual({ net: 0, tax: 0, gross: 0 });
    expect(us.calculate({ ...d, lines: [{ ...d.lines[0]!, quantity: 0 }] }).totals.tax).toBe(0);
    expect(code(() => us.calculate(d))).toBe('no error');
  });
});

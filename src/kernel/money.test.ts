import { describe, expect, it } from 'vitest';
import {
  addMoney,
  allocateMoney,
  formatMoney,
  isCurrency,
  money,
  multiplyMoney,
  subtractMoney,
  sumMoney,
} from './money.js';

describe('money', () => {
  it('adds, subtracts and multiplies in minor units', () => {
    expect(addMoney(money(1050, 'USD'), money(250, 'USD'))).toEqual({ amount: 1300, currency: 'USD' });
    expect(subtractMoney(money(1050, 'EUR'), money(2000, 'EUR'))).toEqual({ amount: -950, currency: 'EUR' });
    expect(multiplyMoney(money(333, 'GBP'), 3)).toEqual({ amount: 999, currency: 'GBP' });
    expect(sumMoney([money(1, 'USD'), money(2, 'USD')], 'USD').amount).toBe(3);
  });

  it('allocates without losing a cent', () => {
    const parts = allocateMoney(money(1000, 'USD'), [1, 1, 1]);
    expect(parts.map((p) => p.amount)).toEqual([334, 333, 333]);
  });

  it('rejects bad currencies, fractional amounts and mixed currencies with stable codes', () => {
    expect(() => money(100, 'XYZ')).toThrow(expect.objectContaining({ code: 'MONEY_CURRENCY_UNKNOWN' }));
    expect(() => money(1.5, 'USD')).toThrow(expect.objectContaining({ code: 'MONEY_AMOUNT_INVALID' }));
    expect(() => addMoney(money(1, 'USD'), money(1, 'EUR'))).toThrow(
      expect.objectContaining({ code: 'MONEY_CURRENCY_MISMATCH' }),
    );
  });

  it('formats by the currency exponent', () => {
    expect(formatMoney(money(123456, 'USD'))).toBe('1234.56 USD');
    expect(formatMoney(money(500, 'JPY'))).toBe('500 JPY');
    expect(formatMoney(money(-5, 'EUR'))).toBe('-0.05 EUR');
  });
});

describe('isCurrency', () => {
  it('knows ISO 4217 codes and refuses the rest', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('XXQ')).toBe(false);
    expect(isCurrency('eur')).toBe(false);
    expect(isCurrency('toString')).toBe(false);
  });
});

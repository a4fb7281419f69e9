import {
  type Dinero,
  type DineroCurrency,
  add as dAdd,
  allocate as dAllocate,
  dinero,
  multiply as dMultiply,
  subtract as dSubtract,
  toSnapshot,
} from 'dinero.js';
import * as currencies from 'dinero.js/currencies';
import { defineError } from './errors.js';

/** Money: integer minor units plus an ISO 4217 currency code. Never floats. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export const MoneyErrors = {
  CURRENCY_UNKNOWN: defineError({ code: 'MONEY_CURRENCY_UNKNOWN', status: 400, title: 'Unknown currency' }),
  AMOUNT_INVALID: defineError({
    code: 'MONEY_AMOUNT_INVALID',
    status: 400,
    title: 'Amount must be a safe integer of minor units',
  }),
  CURRENCY_MISMATCH: defineError({
    code: 'MONEY_CURRENCY_MISMATCH',
    status: 400,
    title: 'Currencies differ',
  }),
};

const table = currencies as unknown as Record<string, DineroCurrency<number> | undefined>;

function currencyOf(code: string): DineroCurrency<number> {
  const c = /^[A-Z]{3}$/.test(code) ? table[code] : undefined;
  if (!c) throw MoneyErrors.CURRENCY_UNKNOWN.create(`"${code}" is not an ISO 4217 currency code`);
  return c;
}

function toDinero(m: Money): Dinero<number> {
  if (!Number.isSafeInteger(m.amount)) throw MoneyErrors.AMOUNT_INVALID.create(`amount ${m.amount}`);
  return dinero({ amount: m.amount, currency: currencyOf(m.currency) });
}

function fromDinero(d: Dinero<number>): Money {
  const s = toSnapshot(d);
  const exponent = s.currency.exponent;
  // Keep Money at the currency's own scale (minor units).
  const amount = s.scale === exponent ? s.amount : Math.round(s.amount / 10 ** (s.scale - exponent));
  return { amount, currency: s.currency.code };
}

/** Build Money, validating the amount and the currency. */
export function money(amount: number, currency: string): Money {
  const m = { amount, currency };
  toDinero(m);
  return Object.freeze(m);
}

/** Whether `code` is an ISO 4217 currency this build knows. */
export function isCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && table[code] !== undefined;
}

/** Minor-unit exponent of a currency (2 for USD, 0 for JPY, 3 for KWD). */
export function currencyExponent(code: string): number {
  return currencyOf(code).exponent;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw MoneyErrors.CURRENCY_MISMATCH.create(`${a.currency} vs ${b.currency}`);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return fromDinero(dAdd(toDinero(a), toDinero(b)));
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return fromDinero(dSubtract(toDinero(a), toDinero(b)));
}

/** Multiply by an integer quantity (line totals). */
export function multiplyMoney(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor))
    throw MoneyErrors.AMOUNT_INVALID.create(`factor ${factor} is not an integer`);
  return fromDinero(dMultiply(toDinero(a), factor));
}

/** Split an amount by integer ratios without losing a minor unit (e.g. discounts across lines). */
export function allocateMoney(a: Money, ratios: number[]): Money[] {
  return dAllocate(toDinero(a), ratios).map(fromDinero);
}

export function sumMoney(items: Money[], currency: string): Money {
  return items.reduce((acc, m) => addMoney(acc, m), money(0, currency));
}

/** Human-readable decimal string (`12.34 USD`) for logs and documents; never parse it back. */
export function formatMoney(m: Money): string {
  const exp = currencyExponent(m.currency);
  const sign = m.amount < 0 ? '-' : '';
  const abs = Math.abs(m.amount)
    .toString()
    .padStart(exp + 1, '0');
  const whole = exp === 0 ? abs : abs.slice(0, -exp);
  const frac = exp === 0 ? '' : `.${abs.slice(-exp)}`;
  return `${sign}${whole}${frac} ${m.currency}`;
}

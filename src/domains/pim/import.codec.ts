/**
 * The flat CSV layout of products, both ways: one row per product, one column per value.
 *
 * Columns: `sku`, `family`, `parent`, `categories`, then `<attribute>[-<locale>][-<channel>][-<CURRENCY>]`
 * (a locale only on localizable attributes, a channel only on scopable ones, a currency only on
 * prices). Codes cannot hold `-`, so the suffixes are unambiguous, and their shapes differ
 * (`en_US`, `ecommerce`, `EUR`). An empty cell is "no value". Only the cell syntax is checked here;
 * whether an option exists or a number is in bounds is the product validator's business.
 */
import { currencyExponent } from '../../kernel/money.js';
import type {
  AttributeType,
  CatalogSnapshot,
  FieldError,
  ProductInput,
  ValueData,
  ValueEntry,
} from './catalog.types.js';

const CODE = /^[a-z][a-z0-9_]*$/;
const LOCALE = /^[a-z]{2,3}_[A-Z]{2}$/;
const CURRENCY = /^[A-Z]{3}$/;
// What JavaScript reads as a finite decimal, minus what Number() also takes: blanks, hex, Infinity.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MEASURE = /^(\S+)[ \t]+(\S+)$/;
// A Map, not an object literal: a cell saying `constructor` must not find Object's prototype.
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['1', true],
  ['0', false],
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
]);

/** How one value column reads and writes its cells; all derived once per file from the header. */
export interface CellPlan {
  readonly column: string;
  /** Position in `ColumnPlan.columns`. */
  readonly index: number;
  readonly attribute: string;
  readonly type: AttributeType;
  readonly locale: string | null;
  readonly channel: string | null;
  /** Price columns only, with the currency's minor-unit exponent. */
  readonly currency: string | null;
  readonly exponent: number;
  /** Position of the attribute in `ColumnPlan.attributes`. */
  readonly slot: number;
}

export interface ColumnPlan {
  readonly columns: readonly string[];
  /** Positions of the product's own columns, -1 when absent (only `sku` is required). */
  readonly sku: number;
  readonly family: number;
  readonly parent: number;
  readonly categories: number;
  /** The value columns, in header order. */
  readonly cells: readonly CellPlan[];
  /** The attributes of the value columns, in order of first appearance. */
  readonly attributes: readonly string[];
}

type CsvRow = Readonly<Record<string, string | undefined>>;

const EXPECTED: Record<AttributeType, string> = {
  text: '',
  richtext: '',
  media: '',
  reference: '',
  select: '',
  date: '',
  number: 'a number such as 12 or -3.5',
  measure: 'an amount and a unit such as "1.5 kg"',
  boolean: '1, 0, true, false, yes or no',
  multiselect: 'option codes separated by commas',
  price: 'a decimal amount in major units such as 12.99',
};

/** Read a header against the catalog; any error is file-level (the import must not start). */
export function parseHeader(
  columns: readonly string[],
  snapshot: CatalogSnapshot,
): { ok: true; plan: ColumnPlan } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const own = { sku: -1, family: -1, parent: -1, categories: -1 };
  const cells: CellPlan[] = [];
  const attributes: string[] = [];
  const currencies = new Set([...snapshot.channels.values()].flatMap((c) => c.currencies));
  const seen = new Set<string>();
  const fail = (field: string, code: string, message: string) => errors.push({ field, code, message });
  for (const [index, column] of columns.entries()) {
    if (seen.has(column)) {
      fail(column, 'CSV_HEADER_DUPLICATE', `Column "${column}" appears twice`);
      continue;
    }
    seen.add(column);
    if (Object.hasOwn(own, column)) {
      own[column as keyof typeof own] = index;
      continue;
    }
    const parts = column.split('-');
    const def = snapshot.attributes.get(parts[0]!);
    if (def === undefined) {
      fail(column, 'ATTRIBUTE_UNKNOWN', `Column "${column}": no attribute "${parts[0]}"`);
      continue;
    }
    // Suffixes come in a fixed order and differ in shape, so each is recognised by its pattern.
    let k = 1;
    const locale = k < parts.length && LOCALE.test(parts[k]!) ? parts[k++]! : null;
    const channel = k < parts.length && CODE.test(parts[k]!) ? parts[k++]! : null;
    const currency = k < parts.length && CURRENCY.test(parts[k]!) ? parts[k++]! : null;
    const isPrice = def.type === 'price';
    if (
      k < parts.length ||
      (locale !== null) !== def.localizable ||
      (channel !== null) !== def.scopable ||
      (currency !== null) !== isPrice
    ) {
      const form = `${def.code}${def.localizable ? '-<locale>' : ''}${def.scopable ? '-<channel>' : ''}${isPrice ? '-<CURRENCY>' : ''}`;
      fail(column, 'COLUMN_INVALID', `Column "${column}": attribute "${def.code}" is written ${form}`);
      continue;
    }
    if (locale !== null && !snapshot.locales.has(locale)) {
      fail(column, 'LOCALE_UNKNOWN', `Column "${column}": no locale "${locale}" in any channel`);
      continue;
    }
    if (channel !== null && !snapshot.channels.has(channel)) {
      fail(column, 'CHANNEL_UNKNOWN', `Column "${column}": no channel "${channel}"`);
      continue;
    }
    let exponent = 0;
    if (currency !== null) {
      try {
        exponent = currencyExponent(currency);
      } catch {
        exponent = -1;
      }
      if (exponent < 0 || !currencies.has(currency)) {
        fail(column, 'CURRENCY_UNKNOWN', `Column "${column}": no channel sells in "${currency}"`);
        continue;
      }
    }
    let slot = attributes.indexOf(def.code);
    if (slot < 0) slot = attributes.push(def.code) - 1;
    cells.push({
      column,
      index,
      attribute: def.code,
      type: def.type,
      locale,
      channel,
      currency,
      exponent,
      slot,
    });
  }
  if (own.sku < 0) errors.unshift({ field: 'sku', code: 'CSV_HEADER_MISSING', message: 'No "sku" column' });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, plan: { columns: [...columns], ...own, cells, attributes } };
}

/** One CSV row (keyed by column) as a product; cell syntax errors name their column. */
export function decodeRow(
  plan: ColumnPlan,
  record: CsvRow,
): { input: ProductInput } | { errors: FieldError[] } {
  const input: ProductInput = { sku: record.sku ?? '', family: record.family ?? '', values: {} };
  if (plan.parent >= 0) input.parent = record.parent || null;
  if (plan.categories >= 0) input.categories = splitCodes(record.categories ?? '');
  let errors: FieldError[] | null = null;
  // Entries gather per attribute by position, not by key: no lookups, and an attribute named
  // `constructor` cannot meet Object's prototype.
  const lists: (ValueEntry[] | undefined)[] = new Array(plan.attributes.length);
  const cells = plan.cells;
  for (let c = 0; c < cells.length; c++) {
    const cell = cells[c]!;
    const raw = record[cell.column];
    if (raw === undefined || raw === '') continue;
    const data = decodeCell(cell, raw);
    if (data === undefined) {
      const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
      const message = `"${shown}": expected ${EXPECTED[cell.type]}`;
      const error = { field: cell.column, code: 'VALUE_TYPE', message };
      if (errors === null) errors = [error];
      else errors.push(error);
      continue;
    }
    let list = lists[cell.slot];
    if (list === undefined) {
      list = [];
      lists[cell.slot] = list;
    }
    if (cell.currency === null) list.push({ locale: cell.locale, channel: cell.channel, data });
    else addPrice(list, cell, data as number);
  }
  if (errors !== null) return { errors };
  for (let a = 0; a < lists.length; a++) {
    const list = lists[a];
    if (list !== undefined) input.values[plan.attributes[a]!] = list;
  }
  return { input };
}

/** The currencies of one price are separate columns but one entry. */
function addPrice(list: ValueEntry[], cell: CellPlan, amount: number): void {
  const price = { amount, currency: cell.currency! };
  for (const entry of list) {
    if (entry.locale === cell.locale && entry.channel === cell.channel) {
      (entry.data as { amount: number; currency: string }[]).push(price);
      return;
    }
  }
  list.push({ locale: cell.locale, channel: cell.channel, data: [price] });
}

/** The cell's value (minor units for a price), or undefined when it does not parse. */
function decodeCell(cell: CellPlan, raw: string): ValueData | undefined {
  switch (cell.type) {
    case 'number':
      return parseNumber(raw);
    case 'boolean':
      return BOOLEANS.get(raw.toLowerCase());
    case 'multiselect': {
      const codes = splitCodes(raw);
      return codes.length > 0 ? codes : undefined;
    }
    case 'measure': {
      const m = MEASURE.exec(raw);
      const amount = m === null ? undefined : parseNumber(m[1]!);
      return amount === undefined ? undefined : { amount, unit: m![2]! };
    }
    case 'price':
      return parseMinorUnits(raw, cell.exponent);
    default:
      return raw;
  }
}

function parseNumber(raw: string): number | undefined {
  if (!NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * `12.99` at exponent 2 → 1299, reading the digits into an integer: never `12.99 * 100`, which a
 * float gets wrong (`4.35 * 100` is 434.99999999999994). Decimals past the currency's precision
 * are accepted only as zeros. Digits accumulate exactly while below 2^53; the sum only grows, so
 * the final safe-integer check also vouches for every step.
 */
function parseMinorUnits(raw: string, exponent: number): number | undefined {
  const negative = raw.charCodeAt(0) === 45; // -
  let minor = 0;
  let digits = 0;
  let decimals = -1; // -1 before the point
  for (let i = negative || raw.charCodeAt(0) === 43 ? 1 : 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 46 && decimals < 0) {
      decimals = 0;
      continue;
    }
    if (c < 48 || c > 57) return undefined;
    digits++;
    if (decimals === exponent) {
      if (c !== 48) return undefined;
      continue;
    }
    if (decimals >= 0) decimals++;
    minor = minor * 10 + (c - 48);
  }
  if (digits === 0) return undefined;
  for (let d = Math.max(decimals, 0); d < exponent; d++) minor *= 10;
  if (!Number.isSafeInteger(minor)) return undefined;
  return negative && minor !== 0 ? -minor : minor;
}

function splitCodes(raw: string): string[] {
  if (raw === '') return [];
  const parts = raw.split(',');
  for (const part of parts) {
    // Hand-written lists (`a, b`, `a,,b`) need tidying; exported ones do not.
    if (part === '' || part.trim() !== part) return parts.map((p) => p.trim()).filter((p) => p !== '');
  }
  return parts;
}

/**
 * The export header: the product's columns, then every value column of the attributes (all, by
 * code, when none are given): locales and currencies sorted, and for a scopable attribute only the
 * channel's own locales and currencies.
 */
export function headerFor(snapshot: CatalogSnapshot, attributeCodes?: readonly string[]): string[] {
  const columns = ['sku', 'family', 'parent', 'categories'];
  const sorted = (items: Iterable<string>) => [...new Set(items)].sort();
  const channels = sorted(snapshot.channels.keys()).map((code) => snapshot.channels.get(code)!);
  const allLocales = sorted(snapshot.locales);
  const allCurrencies = sorted(channels.flatMap((c) => c.currencies));
  for (const code of attributeCodes ?? sorted(snapshot.attributes.keys())) {
    const def = snapshot.attributes.get(code);
    if (def === undefined) throw new Error(`headerFor: no attribute "${code}"`);
    for (const locale of def.localizable ? allLocales : [null]) {
      for (const channel of def.scopable ? channels : [null]) {
        if (locale !== null && channel !== null && !channel.locales.includes(locale)) continue;
        const currencies = channel === null ? allCurrencies : sorted(channel.currencies);
        for (const currency of def.type === 'price' ? currencies : [null]) {
          columns.push([code, locale, channel?.code, currency].filter((s) => s != null).join('-'));
        }
      }
    }
  }
  return columns;
}

/** A product as a row of cells aligned with `plan.columns`; values without a column are left out. */
export function encodeRow(plan: ColumnPlan, product: ProductInput): string[] {
  const row = new Array<string>(plan.columns.length).fill('');
  row[plan.sku] = product.sku;
  if (plan.family >= 0) row[plan.family] = product.family;
  if (plan.parent >= 0) row[plan.parent] = product.parent ?? '';
  if (plan.categories >= 0) row[plan.categories] = (product.categories ?? []).join(',');
  for (const cell of plan.cells) {
    const entries = Object.hasOwn(product.values, cell.attribute)
      ? product.values[cell.attribute]
      : undefined;
    const entry = entries?.find(
      (e) => (e.locale ?? null) === cell.locale && (e.channel ?? null) === cell.channel,
    );
    if (entry !== undefined) row[cell.index] = encodeCell(cell, entry.data);
  }
  return row;
}

function encodeCell(cell: CellPlan, data: ValueData): string {
  const d = data as any;
  switch (cell.type) {
    case 'number':
      if (typeof d === 'number' && Number.isFinite(d)) return formatNumber(d);
      break;
    case 'boolean':
      if (typeof d === 'boolean') return d ? '1' : '0';
      break;
    case 'multiselect':
      if (Array.isArray(d) && d.every((s) => typeof s === 'string')) return d.join(',');
      break;
    case 'measure':
      if (typeof d?.amount === 'number' && Number.isFinite(d.amount) && typeof d.unit === 'string') {
        return `${formatNumber(d.amount)} ${d.unit}`;
      }
      break;
    case 'price': {
      if (!Array.isArray(d)) break;
      const price = d.find((p) => p?.currency === cell.currency);
      if (price === undefined) return '';
      if (Number.isSafeInteger(price.amount)) return formatMinorUnits(price.amount, cell.exponent);
      break;
    }
    default:
      if (typeof d === 'string') return d;
  }
  throw new TypeError(`Column "${cell.column}": ${JSON.stringify(data)} is not a ${cell.type} value`);
}

function formatNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function formatMinorUnits(amount: number, exponent: number): string {
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

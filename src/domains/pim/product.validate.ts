import { isCalendarDate } from '../../kernel/dates.js';
import { money } from '../../kernel/money.js';
import { LOCALE_PATTERN, SKU_PATTERN } from './catalog.schemas.js';
import type {
  AttributeDef,
  CatalogSnapshot,
  FieldError,
  ProductInput,
  ProductValues,
  ValueData,
  ValueEntry,
} from './catalog.types.js';

/**
 * Validation of product content against the catalog setup, and its canonical form: entries sorted,
 * empty values dropped, so that equal content has equal text (and hash) however it was written.
 */

const SKU_RE = new RegExp(SKU_PATTERN);
const LOCALE_RE = new RegExp(LOCALE_PATTERN);
const ASSET_RE = /^ast_[0-9a-z]{26}$/;
const DEFAULT_MAX = { text: 255, richtext: 65_535 } as const;

export interface ValidatedProduct {
  input: ProductInput;
  errors: FieldError[];
  /** Asset ids and SKUs the values point to: their existence is checked against the database. */
  assets: string[];
  references: string[];
}

function isEmpty(data: unknown): boolean {
  return data === null || data === undefined || data === '' || (Array.isArray(data) && data.length === 0);
}

function err(field: string, code: string, message: string): FieldError {
  return { field, code, message };
}

function checkBounds(attr: AttributeDef, n: number, field: string, out: FieldError[]): void {
  if (attr.min !== undefined && n < attr.min)
    out.push(err(field, 'VALUE_OUT_OF_RANGE', `must be ≥ ${attr.min}`));
  if (attr.max !== undefined && n > attr.max)
    out.push(err(field, 'VALUE_OUT_OF_RANGE', `must be ≤ ${attr.max}`));
}

/** Type-check one value's data; returns the normalized data or undefined after pushing errors. */
function checkData(
  attr: AttributeDef,
  data: unknown,
  field: string,
  out: FieldError[],
): ValueData | undefined {
  const typeError = (expected: string) => {
    out.push(err(field, 'VALUE_TYPE', `${attr.type} attribute "${attr.code}" expects ${expected}`));
    return undefined;
  };
  switch (attr.type) {
    case 'text':
    case 'richtext': {
      if (typeof data !== 'string') return typeError('a string');
      const max = attr.maxLength ?? DEFAULT_MAX[attr.type];
      if (data.length > max) {
        out.push(err(field, 'VALUE_TOO_LONG', `${data.length} characters; at most ${max} allowed`));
        return undefined;
      }
      if (attr.pattern && !new RegExp(attr.pattern).test(data)) {
        out.push(err(field, 'VALUE_PATTERN', `does not match ${attr.pattern}`));
        return undefined;
      }
      return data;
    }
    case 'number': {
      if (typeof data !== 'number' || !Number.isFinite(data)) return typeError('a finite number');
      if (attr.integer && !Number.isInteger(data)) return typeError('an integer');
      checkBounds(attr, data, field, out);
      return data;
    }
    case 'measure': {
      const m = data as { amount?: unknown; unit?: unknown };
      if (typeof m !== 'object' || m === null || typeof m.amount !== 'number' || !Number.isFinite(m.amount))
        return typeError('{ amount: number, unit }');
      if (typeof m.unit !== 'string' || !(attr.units ?? []).includes(m.unit)) {
        out.push(err(field, 'UNIT_UNKNOWN', `unit must be one of ${(attr.units ?? []).join(', ')}`));
        return undefined;
      }
      checkBounds(attr, m.amount, field, out);
      return { amount: m.amount, unit: m.unit };
    }
    case 'boolean':
      return typeof data === 'boolean' ? data : typeError('true or false');
    case 'select': {
      if (typeof data !== 'string') return typeError('an option code');
      if (!attr.options?.some((o) => o.code === data)) {
        out.push(err(field, 'OPTION_UNKNOWN', `"${data}" is not an option of "${attr.code}"`));
        return undefined;
      }
      return data;
    }
    case 'multiselect': {
      if (!Array.isArray(data) || data.some((c) => typeof c !== 'string'))
        return typeError('a list of option codes');
      const unknown = data.filter((c) => !attr.options?.some((o) => o.code === c));
      if (unknown.length > 0) {
        out.push(err(field, 'OPTION_UNKNOWN', `not options of "${attr.code}": ${unknown.join(', ')}`));
        return undefined;
      }
      if (new Set(data).size !== data.length) {
        out.push(err(field, 'VALUE_DUPLICATE', 'an option is listed twice'));
        return undefined;
      }
      return data as string[];
    }
    case 'date':
      if (typeof data !== 'string' || !isCalendarDate(data)) return typeError('a date YYYY-MM-DD');
      return data;
    case 'price': {
      if (!Array.isArray(data)) return typeError('a list of { amount, currency }');
      const seen = new Set<string>();
      const prices: { amount: number; currency: string }[] = [];
      for (const p of data as { amount?: unknown; currency?: unknown }[]) {
        try {
          const m = money(p?.amount as number, p?.currency as string);
          if (seen.has(m.currency)) {
            out.push(err(field, 'VALUE_DUPLICATE', `two prices in ${m.currency}`));
            return undefined;
          }
          seen.add(m.currency);
          prices.push({ amount: m.amount, currency: m.currency });
        } catch (e) {
          out.push(err(field, 'VALUE_TYPE', `price ${JSON.stringify(p)}: ${(e as Error).message}`));
          return undefined;
        }
      }
      return prices.sort((a, b) => (a.currency < b.currency ? -1 : 1));
    }
    case 'media':
      return typeof data === 'string' && ASSET_RE.test(data) ? data : typeError('an asset id (ast_…)');
    case 'reference':
      return typeof data === 'string' && SKU_RE.test(data) ? data : typeError('the SKU of another product');
  }
}

/** Check the (locale, channel) scope of an entry against the attribute and the catalog. */
function checkScope(
  attr: AttributeDef,
  e: ValueEntry,
  field: string,
  snap: CatalogSnapshot,
  out: FieldError[],
) {
  const before = out.length;
  if (attr.localizable) {
    if (typeof e.locale !== 'string' || !LOCALE_RE.test(e.locale))
      out.push(err(field, 'LOCALE_REQUIRED', `"${attr.code}" is localizable: give a locale`));
    else if (!snap.locales.has(e.locale))
      out.push(err(field, 'LOCALE_UNKNOWN', `locale "${e.locale}" is not used by any channel`));
  } else if (e.locale !== null && e.locale !== undefined) {
    out.push(err(field, 'LOCALE_NOT_ALLOWED', `"${attr.code}" is not localizable: locale must be null`));
  }
  if (attr.scopable) {
    const channel = typeof e.channel === 'string' ? snap.channels.get(e.channel) : undefined;
    if (typeof e.channel !== 'string')
      out.push(err(field, 'CHANNEL_REQUIRED', `"${attr.code}" is scopable: give a channel`));
    else if (!channel) out.push(err(field, 'CHANNEL_UNKNOWN', `channel "${e.channel}" does not exist`));
    else if (attr.localizable && e.locale && !channel.locales.includes(e.locale))
      out.push(err(field, 'LOCALE_NOT_IN_CHANNEL', `channel "${e.channel}" has no locale "${e.locale}"`));
  } else if (e.channel !== null && e.channel !== undefined) {
    out.push(err(field, 'CHANNEL_NOT_ALLOWED', `"${attr.code}" is not scopable: channel must be null`));
  }
  return out.length === before;
}

const entryKey = (e: ValueEntry) => `${e.locale ?? ''}|${e.channel ?? ''}`;

/** Validate and canonicalize values for a family (`null`: values of a product model, any family attribute). */
export function validateValues(
  values: unknown,
  allowed: ReadonlySet<string>,
  snap: CatalogSnapshot,
  out: FieldError[],
  refs: { assets: string[]; references: string[] },
): ProductValues {
  const result: ProductValues = {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    out.push(err('values', 'VALUE_TYPE', 'values must be an object of attribute code → entries'));
    return result;
  }
  for (const code of Object.keys(values).sort()) {
    const entries = (values as Record<string, unknown>)[code];
    const attr = snap.attributes.get(code);
    if (!attr) {
      out.push(err(`values.${code}`, 'ATTRIBUTE_UNKNOWN', `attribute "${code}" does not exist`));
      continue;
    }
    if (!allowed.has(code)) {
      out.push(err(`values.${code}`, 'ATTRIBUTE_NOT_IN_FAMILY', `the family has no attribute "${code}"`));
      continue;
    }
    if (!Array.isArray(entries)) {
      out.push(err(`values.${code}`, 'VALUE_TYPE', 'entries must be a list of { locale, channel, data }'));
      continue;
    }
    const seen = new Set<string>();
    const kept: ValueEntry[] = [];
    for (const raw of entries as ValueEntry[]) {
      const e: ValueEntry = { locale: raw?.locale ?? null, channel: raw?.channel ?? null, data: raw?.data };
      const scope = [e.locale, e.channel].filter(Boolean).join(',');
      const field = scope ? `values.${code}[${scope}]` : `values.${code}`;
      if (!checkScope(attr, e, field, snap, out)) continue;
      const key = entryKey(e);
      if (seen.has(key)) {
        out.push(err(field, 'VALUE_DUPLICATE', 'two entries for the same locale and channel'));
        continue;
      }
      seen.add(key);
      if (isEmpty(e.data)) continue;
      const data = checkData(attr, e.data, field, out);
      if (data === undefined) continue;
      if (attr.type === 'media') refs.assets.push(data as string);
      if (attr.type === 'reference') refs.references.push(data as string);
      kept.push({ locale: e.locale, channel: e.channel, data });
    }
    if (kept.length > 0) result[code] = kept.sort((a, b) => (entryKey(a) < entryKey(b) ? -1 : 1));
  }
  return result;
}

/** Validate a product's content against the catalog (not yet against other rows: see product.store). */
export function validateProduct(raw: ProductInput, snap: CatalogSnapshot): ValidatedProduct {
  const errors: FieldError[] = [];
  const refs = { assets: [] as string[], references: [] as string[] };
  if (typeof raw.sku !== 'string' || !SKU_RE.test(raw.sku))
    errors.push(err('sku', 'SKU_INVALID', `SKU must match ${SKU_PATTERN}`));
  const family = snap.families.get(raw.family);
  if (!family) errors.push(err('family', 'FAMILY_UNKNOWN', `family "${raw.family}" does not exist`));
  const categories = [...new Set(raw.categories ?? [])].sort();
  for (const c of categories)
    if (!snap.categories.has(c))
      errors.push(err('categories', 'CATEGORY_UNKNOWN', `category "${c}" does not exist`));
  const values = family
    ? validateValues(raw.values ?? {}, new Set(family.attributes), snap, errors, refs)
    : {};
  if (refs.references.includes(raw.sku))
    errors.push(err('values', 'REFERENCE_SELF', 'a product cannot reference itself'));
  const input: ProductInput = {
    sku: raw.sku,
    family: raw.family,
    parent: raw.parent ?? null,
    categories,
    values,
  };
  return { input, errors, ...refs };
}

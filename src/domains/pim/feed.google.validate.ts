import { currencyExponent, type Money } from '../../kernel/money.js';
import type { FieldError } from './catalog.types.js';

/**
 * The rules of Google's product data specification (support.google.com/merchants/answer/7052112)
 * that make Merchant Center disapprove an item. The writer drops items that break them rather than
 * letting Google reject them a day later without telling anyone which record was wrong.
 */

export const GOOGLE_AVAILABILITY = ['in_stock', 'out_of_stock', 'preorder', 'backorder'] as const;
export const GOOGLE_CONDITIONS = ['new', 'refurbished', 'used'] as const;
export const GOOGLE_GENDERS = ['male', 'female', 'unisex'] as const;
export const GOOGLE_AGE_GROUPS = ['newborn', 'infant', 'toddler', 'kids', 'adult'] as const;

/** Maximum lengths in characters (code points), and the number of additional images Google reads. */
export const GOOGLE_LIMITS = {
  id: 50,
  title: 150,
  description: 5000,
  url: 2000,
  additionalImageLinks: 10,
  brand: 70,
  mpn: 70,
  itemGroupId: 50,
  color: 100,
  size: 100,
  material: 200,
  pattern: 100,
  googleProductCategory: 750,
  productType: 750,
} as const;

export const GoogleFeedCodes = {
  FIELD_MISSING: 'GOOGLE_FIELD_MISSING',
  FIELD_TOO_LONG: 'GOOGLE_FIELD_TOO_LONG',
  GTIN_INVALID: 'GOOGLE_GTIN_INVALID',
  URL_INVALID: 'GOOGLE_URL_INVALID',
  PRICE_INVALID: 'GOOGLE_PRICE_INVALID',
  VALUE_INVALID: 'GOOGLE_VALUE_INVALID',
} as const;

/** One shipping rate (`g:shipping`); overrides the account's shipping settings for this item. */
export interface GoogleShipping {
  /** ISO 3166-1 alpha-2, e.g. `US`. */
  country: string;
  region?: string;
  service?: string;
  /** Integer minor units; zero means free shipping. */
  price: Money;
}

export interface GoogleFeedItem {
  id: string;
  title: string;
  description: string;
  link: string;
  imageLink: string;
  additionalImageLinks?: string[];
  availability: (typeof GOOGLE_AVAILABILITY)[number];
  /** Integer minor units of `currency`. */
  price: Money;
  salePrice?: Money;
  /** Emitted as `new` when absent. */
  condition?: (typeof GOOGLE_CONDITIONS)[number];
  brand?: string;
  gtin?: string;
  mpn?: string;
  /** `false` for products that have no GTIN/MPN (custom-made, vintage …): lifts the identifier rules. */
  identifierExists?: boolean;
  itemGroupId?: string;
  color?: string;
  size?: string;
  gender?: string;
  ageGroup?: string;
  material?: string;
  pattern?: string;
  /** A Google taxonomy id (`2271`) or path (`Apparel & Accessories > Clothing`). */
  googleProductCategory?: string;
  productType?: string;
  shipping?: GoogleShipping[];
}

/** A value the writer emits: blank strings count as absent, as Google ignores them. */
export function isPresent(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  // Most values start with a printable character; only the rest pay for trimming.
  return value.charCodeAt(0) > 32 || value.trim().length > 0;
}

/** Google counts characters, not UTF-16 units; only strings already over the limit pay for counting. */
function tooLong(value: string, max: number): boolean {
  if (value.length <= max) return false;
  let n = 0;
  for (const _ of value) if (++n > max) return true;
  return false;
}

function push(errors: FieldError[], field: string, code: string, message: string): void {
  errors.push({ field, code, message });
}

function checkText(
  errors: FieldError[],
  field: string,
  attr: string,
  value: unknown,
  max: number,
  required: boolean,
): boolean {
  if (!isPresent(value)) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      push(errors, field, GoogleFeedCodes.VALUE_INVALID, `${attr} must be text`);
    } else if (required) {
      push(errors, field, GoogleFeedCodes.FIELD_MISSING, `${attr} is required`);
    }
    return false;
  }
  if (tooLong(value, max)) {
    push(errors, field, GoogleFeedCodes.FIELD_TOO_LONG, `${attr} is longer than ${max} characters`);
  }
  return true;
}

const HTTP_URL = /^https?:\/\/\S+$/i;

function checkUrl(
  errors: FieldError[],
  field: string,
  attr: string,
  value: unknown,
  required: boolean,
): void {
  if (!checkText(errors, field, attr, value, GOOGLE_LIMITS.url, required)) return;
  // WHATWG parsing silently drops tabs and newlines, so whitespace is refused before it.
  if (!HTTP_URL.test(value as string) || !URL.canParse(value as string)) {
    push(errors, field, GoogleFeedCodes.URL_INVALID, `${attr} must be an absolute http(s) URL`);
  }
}

const CURRENCY_CODE = /^[A-Z]{3}$/;
const exponents = new Map<string, number | null>();

/** The minor-unit exponent of an ISO 4217 code, or undefined; memoised because every item asks. */
export function googleCurrencyExponent(code: unknown): number | undefined {
  if (typeof code !== 'string' || !CURRENCY_CODE.test(code)) return undefined;
  let exp = exponents.get(code);
  if (exp === undefined) {
    try {
      exp = currencyExponent(code);
    } catch {
      exp = null;
    }
    exponents.set(code, exp);
  }
  return exp ?? undefined;
}

function checkMoney(
  errors: FieldError[],
  field: string,
  attr: string,
  value: unknown,
  allowZero: boolean,
): value is Money {
  if (value === undefined || value === null) {
    push(errors, field, GoogleFeedCodes.FIELD_MISSING, `${attr} is required`);
    return false;
  }
  const m = value as Partial<Money>;
  let ok = true;
  if (typeof m.amount !== 'number' || !Number.isSafeInteger(m.amount) || m.amount < (allowZero ? 0 : 1)) {
    push(
      errors,
      field,
      GoogleFeedCodes.PRICE_INVALID,
      `${attr} must be a ${allowZero ? 'non-negative' : 'positive'} integer amount of minor units`,
    );
    ok = false;
  }
  if (googleCurrencyExponent(m.currency) === undefined) {
    push(errors, field, GoogleFeedCodes.PRICE_INVALID, `${attr} currency must be an ISO 4217 code`);
    ok = false;
  }
  return ok;
}

function checkEnum(
  errors: FieldError[],
  field: string,
  attr: string,
  value: unknown,
  allowed: readonly string[],
): void {
  if (!allowed.includes(value as string)) {
    push(errors, field, GoogleFeedCodes.VALUE_INVALID, `${attr} must be one of ${allowed.join(', ')}`);
  }
}

/**
 * Why a GTIN would be refused, or undefined. Beyond length and the GS1 mod-10 check digit, Google
 * refuses restricted-circulation numbers (in-store and company-internal codes) and coupons, because
 * they identify nothing outside one retailer.
 */
export function gtinProblem(gtin: string): string | undefined {
  const len = gtin.length;
  if (len !== 8 && len !== 12 && len !== 13 && len !== 14) return 'gtin must have 8, 12, 13 or 14 digits';
  let sum = 0;
  let allZero = true;
  for (let i = 0; i < len; i++) {
    const d = gtin.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 'gtin must contain digits only';
    if (d !== 0) allZero = false;
    // Weights alternate 3,1,3… from the digit left of the check digit, whatever the length.
    if (i < len - 1) sum += (len - 1 - i) % 2 === 1 ? d * 3 : d;
  }
  if (allZero) return 'gtin must not be all zeros';
  if ((10 - (sum % 10)) % 10 !== gtin.charCodeAt(len - 1) - 48) return 'gtin check digit is wrong';
  if (len > 8) {
    // The GS1 prefix as it reads in the 13-digit form (a GTIN-14's indicator digit dropped).
    const gtin13 = len === 12 ? `0${gtin}` : len === 14 ? gtin.slice(1) : gtin;
    if (gtin13.startsWith('02') || gtin13.startsWith('04') || gtin13.startsWith('2')) {
      return 'gtin is in a restricted-circulation range (02, 04, 2)';
    }
    if (gtin13.startsWith('98') || gtin13.startsWith('99')) return 'gtin is a coupon number (98, 99)';
  }
  return undefined;
}

export function isValidGtin(gtin: string): boolean {
  return gtinProblem(gtin) === undefined;
}

const VARIANT_ATTRIBUTES = ['color', 'size', 'material', 'pattern', 'gender', 'ageGroup'] as const;

/**
 * Every reason Merchant Center would disapprove the item; empty when it may be published. Optional
 * fields may be null as well as absent, as they come from database rows.
 */
export function validateGoogleItem(item: GoogleFeedItem): FieldError[] {
  const errors: FieldError[] = [];
  const L = GOOGLE_LIMITS;
  checkText(errors, 'id', 'id', item.id, L.id, true);
  checkText(errors, 'title', 'title', item.title, L.title, true);
  checkText(errors, 'description', 'description', item.description, L.description, true);
  checkUrl(errors, 'link', 'link', item.link, true);
  checkUrl(errors, 'imageLink', 'image_link', item.imageLink, true);

  const extra = item.additionalImageLinks;
  if (extra != null) {
    if (!Array.isArray(extra)) {
      push(
        errors,
        'additionalImageLinks',
        GoogleFeedCodes.VALUE_INVALID,
        'additional_image_link must be a list',
      );
    } else {
      if (extra.length > L.additionalImageLinks) {
        push(
          errors,
          'additionalImageLinks',
          GoogleFeedCodes.FIELD_TOO_LONG,
          `additional_image_link takes at most ${L.additionalImageLinks} images`,
        );
      }
      for (let i = 0; i < extra.length; i++) {
        checkUrl(errors, `additionalImageLinks[${i}]`, 'additional_image_link', extra[i], true);
      }
    }
  }

  checkEnum(errors, 'availability', 'availability', item.availability, GOOGLE_AVAILABILITY);
  const priceOk = checkMoney(errors, 'price', 'price', item.price, false);
  if (item.salePrice != null) {
    if (checkMoney(errors, 'salePrice', 'sale_price', item.salePrice, false) && priceOk) {
      if (item.salePrice.currency !== item.price.currency) {
        push(
          errors,
          'salePrice',
          GoogleFeedCodes.PRICE_INVALID,
          'sale_price must be in the currency of price',
        );
      } else if (item.salePrice.amount >= item.price.amount) {
        push(errors, 'salePrice', GoogleFeedCodes.PRICE_INVALID, 'sale_price must be lower than price');
      }
    }
  }

  const condition = item.condition ?? 'new';
  checkEnum(errors, 'condition', 'condition', condition, GOOGLE_CONDITIONS);
  if (item.identifierExists != null && typeof item.identifierExists !== 'boolean') {
    push(errors, 'identifierExists', GoogleFeedCodes.VALUE_INVALID, 'identifier_exists must be a boolean');
  }
  const identified = item.identifierExists !== false;
  const hasBrand = checkText(errors, 'brand', 'brand', item.brand, L.brand, false);
  // Length is part of the GTIN check below.
  const hasGtin = checkText(errors, 'gtin', 'gtin', item.gtin, Number.POSITIVE_INFINITY, false);
  const hasMpn = checkText(errors, 'mpn', 'mpn', item.mpn, L.mpn, false);
  if (hasGtin) {
    const problem = gtinProblem(item.gtin as string);
    if (problem !== undefined) push(errors, 'gtin', GoogleFeedCodes.GTIN_INVALID, problem);
  }
  if (identified) {
    if (condition === 'new' && !hasBrand) {
      push(
        errors,
        'brand',
        GoogleFeedCodes.FIELD_MISSING,
        'brand is required for new products (set identifierExists: false if the product has none)',
      );
    }
    if (!hasGtin && !hasMpn) {
      push(
        errors,
        'gtin',
        GoogleFeedCodes.FIELD_MISSING,
        'gtin or mpn is required (set identifierExists: false if the product has neither)',
      );
    }
  }

  checkText(errors, 'color', 'color', item.color, L.color, false);
  checkText(errors, 'size', 'size', item.size, L.size, false);
  checkText(errors, 'material', 'material', item.material, L.material, false);
  checkText(errors, 'pattern', 'pattern', item.pattern, L.pattern, false);
  if (item.gender != null) checkEnum(errors, 'gender', 'gender', item.gender, GOOGLE_GENDERS);
  if (item.ageGroup != null) checkEnum(errors, 'ageGroup', 'age_group', item.ageGroup, GOOGLE_AGE_GROUPS);
  if (checkText(errors, 'itemGroupId', 'item_group_id', item.itemGroupId, L.itemGroupId, false)) {
    // Google groups variants by what differs between them; a group whose members differ in nothing is refused.
    if (!VARIANT_ATTRIBUTES.some((k) => isPresent(item[k]))) {
      push(
        errors,
        'itemGroupId',
        GoogleFeedCodes.FIELD_MISSING,
        'a variant (item_group_id) needs at least one of color, size, material, pattern, gender, age_group',
      );
    }
  }
  checkText(
    errors,
    'googleProductCategory',
    'google_product_category',
    item.googleProductCategory,
    L.googleProductCategory,
    false,
  );
  checkText(errors, 'productType', 'product_type', item.productType, L.productType, false);

  const shipping = item.shipping;
  if (shipping != null) {
    if (!Array.isArray(shipping)) {
      push(errors, 'shipping', GoogleFeedCodes.VALUE_INVALID, 'shipping must be a list');
    } else {
      for (let i = 0; i < shipping.length; i++) {
        const rate = shipping[i] as GoogleShipping;
        if (typeof rate?.country !== 'string' || !/^[A-Z]{2}$/.test(rate.country)) {
          push(
            errors,
            `shipping[${i}].country`,
            GoogleFeedCodes.VALUE_INVALID,
            'shipping country must be an ISO 3166-1 alpha-2 code',
          );
        }
        checkMoney(errors, `shipping[${i}].price`, 'shipping price', rate?.price, true);
      }
    }
  }
  return errors;
}

/**
 * The PIM's content model, shared by every part of the domain (validation, completeness, import,
 * export, syndication). Values follow the layout Akeneo made familiar: per attribute, a list of
 * entries each scoped to a locale and/or a channel (`null` when the attribute is not localizable /
 * not scopable).
 */

export const ATTRIBUTE_TYPES = [
  /** Plain text, one line (≤ maxLength, default 255). */
  'text',
  /** Long text that may hold HTML (≤ maxLength, default 65,535). */
  'richtext',
  /** A number (optionally bounded, optionally integer). */
  'number',
  /** A number with a unit: `{ amount, unit }`, the unit one of the attribute's `units`. */
  'measure',
  'boolean',
  /** One option code of the attribute's options. */
  'select',
  /** A list of distinct option codes. */
  'multiselect',
  /** A calendar date `YYYY-MM-DD`. */
  'date',
  /** A price per currency: `[{ amount, currency }]` in integer minor units (e.g. MSRP). */
  'price',
  /** An asset id (`ast_…`) of an uploaded image or document. */
  'media',
  /** The SKU of another product. */
  'reference',
] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface AttributeOption {
  code: string;
  /** Labels per locale. */
  labels: Record<string, string>;
}

export interface AttributeDef {
  code: string;
  type: AttributeType;
  /** Labels per locale. */
  labels: Record<string, string>;
  /** Values differ per locale (localized text). */
  localizable: boolean;
  /** Values differ per channel. */
  scopable: boolean;
  /** Unique across products (only text/number). */
  unique: boolean;
  /** text/richtext: maximum length in characters. */
  maxLength?: number;
  /** text: a regular expression the value must match. */
  pattern?: string;
  /** number/measure: bounds (inclusive). */
  min?: number;
  max?: number;
  /** number: integers only. */
  integer?: boolean;
  /** measure: the units allowed (`g`, `kg`, `cm` …); the first is the default. */
  units?: string[];
  /** select/multiselect: the allowed options. */
  options?: AttributeOption[];
  /** media: which kinds of asset are allowed. */
  mediaKinds?: ('image' | 'document')[];
  /** Whether full-text search covers this attribute (text/richtext). */
  searchable: boolean;
}

/** One value of one attribute for one (locale, channel) pair. */
export interface ValueEntry {
  locale: string | null;
  channel: string | null;
  data: ValueData;
}

export type ValueData =
  | string
  | number
  | boolean
  | string[]
  | { amount: number; unit: string }
  | { amount: number; currency: string }[];

/** All values of a product: attribute code → entries. */
export type ProductValues = Record<string, ValueEntry[]>;

export interface ChannelDef {
  code: string;
  labels: Record<string, string>;
  /** The locales content is written in for this channel, e.g. `en_US`, `de_DE`. */
  locales: string[];
  /** The currencies its prices are in. */
  currencies: string[];
  /** The category tree the channel sells from (its root category code), if any. */
  categoryTree: string | null;
}

/** Which attributes a family requires, per channel; optionally only for some locales. */
export interface FamilyRequirement {
  channel: string;
  attribute: string;
  /** Restrict the requirement to these locales of the channel; empty = all of them. */
  locales: string[];
}

export interface FamilyDef {
  code: string;
  labels: Record<string, string>;
  /** The attributes products of this family may have (SKU is implicit). */
  attributes: string[];
  /** The attribute used as the product's label (a text attribute), e.g. `name`. */
  labelAttribute: string | null;
  requirements: FamilyRequirement[];
}

/** Everything a validation or completeness computation needs to know about the catalog setup. */
export interface CatalogSnapshot {
  attributes: ReadonlyMap<string, AttributeDef>;
  families: ReadonlyMap<string, FamilyDef>;
  channels: ReadonlyMap<string, ChannelDef>;
  /** Union of all channels' locales. */
  locales: ReadonlySet<string>;
  categories: ReadonlySet<string>;
}

/** A precise problem with one value or field, as reported by validation and the import report. */
export interface FieldError {
  /** The field or column: `sku`, `family`, `values.name[en_US]`, or a CSV header. */
  field: string;
  /** Stable code: `ATTRIBUTE_UNKNOWN`, `VALUE_TYPE`, `LOCALE_UNKNOWN` … */
  code: string;
  message: string;
}

/** A product (a sellable variant, or a simple product) as written by the API, imports and restores. */
export interface ProductInput {
  sku: string;
  family: string;
  /** The product model this variant belongs to (its code), if any. */
  parent?: string | null;
  /** Category codes. */
  categories?: string[];
  values: ProductValues;
}

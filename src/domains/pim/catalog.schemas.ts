import { type Static, Type } from '@sinclair/typebox';
import { ATTRIBUTE_TYPES } from './catalog.types.js';

/**
 * The shapes clients send for the catalog setup (TypeBox: validated by the API and by the service
 * for in-process callers alike). Codes are lowercase snake so that `-` separates them in CSV
 * column names (`name-en_US-webshop`).
 */
export const CODE_PATTERN = '^[a-z][a-z0-9_]{0,99}$';
export const LOCALE_PATTERN = '^[a-z]{2,3}_[A-Z]{2}$';
export const SKU_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$';

const Code = Type.String({ pattern: CODE_PATTERN, description: 'lowercase letters, digits, `_`' });
const Locale = Type.String({ pattern: LOCALE_PATTERN, description: 'e.g. `en_US`' });
const Labels = Type.Record(Type.String({ pattern: LOCALE_PATTERN }), Type.String({ maxLength: 255 }), {
  description: 'Labels per locale',
});

export const ChannelInput = Type.Object(
  {
    code: Code,
    labels: Type.Optional(Labels),
    locales: Type.Array(Locale, { minItems: 1, maxItems: 100, uniqueItems: true }),
    currencies: Type.Array(Type.String({ pattern: '^[A-Z]{3}$' }), { maxItems: 50, uniqueItems: true }),
    categoryTree: Type.Optional(Type.Union([Code, Type.Null()])),
  },
  { additionalProperties: false },
);
export type ChannelInput = Static<typeof ChannelInput>;

export const AttributeOptionInput = Type.Object(
  { code: Code, labels: Type.Optional(Labels) },
  { additionalProperties: false },
);

export const AttributeInput = Type.Object(
  {
    code: Code,
    type: Type.Union(ATTRIBUTE_TYPES.map((t) => Type.Literal(t))),
    labels: Type.Optional(Labels),
    localizable: Type.Optional(Type.Boolean()),
    scopable: Type.Optional(Type.Boolean()),
    unique: Type.Optional(Type.Boolean()),
    searchable: Type.Optional(Type.Boolean()),
    maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    pattern: Type.Optional(Type.String({ maxLength: 500 })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    integer: Type.Optional(Type.Boolean()),
    units: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_]{1,20}$' }), { minItems: 1, maxItems: 50 }),
    ),
    options: Type.Optional(Type.Array(AttributeOptionInput, { maxItems: 10_000 })),
    mediaKinds: Type.Optional(
      Type.Array(Type.Union([Type.Literal('image'), Type.Literal('document')]), {
        minItems: 1,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);
export type AttributeInput = Static<typeof AttributeInput>;

export const FamilyRequirementInput = Type.Object(
  {
    channel: Code,
    attribute: Code,
    locales: Type.Optional(Type.Array(Locale, { uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const FamilyInput = Type.Object(
  {
    code: Code,
    labels: Type.Optional(Labels),
    attributes: Type.Array(Code, { maxItems: 1000, uniqueItems: true }),
    labelAttribute: Type.Optional(Type.Union([Code, Type.Null()])),
    requirements: Type.Optional(Type.Array(FamilyRequirementInput, { maxItems: 10_000 })),
  },
  { additionalProperties: false },
);
export type FamilyInput = Static<typeof FamilyInput>;

export const CategoryInput = Type.Object(
  {
    code: Code,
    parent: Type.Optional(Type.Union([Code, Type.Null()])),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false },
);
export type CategoryInput = Static<typeof CategoryInput>;

const ValueEntrySchema = Type.Object(
  {
    locale: Type.Union([Locale, Type.Null()]),
    channel: Type.Union([Code, Type.Null()]),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);
export const ValuesSchema = Type.Record(Type.String(), Type.Array(ValueEntrySchema, { maxItems: 1000 }), {
  description: 'Attribute code → entries `{ locale, channel, data }`',
});

export const ProductModelInput = Type.Object(
  {
    code: Code,
    family: Code,
    axes: Type.Array(Code, { minItems: 1, maxItems: 5, uniqueItems: true }),
    categories: Type.Optional(Type.Array(Code, { maxItems: 1000, uniqueItems: true })),
    values: Type.Optional(ValuesSchema),
  },
  { additionalProperties: false },
);
export type ProductModelInput = Static<typeof ProductModelInput>;

export const ProductInputSchema = Type.Object(
  {
    sku: Type.String({ pattern: SKU_PATTERN }),
    family: Code,
    parent: Type.Optional(Type.Union([Code, Type.Null()])),
    categories: Type.Optional(Type.Array(Code, { maxItems: 1000, uniqueItems: true })),
    values: ValuesSchema,
  },
  { additionalProperties: false },
);

import { type TSchema, Type } from '@sinclair/typebox';
import { LOCATION_CODE_PATTERN } from './ledger.validate.js';
import { CAPABILITIES, LOCATION_TYPES } from './location.validate.js';

/**
 * The location's shape. Only structure is checked here; ranges, patterns, time zones and hours
 * are checked by location.validate.ts so that a request gets every problem in one 422.
 */
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Str = (max = 200) => Type.String({ maxLength: max });

const Hours = Type.Object(
  {
    open: Type.String({ maxLength: 5, description: 'HH:MM' }),
    close: Type.String({ maxLength: 5, description: 'HH:MM (24:00 = midnight)' }),
  },
  { additionalProperties: false },
);

export const AddressSchema = Type.Object(
  {
    line1: Str(),
    line2: Type.Optional(Str()),
    city: Str(),
    region: Type.Optional(Str()),
    postalCode: Type.Optional(Str(20)),
    country: Type.String({ maxLength: 100, description: 'ISO 3166-1 alpha-2' }),
  },
  { additionalProperties: false },
);

const locationProperties = {
  name: Str(),
  type: Type.String({ description: LOCATION_TYPES.join(', ') }),
  status: Type.Optional(Type.String({ description: 'active (default) or inactive' })),
  address: Type.Optional(Nullable(AddressSchema)),
  coordinates: Type.Optional(
    Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() }, { additionalProperties: false })),
  ),
  capabilities: Type.Optional(
    Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20, description: CAPABILITIES.join(', ') }),
  ),
  timezone: Type.Optional(Type.String({ maxLength: 100, description: 'IANA time zone, default UTC' })),
  calendar: Type.Optional(
    Type.Record(Type.String({ maxLength: 10 }), Type.Array(Hours, { maxItems: 10 }), {
      description: 'Opening hours per weekday (mon … sun); a day without hours is closed',
    }),
  ),
  holidays: Type.Optional(
    Type.Array(
      Type.Object(
        { date: Type.String({ maxLength: 10 }), name: Type.Optional(Str()) },
        { additionalProperties: false },
      ),
      {
        maxItems: 1000,
      },
    ),
  ),
  orderCutoff: Type.Optional(Nullable(Type.String({ maxLength: 5, description: 'HH:MM local' }))),
};

export const LocationInputSchema = Type.Object(
  { code: Type.String({ maxLength: 100 }), ...locationProperties },
  { additionalProperties: false },
);
/** PUT: the whole location; the code is the path's (repeating it is allowed, changing it is not). */
export const LocationReplaceSchema = Type.Object(
  { code: Type.Optional(Type.String({ maxLength: 100 })), ...locationProperties },
  { additionalProperties: false },
);

export const LocationSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  type: Type.String(),
  status: Type.String(),
  address: Nullable(AddressSchema),
  coordinates: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
  capabilities: Type.Array(Type.String()),
  timezone: Type.String(),
  calendar: Type.Record(
    Type.String(),
    Type.Array(Type.Object({ open: Type.String(), close: Type.String() })),
  ),
  holidays: Type.Array(Type.Object({ date: Type.String(), name: Type.Optional(Type.String()) })),
  orderCutoff: Nullable(Type.String()),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const CodeParams = Type.Object({ code: Type.String({ pattern: LOCATION_CODE_PATTERN }) });

export const LocationQuery = Type.Object({
  type: Type.Optional(Type.Union(LOCATION_TYPES.map((t) => Type.Literal(t)))),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('inactive')])),
  after: Type.Optional(
    Type.String({ pattern: LOCATION_CODE_PATTERN, description: 'The `next` of the previous page' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

import { type Static, Type } from '@sinclair/typebox';
import { type RawBuilder, sql } from 'kysely';
import type { Dialect } from '../../kernel/ports/store.js';
import { CODE_PATTERN, LOCALE_PATTERN } from './catalog.schemas.js';
import type { AttributeDef, FieldError } from './catalog.types.js';

/**
 * Attribute filters of the product search: their schema, and their translation into SQL over the
 * JSON value entries, for each dialect. Separate from search.service.ts, which assembles the whole
 * query (columns, categories, completeness, full text, cursors): this is the per-type, per-dialect
 * part, and the largest one. Every piece of user input reaches SQL as a bound parameter.
 *
 * Attribute filters read the effective values (a variant's own values, else its model's).
 * Operators per attribute type:
 * - `eq`: text, richtext, select, reference, media, date (the string), number, boolean, measure
 *   (`{ amount, unit }`, converted between known units), price (`{ amount, currency }`: one of the
 *   amounts), multiselect (the same set of codes);
 * - `in` (a non-empty list): text, select, reference, media, date, number; multiselect: any of them;
 * - `gt` `gte` `lt` `lte`: number, date, measure (a number is in the attribute's first unit), price;
 * - `contains`: multiselect (a code or a list: all of them), text and richtext (a substring, case
 *   insensitive — ASCII case only on SQLite);
 * - `empty`, `notEmpty`: any type (no value).
 * `locale` and `channel` restrict a filter to entries of that locale/channel when the attribute is
 * localizable/scopable (and are ignored otherwise).
 */

const Code = Type.String({ pattern: CODE_PATTERN });
const Locale = Type.String({ pattern: LOCALE_PATTERN });

export const ATTRIBUTE_FILTER_OPS = [
  'eq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'empty',
  'notEmpty',
] as const;
export type AttributeFilterOp = (typeof ATTRIBUTE_FILTER_OPS)[number];

export const AttributeFilter = Type.Object(
  {
    code: Code,
    op: Type.Union(ATTRIBUTE_FILTER_OPS.map((o) => Type.Literal(o))),
    value: Type.Optional(Type.Unknown()),
    locale: Type.Optional(Locale),
    channel: Type.Optional(Code),
  },
  { additionalProperties: false },
);
export type AttributeFilter = Static<typeof AttributeFilter>;

export type Sql = RawBuilder<unknown>;

/** Factors to a base unit, per dimension: measures compare across the units of one dimension. */
const UNIT_FACTORS: Record<string, { dim: string; factor: number }> = {};
for (const [dim, units] of Object.entries({
  mass: { mg: 0.001, g: 1, kg: 1000, t: 1_000_000, oz: 28.349523125, lb: 453.59237 },
  length: { mm: 1, cm: 10, dm: 100, m: 1000, km: 1_000_000, in: 25.4, ft: 304.8, yd: 914.4 },
  volume: { ml: 1, cl: 10, dl: 100, l: 1000, m3: 1_000_000, floz: 29.5735295625, gal: 3785.411784 },
}))
  for (const [unit, factor] of Object.entries(units)) UNIT_FACTORS[unit] = { dim, factor };
const unitFactor = (unit: string) => UNIT_FACTORS[unit] ?? UNIT_FACTORS[unit.toLowerCase()];

const CMP = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
type Cmp = keyof typeof CMP;

const OPS_BY_TYPE: Record<string, readonly AttributeFilterOp[]> = {
  text: ['eq', 'in', 'contains'],
  richtext: ['eq', 'contains'],
  select: ['eq', 'in'],
  reference: ['eq', 'in'],
  media: ['eq', 'in'],
  multiselect: ['eq', 'in', 'contains'],
  date: ['eq', 'in', 'gt', 'gte', 'lt', 'lte'],
  number: ['eq', 'in', 'gt', 'gte', 'lt', 'lte'],
  measure: ['eq', 'gt', 'gte', 'lt', 'lte'],
  price: ['eq', 'gt', 'gte', 'lt', 'lte'],
  boolean: ['eq'],
};

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const CURRENCY_RE = /^[A-Z]{3}$/;
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length <= 1000;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isList = <T>(v: unknown, item: (x: unknown) => x is T): v is T[] =>
  Array.isArray(v) && v.length > 0 && v.length <= 1000 && v.every(item);

/** SQL over one value entry `e`, per dialect. */
export interface EntrySql {
  /** The entries of attribute `code`: the product's own, else its model's (a JSON array or NULL). */
  exists(code: string, where: Sql[]): Sql;
  locale: Sql;
  channel: Sql;
  /** The data as SQL text / its JSON type name (`text`|`string`, …). */
  text: Sql;
  isText: Sql;
  /** The data as a number (NULL unless it is one). */
  num: Sql;
  bool(v: boolean): Sql;
  /** Data is a JSON array containing the string v. */
  arrayHas(v: string): Sql;
  arrayLength: Sql;
  /** Data `{ amount, unit }`: its unit (text) and amount (number or NULL). */
  unit: Sql;
  amount: Sql;
  /** Some element of data `[{ amount, currency }]` has this currency and an amount `op` n. */
  price(currency: string, op: Cmp, n: number): Sql;
  /** Case-insensitive substring. */
  containsText(v: string): Sql;
  /** The text compared byte-wise (dates). */
  binaryText: Sql;
}

export const sqliteEntry: EntrySql = {
  exists: (code, where) =>
    sql`EXISTS (SELECT 1 FROM json_each(coalesce(p."values" -> ${`$.${code}`}, (SELECT m."values" -> ${`$.${code}`} FROM pim_models m WHERE m.code = p.parent))) e WHERE ${sql.join(where, sql` AND `)})`,
  locale: sql`(e.value ->> '$.locale')`,
  channel: sql`(e.value ->> '$.channel')`,
  text: sql`(e.value ->> '$.data')`,
  isText: sql`json_type(e.value, '$.data') = 'text'`,
  num: sql`(CASE WHEN json_type(e.value, '$.data') IN ('integer', 'real') THEN e.value ->> '$.data' END)`,
  bool: (v) => sql`json_type(e.value, '$.data') = ${v ? 'true' : 'false'}`,
  arrayHas: (v) =>
    sql`EXISTS (SELECT 1 FROM json_each(e.value, '$.data') x WHERE x.type = 'text' AND x.value = ${v})`,
  arrayLength: sql`json_array_length(e.value, '$.data')`,
  unit: sql`(e.value ->> '$.data.unit')`,
  amount: sql`(CASE WHEN json_type(e.value, '$.data.amount') IN ('integer', 'real') THEN e.value ->> '$.data.amount' END)`,
  price: (currency, op, n) =>
    sql`EXISTS (SELECT 1 FROM json_each(e.value, '$.data') x WHERE x.type = 'object' AND x.value ->> '$.currency' = ${currency} AND (CASE WHEN json_type(x.value, '$.amount') IN ('integer', 'real') THEN x.value ->> '$.amount' END) ${sql.raw(CMP[op])} ${n})`,
  containsText: (v) => sql`instr(lower(e.value ->> '$.data'), lower(${v})) > 0`,
  binaryText: sql`(e.value ->> '$.data')`,
};

export const postgresEntry: EntrySql = {
  exists: (code, where) =>
    sql`EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(p."values"::jsonb -> ${code}::text, (SELECT m."values"::jsonb -> ${code}::text FROM pim_models m WHERE m.code = p.parent))) e(v) WHERE ${sql.join(where, sql` AND `)})`,
  locale: sql`(e.v ->> 'locale')`,
  channel: sql`(e.v ->> 'channel')`,
  text: sql`(e.v ->> 'data')`,
  isText: sql`jsonb_typeof(e.v -> 'data') = 'string'`,
  num: sql`(CASE WHEN jsonb_typeof(e.v -> 'data') = 'number' THEN (e.v ->> 'data')::numeric END)`,
  bool: (v) => sql`e.v -> 'data' = ${v ? 'true' : 'false'}::jsonb`,
  arrayHas: (v) => sql`(jsonb_typeof(e.v -> 'data') = 'array' AND e.v -> 'data' ? ${v}::text)`,
  arrayLength: sql`(CASE WHEN jsonb_typeof(e.v -> 'data') = 'array' THEN jsonb_array_length(e.v -> 'data') END)`,
  unit: sql`(e.v -> 'data' ->> 'unit')`,
  amount: sql`(CASE WHEN jsonb_typeof(e.v -> 'data' -> 'amount') = 'number' THEN (e.v -> 'data' ->> 'amount')::float8 END)`,
  price: (currency, op, n) =>
    sql`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(e.v -> 'data') = 'array' THEN e.v -> 'data' END) x(v) WHERE x.v ->> 'currency' = ${currency}::text AND (CASE WHEN jsonb_typeof(x.v -> 'amount') = 'number' THEN (x.v ->> 'amount')::numeric END) ${sql.raw(CMP[op])} ${n}::numeric)`,
  containsText: (v) => sql`strpos(lower(e.v ->> 'data'), lower(${v}::text)) > 0`,
  binaryText: sql`((e.v ->> 'data') COLLATE "C")`,
};

/** A bound number (typed on PostgreSQL, where an untyped parameter takes the other operand's type). */
export const num = (dialect: Dialect, n: number): Sql =>
  dialect === 'postgres' ? sql`${n}::numeric` : sql`${n}`;

/** The SQL condition of one attribute filter; pushes errors for a value that does not fit. */
export function attributeCondition(
  d: EntrySql,
  dialect: Dialect,
  attr: AttributeDef,
  f: AttributeFilter,
  field: string,
  errors: FieldError[],
): Sql | undefined {
  const scope: Sql[] = [sql`1 = 1`];
  if (attr.localizable && f.locale) scope.push(sql`${d.locale} = ${f.locale}`);
  if (attr.scopable && f.channel) scope.push(sql`${d.channel} = ${f.channel}`);
  if (f.op === 'empty') return sql`NOT ${d.exists(attr.code, scope)}`;
  if (f.op === 'notEmpty') return d.exists(attr.code, scope);
  if (!OPS_BY_TYPE[attr.type]?.includes(f.op)) {
    errors.push({
      field: `${field}/op`,
      code: 'FILTER_INVALID',
      message: `"${f.op}" does not apply to ${attr.type} attribute "${attr.code}"`,
    });
    return undefined;
  }
  const bad = (expected: string) => {
    errors.push({
      field: `${field}/value`,
      code: 'FILTER_VALUE',
      message: `${attr.type} "${attr.code}" ${f.op} expects ${expected}`,
    });
    return undefined;
  };
  const v = f.value;
  let pred: Sql;
  switch (attr.type) {
    case 'text':
    case 'richtext':
    case 'select':
    case 'reference':
    case 'media':
    case 'date': {
      const isDate = attr.type === 'date';
      const validStr = (x: unknown): x is string => isStr(x) && (!isDate || DATE_RE.test(x));
      const expected = isDate ? 'a date YYYY-MM-DD' : 'a string';
      if (f.op === 'in') {
        if (!isList(v, validStr)) return bad(`a non-empty list of ${isDate ? 'dates' : 'strings'}`);
        pred = sql`${d.isText} AND ${d.text} IN (${sql.join(v)})`;
      } else if (f.op === 'contains') {
        if (!isStr(v) || v === '') return bad('a non-empty string');
        pred = sql`${d.isText} AND ${d.containsText(v)}`;
      } else {
        if (!validStr(v)) return bad(expected);
        pred = sql`${d.isText} AND ${d.binaryText} ${sql.raw(CMP[f.op as Cmp])} ${v}`;
      }
      break;
    }
    case 'number':
      if (f.op === 'in') {
        if (!isList(v, isNum)) return bad('a non-empty list of numbers');
        pred = sql`${d.num} IN (${sql.join(v.map((n) => num(dialect, n)))})`;
      } else {
        if (!isNum(v)) return bad('a number');
        pred = sql`${d.num} ${sql.raw(CMP[f.op as Cmp])} ${num(dialect, v)}`;
      }
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return bad('true or false');
      pred = d.bool(v);
      break;
    case 'multiselect': {
      const codes = typeof v === 'string' ? [v] : v;
      if (!isList(codes, isStr)) return bad('an option code or a non-empty list of them');
      const has = codes.map((c) => d.arrayHas(c));
      if (f.op === 'in') pred = sql`(${sql.join(has, sql` OR `)})`;
      else if (f.op === 'contains') pred = sql.join(has, sql` AND `);
      else pred = sql`${sql.join(has, sql` AND `)} AND ${d.arrayLength} = ${new Set(codes).size}`;
      break;
    }
    case 'measure': {
      const m = v as { amount?: unknown; unit?: unknown };
      const target = isNum(v)
        ? attr.units?.[0] !== undefined
          ? { amount: v, unit: attr.units[0] }
          : undefined
        : m && typeof m === 'object' && isNum(m.amount) && isStr(m.unit)
          ? { amount: m.amount, unit: m.unit }
          : undefined;
      if (!target) return bad("{ amount, unit } or a number in the attribute's first unit");
      const known = unitFactor(target.unit);
      const units = known ? (attr.units ?? []).filter((u) => unitFactor(u)?.dim === known.dim) : [];
      const op = sql.raw(CMP[f.op as Cmp]);
      const float = (n: number) => (dialect === 'postgres' ? sql`${n}::float8` : sql`${n}`);
      if (!known || units.length === 0)
        pred = sql`${d.unit} = ${target.unit} AND ${d.amount} ${op} ${float(target.amount)}`;
      else {
        const cases = units.map((u) => sql`WHEN ${u} THEN ${float(unitFactor(u)!.factor)}`);
        pred = sql`(CASE ${d.unit} ${sql.join(cases, sql` `)} END) * ${d.amount} ${op} ${float(target.amount * known.factor)}`;
      }
      break;
    }
    case 'price': {
      const p = v as { amount?: unknown; currency?: unknown };
      if (
        !p ||
        typeof p !== 'object' ||
        !isNum(p.amount) ||
        !isStr(p.currency) ||
        !CURRENCY_RE.test(p.currency)
      )
        return bad('{ amount (minor units), currency }');
      pred = d.price(p.currency, f.op as Cmp, p.amount);
      break;
    }
    default:
      return undefined;
  }
  return d.exists(attr.code, [...scope, pred]);
}

import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { CODE_PATTERN, SKU_PATTERN, ValuesSchema } from './catalog.schemas.js';
import { ATTRIBUTE_TYPES } from './catalog.types.js';
import { WORKFLOW_ACTIONS } from './workflow.service.js';

/**
 * The PIM API's TypeBox schemas beyond the input shapes of catalog.schemas.ts: path parameters,
 * request bodies that differ from the service inputs, and every response. Responses are
 * serialized through these schemas (fields they omit are dropped), so they list every field the
 * services return; they also feed the OpenAPI document.
 */

const Str = Type.String();
const StrList = Type.Array(Str);
const Labels = Type.Record(Type.String(), Type.String(), { description: 'Labels per locale' });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

// ---- parameters and queries ----

export const CodeParams = Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) });
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const SkuParams = Type.Object({
  sku: Type.String({ pattern: SKU_PATTERN, description: 'URL-encode a `/` in the SKU as `%2F`' }),
});
export const VersionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  version: Type.Integer({ minimum: 1 }),
});
export const ActionParams = Type.Object({
  action: Type.Union(
    Object.keys(WORKFLOW_ACTIONS).map((a) => Type.Literal(a)),
    { description: 'submit, approve, reject, publish, retire, reopen' },
  ),
});

/** The repo's cursor convention (as in the channel catalog and dead letters): `after` = the previous page's `next`. */
export const PageQuery = Type.Object({
  after: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'The `next` of the previous page' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Optional(Type.String({ description: 'Present when there may be more: pass it as `after`' })),
  });
/** Lists that are bounded by nature (setup definitions, one product's history): one page. */
export const Items = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/** `If-Match: "<version>"` on product writes: optimistic concurrency against the ETag of a read. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      pattern: '^(\\*|"[0-9]{1,15}")$',
      description: 'The ETag of the version the change is based on',
    }),
  ),
});

/**
 * A PUT body for a definition addressed by `/…/:code`: the input schema with `code` optional (the
 * path names it; a body that repeats it must agree).
 */
export function bodyWithPathCode<P extends TProperties & { code: TSchema }>(input: TObject<P>) {
  return Type.Object(
    { ...input.properties, code: Type.Optional(input.properties.code) },
    { additionalProperties: false },
  );
}

// ---- setup ----

export const ChannelSchema = Type.Object({
  code: Str,
  labels: Labels,
  locales: StrList,
  currencies: StrList,
  categoryTree: Nullable(Str),
});

export const AttributeSchema = Type.Object({
  code: Str,
  type: Type.Union(ATTRIBUTE_TYPES.map((t) => Type.Literal(t))),
  labels: Labels,
  localizable: Type.Boolean(),
  scopable: Type.Boolean(),
  unique: Type.Boolean(),
  searchable: Type.Boolean(),
  maxLength: Type.Optional(Type.Integer()),
  pattern: Type.Optional(Str),
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  integer: Type.Optional(Type.Boolean()),
  units: Type.Optional(StrList),
  options: Type.Optional(Type.Array(Type.Object({ code: Str, labels: Type.Optional(Labels) }))),
  mediaKinds: Type.Optional(StrList),
});

export const FamilySchema = Type.Object({
  code: Str,
  labels: Labels,
  attributes: StrList,
  labelAttribute: Nullable(Str),
  requirements: Type.Array(Type.Object({ channel: Str, attribute: Str, locales: StrList })),
});

export const CategorySchema = Type.Object({
  code: Str,
  parent: Nullable(Str),
  labels: Labels,
  path: Type.Array(Str, { description: 'Codes from the root down to this category' }),
});

export const ModelSchema = Type.Object({
  code: Str,
  family: Str,
  axes: StrList,
  categories: StrList,
  values: ValuesSchema,
  version: Type.Integer(),
  createdAt: Str,
  updatedAt: Str,
  variants: Type.Optional(Type.Array(Str, { description: 'SKUs of the variants (single reads only)' })),
});

// ---- products ----

export const FieldErrorSchema = Type.Object({ field: Str, code: Str, message: Str });

export const ProductSchema = Type.Object({
  id: Str,
  sku: Str,
  family: Str,
  parent: Nullable(Str),
  categories: StrList,
  values: ValuesSchema,
  status: Type.Union(['draft', 'in_review', 'approved', 'published', 'retired'].map((s) => Type.Literal(s))),
  version: Type.Integer(),
  createdAt: Str,
  updatedAt: Str,
});

export const ProductVersionSchema = Type.Object({
  version: Type.Integer(),
  author: Str,
  at: Str,
  reason: Type.String({ description: '`create`, `update`, `import`, `restore:<version>` …' }),
  diff: Type.Record(Type.String(), Type.Array(Type.Unknown(), { minItems: 2, maxItems: 2 }), {
    description: 'field → [before, after]; value fields are `values.<attribute>`',
  }),
});

export const CompletenessSchema = Type.Object({
  channel: Str,
  locale: Str,
  required: Type.Integer(),
  missing: StrList,
  ratio: Type.Integer({ minimum: 0, maximum: 100 }),
});

// ---- workflow ----

const ChannelLocale = Type.Object({ channel: Str, locale: Str });

export const TransitionBody = Type.Object(
  {
    action: ActionParams.properties.action,
    comment: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
    channels: Type.Optional(
      Type.Array(Type.String({ pattern: CODE_PATTERN }), {
        minItems: 1,
        uniqueItems: true,
        description: 'publish/retire: only these channels (default: all)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const BulkTransitionBody = Type.Object(
  {
    ids: Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 10_000 }),
    comment: TransitionBody.properties.comment,
    channels: TransitionBody.properties.channels,
  },
  { additionalProperties: false },
);

export const TransitionResultSchema = Type.Object({
  id: Str,
  ok: Type.Boolean(),
  status: Type.Optional(Str),
  published: Type.Optional(Type.Array(ChannelLocale)),
  skipped: Type.Optional(Type.Array(Type.Object({ channel: Str, locale: Str, missing: StrList }))),
  errors: Type.Optional(Type.Array(FieldErrorSchema)),
});

export const BulkTransitionSchema = Type.Object({
  results: Type.Array(TransitionResultSchema),
  succeeded: Type.Integer(),
  failed: Type.Integer(),
});

export const WorkflowEntrySchema = Type.Object({
  action: Str,
  from: Str,
  to: Str,
  actor: Str,
  comment: Nullable(Str),
  at: Str,
});

export const CommentBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);
export const CommentSchema = Type.Object({ id: Str, author: Str, body: Str, at: Str });

export const ListingSchema = Type.Object({
  channel: Str,
  locale: Str,
  status: Str,
  productVersion: Type.Integer(),
  rulesVersion: Type.Integer(),
  content: Type.Unknown({ description: 'The rendered listing, as sent to the channel' }),
  publishedAt: Str,
});

export const ChannelRulesSchema = Type.Object({
  channel: Str,
  version: Type.Integer({ description: '0 = the implicit default (every attribute, no transforms)' }),
  rules: Type.Unknown(),
  author: Str,
  at: Str,
});

// ---- assets ----

export const AssetSchema = Type.Object({
  id: Str,
  checksum: Type.String({ description: 'SHA-256 of the content (hex); also the ETag of the content' }),
  filename: Str,
  mime: Str,
  kind: Type.Union([Type.Literal('image'), Type.Literal('document')]),
  size: Type.Integer(),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  createdBy: Str,
  createdAt: Str,
});

export const UploadSchema = Type.Object({
  asset: AssetSchema,
  deduplicated: Type.Boolean({ description: 'The same bytes were already an asset: that asset is returned' }),
});

export const AssetLinksSchema = Type.Object({
  products: Type.Array(Type.Object({ id: Str, sku: Str })),
  models: StrList,
});

/** OpenAPI only: a binary body (never validated or serialized by Fastify). */
export const binaryContent = (description: string, types: readonly string[]) =>
  ({
    description,
    content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
  }) as unknown as TSchema;

import { type Static, Type } from '@sinclair/typebox';
import { CODE_PATTERN, LOCALE_PATTERN } from './catalog.schemas.js';
import type { AttributeDef, ChannelDef, FieldError, ProductValues } from './catalog.types.js';

/**
 * Syndication rules, the public vocabulary: the input schema of a rule set, its limits, and the types
 * `compileRules` and `applyRules` take and return. Kept apart from the engine (syndication.compile.ts,
 * syndication.apply.ts) so that both halves, and the HTTP and service layers, share these definitions
 * without importing each other.
 */

/** Output field names: what channel feeds accept as keys, and what CSV/XML exports can carry. */
export const OUTPUT_FIELD_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

export const RULE_LIMITS = Object.freeze({
  attributes: 200,
  transforms: 100,
  /** UTF-8 bytes of one expression. */
  expressionBytes: 4096,
  fallbacksPerLocale: 10,
  /** Per product, over all its transforms: JSONata evaluation steps (expression nodes entered). */
  steps: 100_000,
  /** Per product, over all its transforms: milliseconds of evaluation. */
  timeMs: 50,
  /** Nesting depth of one evaluation (recursive functions). */
  depth: 500,
  /**
   * Longest sequence an expression may build (`[1..n]`, `$append`, paths over lists). It also bounds
   * what one step can cost: a builtin such as `$distinct` is quadratic and cannot be interrupted
   * midway (10,000 items: tens of milliseconds; 100,000: seconds).
   */
  sequence: 10_000,
});

export const SyndicationRulesInput = Type.Object(
  {
    attributes: Type.Array(Type.String({ pattern: CODE_PATTERN }), {
      maxItems: RULE_LIMITS.attributes,
      uniqueItems: true,
      description: 'Attribute codes the channel receives; the others are left out',
    }),
    localeFallbacks: Type.Optional(
      Type.Record(
        Type.String({ pattern: LOCALE_PATTERN }),
        Type.Array(Type.String({ pattern: LOCALE_PATTERN }), {
          maxItems: RULE_LIMITS.fallbacksPerLocale,
          uniqueItems: true,
        }),
        {
          additionalProperties: false,
          description: 'Locale → the locales to try, in order, when a localizable value is missing',
        },
      ),
    ),
    transforms: Type.Optional(
      Type.Record(
        Type.String({ pattern: OUTPUT_FIELD_PATTERN }),
        Type.String({ minLength: 1, maxLength: RULE_LIMITS.expressionBytes }),
        {
          additionalProperties: false,
          maxProperties: RULE_LIMITS.transforms,
          description: 'Output field → JSONata expression evaluated against the product view',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SyndicationRulesInput = Static<typeof SyndicationRulesInput>;

/** A FieldError that may point into an expression (0-based character offset, as JSONata reports). */
export interface RuleFieldError extends FieldError {
  position?: number;
}

export interface CompileContext {
  attributes: ReadonlyMap<string, AttributeDef>;
  channel: ChannelDef;
  /**
   * Every locale of the catalog (CatalogSnapshot.locales): a fallback may name a locale the channel
   * does not publish but whose non-scopable values exist (`en_US` for a German-only channel).
   * Defaults to the channel's own locales.
   */
  locales?: ReadonlySet<string>;
}

/** The product as the engine reads it (a variant or a simple product). */
export interface SyndicationProduct {
  sku: string;
  family: string;
  parent: string | null;
  categories: string[];
  values: ProductValues;
}

/** A compiled rule set, immutable and safe to share between concurrent `applyRules` calls. */
export interface CompiledRules {
  readonly channel: string;
  readonly attributes: readonly string[];
  /** For each channel locale: the locales tried in order (itself first). */
  readonly localeChains: ReadonlyMap<string, readonly string[]>;
  /** Output field → its expression's text. */
  readonly transforms: Readonly<Record<string, string>>;
}

export type CompileResult = { ok: true; rules: CompiledRules } | { ok: false; errors: RuleFieldError[] };
export type ApplyResult =
  | { ok: true; payload: Record<string, unknown> }
  | { ok: false; errors: RuleFieldError[] };

/**
 * Per-channel syndication rules, the pure engine: what a channel receives of a product (which
 * attributes, which locale stands in for a missing one) and the JSONata transforms that shape its
 * fields. A rule set is compiled once (validated, every expression parsed once) and then applied to
 * every product of a run, so applying is the hot path: it builds one object per product and, for the
 * common shape `$fn(attribute, 'literal')`, calls the function directly instead of walking JSONata's
 * asynchronous interpreter (results are identical: see `fastPathOf`).
 */

// The engine lives in its parts; this module is its public face, which callers import:
// syndication.types.ts (the input schema, limits and types), syndication.compile.ts (validating and
// compiling a rule set), syndication.apply.ts (the per-product hot path), and internally
// syndication.plan.ts, syndication.regex.ts and syndication.budget.ts.
export { applyRules } from './syndication.apply.js';
export { compileRules } from './syndication.compile.js';
export {
  type ApplyResult,
  type CompileContext,
  type CompiledRules,
  type CompileResult,
  OUTPUT_FIELD_PATTERN,
  RULE_LIMITS,
  type RuleFieldError,
  type SyndicationProduct,
  SyndicationRulesInput,
} from './syndication.types.js';

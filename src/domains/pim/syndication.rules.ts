import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import jsonata from 'jsonata';
import { CODE_PATTERN, LOCALE_PATTERN } from './catalog.schemas.js';
import type { AttributeDef, ChannelDef, FieldError, ProductValues, ValueData } from './catalog.types.js';
import { SYNDICATION_FUNCTIONS } from './syndication.functions.js';

/**
 * Per-channel syndication rules, the pure engine: what a channel receives of a product (which
 * attributes, which locale stands in for a missing one) and the JSONata transforms that shape its
 * fields. A rule set is compiled once (validated, every expression parsed once) and then applied to
 * every product of a run, so applying is the hot path: it builds one object per product and, for the
 * common shape `$fn(attribute, 'literal')`, calls the function directly instead of walking JSONata's
 * asynchronous interpreter (results are identical: see `fastPathOf`).
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

/** The fields every product view has besides its attributes. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['sku', 'family', 'parent', 'categories']);

/** Error messages quote values (`Unable to cast value to a number: "…"`): keep reports readable. */
const MAX_MESSAGE = 500;

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

// ---------------------------------------------------------------------------------------------
// Compiling
// ---------------------------------------------------------------------------------------------

interface AttributePlan {
  code: string;
  localizable: boolean;
  scopable: boolean;
}

/** The shapes `fastPathOf` recognizes; each reproduces what JSONata would return for it. */
type FastArg = { kind: 'field'; name: string } | { kind: 'literal'; value: unknown };
type FastPath =
  | { kind: 'field'; name: string }
  | { kind: 'call'; fn: (...args: unknown[]) => unknown; args: FastArg[]; position: number };

interface TransformPlan {
  field: string;
  expression: jsonata.Expression;
  /** Set when the expression can be evaluated without the interpreter. */
  fast: FastPath | undefined;
}

interface Plan {
  channel: string;
  attributes: AttributePlan[];
  chains: Map<string, readonly string[]>;
  transforms: TransformPlan[];
  /** Whether some transform needs the interpreter (and so the per-product budget). */
  interpreted: boolean;
}

// The plan is reachable only from this module: CompiledRules stays a plain, inspectable value.
const PLAN = Symbol('syndication.plan');
type CompiledWithPlan = CompiledRules & { readonly [PLAN]: Plan };

/** JSONata calls the function bound to this symbol on entering every expression node. */
const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const checkInput = TypeCompiler.Compile(SyndicationRulesInput);
const MAX_SCHEMA_ERRORS = 20;
const utf8 = new TextEncoder();

function fieldError(field: string, code: string, message: string, position?: number): RuleFieldError {
  return position === undefined ? { field, code, message } : { field, code, message, position };
}

/** What JSONata throws: an object (not always an Error) with a code and a position. */
interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

function describeFailure(
  e: unknown,
  fallbackPosition?: number,
): { message: string; position: number | undefined } {
  const f = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as JsonataFailure;
  const full = f.message ?? String(e);
  const message = full.length > MAX_MESSAGE ? `${full.slice(0, MAX_MESSAGE)}…` : full;
  return {
    message: f.code ? `${f.code}: ${message}` : message,
    position: typeof f.position === 'number' ? f.position : fallbackPosition,
  };
}

// Keys a node may carry for the fast path to apply: anything else (predicates, group-by, focus and
// index bindings, keepArray `[]`, stages) changes the result and leaves the node to JSONata.
const onlyKeys = (node: object, allowed: readonly string[]) =>
  Object.keys(node).every((k) => allowed.includes(k));
const LEAF_KEYS = ['type', 'value', 'position'] as const;

function fastArgOf(node: jsonata.ExprNode): FastArg | undefined {
  if (node.type === 'string' || node.type === 'number' || node.type === 'value') {
    return onlyKeys(node, LEAF_KEYS) ? { kind: 'literal', value: node.value } : undefined;
  }
  if ((node.type as string) === 'path' && onlyKeys(node, ['type', 'steps'])) {
    const steps = node.steps ?? [];
    const step = steps[0];
    if (
      steps.length === 1 &&
      step &&
      step.type === 'name' &&
      onlyKeys(step, LEAF_KEYS) &&
      typeof step.value === 'string'
    )
      return { kind: 'field', name: step.value };
  }
  return undefined;
}

/**
 * The evaluation short-cut for the two shapes nearly every channel rule has: a field (`name`) and a
 * custom function over fields and literals (`$truncate(name, 150)`). JSONata evaluates a one-step
 * path on an object to the property itself (the same reference, arrays included) when it is an own
 * property, and calls a registered function with those values unchanged: this does the same without
 * a dozen awaits per node. A test checks both routes agree on every kind of value.
 */
function fastPathOf(ast: jsonata.ExprNode): FastPath | undefined {
  const arg = fastArgOf(ast);
  if (arg?.kind === 'field') return arg;
  // `name` is always set on call nodes by the parser (undefined, and never read by the evaluator).
  if (
    ast.type !== 'function' ||
    !onlyKeys(ast, ['type', 'name', 'value', 'position', 'arguments', 'procedure'])
  )
    return undefined;
  const proc = ast.procedure;
  if (proc?.type !== 'variable' || !onlyKeys(proc, LEAF_KEYS) || typeof proc.value !== 'string')
    return undefined;
  if (!Object.hasOwn(SYNDICATION_FUNCTIONS, proc.value)) return undefined;
  const args: FastArg[] = [];
  for (const a of ast.arguments ?? []) {
    const fa = fastArgOf(a);
    if (!fa) return undefined;
    args.push(fa);
  }
  return { kind: 'call', fn: SYNDICATION_FUNCTIONS[proc.value]!, args, position: ast.position ?? 0 };
}

/** The quantifier starting at `i`, if any: `repeat` (*, +, {n,}, {n,m}, {n} with n > 1) or `once`. */
function quantifierAt(source: string, i: number): 'repeat' | 'once' | undefined {
  const c = source[i];
  if (c === '*' || c === '+') return 'repeat';
  if (c === '?') return 'once';
  if (c !== '{') return undefined;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
  if (!m) return undefined;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Number.POSITIVE_INFINITY : Number(m[3]);
  return max > 1 ? 'repeat' : 'once';
}

/**
 * Whether a pattern can backtrack exponentially in the classic ways: a repeated group that itself
 * contains a repetition (`(a+)+`, `(\w*\s?)*`) or a backreference. JavaScript regular expressions
 * cannot be interrupted, so such a pattern would stall the process on one crafted value whatever
 * the step and time budget. Polynomial cases (`a*a*a*b`) pass: their cost stays bounded by the
 * length of attribute values.
 */
function unsafePattern(source: string): boolean {
  const groups: boolean[] = [false]; // per open group: whether it contains a repetition
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      if (/[1-9k]/.test(source[i + 1] ?? '')) return true;
      i++;
    } else if (c === '[') {
      // A character class is one atom; `]` right after `[` or `[^` is a literal.
      i += source[i + 1] === '^' ? 2 : 1;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      groups.push(false);
    } else if (c === ')') {
      const repeatsInside = groups.pop() ?? false;
      if (groups.length === 0) return true;
      const repeated = quantifierAt(source, i + 1) === 'repeat';
      if (repeated && repeatsInside) return true;
      if (repeatsInside) groups[groups.length - 1] = true;
    } else if (quantifierAt(source, i) === 'repeat') {
      groups[groups.length - 1] = true;
    }
  }
  return false;
}

/** The first regular expression literal of an expression that `unsafePattern` refuses. */
function unsafeRegexIn(ast: unknown): { source: string; position: number | undefined } | undefined {
  // Regex literals are the only way to build a regular expression in JSONata (string arguments of
  // $match/$replace are matched literally), so checking the parsed tree covers every one of them.
  const seen = new Set<object>();
  const visit = (node: unknown): { source: string; position: number | undefined } | undefined => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return undefined;
    seen.add(node);
    const n = node as { type?: unknown; value?: unknown; position?: unknown };
    if (n.type === 'regex' && n.value instanceof RegExp && unsafePattern(n.value.source))
      return { source: n.value.source, position: typeof n.position === 'number' ? n.position : undefined };
    for (const child of Object.values(node)) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  return visit(ast);
}

/**
 * `$eval` is shadowed: runtime-built code defeats reviewing a rule set, and JSONata wraps the error of
 * each nested `$eval` by JSON-quoting the inner message, so recursion through it grows the message
 * exponentially and exhausts the heap long before any step or depth limit is reached.
 */
function refuseEval(): never {
  throw new Error('$eval is not available in channel transforms');
}

/**
 * Validate a rule set against the catalog and the channel and compile it. User mistakes come back as
 * `{ ok: false, errors }` (all of them, each with the field it concerns); nothing is thrown.
 */
export function compileRules(input: unknown, ctx: CompileContext): CompileResult {
  if (!checkInput.Check(input)) {
    const errors = [...checkInput.Errors(input)]
      .slice(0, MAX_SCHEMA_ERRORS)
      .map((e) => fieldError(e.path || '/', 'SCHEMA', e.message));
    return { ok: false, errors };
  }
  const errors: RuleFieldError[] = [];
  const channel = ctx.channel;

  const attributes: AttributePlan[] = [];
  input.attributes.forEach((code, i) => {
    const def = ctx.attributes.get(code);
    if (!def) errors.push(fieldError(`attributes[${i}]`, 'ATTRIBUTE_UNKNOWN', `no attribute "${code}"`));
    else if (IDENTITY_FIELDS.has(code))
      // The view's identity fields would be silently shadowed: say so instead.
      errors.push(
        fieldError(
          `attributes[${i}]`,
          'ATTRIBUTE_RESERVED',
          `"${code}" is a field of every product view; map the attribute with a transform instead`,
        ),
      );
    else attributes.push({ code, localizable: def.localizable, scopable: def.scopable });
  });

  const channelLocales = new Set(channel.locales);
  const known = ctx.locales ?? channelLocales;
  const fallbacks = input.localeFallbacks ?? {};
  for (const [locale, list] of Object.entries(fallbacks)) {
    if (!channelLocales.has(locale))
      errors.push(
        fieldError(
          `localeFallbacks.${locale}`,
          'LOCALE_UNKNOWN',
          `channel "${channel.code}" has no locale "${locale}" (fallbacks are for the locales it publishes)`,
        ),
      );
    list.forEach((fb, i) => {
      if (!known.has(fb))
        errors.push(
          fieldError(`localeFallbacks.${locale}[${i}]`, 'LOCALE_UNKNOWN', `unknown locale "${fb}"`),
        );
      else if (fb === locale)
        errors.push(
          fieldError(
            `localeFallbacks.${locale}[${i}]`,
            'LOCALE_FALLBACK_SELF',
            'a locale cannot fall back to itself',
          ),
        );
    });
  }

  const transforms: TransformPlan[] = [];
  for (const [field, source] of Object.entries(input.transforms ?? {})) {
    const where = `transforms.${field}`;
    const bytes = utf8.encode(source).length;
    if (bytes > RULE_LIMITS.expressionBytes) {
      errors.push(
        fieldError(
          where,
          'RULE_EXPRESSION_TOO_LONG',
          `${bytes} bytes; at most ${RULE_LIMITS.expressionBytes}`,
        ),
      );
      continue;
    }
    let expression: jsonata.Expression;
    try {
      expression = jsonata(source, { stack: RULE_LIMITS.depth, sequence: RULE_LIMITS.sequence });
    } catch (e) {
      const { message, position } = describeFailure(e);
      const at = position === undefined ? '' : ` at position ${position}`;
      errors.push(fieldError(where, 'RULE_EXPRESSION_INVALID', `${message}${at}`, position));
      continue;
    }
    const regex = unsafeRegexIn(expression.ast());
    if (regex) {
      errors.push(
        fieldError(
          where,
          'RULE_EXPRESSION_INVALID',
          `the regular expression /${regex.source}/ nests repetitions or uses a backreference, which can take exponential time; rewrite it without (for example (a+)+ as a+) at position ${regex.position}`,
          regex.position,
        ),
      );
      continue;
    }
    for (const [name, fn] of Object.entries(SYNDICATION_FUNCTIONS)) expression.registerFunction(name, fn);
    expression.registerFunction('eval', refuseEval);
    // The step and time budget of the product being evaluated is enforced on every node entered.
    expression.assign(ENTRY_HOOK as unknown as string, countStep);
    transforms.push({ field, expression, fast: fastPathOf(expression.ast()) });
  }

  if (errors.length > 0) return { ok: false, errors };

  const chains = new Map<string, readonly string[]>();
  for (const locale of channel.locales)
    chains.set(locale, Object.freeze([locale, ...(fallbacks[locale] ?? [])]));
  const plan: Plan = {
    channel: channel.code,
    attributes,
    chains,
    transforms,
    interpreted: transforms.some((t) => t.fast === undefined),
  };
  const rules: CompiledWithPlan = Object.freeze({
    channel: channel.code,
    attributes: Object.freeze(attributes.map((a) => a.code)),
    localeChains: chains,
    transforms: Object.freeze({ ...(input.transforms ?? {}) }),
    [PLAN]: plan,
  });
  return { ok: true, rules };
}

// ---------------------------------------------------------------------------------------------
// The evaluation budget
// ---------------------------------------------------------------------------------------------

interface Budget {
  steps: number;
  deadline: number;
  /** Set once exhausted: the product's remaining transforms are not evaluated. */
  exceeded: string | undefined;
  /** Exhausted by the clock rather than by the step count. */
  timedOut: boolean;
}

/**
 * The budget of the product whose transforms are being interpreted. A module-level slot is safe
 * because interpreted evaluations never interleave (see `exclusive`), and it saves handing the
 * budget to JSONata through bindings on every call.
 */
let activeBudget: Budget | undefined;

class BudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

function countStep(): void {
  const b = activeBudget;
  if (b === undefined) return;
  const steps = ++b.steps;
  if (steps > RULE_LIMITS.steps) {
    b.exceeded = `evaluation exceeded ${RULE_LIMITS.steps} steps for this product`;
    throw new BudgetExceeded(b.exceeded);
  }
  // The clock is read every 16 steps: a step is about a microsecond, so this bounds the overshoot
  // while keeping the cost of timing out of the common case.
  if ((steps & 15) === 0 && performance.now() > b.deadline) {
    b.exceeded = `evaluation exceeded ${RULE_LIMITS.timeMs} ms for this product`;
    b.timedOut = true;
    throw new BudgetExceeded(b.exceeded);
  }
}

/**
 * Run interpreted evaluations one product at a time. JSONata's evaluation is a chain of microtasks;
 * concurrent `applyRules` calls (a `Promise.all` over a batch) would interleave them, and a
 * wall-clock limit would then charge one product for the others' work and fail it spuriously.
 * Serializing costs nothing in throughput (the work is CPU-bound on one thread anyway) and makes
 * the 50 ms mean 50 ms of this product's evaluation.
 */
let queued = 0;
let tail: Promise<unknown> = Promise.resolve();
const release = () => {
  queued--;
};

function exclusive<T>(run: () => Promise<T>): Promise<T> {
  queued++;
  const result = queued === 1 ? run() : tail.then(run);
  tail = result.then(release, release);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------

const isMissing = (d: unknown) => d === undefined || d === null || d === '';

/** The data of one attribute for (channel, locale): exact scope first, then along the fallbacks. */
function resolveValue(
  entries: readonly { locale: string | null; channel: string | null; data: ValueData }[],
  attr: AttributePlan,
  channel: string,
  chain: readonly string[],
): ValueData | undefined {
  const wanted = attr.scopable ? channel : null;
  if (!attr.localizable) {
    for (const e of entries) {
      if ((e.channel ?? null) === wanted && (e.locale ?? null) === null && !isMissing(e.data)) return e.data;
    }
    return undefined;
  }
  let best: ValueData | undefined;
  let bestRank = chain.length;
  for (const e of entries) {
    if ((e.channel ?? null) !== wanted || isMissing(e.data)) continue;
    const rank = e.locale === null ? -1 : chain.indexOf(e.locale);
    if (rank >= 0 && rank < bestRank) {
      best = e.data;
      bestRank = rank;
      if (rank === 0) break;
    }
  }
  return best;
}

function evaluateFast(fast: FastPath, view: Record<string, unknown>): unknown {
  if (fast.kind === 'field') return Object.hasOwn(view, fast.name) ? view[fast.name] : undefined;
  const args = fast.args;
  const values: unknown[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    values[i] = a.kind === 'literal' ? a.value : Object.hasOwn(view, a.name) ? view[a.name] : undefined;
  }
  return fast.fn(...values);
}

/** A transform's result as payload data: sequences become plain arrays, functions are refused. */
function toPayloadValue(r: unknown): unknown {
  if (
    typeof r === 'function' ||
    (typeof r === 'object' && r !== null && (r as { _jsonata_lambda?: unknown })._jsonata_lambda)
  )
    throw new Error('the expression returns a function, not a value');
  // JSONata marks its result sequences with extra properties; a feed wants a plain list.
  if (Array.isArray(r) && (r as { sequence?: unknown }).sequence) return Array.from(r);
  return r;
}

/** `fast` gives the position JSONata would have reported for a throwing call: the call's own. */
function evaluationError(t: TransformPlan, e: unknown): RuleFieldError {
  const field = t.field;
  const { message, position } = describeFailure(e, t.fast?.kind === 'call' ? t.fast.position : undefined);
  const at = position === undefined ? '' : ` (at position ${position})`;
  return fieldError(`transforms.${field}`, 'RULE_EVALUATION_FAILED', `${message}${at}`, position);
}

/**
 * The product as the channel sees it, in one locale: `{ sku, family, parent, categories, …values }`
 * restricted to the rule set's attributes, each resolved for the channel and the locale (falling
 * back along the locale's chain), then every transform's output field set (overriding an attribute
 * of the same name; an undefined result leaves the field out). The payload shares array and object
 * values with `product` rather than copying them: treat it as read-only.
 */
export function applyRules(
  rules: CompiledRules,
  product: SyndicationProduct,
  locale: string,
): Promise<ApplyResult> {
  const plan = (rules as CompiledWithPlan)[PLAN];
  if (plan === undefined) throw new TypeError('applyRules: rules must come from compileRules');
  const chain = plan.chains.get(locale);
  if (chain === undefined) {
    return Promise.resolve({
      ok: false,
      errors: [fieldError('locale', 'LOCALE_UNKNOWN', `channel "${plan.channel}" has no locale "${locale}"`)],
    });
  }

  const view: Record<string, unknown> = {
    sku: product.sku,
    family: product.family,
    parent: product.parent,
    categories: product.categories,
  };
  const values = product.values;
  for (const attr of plan.attributes) {
    const entries = values[attr.code];
    // Array.isArray also guards against inherited names (`constructor`) on a plain values object.
    if (!Array.isArray(entries)) continue;
    const data = resolveValue(entries, attr, plan.channel, chain);
    if (data !== undefined) view[attr.code] = data;
  }
  if (plan.transforms.length === 0) return Promise.resolve({ ok: true, payload: view });
  if (!plan.interpreted) return Promise.resolve(applyFast(plan.transforms, view));
  return exclusive(() => applyInterpreted(plan.transforms, view));
}

function applyFast(transforms: readonly TransformPlan[], view: Record<string, unknown>): ApplyResult {
  // Outputs are collected first: every transform sees the view, not an earlier transform's output.
  const outputs: unknown[] = new Array(transforms.length);
  let errors: RuleFieldError[] | undefined;
  for (let i = 0; i < transforms.length; i++) {
    const t = transforms[i]!;
    try {
      outputs[i] = toPayloadValue(evaluateFast(t.fast!, view));
    } catch (e) {
      errors ??= [];
      errors.push(evaluationError(t, e));
    }
  }
  return errors ? { ok: false, errors } : { ok: true, payload: assignOutputs(transforms, view, outputs) };
}

/**
 * Evaluate a product's transforms under one budget. Outputs are collected first and assigned at the
 * end: every transform sees the view, not an earlier transform's output.
 */
async function evaluateAll(
  transforms: readonly TransformPlan[],
  view: Record<string, unknown>,
  budget: Budget,
): Promise<{ outputs: unknown[]; errors: RuleFieldError[] | undefined }> {
  const outputs: unknown[] = new Array(transforms.length);
  let errors: RuleFieldError[] | undefined;
  for (let i = 0; i < transforms.length; i++) {
    const t = transforms[i]!;
    try {
      if (t.fast) {
        outputs[i] = toPayloadValue(evaluateFast(t.fast, view));
        continue;
      }
      activeBudget = budget;
      try {
        outputs[i] = toPayloadValue(await t.expression.evaluate(view));
      } finally {
        activeBudget = undefined;
      }
    } catch (e) {
      errors ??= [];
      errors.push(evaluationError(t, e));
      // Out of budget: the remaining transforms would only report the same thing.
      if (budget.exceeded !== undefined) break;
    }
  }
  return { outputs, errors };
}

const newBudget = (): Budget => ({
  steps: 0,
  deadline: performance.now() + RULE_LIMITS.timeMs,
  exceeded: undefined,
  timedOut: false,
});

async function applyInterpreted(
  transforms: readonly TransformPlan[],
  view: Record<string, unknown>,
): Promise<ApplyResult> {
  let budget = newBudget();
  let run = await evaluateAll(transforms, view, budget);
  // The time limit is wall-clock: a descheduled process or a long GC pause can spend it while a
  // normal product is evaluated (measured: about 1 product in 40,000 on a loaded machine). One
  // retry with a fresh budget tells that apart from a runaway, which fails again; transforms are
  // pure, so evaluating them twice is safe. The step limit is exact and never retried.
  if (budget.timedOut) {
    budget = newBudget();
    run = await evaluateAll(transforms, view, budget);
  }
  return run.errors
    ? { ok: false, errors: run.errors }
    : { ok: true, payload: assignOutputs(transforms, view, run.outputs) };
}

function assignOutputs(
  transforms: readonly TransformPlan[],
  view: Record<string, unknown>,
  outputs: readonly unknown[],
): Record<string, unknown> {
  for (let i = 0; i < transforms.length; i++) {
    const out = outputs[i];
    const field = transforms[i]!.field;
    if (out !== undefined) view[field] = out;
    // An overridden attribute whose transform yields nothing is left out, not sent untransformed.
    else if (Object.hasOwn(view, field)) delete view[field];
  }
  return view;
}

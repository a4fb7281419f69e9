import type { ValueData } from './catalog.types.js';
import { type Budget, exclusive, newBudget, setActiveBudget } from './syndication.budget.js';
import {
  type AttributePlan,
  type CompiledWithPlan,
  describeFailure,
  type FastPath,
  fieldError,
  PLAN,
  type TransformPlan,
} from './syndication.plan.js';
import type { ApplyResult, CompiledRules, RuleFieldError, SyndicationProduct } from './syndication.types.js';

/**
 * Applying a compiled rule set to a product: the view the channel sees (attributes resolved for the
 * channel and locale, with fallbacks) and the transforms' outputs. The hot path of a syndication
 * run, kept apart from compiling: the fast path for plain shapes, the interpreter under a budget
 * for the rest.
 */

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
      setActiveBudget(budget);
      try {
        outputs[i] = toPayloadValue(await t.expression.evaluate(view));
      } finally {
        setActiveBudget(undefined);
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

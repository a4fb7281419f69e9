import { TypeCompiler } from '@sinclair/typebox/compiler';
import jsonata from 'jsonata';
import { countStep } from './syndication.budget.js';
import { SYNDICATION_FUNCTIONS } from './syndication.functions.js';
import {
  type AttributePlan,
  type CompiledWithPlan,
  describeFailure,
  type FastArg,
  type FastPath,
  fieldError,
  PLAN,
  type Plan,
  type TransformPlan,
} from './syndication.plan.js';
import { unsafeRegexIn } from './syndication.regex.js';
import {
  type CompileContext,
  type CompileResult,
  RULE_LIMITS,
  type RuleFieldError,
  SyndicationRulesInput,
} from './syndication.types.js';

/**
 * Compiling a syndication rule set: validation against the catalog and the channel, parsing every
 * expression once, and recognizing the expressions the fast path can evaluate without JSONata's
 * interpreter. Runs once per rule set, apart from applying, which runs once per product.
 */

/** The fields every product view has besides its attributes. */
const IDENTITY_FIELDS: ReadonlySet<string> = new Set(['sku', 'family', 'parent', 'categories']);

/** JSONata calls the function bound to this symbol on entering every expression node. */
const ENTRY_HOOK = Symbol.for('jsonata.__evaluate_entry');
const checkInput = TypeCompiler.Compile(SyndicationRulesInput);
const MAX_SCHEMA_ERRORS = 20;
const utf8 = new TextEncoder();

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

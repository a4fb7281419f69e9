import type jsonata from 'jsonata';
import type { CompiledRules, RuleFieldError } from './syndication.types.js';

/**
 * The compiled form of a rule set as the engine sees it (the plan behind a `CompiledRules`), and the
 * error helpers compiling and applying share. Internal to the syndication engine: it is the contract
 * between syndication.compile.ts, which builds a plan, and syndication.apply.ts, which runs it.
 */

/** Error messages quote values (`Unable to cast value to a number: "…"`): keep reports readable. */
const MAX_MESSAGE = 500;

export interface AttributePlan {
  code: string;
  localizable: boolean;
  scopable: boolean;
}

/** The shapes `fastPathOf` recognizes; each reproduces what JSONata would return for it. */
export type FastArg = { kind: 'field'; name: string } | { kind: 'literal'; value: unknown };
export type FastPath =
  | { kind: 'field'; name: string }
  | { kind: 'call'; fn: (...args: unknown[]) => unknown; args: FastArg[]; position: number };

export interface TransformPlan {
  field: string;
  expression: jsonata.Expression;
  /** Set when the expression can be evaluated without the interpreter. */
  fast: FastPath | undefined;
}

export interface Plan {
  channel: string;
  attributes: AttributePlan[];
  chains: Map<string, readonly string[]>;
  transforms: TransformPlan[];
  /** Whether some transform needs the interpreter (and so the per-product budget). */
  interpreted: boolean;
}

// The plan is reachable only from the engine's modules: CompiledRules stays a plain, inspectable value.
export const PLAN = Symbol('syndication.plan');
export type CompiledWithPlan = CompiledRules & { readonly [PLAN]: Plan };

export function fieldError(field: string, code: string, message: string, position?: number): RuleFieldError {
  return position === undefined ? { field, code, message } : { field, code, message, position };
}

/** What JSONata throws: an object (not always an Error) with a code and a position. */
interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

export function describeFailure(
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

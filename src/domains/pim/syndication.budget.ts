import { RULE_LIMITS } from './syndication.types.js';

/**
 * The per-product evaluation budget of interpreted transforms (steps and time) and the queue that
 * runs interpreted evaluations one product at a time. Separate from applying because compiling hooks
 * `countStep` into every expression while applying sets the budget it charges: both reach it here.
 */

export interface Budget {
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

/** Set (or clear, with undefined) the budget `countStep` charges. */
export function setActiveBudget(budget: Budget | undefined): void {
  activeBudget = budget;
}

class BudgetExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BudgetExceeded';
  }
}

export function countStep(): void {
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

export function exclusive<T>(run: () => Promise<T>): Promise<T> {
  queued++;
  const result = queued === 1 ? run() : tail.then(run);
  tail = result.then(release, release);
  return result;
}

export const newBudget = (): Budget => ({
  steps: 0,
  deadline: performance.now() + RULE_LIMITS.timeMs,
  exceeded: undefined,
  timedOut: false,
});

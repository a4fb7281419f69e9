import { AsyncLocalStorage } from 'node:async_hooks';
import { newId } from './ids.js';
import { poolRandomHex } from './random.js';

/**
 * The ambient context of the operation in progress: who is acting and which business transaction
 * it belongs to. Set by the API per request, by the CLI per command and by the bus per handled
 * event; read by event appends (correlation, causation, trace) and the audit trail (actor).
 */
export interface OperationContext {
  correlationId: string;
  causationId?: string;
  traceparent?: string;
  requestId?: string;
  /** `key:<id>`, `system:<component>`, `cli:<user>` … */
  actor: string;
  /**
   * What the actor may do, when it authenticated with scopes (API keys). Absent for trusted
   * in-process actors, whose rights follow from the actor itself (see kernel/ownership.ts).
   */
  scopes?: readonly string[];
}

const storage = new AsyncLocalStorage<OperationContext>();

export function runWithContext<T>(ctx: OperationContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): OperationContext | undefined {
  return storage.getStore();
}

/** The current context, or a fresh one for `actor` when none is active. */
export function contextOrNew(actor = 'system:unknown'): OperationContext {
  return storage.getStore() ?? { correlationId: newId('cor'), actor, traceparent: newTraceparent() };
}

/** A new W3C traceparent (version 00, sampled). */
export function newTraceparent(): string {
  return `00-${poolRandomHex(16)}-${poolRandomHex(8)}-01`;
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A child span's traceparent: same trace id, new span id. Invalid input starts a new trace. */
export function childTraceparent(parent: string | undefined): string {
  const m = parent ? TRACEPARENT_RE.exec(parent) : null;
  if (!m || /^0+$/.test(m[1]!)) return newTraceparent();
  return `00-${m[1]}-${poolRandomHex(8)}-${m[3]}`;
}

export function isTraceparent(v: unknown): v is string {
  return typeof v === 'string' && TRACEPARENT_RE.test(v);
}

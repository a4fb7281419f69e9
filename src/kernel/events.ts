import type { Static, TSchema } from '@sinclair/typebox';

/**
 * The event envelope: CloudEvents 1.0 (JSON structured mode) with Keel's extensions. Extension
 * attribute names are lowercase alphanumerics, as the CloudEvents spec requires.
 */
export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  /** `evt_…`, unique; the dedup key everywhere (inbox, Nats-Msg-Id). */
  id: string;
  /** `/keel/<domain>` or `/connectors/<id>`. */
  source: string;
  /** `keel.<domain>.<entity>.<verb>.v<N>`. */
  type: string;
  /** The aggregate id. */
  subject: string;
  /** UTC ISO-8601, when the event was appended. */
  time: string;
  datacontenttype: 'application/json';
  dataschema: string;
  /** Events with the same key are delivered in order; defaults to the subject. */
  partitionkey: string;
  /** Shared by every event of one business transaction (an order's whole life). */
  correlationid: string;
  /** The id of the event (or request) that caused this one. */
  causationid?: string;
  /** W3C trace context of the operation that appended the event. */
  traceparent?: string;
  /** The aggregate's version after this event, when the domain versions it. */
  aggregateversion?: number;
  data: T;
}

/** What a writer supplies; the bus fills in id, time, source and the causal context. */
export interface EventInput<T = unknown> {
  type: string;
  subject: string;
  data: T;
  partitionKey?: string;
  aggregateVersion?: number;
  /** Overrides of the causal context (normally inherited from the request or the handled event). */
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
}

/** The causal context appends inherit: from an HTTP request, a CLI command, or a handled event. */
export interface EventContext {
  correlationId: string;
  causationId?: string;
  traceparent?: string;
}

/** An event as stored in the log: the envelope plus its position. */
export interface StoredEvent<T = unknown> extends CloudEvent<T> {
  /** Position in the event log: increasing in commit order. */
  seq: number;
}

export interface EventDefinition<S extends TSchema = TSchema> {
  type: string;
  source: string;
  description: string;
  schema: S;
  /** Build a typed input for this event. */
  input(
    subject: string,
    data: Static<S>,
    extra?: Omit<EventInput, 'type' | 'subject' | 'data'>,
  ): EventInput<Static<S>>;
}

export const EVENT_TYPE_RE = /^keel\.[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\.v[1-9][0-9]*$/;

/** Declare an event type with its schema. Registered with the EventRegistry by the owning module. */
export function defineEvent<S extends TSchema>(def: {
  type: string;
  source: string;
  description: string;
  schema: S;
}): EventDefinition<S> {
  if (!EVENT_TYPE_RE.test(def.type))
    throw new TypeError(`event type "${def.type}" is not keel.<domain>.<entity>.<verb>.v<N>`);
  return {
    ...def,
    input: (subject, data, extra = {}) => ({ ...extra, type: def.type, subject, data }),
  };
}

/** Does `type` match a subscription pattern: exact, `*` for all, or a prefix ending in `.*` / `.>`? */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === '>') return true;
  if (pattern.endsWith('.*') || pattern.endsWith('.>')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

import type { Clock } from '../../kernel/clock.js';
import { childTraceparent, currentContext, newTraceparent } from '../../kernel/context.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { EventRegistry } from '../../kernel/event-registry.js';
import type { CloudEvent, EventContext, EventInput } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';

/**
 * Build a complete CloudEvents envelope from a writer's input. The causal context comes from the
 * input's own overrides, else the explicit context, else the ambient operation context, else a new
 * correlation (a write nobody asked for explicitly starts its own story).
 */
export function buildEnvelope(
  input: EventInput,
  registry: EventRegistry,
  clock: Clock,
  context: EventContext | undefined,
): CloudEvent {
  if (!input || typeof input !== 'object')
    throw KernelErrors.EVENT_SCHEMA_INVALID.create('event input must be an object');
  const def = registry.get(input.type);
  if (typeof input.subject !== 'string' || input.subject.length === 0 || input.subject.length > 256) {
    throw KernelErrors.EVENT_SCHEMA_INVALID.create(
      `${input.type}: subject must be a non-empty string (max 256)`,
    );
  }
  registry.validate(input.type, input.data);
  const ambient = context ?? currentContext();
  const correlationId = input.correlationId ?? ambient?.correlationId ?? newId('cor');
  const causationId = input.causationId ?? ambient?.causationId;
  const parentTrace = input.traceparent ?? ambient?.traceparent;
  const event: CloudEvent = {
    specversion: '1.0',
    id: newId('evt', clock.now().getTime()),
    source: def.source,
    type: input.type,
    subject: input.subject,
    time: clock.now().toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:keel:event:${input.type}`,
    partitionkey: input.partitionKey ?? input.subject,
    correlationid: correlationId,
    traceparent: parentTrace ? childTraceparent(parentTrace) : newTraceparent(),
    data: input.data,
  };
  if (causationId) event.causationid = causationId;
  if (input.aggregateVersion !== undefined) event.aggregateversion = input.aggregateVersion;
  return event;
}

/** FNV-1a over UTF-8: a stable hash of a partition key, identical in every process. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(key, 'utf8');
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

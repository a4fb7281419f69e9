import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { KernelErrors } from './errors.js';
import type { CloudEvent, EventDefinition } from './events.js';

const MAX_ERRORS = 10;

/**
 * The registry of event types. Appends are validated against it: an unknown type or a payload
 * that fails its schema throws, and the writer's transaction rolls back with it.
 */
export class EventRegistry {
  private readonly defs = new Map<string, { def: EventDefinition; check: TypeCheck<TSchema> }>();

  register(...defs: EventDefinition[]): this {
    for (const def of defs) {
      const existing = this.defs.get(def.type);
      if (existing && existing.def !== def) throw new TypeError(`event type ${def.type} registered twice`);
      this.defs.set(def.type, { def, check: TypeCompiler.Compile(def.schema) });
    }
    return this;
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  get(type: string): EventDefinition {
    const entry = this.defs.get(type);
    if (!entry)
      throw KernelErrors.EVENT_TYPE_UNKNOWN.create(`event type "${type}" is not registered`, { type });
    return entry.def;
  }

  types(): string[] {
    return [...this.defs.keys()].sort();
  }

  /** Throws EVENT_TYPE_UNKNOWN or EVENT_SCHEMA_INVALID (with the first errors by JSON pointer). */
  validate(type: string, data: unknown): void {
    const entry = this.defs.get(type);
    if (!entry)
      throw KernelErrors.EVENT_TYPE_UNKNOWN.create(`event type "${type}" is not registered`, { type });
    if (entry.check.Check(data)) return;
    const errors = [...entry.check.Errors(data)].slice(0, MAX_ERRORS).map((e) => ({
      path: e.path || '/',
      message: e.message,
    }));
    throw KernelErrors.EVENT_SCHEMA_INVALID.create(
      `${type}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
      { type, errors },
    );
  }

  /** Every event type as JSON Schema, keyed by type: served at /api/v1/events/schemas. */
  jsonSchemas(): Record<string, { source: string; description: string; dataschema: unknown }> {
    const out: Record<string, { source: string; description: string; dataschema: unknown }> = {};
    for (const [type, { def }] of [...this.defs].sort(([a], [b]) => a.localeCompare(b))) {
      out[type] = { source: def.source, description: def.description, dataschema: def.schema };
    }
    return out;
  }

  /** Validate a complete envelope (e.g. one arriving from another process) against its type. */
  validateEnvelope(event: CloudEvent): void {
    this.validate(event.type, event.data);
  }
}

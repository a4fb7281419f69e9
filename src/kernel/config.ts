import { type Static, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { KernelErrors } from './errors.js';

/**
 * The one configuration schema. Precedence: defaults < keel.config.json < KEEL_* environment.
 * Every leaf `a.bVal` maps to the environment variable `KEEL_A_B_VAL`. The resolved config is
 * validated as a whole and frozen; it is read only in app.ts and the CLI.
 */
const Int = (opts: { default: number; minimum?: number; maximum?: number; description: string }) =>
  Type.Integer(opts);

/** The bus's default largest event; domains that size their own events against it read this. */
export const DEFAULT_MAX_EVENT_BYTES = 262_144;

export const ConfigSchema = Type.Object(
  {
    backend: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres'), Type.Literal('postgres+nats')], {
      default: 'sqlite',
      description: 'Storage and bus backend',
    }),
    dataDir: Type.String({
      default: '.keel',
      minLength: 1,
      description: 'Directory for the embedded database and keys',
    }),
    host: Type.String({ default: '127.0.0.1', minLength: 1, description: 'HTTP listen address' }),
    port: Int({
      default: 3000,
      minimum: 0,
      maximum: 65535,
      description: 'HTTP listen port (0 = any free port)',
    }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level' },
    ),
    sqlite: Type.Object(
      {
        file: Type.String({
          default: 'keel.db',
          minLength: 1,
          description: 'Database file, relative to dataDir',
        }),
        busyTimeoutMs: Int({ default: 5000, minimum: 0, description: 'How long a writer waits for a lock' }),
      },
      { default: {} },
    ),
    assets: Type.Object(
      {
        dir: Type.String({
          default: 'blobs',
          minLength: 1,
          description: 'Where asset files are stored (content-addressed), relative to dataDir',
        }),
        maxBytes: Int({
          default: 50 * 1024 * 1024,
          minimum: 1024,
          description: 'Largest asset file accepted, in bytes',
        }),
      },
      { default: {} },
    ),
    postgres: Type.Object(
      {
        url: Type.String({
          default: 'postgres://postgres@127.0.0.1:5432/keel',
          pattern: '^postgres(ql)?://',
          description: 'PostgreSQL connection URL',
        }),
        poolSize: Int({ default: 16, minimum: 2, maximum: 1000, description: 'Connections in the pool' }),
      },
      { default: {} },
    ),
    nats: Type.Object(
      {
        servers: Type.Array(Type.String({ minLength: 1 }), {
          default: ['nats://127.0.0.1:4222'],
          minItems: 1,
          description: 'NATS server URLs (comma-separated in the environment)',
        }),
        stream: Type.String({
          default: 'KEEL_EVENTS',
          pattern: '^[A-Za-z0-9_-]+$',
          description: 'JetStream stream',
        }),
        subjectPrefix: Type.String({
          default: 'keel.events',
          pattern: '^[a-zA-Z0-9_-]+(\\.[a-zA-Z0-9_-]+)*$',
          description: 'Subject prefix of the event stream',
        }),
        duplicateWindowMs: Int({ default: 600_000, minimum: 1000, description: 'JetStream dedup window' }),
        maxAgeDays: Int({ default: 30, minimum: 1, description: 'How long the stream keeps events' }),
      },
      { default: {} },
    ),
    bus: Type.Object(
      {
        partitions: Int({
          default: 8,
          minimum: 1,
          maximum: 1024,
          description: 'Partitions per consumer group',
        }),
        concurrency: Int({ default: 8, minimum: 1, maximum: 256, description: 'Parallel lanes per group' }),
        batchSize: Int({
          default: 128,
          minimum: 1,
          maximum: 10_000,
          description: 'Events per handler transaction',
        }),
        maxInFlight: Int({
          default: 2048,
          minimum: 1,
          description: 'Fetched but unfinished events per group',
        }),
        maxAttempts: Int({
          default: 8,
          minimum: 1,
          maximum: 1000,
          description: 'Attempts before a dead letter',
        }),
        backoffInitialMs: Int({ default: 200, minimum: 1, description: 'First retry delay' }),
        backoffMaxMs: Int({ default: 60_000, minimum: 1, description: 'Longest retry delay' }),
        handlerTimeoutMs: Int({ default: 30_000, minimum: 10, description: 'Per-handler timeout' }),
        maxEventBytes: Int({
          default: DEFAULT_MAX_EVENT_BYTES,
          minimum: 256,
          description: 'Largest serialized event accepted',
        }),
        leaseMs: Int({ default: 10_000, minimum: 200, description: 'Partition lease duration' }),
        pollMs: Int({ default: 1000, minimum: 10, description: 'Safety poll when no wake-up arrives' }),
        inboxRetentionDays: Int({
          default: 7,
          minimum: 1,
          description: 'How long processed-event records are kept',
        }),
      },
      { default: {} },
    ),
    saga: Type.Object(
      {
        pollMs: Int({ default: 1000, minimum: 10, description: 'Safety poll for due sagas and timers' }),
        maxAttempts: Int({ default: 10, minimum: 1, description: 'Attempts of a step before it fails' }),
        backoffInitialMs: Int({ default: 500, minimum: 1, description: 'First step retry delay' }),
        backoffMaxMs: Int({ default: 300_000, minimum: 1, description: 'Longest step retry delay' }),
        leaseMs: Int({ default: 30_000, minimum: 100, description: 'How long a runner owns a saga step' }),
        concurrency: Int({
          default: 16,
          minimum: 1,
          maximum: 1000,
          description: 'Sagas one runner executes at once',
        }),
        stepTimeoutMs: Int({
          default: 0,
          minimum: 0,
          description: 'Default per-attempt step timeout (0 = none; a step may set its own)',
        }),
      },
      { default: {} },
    ),
    erp: Type.Object(
      {
        publishIntervalMs: Int({
          default: 50,
          minimum: 5,
          maximum: 60_000,
          description: 'How often inventory level events are published (coalesced per SKU)',
        }),
        publishBatchSize: Int({
          default: 500,
          minimum: 1,
          maximum: 10_000,
          description: 'SKUs per level-publishing transaction',
        }),
        sweepIntervalMs: Int({
          default: 1000,
          minimum: 10,
          description: 'How often expired reservations are released',
        }),
        sweepBatchSize: Int({
          default: 500,
          minimum: 1,
          maximum: 10_000,
          description: 'Reservations released per sweep transaction',
        }),
        reconciliationToleranceUnits: Int({
          default: 0,
          minimum: 0,
          description:
            'Reconciliation: units a reported quantity may differ and still match (per report overridable)',
        }),
        reconciliationToleranceBasisPoints: Int({
          default: 0,
          minimum: 0,
          maximum: 10_000,
          description:
            'Reconciliation: relative tolerance in basis points of the ERP quantity (the larger of the two applies)',
        }),
        reconciliationExceptionAfterRuns: Int({
          default: 2,
          minimum: 1,
          maximum: 100,
          description: 'Reconciliation: consecutive drifting runs of a line before it becomes an exception',
        }),
      },
      { default: {} },
    ),
    api: Type.Object(
      {
        bodyLimitBytes: Int({ default: 1_048_576, minimum: 1024, description: 'Largest request body' }),
        requestTimeoutMs: Int({ default: 30_000, minimum: 100, description: 'Request timeout' }),
      },
      { default: {} },
    ),
    shutdownTimeoutMs: Int({ default: 15_000, minimum: 100, description: 'Graceful shutdown deadline' }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Environment variables that are not config keys but belong to Keel's tooling (tests, benchmarks). */
const RESERVED_ENV = new Set(['KEEL_CONFIG']);
const RESERVED_ENV_PREFIXES = ['KEEL_TEST_', 'KEEL_BENCH_', 'KEEL_PROP_'];
const isReservedEnv = (name: string) =>
  RESERVED_ENV.has(name) || RESERVED_ENV_PREFIXES.some((p) => name.startsWith(p));

interface Leaf {
  path: string[];
  schema: TSchema;
  env: string;
}

function envName(path: string[]): string {
  return `KEEL_${path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_')}`;
}

function leaves(schema: TObject, prefix: string[] = []): Leaf[] {
  const out: Leaf[] = [];
  for (const [key, sub] of Object.entries(schema.properties)) {
    const path = [...prefix, key];
    if ((sub as TSchema).type === 'object') out.push(...leaves(sub as TObject, path));
    else out.push({ path, schema: sub as TSchema, env: envName(path) });
  }
  return out;
}

const LEAVES = leaves(ConfigSchema);

/** A description of what a key accepts, for error messages and docs. */
export function expectedForm(schema: TSchema): string {
  if (schema.anyOf) return `one of ${schema.anyOf.map((s: TSchema) => JSON.stringify(s.const)).join(', ')}`;
  if (schema.type === 'integer') {
    const range = [
      schema.minimum !== undefined ? `>= ${schema.minimum}` : '',
      schema.maximum !== undefined ? `<= ${schema.maximum}` : '',
    ].filter(Boolean);
    return `an integer${range.length ? ` ${range.join(' and ')}` : ''}`;
  }
  if (schema.type === 'array') return 'a non-empty list of strings (comma-separated in the environment)';
  if (schema.type === 'string')
    return schema.pattern ? `a string matching ${schema.pattern}` : 'a non-empty string';
  if (schema.type === 'boolean') return 'true or false';
  return String(schema.type);
}

function parseEnvValue(leaf: Leaf, raw: string): unknown {
  const s = leaf.schema;
  if (s.type === 'integer') return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (s.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (s.type === 'array')
    return raw
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
  return raw;
}

function getPath(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function setPath(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = obj;
  for (const p of path.slice(0, -1)) {
    if (cur[p] === null || typeof cur[p] !== 'object') cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[path.at(-1)!] = value;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

export type ConfigSource = 'default' | 'file' | 'env' | 'override';

export interface ResolvedConfig {
  config: Readonly<Config>;
  /** Where each key's value came from, by dotted path. */
  sources: Record<string, ConfigSource>;
}

export interface ConfigInputs {
  /** Parsed contents of keel.config.json, if one exists. */
  file?: unknown;
  fileName?: string;
  env?: Record<string, string | undefined>;
  /** Programmatic values (tests, CLI flags) applied last. */
  overrides?: Record<string, unknown>;
}

/**
 * Resolve and validate the configuration. Throws CONFIG_INVALID naming every bad key, where it
 * came from, and the expected form.
 */
export function resolveConfig(inputs: ConfigInputs = {}): ResolvedConfig {
  const problems: string[] = [];
  const fileLabel = inputs.fileName ?? 'keel.config.json';
  const merged: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  const known = new Set(LEAVES.map((l) => l.path.join('.')));

  if (inputs.file !== undefined) {
    if (inputs.file === null || typeof inputs.file !== 'object' || Array.isArray(inputs.file)) {
      problems.push(`${fileLabel}: must contain a JSON object`);
    } else {
      collectUnknown(inputs.file as Record<string, unknown>, [], known, (p) =>
        problems.push(`${fileLabel}: unknown key "${p}"`),
      );
    }
  }

  for (const leaf of LEAVES) {
    const key = leaf.path.join('.');
    let value = Value.Default(leaf.schema, undefined);
    let source: ConfigSource = 'default';
    const fromFile =
      inputs.file && typeof inputs.file === 'object' ? getPath(inputs.file, leaf.path) : undefined;
    if (fromFile !== undefined) {
      value = fromFile;
      source = 'file';
    }
    const rawEnv = inputs.env?.[leaf.env];
    if (rawEnv !== undefined && rawEnv !== '') {
      value = parseEnvValue(leaf, rawEnv);
      source = 'env';
    }
    if (inputs.overrides && key in inputs.overrides) {
      value = inputs.overrides[key];
      source = 'override';
    }
    if (!Value.Check(leaf.schema, value)) {
      const where =
        source === 'env' ? ` (from ${leaf.env})` : source === 'file' ? ` (from ${fileLabel})` : '';
      problems.push(`${key}${where} must be ${expectedForm(leaf.schema)}; got ${JSON.stringify(value)}`);
    }
    setPath(merged, leaf.path, value);
    sources[key] = source;
  }

  for (const name of Object.keys(inputs.env ?? {})) {
    if (name.startsWith('KEEL_') && !isReservedEnv(name) && !LEAVES.some((l) => l.env === name)) {
      problems.push(`unknown environment variable ${name} (no such config key)`);
    }
  }
  for (const key of Object.keys(inputs.overrides ?? {})) {
    if (!known.has(key)) problems.push(`unknown config key "${key}"`);
  }

  if (problems.length > 0) {
    throw KernelErrors.CONFIG_INVALID.create(`invalid configuration:\n  - ${problems.join('\n  - ')}`, {
      problems,
    });
  }
  return { config: deepFreeze(merged as Config), sources };
}

function collectUnknown(
  obj: Record<string, unknown>,
  prefix: string[],
  known: Set<string>,
  report: (p: string) => void,
) {
  for (const [k, v] of Object.entries(obj)) {
    const path = [...prefix, k].join('.');
    if (known.has(path)) continue;
    const isBranch = [...known].some((kk) => kk.startsWith(`${path}.`));
    if (isBranch && v !== null && typeof v === 'object' && !Array.isArray(v)) {
      collectUnknown(v as Record<string, unknown>, [...prefix, k], known, report);
    } else {
      report(path);
    }
  }
}

/** Every config key with its environment variable, default and expected form (for docs and `keel config`). */
export function describeConfig(): {
  key: string;
  env: string;
  default: unknown;
  expected: string;
  description: string;
}[] {
  return LEAVES.map((l) => ({
    key: l.path.join('.'),
    env: l.env,
    default: Value.Default(l.schema, undefined),
    expected: expectedForm(l.schema),
    description: String(l.schema.description ?? ''),
  }));
}

/** A copy of the config safe to print: passwords in URLs replaced. */
export function redactConfig(config: Config): Config {
  const copy = structuredClone(config) as Config;
  copy.postgres.url = copy.postgres.url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
  return copy;
}

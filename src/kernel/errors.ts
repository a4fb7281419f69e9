/**
 * Errors that cross a boundary carry a stable code (SCREAMING_SNAKE, prefixed by domain for domain
 * errors: `OMS_ORDER_NOT_FOUND`), an HTTP status, and whether retrying the same request may succeed.
 * They map to RFC 9457 problem+json at the API and to exit codes in the CLI.
 */
export interface ErrorSpec {
  code: string;
  status: number;
  retryable?: boolean;
  title: string;
}

export class DomainError extends Error {
  readonly code: string;
  readonly status: number;
  readonly retryable: boolean;
  readonly title: string;
  /** Extra machine-readable members for the problem document (e.g. `errors`, `key`). */
  readonly extensions: Record<string, unknown>;

  constructor(
    spec: ErrorSpec,
    detail?: string,
    extensions: Record<string, unknown> = {},
    options?: ErrorOptions,
  ) {
    super(detail ?? spec.title, options);
    this.name = 'DomainError';
    this.code = spec.code;
    this.status = spec.status;
    this.retryable = spec.retryable ?? false;
    this.title = spec.title;
    this.extensions = extensions;
  }
}

/** Define an error code once; `throw Errors.X.create('detail')` elsewhere. */
export function defineError(spec: ErrorSpec) {
  return {
    ...spec,
    create: (detail?: string, extensions?: Record<string, unknown>, options?: ErrorOptions) =>
      new DomainError(spec, detail, extensions, options),
    is: (err: unknown): err is DomainError => err instanceof DomainError && err.code === spec.code,
  };
}

/** The kernel's own error codes. Domains define theirs in their `errors.ts`. */
export const KernelErrors = {
  CONFIG_INVALID: defineError({ code: 'CONFIG_INVALID', status: 500, title: 'Configuration is invalid' }),
  VALIDATION_FAILED: defineError({
    code: 'VALIDATION_FAILED',
    status: 400,
    title: 'Request validation failed',
  }),
  MALFORMED_JSON: defineError({
    code: 'MALFORMED_JSON',
    status: 400,
    title: 'Request body is not valid JSON',
  }),
  UNSUPPORTED_MEDIA_TYPE: defineError({
    code: 'UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    title: 'Unsupported media type',
  }),
  PAYLOAD_TOO_LARGE: defineError({ code: 'PAYLOAD_TOO_LARGE', status: 413, title: 'Payload too large' }),
  ROUTE_NOT_FOUND: defineError({ code: 'ROUTE_NOT_FOUND', status: 404, title: 'No such route' }),
  METHOD_NOT_ALLOWED: defineError({ code: 'METHOD_NOT_ALLOWED', status: 405, title: 'Method not allowed' }),
  NOT_FOUND: defineError({ code: 'NOT_FOUND', status: 404, title: 'Not found' }),
  CONFLICT: defineError({ code: 'CONFLICT', status: 409, title: 'Conflict' }),
  UNAUTHORIZED: defineError({ code: 'UNAUTHORIZED', status: 401, title: 'Authentication required' }),
  FORBIDDEN: defineError({ code: 'FORBIDDEN', status: 403, title: 'Missing scope' }),
  OWNERSHIP_VIOLATION: defineError({
    code: 'OWNERSHIP_VIOLATION',
    status: 403,
    title: 'Another system owns this data',
  }),
  IDEMPOTENCY_KEY_REUSED: defineError({
    code: 'IDEMPOTENCY_KEY_REUSED',
    status: 422,
    title: 'Idempotency-Key reused with a different request',
  }),
  IDEMPOTENCY_IN_PROGRESS: defineError({
    code: 'IDEMPOTENCY_IN_PROGRESS',
    status: 409,
    retryable: true,
    title: 'A request with this Idempotency-Key is still in progress',
  }),
  EVENT_TYPE_UNKNOWN: defineError({ code: 'EVENT_TYPE_UNKNOWN', status: 400, title: 'Unknown event type' }),
  EVENT_SCHEMA_INVALID: defineError({
    code: 'EVENT_SCHEMA_INVALID',
    status: 400,
    title: 'Event does not match its schema',
  }),
  EVENT_TOO_LARGE: defineError({ code: 'EVENT_TOO_LARGE', status: 413, title: 'Event payload too large' }),
  HANDLER_TIMEOUT: defineError({
    code: 'HANDLER_TIMEOUT',
    status: 504,
    retryable: true,
    title: 'Event handler timed out',
  }),
  HANDLER_FAILED: defineError({
    code: 'HANDLER_FAILED',
    status: 500,
    retryable: true,
    title: 'Event handler failed',
  }),
  TX_CLOSED: defineError({
    code: 'TX_CLOSED',
    status: 500,
    title: 'Transaction already ended; it cannot be used any more',
  }),
  DEAD_LETTER_NOT_FOUND: defineError({
    code: 'DEAD_LETTER_NOT_FOUND',
    status: 404,
    title: 'No such dead letter',
  }),
  DEAD_LETTER_STATE: defineError({
    code: 'DEAD_LETTER_STATE',
    status: 409,
    title: 'Dead letter is not in a state that allows this',
  }),
  GROUP_UNKNOWN: defineError({ code: 'GROUP_UNKNOWN', status: 404, title: 'Unknown consumer group' }),
  SAGA_NOT_FOUND: defineError({ code: 'SAGA_NOT_FOUND', status: 404, title: 'No such saga' }),
  SAGA_TYPE_UNKNOWN: defineError({ code: 'SAGA_TYPE_UNKNOWN', status: 400, title: 'Unknown saga type' }),
  SAGA_CONFLICT: defineError({
    code: 'SAGA_CONFLICT',
    status: 409,
    title: 'A saga with this id exists with a different type or input',
  }),
  SERVICE_UNAVAILABLE: defineError({
    code: 'SERVICE_UNAVAILABLE',
    status: 503,
    retryable: true,
    title: 'A backing service is unavailable',
  }),
  SHUTTING_DOWN: defineError({ code: 'SHUTTING_DOWN', status: 503, retryable: true, title: 'Shutting down' }),
  INTERNAL: defineError({ code: 'INTERNAL', status: 500, title: 'Internal error' }),
} as const;

/** Turn anything thrown (including non-Error values) into a DomainError, never leaking internals. */
export function toDomainError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  if (err instanceof Error) return KernelErrors.INTERNAL.create(undefined, {}, { cause: err });
  return KernelErrors.INTERNAL.create(undefined, {}, { cause: new Error(describeThrown(err)) });
}

/** A readable description of any thrown value (handlers may throw strings, objects, undefined). */
export function describeThrown(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  try {
    return `non-Error thrown: ${JSON.stringify(err) ?? String(err)}`;
  } catch {
    return `non-Error thrown: ${String(err)}`;
  }
}

/** Whether retrying the operation that threw `err` may succeed. Unknown errors count as retryable. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof DomainError) return err.retryable;
  return true;
}

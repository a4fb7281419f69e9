import { type TSchema, Type } from '@sinclair/typebox';

/**
 * Shared TypeBox schemas of the API: the problem document and the admin resources. They drive
 * validation, response serialization and the OpenAPI document.
 */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable error code, e.g. VALIDATION_FAILED' }),
    retryable: Type.Boolean(),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details (application/problem+json)' },
);

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED, MALFORMED_JSON, …)',
  401: 'Missing, invalid, revoked or expired API key (UNAUTHORIZED)',
  403: 'The key lacks a required scope (FORBIDDEN)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Unsupported content type (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Idempotency-Key reused with a different request (IDEMPOTENCY_KEY_REUSED)',
  500: 'Internal error (INTERNAL)',
  503: 'Unavailable (SERVICE_UNAVAILABLE, SHUTTING_DOWN)',
};

/**
 * Problem response entries for a route's `response` schema, documented as application/problem+json.
 * Documentation only: problems are sent pre-serialized, so these never reshape one.
 */
export function problemResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const s of statuses) {
    out[s] = {
      description: PROBLEM_DESCRIPTIONS[s] ?? 'Problem',
      content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
    } as unknown as TSchema;
  }
  return out;
}

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
export const Limit = Type.Integer({ minimum: 1, maximum: 1000, default: 100 });

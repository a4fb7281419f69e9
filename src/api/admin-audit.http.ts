import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../kernel/ports/audit.js';
import { Limit } from './schemas.js';

const Nullable = (s: ReturnType<typeof Type.String>) => Type.Union([s, Type.Null()]);

export const AuditEntrySchema = Type.Object({
  seq: Type.Integer(),
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String(),
  action: Type.String(),
  target: Type.String(),
  requestId: Nullable(Type.String()),
  beforeDigest: Nullable(Type.String()),
  afterDigest: Nullable(Type.String()),
  prevHash: Type.String(),
  hash: Type.String(),
});

const AuditQuery = Type.Object({
  target: Type.Optional(Type.String({ minLength: 1 })),
  actor: Type.Optional(Type.String({ minLength: 1 })),
  action: Type.Optional(Type.String({ minLength: 1 })),
  afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Limit),
});

const VerifyQuery = Type.Object({
  expectedHead: Type.Optional(
    Type.String({ pattern: '^[0-9a-f]{64}$', description: 'A head hash from an earlier verify' }),
  ),
});

const VerificationSchema = Type.Object({
  ok: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Union([Type.String(), Type.Null()]),
  failure: Type.Optional(
    Type.Object({
      seq: Type.Integer(),
      reason: Type.Union([
        Type.Literal('edited'),
        Type.Literal('deleted_or_reordered'),
        Type.Literal('bad_link'),
      ]),
    }),
  ),
});

/** The audit trail, read-only (scope `admin`). */
export function registerAdminAudit(app: FastifyInstance, audit: AuditLog): void {
  const tags = ['admin: audit'];
  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/v1/audit',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags,
        summary: 'List audit entries in order; page with afterSeq = nextAfterSeq',
        querystring: AuditQuery,
        response: {
          200: Type.Object({
            items: Type.Array(AuditEntrySchema),
            nextAfterSeq: Type.Optional(Type.Integer()),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const items = await audit.list({ ...request.query, limit });
      const last = items.at(-1);
      return items.length === limit && last ? { items, nextAfterSeq: last.seq } : { items };
    },
  );

  app.get<{ Querystring: Static<typeof VerifyQuery> }>(
    '/api/v1/audit/verify',
    {
      config: { scopes: ['admin'] },
      schema: {
        tags,
        summary: 'Verify the hash chain (pass an earlier headHash as expectedHead to detect truncation)',
        querystring: VerifyQuery,
        response: { 200: VerificationSchema },
      },
    },
    async (request) => audit.verify({ expectedHead: request.query.expectedHead }),
  );
}

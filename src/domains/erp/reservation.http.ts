import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { ErpServices } from './erp.services.js';
import { Page } from './ledger.schemas.js';
import { LOCATION_CODE_PATTERN, REFERENCE_PATTERN, SKU_PATTERN } from './ledger.validate.js';
import type { ReserveInput } from './reservation.service.js';

/** Reservations: reserve (idempotent by reference), read, list, release, allocate, sweep expired. */

const tags = ['erp'];
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const ReservationSchema = Type.Object({
  key: Type.String(),
  sku: Type.String(),
  location: Type.String(),
  quantity: Type.Integer(),
  remaining: Type.Integer(),
  allocated: Type.Integer(),
  released: Type.Integer(),
  status: Type.String({ description: 'active, allocated, released, expired' }),
  expiresAt: Nullable(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const ReserveBody = Type.Object(
  {
    reference: Type.String({
      maxLength: 1000,
      description: 'The order line: the reservation key and the idempotency key',
    }),
    sku: Type.String({ maxLength: 1000 }),
    location: Type.String({ maxLength: 1000 }),
    quantity: Type.Number(),
    expiresAt: Type.Optional(Type.String({ maxLength: 100 })),
    ttlSeconds: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);
const KeyParams = Type.Object({
  key: Type.String({ pattern: REFERENCE_PATTERN, description: 'URL-encoded reservation key' }),
});
const ListQuery = Type.Object({
  status: Type.Optional(
    Type.Union(['active', 'allocated', 'released', 'expired'].map((s) => Type.Literal(s))),
  ),
  sku: Type.Optional(Type.String({ pattern: SKU_PATTERN })),
  location: Type.Optional(Type.String({ pattern: LOCATION_CODE_PATTERN })),
  after: Type.Optional(Type.String({ pattern: REFERENCE_PATTERN })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});
const AllocateBody = Type.Object(
  {
    quantity: Type.Optional(Type.Integer({ minimum: 1, description: 'Default: all the reservation holds' })),
    reference: Type.Optional(
      Type.String({ pattern: REFERENCE_PATTERN, description: 'Default `<key>:allocate`' }),
    ),
  },
  { additionalProperties: false },
);

export function registerReservationRoutes(app: FastifyInstance, h: HttpHelpers, erp: ErpServices): void {
  const read = h.requireScopes('erp:read');
  const { reservations } = erp;

  app.post<{ Body: ReserveInput }>(
    '/reservations',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary: 'Reserve stock for an order line',
        description:
          '201 with the reservation; the same `reference` and content again answers 200 with it unchanged. ' +
          '409 ERP_INSUFFICIENT_STOCK when available is short (unless backorders are allowed).',
        tags,
        body: ReserveBody,
        response: { 200: ReservationSchema, 201: ReservationSchema, ...h.problems(403, 409, 422) },
      },
    },
    async (req, reply) => {
      const { reservation, movement } = await reservations.reserve(req.body);
      return reply.code(movement.duplicate ? 200 : 201).send(reservation);
    },
  );
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/reservations',
    {
      config: read,
      schema: {
        summary: 'Reservations by key (cursor pagination)',
        tags,
        querystring: ListQuery,
        response: { 200: Page(ReservationSchema) },
      },
    },
    async (req) => reservations.list(req.query as Parameters<typeof reservations.list>[0]),
  );
  app.get<{ Params: { key: string } }>(
    '/reservations/:key',
    {
      config: read,
      schema: {
        summary: 'A reservation',
        tags,
        params: KeyParams,
        response: { 200: ReservationSchema, ...h.problems(404) },
      },
    },
    async (req) => reservations.get(req.params.key),
  );
  app.delete<{ Params: { key: string } }>(
    '/reservations/:key',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Release a reservation (the order line was cancelled)',
        description:
          'Releasing a released or expired reservation changes nothing; an allocated one is 409 ERP_RESERVATION_STATE.',
        tags,
        params: KeyParams,
        response: { 200: ReservationSchema, ...h.problems(403, 404, 409) },
      },
    },
    async (req) => reservations.release(req.params.key),
  );
  app.post<{ Params: { key: string }; Body: Static<typeof AllocateBody> | undefined }>(
    '/reservations/:key/allocate',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Convert a reservation into an allocation',
        tags,
        params: KeyParams,
        body: AllocateBody,
        response: { 200: ReservationSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req) => reservations.allocate(req.params.key, req.body ?? {}),
  );
  app.post(
    '/reservations/sweep',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Release expired reservations now (one batch)',
        description: 'The background sweep does this every `erp.sweepIntervalMs`; this runs it at once.',
        tags,
        response: { 200: Type.Object({ released: Type.Integer() }), ...h.problems(403) },
      },
    },
    async () => ({ released: await reservations.sweepExpired() }),
  );
}

import { Type } from '@sinclair/typebox';

/** Response schemas of the bus admin routes, mirroring the BusAdmin port's types. */
export const StoredEventSchema = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String(),
    source: Type.String(),
    type: Type.String(),
    subject: Type.String(),
    time: Type.String({ format: 'date-time' }),
    datacontenttype: Type.String(),
    dataschema: Type.String(),
    partitionkey: Type.String(),
    correlationid: Type.String(),
    causationid: Type.Optional(Type.String()),
    traceparent: Type.Optional(Type.String()),
    aggregateversion: Type.Optional(Type.Integer()),
    seq: Type.Integer(),
    data: Type.Unknown(),
  },
  // CloudEvents allows further extension attributes: pass them through.
  { additionalProperties: true, description: 'A CloudEvents 1.0 event with its log position' },
);

export const DeadLetterStatusSchema = Type.Union(
  ['open', 'retry_requested', 'retrying', 'resolved', 'discarded'].map((s) => Type.Literal(s)),
);

export const DeadLetterSchema = Type.Object({
  id: Type.String(),
  group: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  seq: Type.Integer(),
  event: StoredEventSchema,
  status: DeadLetterStatusSchema,
  error: Type.String(),
  attempts: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Type.String(),
      error: Type.String(),
      code: Type.Optional(Type.String()),
    }),
  ),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  resolution: Type.Optional(
    Type.Object({
      actor: Type.String(),
      action: Type.Union([Type.Literal('retry'), Type.Literal('discard')]),
      reason: Type.Optional(Type.String()),
      at: Type.String(),
    }),
  ),
});

export const GroupStatusSchema = Type.Object({
  group: Type.String(),
  position: Type.Integer(),
  head: Type.Integer(),
  lag: Type.Integer(),
  openDeadLetters: Type.Integer(),
  generation: Type.Integer(),
});

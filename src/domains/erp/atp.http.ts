import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { CHANNEL_PATTERN } from './atp.service.js';
import type { ErpServices } from './erp.services.js';
import { SKU_PATTERN } from './ledger.validate.js';

/** Channels' stock sources and available-to-promise. */

const tags = ['erp'];
const MAX_ATP_SKUS = 500;
const SKU_RE = new RegExp(SKU_PATTERN);

const ChannelParams = Type.Object({ channel: Type.String({ pattern: CHANNEL_PATTERN }) });
const ChannelSourcesSchema = Type.Object({
  channel: Type.String(),
  locations: Type.Array(Type.String()),
  inboundHorizonDays: Type.Integer(),
  updatedAt: Type.String(),
});
const ChannelBody = Type.Object(
  {
    locations: Type.Array(Type.String({ maxLength: 100 }), {
      maxItems: 1000,
      description: 'Location codes it sells from',
    }),
    inboundHorizonDays: Type.Optional(
      Type.Integer({ description: 'Inbound expected within this many days counts towards ATP (default 0)' }),
    ),
  },
  { additionalProperties: false },
);
const AtpQuery = Type.Object({
  channel: Type.String({ pattern: CHANNEL_PATTERN }),
  skus: Type.String({
    minLength: 1,
    maxLength: 60_000,
    description: `Comma-separated, at most ${MAX_ATP_SKUS}`,
  }),
  horizonDays: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 3650, description: "Overrides the channel's" }),
  ),
});
const AtpSchema = Type.Object({
  channel: Type.String(),
  horizonEnd: Type.String({ description: 'Inbound expected up to this instant is counted' }),
  items: Type.Array(
    Type.Object({
      sku: Type.String(),
      atp: Type.Integer(),
      locations: Type.Array(
        Type.Object({
          location: Type.String(),
          available: Type.Integer(),
          safetyStock: Type.Integer(),
          inbound: Type.Integer(),
          atp: Type.Integer(),
        }),
      ),
    }),
  ),
});

export function registerAtpRoutes(app: FastifyInstance, h: HttpHelpers, erp: ErpServices): void {
  const read = h.requireScopes('erp:read');
  const { atp } = erp;

  app.put<{ Params: { channel: string }; Body: Static<typeof ChannelBody> }>(
    '/channels/:channel',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Set the locations a channel sells from and its inbound horizon',
        description:
          '422 ERP_SETTINGS_INVALID lists unknown locations. Every SKU at those locations is republished.',
        tags,
        params: ChannelParams,
        body: ChannelBody,
        response: { 200: ChannelSourcesSchema, ...h.problems(403, 422) },
      },
    },
    async (req) => atp.putChannel(req.params.channel, req.body),
  );
  app.get(
    '/channels',
    {
      config: read,
      schema: {
        summary: 'Channels and their stock sources',
        tags,
        response: { 200: Type.Object({ items: Type.Array(ChannelSourcesSchema) }) },
      },
    },
    async () => ({ items: await atp.channels() }),
  );
  app.get<{ Params: { channel: string } }>(
    '/channels/:channel',
    {
      config: read,
      schema: {
        summary: "A channel's stock sources",
        tags,
        params: ChannelParams,
        response: { 200: ChannelSourcesSchema, ...h.problems(404) },
      },
    },
    async (req) => atp.channel(req.params.channel),
  );
  app.get<{ Querystring: Static<typeof AtpQuery> }>(
    '/atp',
    {
      config: read,
      schema: {
        summary: 'Available-to-promise of SKUs on a channel',
        description:
          'Per location: max(0, available − safety stock + inbound due by the horizon); per SKU: the sum over ' +
          "the channel's active locations. 404 ERP_CHANNEL_NOT_FOUND for a channel without sources.",
        tags,
        querystring: AtpQuery,
        response: { 200: AtpSchema, ...h.problems(404) },
      },
    },
    async (req) => {
      const skus = req.query.skus.split(',').map((s) => s.trim());
      const bad = skus.filter((s) => !SKU_RE.test(s));
      if (bad.length > 0 || skus.length > MAX_ATP_SKUS)
        throw KernelErrors.VALIDATION_FAILED.create(
          bad.length > 0
            ? `not SKUs: ${bad.slice(0, 5).join(', ')}`
            : `at most ${MAX_ATP_SKUS} SKUs per query`,
          {
            errors: [
              {
                path: '/querystring/skus',
                message: `comma-separated SKUs matching ${SKU_PATTERN}, at most ${MAX_ATP_SKUS}`,
              },
            ],
          },
        );
      return atp.atp({ channel: req.query.channel, skus, horizonDays: req.query.horizonDays });
    },
  );
}

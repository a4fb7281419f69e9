import { PassThrough, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { CODE_PATTERN, LOCALE_PATTERN } from './catalog.schemas.js';
import type { PimServices } from './pim.services.js';

/**
 * The bulk paths over HTTP: an import streamed from the request body (report back, rejects kept in
 * the blob store), and exports streamed to the response (products as CSV/JSONL, a channel's
 * Google feed). Nothing is buffered whole on either side.
 */

const tags = ['pim'];
const IMPORT_TYPES: Record<string, 'csv' | 'jsonl'> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/jsonlines': 'jsonl',
};

const ImportReportSchema = Type.Object({
  id: Type.String(),
  format: Type.String(),
  rows: Type.Integer(),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer(),
  problems: Type.Array(
    Type.Object({
      line: Type.Integer(),
      sku: Type.Optional(Type.String()),
      field: Type.String(),
      code: Type.String(),
      message: Type.String(),
    }),
  ),
  problemsTruncated: Type.Boolean(),
  durationMs: Type.Integer(),
  rejectsKey: Type.Union([Type.String(), Type.Null()], {
    description: 'Rejected rows with their problems: GET /imports/rejects/{rejectsKey}',
  }),
});

function registerImportParsers(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  const stream = (
    _req: FastifyRequest,
    payload: unknown,
    done: (err: Error | null, body?: unknown) => void,
  ) => done(null, payload);
  for (const type of Object.keys(IMPORT_TYPES)) scope.addContentTypeParser(type, stream);
  scope.addContentTypeParser('*', (req, _payload, done) =>
    done(
      KernelErrors.UNSUPPORTED_MEDIA_TYPE.create(
        `send the file as ${Object.keys(IMPORT_TYPES).join(', ')}, not ${req.headers['content-type'] ?? 'without a Content-Type'}`,
      ),
    ),
  );
}

export function registerBulkRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  app.register(async (scope) => {
    registerImportParsers(scope);
    scope.post<{ Body: Readable }>(
      '/imports',
      {
        config: h.ownedWrite('pim'),
        schema: {
          summary:
            'Import products from a CSV or JSONL body (streamed); bad rows are reported, the rest imported',
          description:
            'Content-Type text/csv or application/x-ndjson. One transaction per 1,000 rows; re-importing unchanged rows makes no version and no event. A header or encoding problem fails the whole file with 422 PIM_IMPORT_FILE_INVALID before anything is written.',
          tags,
          response: { 200: ImportReportSchema, ...h.problems(403, 415, 422) },
        },
      },
      async (req) => {
        const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        return pim.imports.importKeepingRejects(req.body, { format: IMPORT_TYPES[type] ?? 'csv' });
      },
    );
  });

  app.get<{ Params: { key: string } }>(
    '/imports/rejects/:key',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: "An import's rejected rows, in the file's format, each with its problems",
        tags,
        params: Type.Object({ key: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        response: { 200: Type.String(), ...h.problems(404) },
      },
    },
    async (req, reply) =>
      reply.type('text/plain; charset=utf-8').send(await pim.imports.rejectsFile(req.params.key)),
  );

  app.get<{ Querystring: { format?: 'csv' | 'jsonl'; family?: string } }>(
    '/exports/products',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: 'Every product as CSV (the import layout) or JSONL, streamed',
        tags,
        querystring: Type.Object({
          format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('jsonl')])),
          family: Type.Optional(Type.String({ pattern: CODE_PATTERN })),
        }),
        response: { 200: Type.String(), ...h.problems(400) },
      },
    },
    async (req, reply) => {
      const format = req.query.format ?? 'csv';
      const body = new PassThrough();
      // Headers go out with the first bytes; a failure after that cuts the stream short.
      pim.exports
        .exportProducts(body, { format, filter: { family: req.query.family } })
        .catch((err) => body.destroy(err as Error));
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson')
        .header('content-disposition', `attachment; filename="products.${format}"`)
        .send(body);
    },
  );

  app.get<{ Params: { code: string }; Querystring: { locale: string; link: string; currency?: string } }>(
    '/channels/:code/feeds/google',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: "The channel's published products in one locale as a Google Merchant Center feed (RSS 2.0)",
        tags,
        params: Type.Object({ code: Type.String({ pattern: CODE_PATTERN }) }),
        querystring: Type.Object({
          locale: Type.String({ pattern: LOCALE_PATTERN }),
          link: Type.String({ pattern: '^https?://', maxLength: 2000, description: "The shop's home page" }),
          currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
        }),
        response: { 200: Type.String(), ...h.problems(404, 422) },
      },
    },
    async (req, reply) => {
      const options = { channel: req.params.code, ...req.query };
      // Validate the channel/locale/currency before the first byte, so they still get a problem.
      await pim.exports.feedTarget(options);
      const body = new PassThrough();
      // The feed writer leaves a caller's stream open; this one ends with the feed.
      pim.exports.exportGoogleFeed(body, options).then(
        () => body.end(),
        (err) => body.destroy(err as Error),
      );
      return reply.type('application/rss+xml; charset=utf-8').send(body);
    },
  );
}

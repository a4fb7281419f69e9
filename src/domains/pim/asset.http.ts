import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { ASSET_MIME_TYPES } from './asset.sniff.js';
import { PimErrors } from './errors.js';
import {
  AssetLinksSchema,
  AssetSchema,
  binaryContent,
  IdParams,
  Page,
  PageQuery,
  UploadSchema,
} from './pim.schemas.js';
import type { PimServices } from './pim.services.js';

/**
 * Assets: raw uploads streamed to the blob store, listing, metadata, links and the content itself.
 *
 * Uploads are not JSON: the body is the file. Fastify's `bodyLimit` only applies to parsers that
 * buffer (`parseAs`); a parser that hands the request stream on is never limited by it, so a
 * 50 MB image is not refused at 1 MiB and is never held in memory. The size limit is the asset
 * service's (`assets.maxBytes`), enforced while the bytes stream to the blob store.
 */

const tags = ['pim'];
const UPLOAD_TYPES = ['application/octet-stream', 'image/*', 'application/pdf'] as const;

/** Accept the upload types as an unread stream, and refuse every other declared type up front. */
function registerUploadParsers(scope: FastifyInstance): void {
  // Only this child context: the other PIM routes keep the server's JSON-only parsing.
  scope.removeAllContentTypeParsers();
  const stream = (
    _req: FastifyRequest,
    payload: unknown,
    done: (err: Error | null, body?: unknown) => void,
  ) => done(null, payload);
  scope.addContentTypeParser('application/octet-stream', stream);
  scope.addContentTypeParser('application/pdf', stream);
  // Parameters (`image/png; name=x`) reach the RegExp too.
  scope.addContentTypeParser(/^image\/[a-z0-9][a-z0-9.+-]*(?:;|$)/i, stream);
  scope.addContentTypeParser('*', (req, _payload, done) =>
    done(
      PimErrors.ASSET_TYPE_UNSUPPORTED.create(
        `upload the file's bytes as ${UPLOAD_TYPES.join(', ')}, not ${req.headers['content-type'] ?? 'without a Content-Type'}`,
        { supported: ASSET_MIME_TYPES, contentTypes: UPLOAD_TYPES },
      ),
    ),
  );
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.[Symbol.asyncIterator] === 'function';
}

/**
 * The file name a client gave in `Content-Disposition` (RFC 6266): `filename*` (RFC 8187,
 * percent-encoded UTF-8) wins over `filename`. The service strips paths and control characters.
 */
export function dispositionFilename(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*utf-8'[^']*'([^;\s]+)/i.exec(header);
  if (extended) {
    try {
      return decodeURIComponent(extended[1]!);
    } catch {
      // Malformed percent-encoding: fall back to the plain parameter.
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted) return quoted[1]!.replace(/\\(.)/g, '$1');
  return /filename\s*=\s*([^;\s"]+)/i.exec(header)?.[1];
}

/**
 * `inline` with the name safe in a header whatever it holds: a quoted ASCII fallback (quotes,
 * backslashes, `%` and non-ASCII replaced) for old clients, and the exact name as RFC 8187
 * `filename*`. Names never contain control characters (the service strips them on upload).
 */
export function inlineDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `inline; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  return !!header && header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag || t.trim() === '*');
}

export function registerAssetRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  const { assets } = pim;
  const read = h.requireScopes('pim:read');

  app.register(async (scope) => {
    registerUploadParsers(scope);
    scope.post<{ Querystring: { filename?: string } }>(
      '/assets',
      {
        // Not idempotent by key: content addressing already makes a retried upload return the
        // same asset (200, `deduplicated`), and a stored response could not cover a streamed body.
        config: h.ownedWrite('pim'),
        schema: {
          summary: 'Upload an image or document',
          description:
            'The request body is the file itself, sent as `application/octet-stream`, `image/*` or ' +
            '`application/pdf`; its real type is judged from its bytes (PNG, JPEG, GIF, WebP, AVIF, PDF). ' +
            'Name it with `?filename=` or `Content-Disposition: attachment; filename="…"`. 201 with the new ' +
            'asset, or 200 with the existing one when the same bytes were uploaded before. 413 ' +
            'PIM_ASSET_TOO_LARGE over `assets.maxBytes`, 415 PIM_ASSET_TYPE_UNSUPPORTED. Writing needs ' +
            '`pim:write` (403 OWNERSHIP_VIOLATION otherwise, audited).',
          tags,
          querystring: Type.Object({
            filename: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
          }),
          response: { 200: UploadSchema, 201: UploadSchema, ...h.problems(403, 413, 415) },
        },
      },
      async (req, reply) => {
        if (!isStream(req.body))
          throw KernelErrors.VALIDATION_FAILED.create("send the file's bytes as the request body", {
            errors: [{ path: '/body', message: 'must be the file' }],
          });
        const filename = req.query.filename ?? dispositionFilename(req.headers['content-disposition']);
        const result = await assets.upload(req.body, filename);
        return reply
          .code(result.deduplicated ? 200 : 201)
          .header('location', `${req.url.split('?')[0]}/${result.asset.id}`)
          .send(result);
      },
    );
  });

  app.get<{ Querystring: { after?: string; limit?: number } }>(
    '/assets',
    {
      config: read,
      schema: {
        summary: 'Assets, oldest first; page with after = next',
        tags,
        querystring: PageQuery,
        response: { 200: Page(AssetSchema) },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      // One more than asked tells whether a next page exists without a count query.
      const rows = await assets.list({ after: req.query.after, limit: limit + 1 });
      const items = rows.slice(0, limit);
      return rows.length > limit ? { items, next: items.at(-1)!.id } : { items };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/assets/:id',
    {
      config: read,
      schema: {
        summary: "An asset's metadata",
        tags,
        params: IdParams,
        response: { 200: AssetSchema, ...h.problems(404) },
      },
    },
    async (req) => assets.get(req.params.id),
  );
  app.get<{ Params: { id: string } }>(
    '/assets/:id/content',
    {
      config: read,
      schema: {
        summary: "The asset's file",
        description:
          'Served with its detected Content-Type; `ETag` is the SHA-256 of the bytes (If-None-Match → 304).',
        tags,
        params: IdParams,
        response: { 200: binaryContent('The file', ASSET_MIME_TYPES), 304: Type.Null(), ...h.problems(404) },
      },
    },
    async (req, reply: FastifyReply) => {
      const asset = await assets.get(req.params.id);
      const etag = `"${asset.checksum}"`;
      // An asset id always names the same bytes, so caches may keep them (privately: keys guard them).
      reply.header('etag', etag).header('cache-control', 'private, max-age=31536000, immutable');
      if (etagMatches(req.headers['if-none-match'], etag)) return reply.code(304).send();
      const { stream } = await assets.content(asset.id);
      return (
        reply
          .type(asset.mime)
          .header('content-length', String(asset.size))
          .header('content-disposition', inlineDisposition(asset.filename))
          // The type was decided from the bytes; browsers must not second-guess it into HTML.
          .header('x-content-type-options', 'nosniff')
          .send(stream)
      );
    },
  );
  app.get<{ Params: { id: string } }>(
    '/assets/:id/links',
    {
      config: read,
      schema: {
        summary: 'The products and product models that use the asset',
        tags,
        params: IdParams,
        response: { 200: AssetLinksSchema, ...h.problems(404) },
      },
    },
    async (req) => assets.links(req.params.id),
  );
}

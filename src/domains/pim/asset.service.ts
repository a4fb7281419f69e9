import type { Readable } from 'node:stream';
import { newId } from '../../kernel/ids.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { BlobSource } from '../../kernel/ports/blob.js';
import { BlobErrors } from '../../kernel/ports/blob.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { ASSET_MIME_TYPES, SNIFF_HEAD_BYTES, sniffAsset } from './asset.sniff.js';
import { PimErrors } from './errors.js';
import { author } from './product.service.js';

/**
 * Assets: images and documents linked to products through media attributes. The bytes go to the
 * blob store (content-addressed, so the same file uploaded twice is stored once and is one asset);
 * the type is decided from the bytes, never from the name or a declared Content-Type.
 */

export interface Asset {
  id: string;
  checksum: string;
  filename: string;
  mime: string;
  kind: 'image' | 'document';
  size: number;
  width: number | null;
  height: number | null;
  createdBy: string;
  createdAt: string;
}

interface AssetRow {
  id: string;
  blob_key: string;
  filename: string;
  mime: string;
  kind: string;
  size: number;
  width: number | null;
  height: number | null;
  created_by: string;
  created_at: string;
}

const toAsset = (r: AssetRow): Asset => ({
  id: r.id,
  checksum: r.blob_key,
  filename: r.filename,
  mime: r.mime,
  kind: r.kind as Asset['kind'],
  size: Number(r.size),
  width: r.width === null ? null : Number(r.width),
  height: r.height === null ? null : Number(r.height),
  createdBy: r.created_by,
  createdAt: r.created_at,
});

const FILENAME_MAX = 255;

function cleanFilename(name: string | undefined): string {
  // Keep the last path segment, without control characters: it is shown and sent back in headers.
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const safe = [...base]
    .filter((ch) => ch >= ' ' && ch !== '\u007f')
    .join('')
    .trim();
  return safe.slice(0, FILENAME_MAX) || 'unnamed';
}

/** Read the first `n` bytes of a stream and hand back the whole stream (head first) for storing. */
async function splitHead(
  source: BlobSource,
  n: number,
): Promise<{ head: Uint8Array; all: AsyncIterable<Uint8Array> }> {
  if (source instanceof Uint8Array)
    return {
      head: source.subarray(0, n),
      all: (async function* () {
        yield source;
      })(),
    };
  const it = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const next = await it.next();
    if (next.done) {
      done = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.byteLength;
  }
  const head = Buffer.concat(chunks).subarray(0, n);
  async function* all() {
    yield* chunks;
    if (done) return;
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, all: all() };
}

export function createAssetService(deps: DomainDeps, options: { maxAssetBytes: number }) {
  const { store, blobs, clock, audit } = deps;

  async function row(id: string): Promise<AssetRow> {
    const r = await store.db.selectFrom('pim_assets').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw PimErrors.ASSET_NOT_FOUND.create(`asset ${id} does not exist`, { id });
    return r as AssetRow;
  }

  return {
    /**
     * Store an uploaded file. Unsupported types (by content) and files over the limit are refused
     * with nothing stored. Uploading content that is already an asset returns that asset.
     */
    async upload(source: BlobSource, filename?: string): Promise<{ asset: Asset; deduplicated: boolean }> {
      await assertOwnership(deps, 'pim', 'assets', ['assets']);
      const { head, all } = await splitHead(source, SNIFF_HEAD_BYTES);
      const sniffed = sniffAsset(head);
      if (!sniffed)
        throw PimErrors.ASSET_TYPE_UNSUPPORTED.create(
          `the file is not a supported image or document; supported: ${ASSET_MIME_TYPES.join(', ')}`,
          { supported: ASSET_MIME_TYPES },
        );
      let blob: Awaited<ReturnType<typeof blobs.put>>;
      try {
        blob = await blobs.put(all, { maxBytes: options.maxAssetBytes });
      } catch (e) {
        if (BlobErrors.TOO_LARGE.is(e))
          throw PimErrors.ASSET_TOO_LARGE.create(`assets are limited to ${options.maxAssetBytes} bytes`, {
            maxBytes: options.maxAssetBytes,
          });
        throw e;
      }
      return store.tx(async (tx) => {
        const existing = await tx
          .selectFrom('pim_assets')
          .selectAll()
          .where('blob_key', '=', blob.key)
          .executeTakeFirst();
        if (existing) return { asset: toAsset(existing as AssetRow), deduplicated: true };
        const r: AssetRow = {
          id: newId('ast'),
          blob_key: blob.key,
          filename: cleanFilename(filename),
          mime: sniffed.mime,
          kind: sniffed.kind,
          size: blob.size,
          width: sniffed.width ?? null,
          height: sniffed.height ?? null,
          created_by: author(),
          created_at: clock.now().toISOString(),
        };
        await tx.insertInto('pim_assets').values(r).execute();
        await audit.record(tx, { action: 'pim.asset.upload', target: r.id, after: toAsset(r) });
        return { asset: toAsset(r), deduplicated: false };
      });
    },

    async get(id: string): Promise<Asset> {
      return toAsset(await row(id));
    },

    async list(query: { after?: string; limit?: number } = {}): Promise<Asset[]> {
      const rows = await store.db
        .selectFrom('pim_assets')
        .selectAll()
        .where('id', '>', query.after ?? '')
        .orderBy('id')
        .limit(Math.min(query.limit ?? 100, 500))
        .execute();
      return (rows as AssetRow[]).map(toAsset);
    },

    async content(id: string): Promise<{ asset: Asset; stream: Readable }> {
      const r = await row(id);
      return { asset: toAsset(r), stream: await blobs.get(r.blob_key) };
    },

    /** The products and models whose media values use the asset. */
    async links(id: string): Promise<{ products: { id: string; sku: string }[]; models: string[] }> {
      await row(id);
      const pattern = `%"${id}"%`;
      const products = await store.db
        .selectFrom('pim_products')
        .select(['id', 'sku'])
        .where('values', 'like', pattern)
        .orderBy('sku')
        .limit(1000)
        .execute();
      const models = await store.db
        .selectFrom('pim_models')
        .select('code')
        .where('values', 'like', pattern)
        .orderBy('code')
        .execute();
      return {
        products: products.map((p) => ({ id: p.id as string, sku: p.sku as string })),
        models: models.map((m) => m.code as string),
      };
    },
  };
}

export type AssetService = ReturnType<typeof createAssetService>;

import type { Readable } from 'node:stream';
import { defineError } from '../errors.js';

/**
 * The BlobStore port: immutable, content-addressed bytes (asset files, imports, exports). The key is
 * the SHA-256 of the content, so identical uploads share one blob and a key can be trusted to name
 * exactly one byte sequence. Metadata (names, MIME types, who uses a blob) lives in the domains'
 * tables, never here. Embedded: a directory on disk; distributed: an S3-compatible bucket.
 */
export const BlobErrors = {
  NOT_FOUND: defineError({ code: 'BLOB_NOT_FOUND', status: 404, title: 'No such blob' }),
  TOO_LARGE: defineError({ code: 'BLOB_TOO_LARGE', status: 413, title: 'Blob exceeds the size limit' }),
  KEY_INVALID: defineError({
    code: 'BLOB_KEY_INVALID',
    status: 400,
    title: 'Blob key must be 64 lowercase hex characters (SHA-256)',
  }),
};

/** Shape of a key; adapters check it before building any path or URL from it. */
export const BLOB_KEY_PATTERN = /^[0-9a-f]{64}$/;

export interface BlobInfo {
  /** SHA-256 of the content, lowercase hex. */
  key: string;
  size: number;
}

export type BlobSource = AsyncIterable<Uint8Array> | Uint8Array;

export interface BlobPutOptions {
  /** More bytes than this abort the write with BLOB_TOO_LARGE; nothing is left behind. */
  maxBytes?: number;
}

/** Every method taking a key rejects a malformed one with BLOB_KEY_INVALID. */
export interface BlobStore {
  /**
   * Stream `source` into storage, hashing on the way. Storing content that is already there is a
   * no-op returning the same key with `created: false`; among concurrent writers of new content
   * exactly one sees `created: true`. Resolves only once the bytes are durable. On failure (too
   * large, source error) no partial blob is visible and no temporary data remains.
   */
  put(source: BlobSource, options?: BlobPutOptions): Promise<BlobInfo & { created: boolean }>;
  /**
   * The content as a stream; throws BLOB_NOT_FOUND before any byte is read if the key is absent.
   * Consume or destroy the stream: it holds an open file or connection until then.
   */
  get(key: string): Promise<Readable>;
  /** Size of a stored blob (for Content-Length), or null if absent. */
  stat(key: string): Promise<BlobInfo | null>;
  has(key: string): Promise<boolean>;
  /** Whether something was deleted. Callers own reference counting: a key may be shared. */
  delete(key: string): Promise<boolean>;
  /** Where the blobs are, for operators (a directory, a bucket URL); never credentials. */
  readonly location: string;
}

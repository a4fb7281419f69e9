import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, link, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import {
  BLOB_KEY_PATTERN,
  BlobErrors,
  type BlobInfo,
  type BlobPutOptions,
  type BlobSource,
  type BlobStore,
} from '../../kernel/ports/blob.js';

export interface DiskBlobStoreOptions {
  /** Directory holding `<aa>/<bb>/<sha256>` and `tmp/`; created if missing. */
  root: string;
  /** Temp files older than this are a crashed writer's leftovers and are removed at startup. */
  staleTempMs?: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Filesystems without hard links (some network and FUSE mounts) answer link() with these. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS']);

/**
 * The embedded BlobStore: one file per blob, fanned out over two directory levels so that no
 * directory grows past a few thousand entries. Writes land in `tmp/` (same filesystem, so placing
 * them is atomic) and only complete, fsynced files ever appear under their key.
 */
export async function createDiskBlobStore(options: DiskBlobStoreOptions): Promise<BlobStore> {
  const root = resolve(options.root);
  const tmp = join(root, 'tmp');
  await mkdir(tmp, { recursive: true });
  await sweepStaleTemp(tmp, options.staleTempMs ?? DAY_MS);
  const pathOf = (key: string) => {
    if (typeof key !== 'string' || !BLOB_KEY_PATTERN.test(key))
      throw BlobErrors.KEY_INVALID.create(undefined, { key: String(key).slice(0, 100) });
    return join(root, key.slice(0, 2), key.slice(2, 4), key);
  };

  return {
    location: root,

    async put(source: BlobSource, putOptions?: BlobPutOptions) {
      const maxBytes = putOptions?.maxBytes ?? Number.POSITIVE_INFINITY;
      // NaN would compare false forever and silently lift the limit.
      if (!(maxBytes >= 0)) throw new RangeError(`BlobStore.put: maxBytes must be >= 0, got ${maxBytes}`);
      if (source instanceof Uint8Array && source.byteLength > maxBytes) throw tooLarge(maxBytes);

      const tmpPath = join(tmp, `${randomBytes(16).toString('hex')}.part`);
      const hash = createHash('sha256');
      let size = 0;
      let fh: FileHandle | undefined;
      try {
        fh = await open(tmpPath, 'wx');
        for await (const chunk of chunksOf(source)) {
          if (!(chunk instanceof Uint8Array))
            throw new TypeError('BlobStore.put: the source must yield Uint8Array chunks');
          size += chunk.byteLength;
          // Leaving the loop returns the source iterator, so an oversized upload stops being read.
          if (size > maxBytes) throw tooLarge(maxBytes);
          hash.update(chunk);
          await writeAll(fh, chunk);
        }
        const key = hash.digest('hex');
        const target = pathOf(key);
        // Known content needs no fsync: the stored copy is already durable.
        const known = await exists(target);
        if (!known) await fh.sync();
        await fh.close();
        fh = undefined;
        const created = known ? false : await place(tmpPath, target, root);
        return { key, size, created };
      } finally {
        await fh?.close().catch(() => {});
        await rm(tmpPath, { force: true });
      }
    },

    async get(key: string): Promise<Readable> {
      const path = pathOf(key);
      // Opening first turns a missing blob into BLOB_NOT_FOUND now rather than a stream error later,
      // and keeps the bytes readable even if the blob is deleted mid-read.
      const fh = await open(path, 'r').catch((err: unknown) => {
        throw isCode(err, 'ENOENT') ? BlobErrors.NOT_FOUND.create(undefined, { key }) : err;
      });
      return fh.createReadStream();
    },

    async stat(key: string): Promise<BlobInfo | null> {
      const path = pathOf(key);
      try {
        return { key, size: (await stat(path)).size };
      } catch (err) {
        if (isCode(err, 'ENOENT')) return null;
        throw err;
      }
    },

    async has(key: string): Promise<boolean> {
      return exists(pathOf(key));
    },

    async delete(key: string): Promise<boolean> {
      const path = pathOf(key);
      try {
        await unlink(path);
        return true;
      } catch (err) {
        if (isCode(err, 'ENOENT')) return false;
        throw err;
      }
    },
  };
}

/**
 * Move a complete temp file under its key. link() fails with EEXIST when a concurrent writer got
 * there first, which makes `created` exact; rename() would silently replace the file instead.
 */
async function place(tmpPath: string, target: string, root: string): Promise<boolean> {
  const dir = dirname(target);
  const madeDirs = (await mkdir(dir, { recursive: true })) !== undefined;
  let created: boolean;
  try {
    await link(tmpPath, target);
    created = true;
  } catch (err) {
    if (isCode(err, 'EEXIST')) return false;
    if (!NO_HARD_LINKS.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    // Without hard links, rename over an identical file is still atomic; only `created` may be
    // reported twice when two writers race.
    created = !(await exists(target));
    await rename(tmpPath, target);
  }
  // The new directory entries must survive a power loss too, not just the file's bytes.
  await fsyncDir(dir);
  if (madeDirs) {
    await fsyncDir(dirname(dir));
    await fsyncDir(root);
  }
  return created;
}

async function sweepStaleTemp(tmp: string, staleMs: number): Promise<void> {
  // mtimes are wall-clock time, so this compares against the wall clock rather than the Clock port.
  const cutoff = Date.now() - staleMs;
  for (const name of await readdir(tmp)) {
    const path = join(tmp, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}

async function* chunksOf(source: BlobSource): AsyncIterable<Uint8Array> {
  // A Uint8Array is itself iterable (over numbers), so it must not reach `for await` directly.
  if (source instanceof Uint8Array) yield source;
  else yield* source;
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  // Windows cannot open directories for syncing; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return false;
    throw err;
  }
}

function tooLarge(maxBytes: number) {
  return BlobErrors.TOO_LARGE.create(`The content is larger than ${maxBytes} bytes`, { maxBytes });
}

function isCode(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}

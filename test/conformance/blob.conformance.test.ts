import { createHash, randomBytes } from 'node:crypto';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/kernel/ports/blob.js';
import { createDiskBlobStore } from '../../src/platform/blob-disk/index.js';
import { tempDir } from '../support/backends.js';

interface BlobHarness {
  store: BlobStore;
  /** A second instance over the same storage, as after a restart. */
  reopen(): Promise<BlobStore>;
  /** Every object in the backing storage, temporary ones included. */
  leftovers(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** One entry per adapter; the S3-compatible store joins here. */
const adapters: Record<string, () => Promise<BlobHarness>> = {
  disk: async () => {
    const tmp = tempDir('keel-blob-');
    return {
      store: await createDiskBlobStore({ root: tmp.dir }),
      reopen: () => createDiskBlobStore({ root: tmp.dir }),
      leftovers: () => filesUnder(tmp.dir),
      cleanup: async () => tmp.remove(),
    };
  },
};

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(root, join(e.parentPath, e.name)));
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const read = async (stream: Readable) => Buffer.concat(await stream.toArray());

/** Yields `data` in uneven chunks, pausing between them so concurrent writers interleave. */
async function* chunked(data: Uint8Array, size = 7919) {
  for (let at = 0; at < data.length; at += size) {
    await tick();
    yield data.subarray(at, at + size);
  }
}

const INVALID_KEYS = [
  '',
  'abc',
  'A'.repeat(64),
  '0'.repeat(63),
  '0'.repeat(65),
  `../../${'0'.repeat(58)}`,
  `${'0'.repeat(62)}/.`,
  `tmp/${'0'.repeat(60)}`,
];

describe.each(Object.keys(adapters))('BlobStore conformance [%s]', (name) => {
  let h: BlobHarness;
  let store: BlobStore;
  afterEach(async () => h?.cleanup());
  const open = async () => {
    h = await adapters[name]!();
    store = h.store;
  };

  it('stores bytes under their SHA-256 and returns them unchanged', async () => {
    await open();
    const data = new TextEncoder().encode('a product photo, honestly');
    const info = await store.put(data);
    expect(info).toEqual({ key: sha256(data), size: data.length, created: true });
    expect(await read(await store.get(info.key))).toEqual(Buffer.from(data));
    expect(await store.stat(info.key)).toEqual({ key: info.key, size: data.length });
    expect(await store.has(info.key)).toBe(true);
  });

  it('streams a large source in uneven chunks, and an empty one', async () => {
    await open();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const info = await store.put(chunked(data, 65_537));
    expect(info).toMatchObject({ key: sha256(data), size: data.length });
    expect((await read(await store.get(info.key))).equals(data)).toBe(true);
    const empty = await store.put(new Uint8Array());
    expect(empty).toEqual({ key: sha256(new Uint8Array()), size: 0, created: true });
    expect(await read(await store.get(empty.key))).toHaveLength(0);
  });

  it('deduplicates: the same content, however chunked, is one blob', async () => {
    await open();
    const data = randomBytes(50_000);
    const first = await store.put(data);
    const second = await store.put(chunked(data));
    expect(second).toEqual({ ...first, created: false });
    expect(await h.leftovers()).toHaveLength(1);
  });

  it('aborts past maxBytes, stops reading the source, and leaves nothing behind', async () => {
    await open();
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        for (let i = 0; i < 100; i++) {
          pulled++;
          yield new Uint8Array(1000).fill(i);
        }
      } finally {
        closed = true;
      }
    }
    await expect(store.put(source(), { maxBytes: 2500 })).rejects.toMatchObject({
      code: 'BLOB_TOO_LARGE',
      status: 413,
    });
    expect(pulled).toBe(3);
    expect(closed).toBe(true);
    await expect(store.put(new Uint8Array(2501), { maxBytes: 2500 })).rejects.toMatchObject({
      code: 'BLOB_TOO_LARGE',
    });
    expect(await h.leftovers()).toEqual([]);
    expect(await store.put(new Uint8Array(2500), { maxBytes: 2500 })).toMatchObject({ size: 2500 });
  });

  it('rejects oversized content even when it is already stored, keeping the stored copy', async () => {
    await open();
    const data = randomBytes(4000);
    const { key } = await store.put(data);
    await expect(store.put(chunked(data, 1000), { maxBytes: 3999 })).rejects.toMatchObject({
      code: 'BLOB_TOO_LARGE',
    });
    expect(await store.stat(key)).toEqual({ key, size: 4000 });
    expect(await h.leftovers()).toHaveLength(1);
  });

  it('passes a source error through and leaves nothing behind', async () => {
    await open();
    async function* failing() {
      yield randomBytes(10_000);
      throw new Error('upload connection reset');
    }
    await expect(store.put(failing())).rejects.toThrow('upload connection reset');
    expect(await h.leftovers()).toEqual([]);
  });

  it('rejects malformed keys before touching storage', async () => {
    await open();
    for (const key of INVALID_KEYS) {
      const invalid = { code: 'BLOB_KEY_INVALID', status: 400 };
      await expect(store.get(key), key).rejects.toMatchObject(invalid);
      await expect(store.stat(key), key).rejects.toMatchObject(invalid);
      await expect(store.has(key), key).rejects.toMatchObject(invalid);
      await expect(store.delete(key), key).rejects.toMatchObject(invalid);
    }
  });

  it('reports a missing blob as BLOB_NOT_FOUND on get and absent elsewhere', async () => {
    await open();
    const key = sha256(new TextEncoder().encode('never stored'));
    await expect(store.get(key)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND', status: 404 });
    expect(await store.stat(key)).toBeNull();
    expect(await store.has(key)).toBe(false);
    expect(await store.delete(key)).toBe(false);
  });

  it('lets concurrent writers of the same content all succeed, exactly one creating it', async () => {
    await open();
    const data = randomBytes(200_000);
    const results = await Promise.all(Array.from({ length: 8 }, () => store.put(chunked(data))));
    expect(new Set(results.map((r) => r.key))).toEqual(new Set([sha256(data)]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await h.leftovers()).toHaveLength(1);
    expect((await read(await store.get(sha256(data)))).equals(data)).toBe(true);
  });

  it('deletes, after which the content can be stored anew', async () => {
    await open();
    const data = randomBytes(1000);
    const { key } = await store.put(data);
    expect(await store.delete(key)).toBe(true);
    expect(await store.has(key)).toBe(false);
    expect(await store.delete(key)).toBe(false);
    await expect(store.get(key)).rejects.toMatchObject({ code: 'BLOB_NOT_FOUND' });
    expect(await store.put(data)).toMatchObject({ key, created: true });
  });

  it('keeps blobs across a restart', async () => {
    await open();
    const data = randomBytes(1000);
    const { key } = await store.put(data);
    const again = await h.reopen();
    expect(again.location).toBe(store.location);
    expect((await read(await again.get(key))).equals(data)).toBe(true);
  });
});

describe('DiskBlobStore layout', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp?.remove());

  it('files a blob as <aa>/<bb>/<sha256> and leaves tmp/ empty', async () => {
    tmp = tempDir('keel-blob-');
    const store = await createDiskBlobStore({ root: tmp.dir });
    expect(store.location).toBe(tmp.dir);
    const { key } = await store.put(randomBytes(100));
    expect(await filesUnder(tmp.dir)).toEqual([join(key.slice(0, 2), key.slice(2, 4), key)]);
    expect(await readdir(join(tmp.dir, 'tmp'))).toEqual([]);
  });

  it("sweeps a crashed writer's stale temp files at startup, sparing recent ones", async () => {
    tmp = tempDir('keel-blob-');
    await createDiskBlobStore({ root: tmp.dir });
    const stale = join(tmp.dir, 'tmp', 'stale.part');
    const recent = join(tmp.dir, 'tmp', 'recent.part');
    await writeFile(stale, 'half an upload');
    await writeFile(recent, 'an upload in progress elsewhere');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    await utimes(stale, twoDaysAgo, twoDaysAgo);
    await createDiskBlobStore({ root: tmp.dir });
    expect(await readdir(join(tmp.dir, 'tmp'))).toEqual(['recent.part']);
  });
});

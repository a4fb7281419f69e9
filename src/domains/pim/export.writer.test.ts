import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvLine, LineWriter } from './export.writer.js';
import { readCsvRecords } from './import.reader.js';

describe('csvLine', () => {
  it('quotes only the fields that need it, doubling quotes', () => {
    expect(csvLine(['a', 'b c', ''])).toBe('a,b c,\r\n');
    expect(csvLine(['a,b', 'say "hi"', 'x\ny', 'x\rz', ' lead', 'trail\t', 'mid dle'])).toBe(
      '"a,b","say ""hi""","x\ny","x\rz"," lead","trail\t",mid dle\r\n',
    );
    expect(csvLine([])).toBe('\r\n');
    expect(csvLine([''])).toBe('""\r\n');
  });

  it('reads back exactly, however the text is cut into chunks', async () => {
    const field = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\0'));
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 4 })
          .chain((width) =>
            fc.tuple(
              fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: width, maxLength: width }),
              fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 6 }),
            ),
          ),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        async ([header, rows], cuts) => {
          fc.pre(new Set(header).size === header.length);
          const bytes = Buffer.from([header, ...rows].map(csvLine).join(''));
          const chunks: Buffer[] = [];
          for (let at = 0, k = 0; at < bytes.length; at += cuts[k++ % cuts.length]!) {
            chunks.push(bytes.subarray(at, at + cuts[k % cuts.length]!));
          }
          const back: string[][] = [];
          for await (const item of readCsvRecords(Readable.from(chunks))) {
            if (!('record' in item)) throw new Error(JSON.stringify(item));
            back.push(header.map((h) => item.record[h]!));
          }
          // Rows of empty fields only are read as blank lines.
          expect(back).toEqual(rows.filter((r) => r.some((f) => f !== '')));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('LineWriter', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keel-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a file through a temporary file renamed into place', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, 'old content');
    const writer = new LineWriter(path);
    for (let i = 0; i < 10_000; i++) await writer.write(csvLine([`sku-${i}`, 'x']));
    expect(await readFile(path, 'utf8')).toBe('old content');
    await writer.close();
    const text = await readFile(path, 'utf8');
    expect(text.split('\r\n')).toHaveLength(10_001);
    expect(text.startsWith('sku-0,x\r\nsku-1,x\r\n')).toBe(true);
    expect(await readdir(dir)).toEqual(['out.csv']);
  });

  it('batches lines into chunks of about 64 KiB and waits for drain', async () => {
    const writes: number[] = [];
    let waits = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        writes.push(chunk.length);
        setImmediate(done);
      },
    });
    const writer = new LineWriter(slow);
    const line = `${'x'.repeat(99)}\n`;
    for (let i = 0; i < 5_000; i++) {
      const pending = writer.write(line);
      if (pending) {
        waits++;
        await pending;
      }
    }
    await writer.close();
    expect(writes.reduce((a, b) => a + b, 0)).toBe(500_000);
    expect(writes.length).toBeLessThanOrEqual(8);
    expect(Math.min(...writes.slice(0, -1))).toBeGreaterThanOrEqual(64 * 1024);
    expect(waits).toBeGreaterThan(0);
    expect(slow.writableFinished).toBe(true);
  });

  it('removes the temporary file on abort and leaves the target alone', async () => {
    const path = join(dir, 'out.csv');
    await writeFile(path, 'old content');
    const writer = new LineWriter(path, { chunkSize: 10 });
    await writer.write('a line that gets flushed\n');
    await writer.abort();
    await writer.abort();
    expect(await readdir(dir)).toEqual(['out.csv']);
    expect(await readFile(path, 'utf8')).toBe('old content');
    await expect(writer.write('late\n')).rejects.toThrow('aborted');
  });

  it('removes the temporary file when the rename fails', async () => {
    const path = join(dir, 'taken');
    await mkdir(join(path, 'child'), { recursive: true });
    const writer = new LineWriter(path);
    await writer.write('x\n');
    await expect(writer.close()).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
  });

  it('reports a failing stream on the next write or close', async () => {
    const broken = new Writable({
      write(_chunk, _enc, done) {
        done(new Error('disk full'));
      },
    });
    const writer = new LineWriter(broken, { chunkSize: 1 });
    await expect(Promise.resolve(writer.write('a\n')).then(() => writer.write('b\n'))).rejects.toThrow(
      'disk full',
    );
    await writer.abort();
    const missing = new LineWriter(join(dir, 'no', 'such', 'dir.csv'));
    await expect(Promise.resolve(missing.write('a\n')).then(() => missing.close())).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });
});

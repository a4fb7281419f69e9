/**
 * Writing export files: RFC 4180 CSV lines, and a line writer that batches small writes into
 * large chunks, honours backpressure, and never leaves a half-written file under the final name.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';

// Quoted: separators, quotes and line breaks (RFC 4180), and edge blanks, which readers that trim
// unquoted fields would otherwise lose.
const NEEDS_QUOTES = /[",\r\n]|^[ \t]|[ \t]$/;

/** One CSV record, CRLF-terminated as RFC 4180 has it. */
export function csvLine(fields: readonly string[]): string {
  // A record of one empty field would be an empty line, which readers skip: write `""`.
  if (fields.length === 1 && fields[0] === '') return '""\r\n';
  let line = '';
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    if (i > 0) line += ',';
    line += NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
  }
  return `${line}\r\n`;
}

export interface LineWriterOptions {
  /** Bytes (roughly: UTF-16 code units) gathered before one write to the stream; default 64 KiB. */
  chunkSize?: number;
}

type Destroyable = NodeJS.WritableStream & { destroy?: (error?: Error) => void };

/**
 * Writes lines (each carrying its own line break) to a stream, or to a file: then into a temporary
 * file beside it, renamed into place by `close()`, so readers see the old file or the whole new one.
 * `await` every `write()`: it returns a promise only when the stream asked to wait (backpressure).
 * On failure call `abort()`: it removes the temporary file (and destroys a caller's stream).
 */
export class LineWriter {
  private readonly stream: Destroyable;
  private readonly path: string | null;
  private readonly temp: string | null;
  private readonly chunkSize: number;
  private parts: string[] = [];
  private size = 0;
  private failure: Error | null = null;
  private state: 'open' | 'closed' | 'aborted' = 'open';

  constructor(target: string | NodeJS.WritableStream, options: LineWriterOptions = {}) {
    this.chunkSize = options.chunkSize ?? 64 * 1024;
    if (typeof target === 'string') {
      this.path = target;
      // Same directory, so the rename stays on one file system and is atomic.
      const name = `.${basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
      this.temp = join(dirname(target), name);
      this.stream = createWriteStream(this.temp, { flags: 'wx' });
    } else {
      this.path = null;
      this.temp = null;
      this.stream = target;
    }
    // Kept until the next write or close reports it: an unhandled 'error' would crash the process.
    this.stream.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  /** Queue a line; resolves once the stream has room again when a full chunk had to wait. */
  write(line: string): Promise<void> | undefined {
    if (this.state !== 'open') return Promise.reject(new Error(`LineWriter is ${this.state}`));
    if (this.failure !== null) return Promise.reject(this.failure);
    this.parts.push(line);
    this.size += line.length;
    return this.size >= this.chunkSize ? this.flush() : undefined;
  }

  /** Write what is left, end the stream and, for a file, sync it and rename it into place. */
  async close(): Promise<void> {
    if (this.state !== 'open') throw new Error(`LineWriter is ${this.state}`);
    try {
      await this.flush();
      this.stream.end();
      await finished(this.stream);
      if (this.failure !== null) throw this.failure;
      if (this.temp !== null && this.path !== null) {
        // Durable before it gets the final name: a crash must not leave an empty file there.
        const handle = await open(this.temp, 'r+');
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(this.temp, this.path);
      }
      this.state = 'closed';
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  /** Give up: drop buffered lines, destroy the stream, remove the temporary file. Idempotent. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.parts = [];
    this.stream.destroy?.();
    // Wait for the file to be closed (it may still be opening) before removing it.
    await finished(this.stream).catch(() => {});
    if (this.temp !== null) await rm(this.temp, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.parts.length > 0) {
      const chunk = this.parts.length === 1 ? this.parts[0]! : this.parts.join('');
      this.parts = [];
      this.size = 0;
      if (!this.stream.write(chunk) && this.failure === null) await this.drained();
    }
    if (this.failure !== null) throw this.failure;
  }

  private drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.stream;
      const done = (err?: Error) => {
        stream.off('drain', onDrain);
        stream.off('error', onError);
        stream.off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => done();
      const onError = (err: Error) => done(err);
      const onClose = () => done(this.failure ?? new Error('The stream closed before it drained'));
      stream.on('drain', onDrain);
      stream.on('error', onError);
      stream.on('close', onClose);
    });
  }
}

import type { FieldError } from './catalog.types.js';

/**
 * What the import file readers share: the item and source types, `FileFormatError`, the `Scanner`
 * base class (byte-order mark and NUL handling) and the loop that drives a scanner over a stream.
 * Separate from the format-specific scanners (import.reader.csv.ts, import.reader.jsonl.ts) so each
 * builds on it without importing the other; import.reader.ts re-exports the public part.
 */

/** One item of a reader: a record, or the errors that kept one row from being read. */
export type ReaderItem<R> = { line: number; record: R } | { line: number; errors: FieldError[] };

/** Bytes, in chunks: a `Readable` (without `setEncoding`) or any async iterable of buffers. */
export type ReaderSource = AsyncIterable<Uint8Array | string>;

/** A problem with the file as a whole: nothing from `line` on could be read. */
export class FileFormatError extends Error {
  readonly code: string;
  readonly line: number;

  constructor(code: string, line: number, message: string) {
    super(message);
    this.name = 'FileFormatError';
    this.code = code;
    this.line = line;
  }

  toFieldError(): FieldError {
    return { field: '', code: this.code, message: this.message };
  }
}

export const MiB = 1024 * 1024;
export const LF = 0x0a;
export const CR = 0x0d;
export const EMPTY = Buffer.alloc(0);
export const SAVE_AS_UTF8 = 'save it as UTF-8 (in Excel: "CSV UTF-8")';

/**
 * What both formats share: the byte-order mark (UTF-8 skipped, UTF-16 refused) and NUL bytes,
 * which never occur in UTF-8 text and betray UTF-16 without a mark, or a file that is not text.
 */
export abstract class Scanner<R> {
  fatal: FileFormatError | null = null;
  protected line = 1;
  private head: Buffer | null = EMPTY; // the first bytes, held until a BOM can be ruled out

  constructor(private readonly format: 'CSV' | 'JSONL') {}

  feed(chunk: Buffer, out: ReaderItem<R>[], final = false): void {
    const nul = chunk.indexOf(0);
    if (nul !== -1) chunk = chunk.subarray(0, nul);
    if (this.head !== null) {
      const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      if (head.length < 3 && nul === -1 && !final) {
        this.head = head;
        return;
      }
      this.head = null;
      const [b0, b1, b2] = head;
      if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
        this.fatal = new FileFormatError(`${this.format}_ENCODING`, 1, `The file is UTF-16; ${SAVE_AS_UTF8}`);
        return;
      }
      chunk = b0 === 0xef && b1 === 0xbb && b2 === 0xbf ? head.subarray(3) : head;
    }
    this.scan(chunk, out);
    if (nul !== -1 && this.fatal === null) {
      const message = `Line ${this.line} holds a NUL byte: the file is UTF-16 or not text; ${SAVE_AS_UTF8}`;
      this.fatal = new FileFormatError(`${this.format}_ENCODING`, this.line, message);
    }
  }

  end(out: ReaderItem<R>[]): void {
    if (this.head !== null) this.feed(EMPTY, out, true);
    if (this.fatal === null) this.finish(out);
  }

  protected abstract scan(chunk: Buffer, out: ReaderItem<R>[]): void;
  protected abstract finish(out: ReaderItem<R>[]): void;
}

export async function* read<R>(
  source: ReaderSource,
  scanner: Scanner<R>,
): AsyncGenerator<ReaderItem<R>, void, undefined> {
  const out: ReaderItem<R>[] = [];
  for await (const chunk of source) {
    if (typeof chunk === 'string') scanner.feed(Buffer.from(chunk), out);
    else scanner.feed(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), out);
    for (const item of out) yield item;
    out.length = 0;
    if (scanner.fatal !== null) throw scanner.fatal;
  }
  scanner.end(out);
  for (const item of out) yield item;
  if (scanner.fatal !== null) throw scanner.fatal;
}

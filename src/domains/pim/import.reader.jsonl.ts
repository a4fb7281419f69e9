import { isUtf8 } from 'node:buffer';
import {
  CR,
  EMPTY,
  LF,
  MiB,
  type ReaderItem,
  type ReaderSource,
  read,
  Scanner,
} from './import.reader.scanner.js';

/**
 * The JSON Lines reader: one JSON object per line, and `readJsonlRecords`. Separate from the CSV
 * reader, with which it shares only the scanner base (import.reader.scanner.ts).
 */

export type JsonRecord = Record<string, unknown>;

export interface JsonlReadOptions {
  /** Longest line in bytes (default 1 MiB); a longer one is a `JSONL_LINE_TOO_LARGE` row error. */
  maxLineBytes?: number;
}

class JsonlScanner extends Scanner<JsonRecord> {
  private pending: Buffer = EMPTY; // the unfinished last line
  private skipping = false; // the current line is too long: dropped until its end

  constructor(private readonly maxLine: number) {
    super('JSONL');
  }

  protected scan(chunk: Buffer, out: ReaderItem<JsonRecord>[]): void {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let start = 0;
    // The pending bytes hold no line break: search the new ones only.
    for (let nl = buf.indexOf(LF, this.pending.length); nl !== -1; nl = buf.indexOf(LF, start)) {
      if (this.skipping) out.push(this.tooLarge());
      else this.decode(buf, start, nl, out);
      this.skipping = false;
      this.line++;
      start = nl + 1;
    }
    if (buf.length - start > this.maxLine) this.skipping = true;
    this.pending = this.skipping ? EMPTY : buf.subarray(start);
  }

  protected finish(out: ReaderItem<JsonRecord>[]): void {
    if (this.skipping) out.push(this.tooLarge());
    else this.decode(this.pending, 0, this.pending.length, out);
  }

  private tooLarge(): ReaderItem<JsonRecord> {
    const message = `The line is longer than ${this.maxLine} bytes`;
    return { line: this.line, errors: [{ field: '', code: 'JSONL_LINE_TOO_LARGE', message }] };
  }

  private decode(buf: Buffer, start: number, end: number, out: ReaderItem<JsonRecord>[]): void {
    const line = this.line;
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return;
    if (end - start > this.maxLine) return void out.push(this.tooLarge());
    const error = (code: string, message: string) =>
      out.push({ line, errors: [{ field: '', code, message }] });
    const bytes = buf.subarray(start, end);
    if (!isUtf8(bytes))
      return void error('JSONL_ENCODING', 'The line is not valid UTF-8; save the file as UTF-8');
    const text = bytes.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      // A line of blanks is skipped like an empty one; JSON.parse is asked first as it is rarer.
      if (text.trim() !== '')
        error('JSONL_MALFORMED', `The line is not valid JSON: ${(err as Error).message}`);
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      out.push({ line, record: value as JsonRecord });
    } else {
      const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      error('JSONL_NOT_OBJECT', `The line holds ${what}, not a JSON object`);
    }
  }
}

/** Read a JSON Lines file: one JSON object per line (LF or CRLF); blank lines are skipped. */
export function readJsonlRecords(
  source: ReaderSource,
  options: JsonlReadOptions = {},
): AsyncGenerator<ReaderItem<JsonRecord>, void, undefined> {
  return read(source, new JsonlScanner(options.maxLineBytes ?? MiB));
}

import { isUtf8 } from 'node:buffer';
import type { FieldError } from './catalog.types.js';
import {
  CR,
  EMPTY,
  FileFormatError,
  LF,
  MiB,
  type ReaderItem,
  type ReaderSource,
  read,
  SAVE_AS_UTF8,
  Scanner,
} from './import.reader.scanner.js';

/**
 * The CSV reader (RFC 4180, with a header row): a byte-level tokenizer and `readCsvRecords`. Separate
 * from the JSON Lines reader, with which it shares only the scanner base (import.reader.scanner.ts).
 *
 * The CSV tokenizer is a byte-level state machine of our own rather than csv-parse, whose error
 * recovery does not give an import report what it needs: with `skip_records_with_error`, a stray
 * closing quote swallows the following valid rows unreported and a `max_record_size` overflow drops
 * the rest of the chunk; `info.lines` counts a CRLF inside a quoted field twice and gives a skipped
 * record the line of the error, not of its start; and `info: true` more than halves its speed.
 */

export type CsvRecord = Record<string, string>;

export interface CsvReadOptions {
  /** Largest field in bytes (default 1 MiB); a larger one makes its row a `CSV_FIELD_TOO_LARGE`. */
  maxFieldBytes?: number;
  /** Largest record in bytes (default 16 MiB, at least `maxFieldBytes`): `CSV_RECORD_TOO_LARGE`. */
  maxRecordBytes?: number;
  delimiter?: ',' | ';' | '\t';
  /** Called with the (trimmed) column names once the header is read, before the first record. */
  onHeader?: (columns: string[], line: number) => void;
}

const QUOTE = 0x22;

// CSV tokenizer states.
const AT_FIELD = 0; // before the first byte of a field
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_QUOTE = 3; // read a quote inside a quoted field: an escaped quote or the closing one

class CsvScanner extends Scanner<CsvRecord> {
  private buf: Buffer = EMPTY; // the current record's bytes (from recStart) and what follows
  private pos = 0; // next byte of `buf` to read
  private base = 0; // file offset of buf[0], to pair a CR and an LF split across chunks
  private lastCr = -2; // file offset of the last CR read
  private state = AT_FIELD;
  private recStart = 0;
  private recLine = 1;
  private fieldStart = 0;
  private quoteLine = 1; // where the open quoted field began
  private escaped = 0; // the open quoted field holds `""`
  private bounds: number[] = []; // per field read: start, end (relative to recStart), escaped
  private hi = 0; // OR of the record's bytes: bit 7 set means non-ASCII, so UTF-8 must be checked
  private recError: FieldError | null = null; // the record's first problem
  private discarding = false; // the record is bad and too large: its bytes are dropped as read
  private columns: string[] | null = null;

  constructor(
    private readonly delim: number,
    private readonly maxField: number,
    private readonly maxRecord: number,
    private readonly onHeader: CsvReadOptions['onHeader'],
  ) {
    super('CSV');
  }

  protected scan(chunk: Buffer, out: ReaderItem<CsvRecord>[]): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.tokenize(out);
    // Keep the unfinished record only, and not even that once it is known to be too large.
    const n = this.buf.length;
    if (!this.discarding && this.state !== AT_FIELD && n - this.fieldStart > this.maxField)
      this.fieldTooLarge();
    if (!this.discarding && n - this.recStart > this.maxRecord) this.recordTooLarge();
    const keep = this.discarding ? n : this.recStart;
    this.base += keep;
    this.buf = this.buf.subarray(keep);
    this.pos -= keep;
    this.fieldStart -= keep;
    this.recStart -= keep;
  }

  protected finish(out: ReaderItem<CsvRecord>[]): void {
    const n = this.buf.length;
    if (this.state === QUOTED) {
      const message = `The quoted field opened on line ${this.quoteLine} is never closed: the rest of the file was read as that field`;
      this.fatal = new FileFormatError('CSV_BAD_QUOTING', this.quoteLine, message);
      return;
    }
    // At AT_FIELD with fields read, the file ends with a delimiter: an empty last field.
    if (this.state !== AT_FIELD || this.bounds.length > 0 || this.discarding) {
      if (this.state === AFTER_QUOTE) this.pushField(this.fieldStart, n - 1, this.escaped);
      else this.pushField(this.state === UNQUOTED ? this.fieldStart : n, n, 0);
      this.endRecord(n, out);
    }
    if (this.columns === null && this.fatal === null) {
      this.fatal = new FileFormatError(
        'CSV_HEADER_MISSING',
        1,
        'The file is empty: a header row is required',
      );
    }
  }

  private tokenize(out: ReaderItem<CsvRecord>[]): void {
    const buf = this.buf;
    const n = buf.length;
    const delim = this.delim;
    let i = this.pos;
    while (i < n && this.fatal === null) {
      if (this.state === AT_FIELD) {
        const b = buf[i]!;
        if (b === QUOTE) {
          this.state = QUOTED;
          this.fieldStart = ++i;
          this.escaped = 0;
          this.quoteLine = this.line;
        } else if ((b === LF || b === CR) && this.bounds.length === 0 && !this.discarding) {
          this.newline(b, i++); // an empty line: skipped
          this.recStart = i;
          this.recLine = this.line;
        } else {
          this.fieldStart = i;
          this.state = UNQUOTED;
        }
      } else if (this.state === UNQUOTED) {
        // The hot loop: most bytes are above the quote, so one comparison settles them.
        let hi = this.hi;
        for (; i < n; i++) {
          const b = buf[i]!;
          if (b > QUOTE) {
            if (b === delim) break;
            hi |= b;
          } else if (b === delim || b === LF || b === CR) break;
          else if (b === QUOTE) this.badQuoting(`a quote inside an unquoted field (${this.columnAt()})`);
        }
        this.hi = hi;
        if (i === n) break;
        this.pushField(this.fieldStart, i, 0);
        i = this.afterField(buf[i]!, i, out);
      } else if (this.state === QUOTED) {
        let hi = this.hi;
        let line = this.line;
        for (; i < n; i++) {
          const b = buf[i]!;
          if (b > QUOTE) hi |= b;
          else if (b === QUOTE) break;
          else if (b === CR) {
            line++;
            this.lastCr = this.base + i;
          } else if (b === LF && this.lastCr !== this.base + i - 1) line++;
        }
        this.hi = hi;
        this.line = line;
        if (i === n) break;
        this.state = AFTER_QUOTE;
        i++;
      } else {
        const b = buf[i]!;
        if (b === QUOTE) {
          this.escaped = 1;
          this.state = QUOTED;
          i++;
        } else if (b === delim || b === LF || b === CR) {
          this.pushField(this.fieldStart, i - 1, this.escaped);
          i = this.afterField(b, i, out);
        } else {
          // `"abc"x`: that quote was not meant to close the field, and where the field really ends
          // is guesswork. Resynchronise at the end of the line; the message names the lines taken.
          this.badQuoting(`text after the closing quote of ${this.columnAt()} (double quotes inside quotes)`);
          this.state = UNQUOTED;
        }
      }
    }
    this.pos = i;
  }

  /** After a field ended at `i` on byte `b` (a delimiter or a line break): the next index. */
  private afterField(b: number, i: number, out: ReaderItem<CsvRecord>[]): number {
    this.state = AT_FIELD;
    if (b === this.delim) return i + 1;
    this.endRecord(i, out);
    this.newline(b, i);
    this.recStart = i + 1;
    this.recLine = this.line;
    return i + 1;
  }

  private newline(b: number, i: number): void {
    if (b === CR) {
      this.line++;
      this.lastCr = this.base + i;
    } else if (this.lastCr !== this.base + i - 1) {
      this.line++; // an LF right after a CR ends the same line
    }
  }

  private pushField(start: number, end: number, escaped: number): void {
    if (this.discarding) return;
    if (end - start > this.maxField) this.fieldTooLarge();
    else this.bounds.push(start - this.recStart, end - this.recStart, escaped);
  }

  private columnAt(index = this.bounds.length / 3): string {
    const name = this.columns?.[index];
    return name === undefined ? `column ${index + 1}` : `column "${name}"`;
  }

  private fail(code: string, index: number, message: string): void {
    this.recError ??= { field: this.columns?.[index] ?? '', code, message };
  }

  private badQuoting(what: string): void {
    this.fail('CSV_BAD_QUOTING', this.bounds.length / 3, `Bad quoting: ${what} on line ${this.line}`);
  }

  private fieldTooLarge(): void {
    const k = this.bounds.length / 3;
    this.fail(
      'CSV_FIELD_TOO_LARGE',
      k,
      `The field in ${this.columnAt(k)} is larger than ${this.maxField} bytes`,
    );
    this.discarding = true;
    this.bounds.length = 0;
  }

  private recordTooLarge(): void {
    this.fail('CSV_RECORD_TOO_LARGE', -1, `The record is larger than ${this.maxRecord} bytes`);
    this.discarding = true;
    this.bounds.length = 0;
  }

  private endRecord(end: number, out: ReaderItem<CsvRecord>[]): void {
    const line = this.recLine;
    if (end - this.recStart > this.maxRecord) this.recordTooLarge();
    const ascii = (this.hi & 0x80) === 0;
    if (!ascii && this.recError === null) this.checkUtf8(end);
    const error = this.recError;
    let item: ReaderItem<CsvRecord> | null = null;
    if (error === null) {
      item = this.columns === null ? this.header(line, ascii) : this.record(line, ascii);
    } else {
      const span = this.line > line ? ` (the record spans lines ${line}–${this.line})` : '';
      const message = `${error.message}${span}`;
      if (this.columns === null) this.fatal = new FileFormatError(error.code, line, `Header: ${message}`);
      else item = { line, errors: [{ ...error, message }] };
    }
    this.bounds.length = 0;
    this.recError = null;
    this.discarding = false;
    this.hi = 0;
    if (item !== null) out.push(item);
  }

  private checkUtf8(end: number): void {
    const { buf, recStart: rs, bounds } = this;
    if (isUtf8(buf.subarray(rs, end))) return;
    let k = 0;
    while (k < bounds.length / 3 - 1 && isUtf8(buf.subarray(rs + bounds[k * 3]!, rs + bounds[k * 3 + 1]!)))
      k++;
    this.fail('CSV_ENCODING', k, `The text in ${this.columnAt(k)} is not valid UTF-8; ${SAVE_AS_UTF8}`);
  }

  private field(j: number, ascii: boolean): string {
    const start = this.recStart + this.bounds[j]!;
    const end = this.recStart + this.bounds[j + 1]!;
    if (start === end) return '';
    const value = this.buf.toString(ascii ? 'latin1' : 'utf8', start, end);
    return this.bounds[j + 2] === 1 ? value.replaceAll('""', '"') : value;
  }

  private record(line: number, ascii: boolean): ReaderItem<CsvRecord> | null {
    const { bounds, columns } = this;
    const count = bounds.length / 3;
    if (count !== columns!.length) {
      const message = `Expected ${columns!.length} fields as in the header, found ${count}`;
      return { line, errors: [{ field: '', code: 'CSV_COLUMN_COUNT', message }] };
    }
    // A row of empty fields (`,,,` as spreadsheets pad with) is a blank line, not a record.
    let empty = true;
    for (let j = 0; j < bounds.length && empty; j += 3) empty = bounds[j] === bounds[j + 1];
    if (empty) return null;
    const record: CsvRecord = {};
    for (let k = 0; k < count; k++) record[columns![k]!] = this.field(k * 3, ascii);
    return { line, record };
  }

  private header(line: number, ascii: boolean): null {
    const columns: string[] = [];
    for (let j = 0; j < this.bounds.length; j += 3) {
      const name = this.field(j, ascii).trim();
      let problem: [code: string, what: string] | null = null;
      if (name === '') problem = ['CSV_HEADER_MISSING', `column ${j / 3 + 1} has no name`];
      else if (columns.includes(name)) problem = ['CSV_HEADER_DUPLICATE', `column "${name}" appears twice`];
      // As a record key it would set the prototype and vanish.
      else if (name === '__proto__') problem = ['CSV_HEADER_INVALID', `"${name}" cannot name a column`];
      if (problem !== null) {
        this.fatal = new FileFormatError(problem[0], line, `Header: ${problem[1]}`);
        return null;
      }
      columns.push(name);
    }
    this.columns = columns;
    this.onHeader?.(columns, line);
    return null;
  }
}

/**
 * Read a CSV file with a header row. Yields each record keyed by column name (values as written,
 * not trimmed), or the error of a bad row; rows of empty fields only are skipped like blank lines.
 */
export function readCsvRecords(
  source: ReaderSource,
  options: CsvReadOptions = {},
): AsyncGenerator<ReaderItem<CsvRecord>, void, undefined> {
  const maxField = options.maxFieldBytes ?? MiB;
  const maxRecord = Math.max(options.maxRecordBytes ?? 16 * MiB, maxField);
  const delimiter = (options.delimiter ?? ',').charCodeAt(0);
  return read(source, new CsvScanner(delimiter, maxField, maxRecord, options.onHeader));
}

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type CsvReadOptions,
  FileFormatError,
  type JsonlReadOptions,
  type ReaderItem,
  readCsvRecords,
  readJsonlRecords,
} from './import.reader.js';

type Part = string | Buffer | number[];

function source(parts: Part[]): Readable {
  return Readable.from(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
}

async function drain<R>(items: AsyncIterable<ReaderItem<R>>) {
  const out: ReaderItem<R>[] = [];
  let error: FileFormatError | undefined;
  try {
    for await (const item of items) out.push(item);
  } catch (err) {
    if (!(err instanceof FileFormatError)) throw err;
    error = err;
  }
  return { items: out, error };
}

const csv = (parts: Part[], options?: CsvReadOptions) => drain(readCsvRecords(source(parts), options));
const jsonl = (parts: Part[], options?: JsonlReadOptions) => drain(readJsonlRecords(source(parts), options));
const codes = (items: ReaderItem<unknown>[]) =>
  items.map((i) => ('errors' in i ? `${i.line}:${i.errors.map((e) => e.code).join('+')}` : `${i.line}:ok`));

/** A 100 MB run of `x` from a generator, 64 KiB at a time, sampling the process's memory. */
function* bigField(bytes: number, before: string, after: string, peak: { rss: number }): Generator<Buffer> {
  yield Buffer.from(before);
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes; sent += chunk.length) {
    peak.rss = Math.max(peak.rss, process.memoryUsage().rss);
    yield chunk;
  }
  yield Buffer.from(after);
}

describe('readCsvRecords', () => {
  it('yields records keyed by column with the physical line they start on', async () => {
    const { items, error } = await csv(['sku,name\n', 'a,"two\nlines"\n\nb,"crlf\r\ninside"\r\nc,x']);
    expect(error).toBeUndefined();
    expect(items).toEqual([
      { line: 2, record: { sku: 'a', name: 'two\nlines' } },
      { line: 5, record: { sku: 'b', name: 'crlf\r\ninside' } },
      { line: 7, record: { sku: 'c', name: 'x' } },
    ]);
  });

  it('counts lines the same whatever the line endings and however the bytes are chunked', async () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const text = ['sku,n', 'a,"1', '2"', '', 'b,3', ''].join(eol);
      const whole = await csv([text]);
      const bytes = await csv([...Buffer.from(text)].map((b) => [b]));
      expect(whole.items.map((i) => i.line)).toEqual([2, 5]);
      expect(bytes.items).toEqual(whole.items);
    }
  });

  it('strips a UTF-8 BOM, even one split across chunks, and reads non-ASCII text', async () => {
    const { items } = await csv([[0xef], [0xbb, 0xbf], 'sku,name\nä,"Grüße ""x"""\n']);
    expect(items).toEqual([{ line: 2, record: { sku: 'ä', name: 'Grüße "x"' } }]);
  });

  it('reads `;` and tab delimited files', async () => {
    expect((await csv(['sku;name\na;b,c\n'], { delimiter: ';' })).items).toEqual([
      { line: 2, record: { sku: 'a', name: 'b,c' } },
    ]);
    expect((await csv(['sku\tname\na\t"b\tc"\n'], { delimiter: '\t' })).items).toEqual([
      { line: 2, record: { sku: 'a', name: 'b\tc' } },
    ]);
  });

  it('keeps values as written, reads a trailing delimiter as an empty field, skips blank rows', async () => {
    const { items } = await csv(['sku,a,b\n x , y ,\n,,\n"",,""\nz,,']);
    expect(items).toEqual([
      { line: 2, record: { sku: ' x ', a: ' y ', b: '' } },
      { line: 5, record: { sku: 'z', a: '', b: '' } },
    ]);
  });

  it('reports the header once to onHeader, trimmed', async () => {
    const seen: unknown[] = [];
    await csv(['\n sku , name\na,b\n'], { onHeader: (columns, line) => seen.push({ columns, line }) });
    expect(seen).toEqual([{ columns: ['sku', 'name'], line: 2 }]);
  });

  it('requires a header: CSV_HEADER_MISSING, CSV_HEADER_DUPLICATE', async () => {
    for (const text of ['', '\n\r\n', ',,\n']) {
      expect((await csv([text])).error).toMatchObject({ code: 'CSV_HEADER_MISSING' });
    }
    expect((await csv(['sku,,name\n'])).error).toMatchObject({ code: 'CSV_HEADER_MISSING', line: 1 });
    const dup = await csv(['sku,name,name\na,b,c\n']);
    expect(dup.error).toMatchObject({ code: 'CSV_HEADER_DUPLICATE', line: 1 });
    expect(dup.error?.message).toContain('"name"');
    expect(dup.items).toEqual([]);
    expect((await csv(['sku,__proto__\na,b\n'])).error).toMatchObject({ code: 'CSV_HEADER_INVALID' });
  });

  it('reports a row with a wrong number of fields as CSV_COLUMN_COUNT and continues', async () => {
    const { items, error } = await csv(['sku,name\na\nb,c,d\ne,f\n']);
    expect(error).toBeUndefined();
    expect(codes(items)).toEqual(['2:CSV_COLUMN_COUNT', '3:CSV_COLUMN_COUNT', '4:ok']);
  });

  it('reports a quote inside an unquoted field as CSV_BAD_QUOTING and continues at the next line', async () => {
    const { items, error } = await csv(['sku,name\na,5" screen\nb,ok\n']);
    expect(error).toBeUndefined();
    expect(codes(items)).toEqual(['2:CSV_BAD_QUOTING', '3:ok']);
    expect(items[0]).toMatchObject({ errors: [{ field: 'name' }] });
  });

  it('resynchronises after text following a closing quote, naming the lines it swallowed', async () => {
    const { items } = await csv(['sku,name\na,"say "hi" now"\nb,"x\ny"z\nc,ok\n']);
    expect(codes(items)).toEqual(['2:CSV_BAD_QUOTING', '3:CSV_BAD_QUOTING', '5:ok']);
    expect('errors' in items[1]! && items[1].errors[0]!.message).toContain('lines 3–4');
  });

  it('fails the file when a quote is never closed, after yielding the rows before it', async () => {
    const { items, error } = await csv(['sku,name\na,b\nc,"open\nd,e\n']);
    expect(codes(items)).toEqual(['2:ok']);
    expect(error).toMatchObject({ code: 'CSV_BAD_QUOTING', line: 3 });
  });

  it('reports invalid UTF-8 in a row as CSV_ENCODING naming the column, and continues', async () => {
    const latin1 = Buffer.from('sku,name\na,caf\xe9\nb,ok\n', 'latin1');
    const { items, error } = await csv([latin1]);
    expect(error).toBeUndefined();
    expect(codes(items)).toEqual(['2:CSV_ENCODING', '3:ok']);
    expect(items[0]).toMatchObject({ errors: [{ field: 'name' }] });
    // A multi-byte sequence split across chunks is still valid.
    const split = Buffer.from('sku\né\n');
    expect((await csv([split.subarray(0, 5), split.subarray(5)])).items).toEqual([
      { line: 2, record: { sku: 'é' } },
    ]);
  });

  it('fails the file on invalid UTF-8 in the header, UTF-16 or NUL bytes (CSV_ENCODING)', async () => {
    expect((await csv([Buffer.from('sk\xfc\na\n', 'latin1')])).error).toMatchObject({ code: 'CSV_ENCODING' });
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('sku\na\n', 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('sku\na\n', 'utf16le').swap16()]);
    for (const file of [le, be]) {
      const { error } = await csv([file]);
      expect(error).toMatchObject({ code: 'CSV_ENCODING', line: 1 });
      expect(error?.message).toContain('UTF-8');
    }
    const nul = await csv(['sku,name\na,b\n', 'c,d\0\ne,f\n']);
    expect(codes(nul.items)).toEqual(['2:ok']);
    expect(nul.error).toMatchObject({ code: 'CSV_ENCODING', line: 3 });
    expect((await csv([Buffer.from('sku\na\n', 'utf16le')])).error).toMatchObject({ code: 'CSV_ENCODING' });
  });

  it('skips a field over maxFieldBytes as CSV_FIELD_TOO_LARGE, quoted or not, and continues', async () => {
    const long = 'y'.repeat(30);
    const { items } = await csv(['sku,name\na,', long, '\nb,"', long, '\n', long, '"\nc,ok\n', `d,${long}`], {
      maxFieldBytes: 20,
    });
    expect(codes(items)).toEqual([
      '2:CSV_FIELD_TOO_LARGE',
      '3:CSV_FIELD_TOO_LARGE',
      '5:ok',
      '6:CSV_FIELD_TOO_LARGE',
    ]);
    expect(items[0]).toMatchObject({ errors: [{ field: 'name' }] });
  });

  it('skips a record over maxRecordBytes as CSV_RECORD_TOO_LARGE', async () => {
    const { items } = await csv(['a,b,c\n1234,5678,9012\n1,2,3\n'], { maxFieldBytes: 5, maxRecordBytes: 10 });
    expect(codes(items)).toEqual(['2:CSV_RECORD_TOO_LARGE', '3:ok']);
  });

  it('fails the header when a field is over the limit', async () => {
    const { error } = await csv([`sku,${'n'.repeat(50)}\n`], { maxFieldBytes: 20 });
    expect(error).toMatchObject({ code: 'CSV_FIELD_TOO_LARGE', line: 1 });
  });

  it('reads past a 100 MB field with bounded memory', async () => {
    for (const [before, after] of [
      ['sku,name\na,', '\nb,ok\n'],
      ['sku,name\na,"', '\n"\nb,ok\n'],
    ] as const) {
      const base = process.memoryUsage().rss;
      const peak = { rss: base };
      const items: ReaderItem<unknown>[] = [];
      for await (const item of readCsvRecords(
        Readable.from(bigField(100 * 1024 * 1024, before, after, peak)),
      )) {
        items.push(item);
      }
      expect(codes(items)).toEqual(['2:CSV_FIELD_TOO_LARGE', after.startsWith('\n"') ? '4:ok' : '3:ok']);
      expect(peak.rss - base).toBeLessThan(200 * 1024 * 1024);
    }
  });
});

describe('readJsonlRecords', () => {
  it('yields one object per line with its line number, skipping blank lines', async () => {
    const { items, error } = await jsonl([
      '\ufeff{"sku":"a"}\r\n\n   \n{"sku":',
      '"b","n":[1]}\n{"sku":"c"}',
    ]);
    expect(error).toBeUndefined();
    expect(items).toEqual([
      { line: 1, record: { sku: 'a' } },
      { line: 4, record: { sku: 'b', n: [1] } },
      { line: 5, record: { sku: 'c' } },
    ]);
  });

  it('reports a malformed line as JSONL_MALFORMED with the parser message, and continues', async () => {
    const { items } = await jsonl(['{"sku":"a"\n{"sku":"b"}\n']);
    expect(codes(items)).toEqual(['1:JSONL_MALFORMED', '2:ok']);
    expect('errors' in items[0]! && items[0].errors[0]!.message).toMatch(/not valid JSON: .+/);
  });

  it('reports a line that is not an object as JSONL_NOT_OBJECT', async () => {
    const { items } = await jsonl(['[1]\n2\n"s"\nnull\n{}\n']);
    expect(codes(items)).toEqual([
      '1:JSONL_NOT_OBJECT',
      '2:JSONL_NOT_OBJECT',
      '3:JSONL_NOT_OBJECT',
      '4:JSONL_NOT_OBJECT',
      '5:ok',
    ]);
  });

  it('reports a line over the limit as JSONL_LINE_TOO_LARGE, within a chunk or across chunks', async () => {
    const big = `{"d":"${'x'.repeat(40)}"}`;
    const { items } = await jsonl([`${big}\n{}\n{"d":"`, 'x'.repeat(20), 'x'.repeat(20), '"}\n{}'], {
      maxLineBytes: 30,
    });
    expect(codes(items)).toEqual(['1:JSONL_LINE_TOO_LARGE', '2:ok', '3:JSONL_LINE_TOO_LARGE', '4:ok']);
  });

  it('reports invalid UTF-8 as JSONL_ENCODING; fails the file on UTF-16 or NUL bytes', async () => {
    const { items } = await jsonl([Buffer.from('{"n":"caf\xe9"}\n{}\n', 'latin1')]);
    expect(codes(items)).toEqual(['1:JSONL_ENCODING', '2:ok']);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}\n', 'utf16le')]);
    expect((await jsonl([utf16])).error).toMatchObject({ code: 'JSONL_ENCODING', line: 1 });
    const nul = await jsonl(['{}\n{"a":1}\0\n{}\n']);
    expect(codes(nul.items)).toEqual(['1:ok']);
    expect(nul.error).toMatchObject({ code: 'JSONL_ENCODING', line: 2 });
  });

  it('reads past a 100 MB line with bounded memory', async () => {
    const base = process.memoryUsage().rss;
    const peak = { rss: base };
    const items: ReaderItem<unknown>[] = [];
    const lines = bigField(100 * 1024 * 1024, '{}\n{"d":"', '"}\n{"ok":true}\n', peak);
    for await (const item of readJsonlRecords(Readable.from(lines))) items.push(item);
    expect(codes(items)).toEqual(['1:ok', '2:JSONL_LINE_TOO_LARGE', '3:ok']);
    expect(peak.rss - base).toBeLessThan(200 * 1024 * 1024);
  });
});

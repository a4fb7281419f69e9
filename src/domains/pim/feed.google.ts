import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { KernelErrors } from '../../kernel/errors.js';
import { formatMoney } from '../../kernel/money.js';
import type { FieldError } from './catalog.types.js';
import {
  GoogleFeedCodes,
  type GoogleFeedItem,
  isPresent,
  validateGoogleItem,
} from './feed.google.validate.js';

export {
  GOOGLE_AGE_GROUPS,
  GOOGLE_AVAILABILITY,
  GOOGLE_CONDITIONS,
  GOOGLE_GENDERS,
  GOOGLE_LIMITS,
  GoogleFeedCodes,
  type GoogleFeedItem,
  type GoogleShipping,
  gtinProblem,
  isValidGtin,
  validateGoogleItem,
} from './feed.google.validate.js';

/** The RSS `<channel>` header. */
export interface GoogleFeedMeta {
  title: string;
  link: string;
  description: string;
}

export interface WriteGoogleFeedOptions {
  /** Told about every item left out of the feed, and why. Throwing from it aborts the export. */
  onInvalid?: (item: GoogleFeedItem, errors: FieldError[]) => void;
  signal?: AbortSignal;
}

export interface GoogleFeedResult {
  written: number;
  rejected: number;
  /** UTF-8 bytes of the whole document. */
  bytes: number;
}

/** One write per ~64 KiB keeps syscalls and 'drain' waits few without holding more than a chunk. */
const CHUNK = 64 * 1024;
/** Our own file stream buffers ~1 MiB so rendering carries on while the disk catches up. */
const FILE_HIGH_WATER_MARK = 1024 * 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to detect.
const NEEDS_WORK = /[&<>\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
/** Markup characters, and those XML 1.0 forbids: controls, U+FFFE/U+FFFF and lone surrogates. */
const WORK =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to strip.
  /[&<>\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const replacement = (c: string): string =>
  c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '';

/**
 * Short values that need escaping mostly repeat from item to item (`Home & Garden > …` taxonomy
 * paths, brands, product types): a lookup is ten times cheaper than the replace. Bounded, so
 * values that do not repeat only churn it.
 */
const escapedShort = new Map<string, string>();
const SHORT = 128;

/**
 * Element text safe for XML 1.0. Quotes need no escaping outside attributes, and leaving them alone
 * keeps `Men's` and `15" laptop` on the fast path: most values need nothing, so one scan decides.
 */
export function xmlText(value: string): string {
  if (!NEEDS_WORK.test(value)) return value;
  if (value.length > SHORT) return value.replace(WORK, replacement);
  let escaped = escapedShort.get(value);
  if (escaped === undefined) {
    escaped = value.replace(WORK, replacement);
    if (escapedShort.size >= 4096) escapedShort.clear();
    escapedShort.set(value, escaped);
  }
  return escaped;
}

/**
 * Adds one `<item>` (already validated) to the sink in three pieces, the description on its own:
 * one character beyond Latin-1 (a curly quote, `–`, `™`) makes V8 hold and encode a whole string
 * as UTF-16, three times slower, and this keeps that cost to the field that has it.
 */
function addItem(sink: Sink, it: GoogleFeedItem): void {
  sink.add(`<item><g:id>${xmlText(it.id)}</g:id><g:title>${xmlText(it.title)}</g:title><g:description>`);
  sink.add(xmlText(it.description));
  let s = `</g:description><g:link>${xmlText(it.link)}</g:link><g:image_link>${xmlText(it.imageLink)}</g:image_link>`;
  const extra = it.additionalImageLinks;
  if (extra) {
    for (const url of extra) s += `<g:additional_image_link>${xmlText(url)}</g:additional_image_link>`;
  }
  s += `<g:availability>${it.availability}</g:availability><g:price>${formatMoney(it.price)}</g:price>`;
  if (it.salePrice) s += `<g:sale_price>${formatMoney(it.salePrice)}</g:sale_price>`;
  s += `<g:condition>${it.condition ?? 'new'}</g:condition>`;
  if (isPresent(it.brand)) s += `<g:brand>${xmlText(it.brand)}</g:brand>`;
  if (isPresent(it.gtin)) s += `<g:gtin>${it.gtin}</g:gtin>`;
  if (isPresent(it.mpn)) s += `<g:mpn>${xmlText(it.mpn)}</g:mpn>`;
  if (it.identifierExists === false) s += '<g:identifier_exists>no</g:identifier_exists>';
  if (isPresent(it.itemGroupId)) s += `<g:item_group_id>${xmlText(it.itemGroupId)}</g:item_group_id>`;
  if (isPresent(it.color)) s += `<g:color>${xmlText(it.color)}</g:color>`;
  if (isPresent(it.size)) s += `<g:size>${xmlText(it.size)}</g:size>`;
  if (it.gender) s += `<g:gender>${it.gender}</g:gender>`;
  if (it.ageGroup) s += `<g:age_group>${it.ageGroup}</g:age_group>`;
  if (isPresent(it.material)) s += `<g:material>${xmlText(it.material)}</g:material>`;
  if (isPresent(it.pattern)) s += `<g:pattern>${xmlText(it.pattern)}</g:pattern>`;
  if (isPresent(it.googleProductCategory)) {
    s += `<g:google_product_category>${xmlText(it.googleProductCategory)}</g:google_product_category>`;
  }
  if (isPresent(it.productType)) s += `<g:product_type>${xmlText(it.productType)}</g:product_type>`;
  if (it.shipping) {
    for (const r of it.shipping) {
      s += `<g:shipping><g:country>${r.country}</g:country>`;
      if (isPresent(r.region)) s += `<g:region>${xmlText(r.region)}</g:region>`;
      if (isPresent(r.service)) s += `<g:service>${xmlText(r.service)}</g:service>`;
      s += `<g:price>${formatMoney(r.price)}</g:price></g:shipping>`;
    }
  }
  sink.add(`${s}</item>`);
}

function checkMeta(meta: GoogleFeedMeta): void {
  const errors: FieldError[] = [];
  for (const field of ['title', 'link', 'description'] as const) {
    if (!isPresent(meta?.[field])) {
      errors.push({ field, code: GoogleFeedCodes.FIELD_MISSING, message: `channel ${field} is required` });
    }
  }
  if (errors.length === 0 && !/^https?:\/\/\S+$/i.test(meta.link)) {
    errors.push({
      field: 'link',
      code: GoogleFeedCodes.URL_INVALID,
      message: 'channel link must be an http(s) URL',
    });
  }
  if (errors.length > 0)
    throw KernelErrors.VALIDATION_FAILED.create('Invalid Google feed channel', { errors });
}

/**
 * Writes to a stream, waiting for 'drain' whenever it asks, and fails instead of hanging when the
 * stream errors or closes under us (a client gone away, a full disk).
 */
class Sink {
  bytes = 0;
  private chunk = Buffer.allocUnsafe(CHUNK * 2);
  private used = 0;
  private readonly sealed: Buffer[] = [];
  private failure: unknown;
  private readonly onError = (err: unknown): void => {
    this.failure ??= err;
  };
  private readonly onClose = (): void => {
    this.failure ??= new Error('The feed target closed before the feed was complete');
  };

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly signal: AbortSignal | undefined,
  ) {
    out.on('error', this.onError);
    out.on('close', this.onClose);
  }

  /** Encodes text into the current chunk; call flush() once `full`. */
  add(text: string): void {
    const free = this.chunk.length - this.used;
    // UTF-16 length × 3 bounds the UTF-8 length, so the exact count is only needed near the end.
    if (text.length * 3 > free) {
      const size = Buffer.byteLength(text);
      if (size > free) {
        this.seal();
        if (size > this.chunk.length) {
          this.sealed.push(Buffer.from(text, 'utf8'));
          return;
        }
      }
    }
    this.used += this.chunk.write(text, this.used);
  }

  get full(): boolean {
    return this.used >= CHUNK || this.sealed.length > 0;
  }

  /** Hands the chunks to the stream, waiting whenever it asks for a pause. */
  async flush(): Promise<void> {
    this.seal();
    for (const buf of this.sealed.splice(0)) {
      if (this.failure !== undefined) throw this.failure;
      this.bytes += buf.length;
      if (!this.out.write(buf)) await this.drain();
    }
  }

  private seal(): void {
    if (this.used === 0) return;
    this.sealed.push(this.chunk.subarray(0, this.used));
    // A fresh buffer each time: the stream still holds the previous one until it is written.
    this.chunk = Buffer.allocUnsafe(CHUNK * 2);
    this.used = 0;
  }

  /** Stops listening; the owner of the stream takes over its errors from here. */
  release(): void {
    this.out.off('error', this.onError);
    this.out.off('close', this.onClose);
  }

  private drain(): Promise<void> {
    return new Promise((resolve, reject) => {
      const out = this.out;
      const signal = this.signal;
      const done = (err?: unknown): void => {
        out.off('drain', onDrain);
        out.off('error', done);
        out.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(this.failure ?? new Error('The feed target closed during the export'));
      const onAbort = (): void => done(signal!.reason);
      if (this.failure !== undefined) return reject(this.failure);
      if (signal?.aborted) return reject(signal.reason);
      if ((out as { destroyed?: boolean }).destroyed) return onClose();
      out.once('drain', onDrain);
      out.once('error', done);
      out.once('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

async function pump(
  items: AsyncIterable<GoogleFeedItem>,
  meta: GoogleFeedMeta,
  sink: Sink,
  options: WriteGoogleFeedOptions,
): Promise<GoogleFeedResult> {
  const { onInvalid, signal } = options;
  sink.add(
    `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>${xmlText(meta.title)}</title><link>${xmlText(meta.link)}</link><description>${xmlText(meta.description)}</description>`,
  );
  let written = 0;
  let rejected = 0;
  // for-await calls the iterator's return() on any exit, so a database cursor behind it is closed.
  for await (const item of items) {
    signal?.throwIfAborted();
    const errors = validateGoogleItem(item);
    if (errors.length > 0) {
      rejected++;
      onInvalid?.(item, errors);
      continue;
    }
    addItem(sink, item);
    written++;
    if (sink.full) await sink.flush();
  }
  signal?.throwIfAborted();
  sink.add('</channel></rss>\n');
  await sink.flush();
  return { written, rejected, bytes: sink.bytes };
}

function closed(out: WriteStream): Promise<void> {
  if (out.closed) return Promise.resolve();
  return new Promise((resolve) => out.once('close', () => resolve()));
}

/** Resolves once the data is flushed to disk and the file closed, which is only then safe to rename. */
function endFile(out: WriteStream): Promise<void> {
  return new Promise((ok, fail) => {
    if (out.destroyed)
      return fail(out.errored ?? new Error('The feed file closed before the feed was complete'));
    out.once('error', fail);
    out.once('close', () => (out.errored ? fail(out.errored) : ok()));
    out.end();
  });
}

async function writeToPath(
  items: AsyncIterable<GoogleFeedItem>,
  meta: GoogleFeedMeta,
  target: string,
  options: WriteGoogleFeedOptions,
): Promise<GoogleFeedResult> {
  const path = resolve(target);
  // Same directory as the target, so the final rename stays on one filesystem and is atomic.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // flush: fsync before close, so a crash after the rename cannot leave an empty feed in place.
  const out = createWriteStream(temp, { flags: 'wx', highWaterMark: FILE_HIGH_WATER_MARK, flush: true });
  const sink = new Sink(out, options.signal);
  try {
    const result = await pump(items, meta, sink, options);
    await endFile(out);
    sink.release();
    await rename(temp, path);
    return result;
  } catch (err) {
    sink.release();
    // The error is already being thrown; a late one from the dying stream must not crash the process.
    out.on('error', () => {});
    out.destroy();
    // Wait for the close: the file may still be opening, and removing it first would let it reappear.
    await closed(out);
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Streams a Google Merchant Center feed (RSS 2.0, `g:` namespace) from `items`, never holding more
 * than a chunk in memory. Invalid items are left out, counted and passed to `onInvalid`.
 *
 * A path target is written to a temporary file beside it and renamed into place only once complete,
 * so readers see the previous feed or the new one, never half of one. A stream target is written
 * to but not ended: its owner decides what follows (an HTTP response, stdout).
 */
export async function writeGoogleFeed(
  items: AsyncIterable<GoogleFeedItem>,
  meta: GoogleFeedMeta,
  target: string | NodeJS.WritableStream,
  options: WriteGoogleFeedOptions = {},
): Promise<GoogleFeedResult> {
  checkMeta(meta);
  options.signal?.throwIfAborted();
  if (typeof target === 'string') return writeToPath(items, meta, target, options);
  const sink = new Sink(target, options.signal);
  try {
    return await pump(items, meta, sink, options);
  } finally {
    sink.release();
  }
}

/**
 * What an uploaded asset really is, judged by its first bytes. File names and client-sent
 * Content-Types are claims; magic bytes are evidence. Text-based formats (SVG, HTML, CSV) are
 * deliberately absent: they cannot be told apart reliably, and SVG served from our origin can run
 * script.
 */
export const ASSET_MIME_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/pdf',
] as const;

export type AssetMimeType = (typeof ASSET_MIME_TYPES)[number];

export interface SniffedAsset {
  mime: AssetMimeType;
  kind: 'image' | 'document';
  /** Pixel size as stored (EXIF / irot rotation not applied); absent when not in the head. */
  width?: number;
  height?: number;
}

/**
 * How many leading bytes callers should pass. Headers of every supported format fit, except JPEGs
 * whose EXIF/ICC segments push the frame header further: those sniff without dimensions.
 */
export const SNIFF_HEAD_BYTES = 64 * 1024;

type Size = [width: number, height: number] | [];

/**
 * Identify `head` (the first SNIFF_HEAD_BYTES of the content, or all of it if shorter), or null
 * when it is not a supported type. Never throws on malformed input. `_filename` is accepted so
 * callers can pass what they have, and deliberately ignored.
 */
export function sniffAsset(head: Uint8Array, _filename?: string): SniffedAsset | null {
  const v = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) {
    // IHDR is always the first chunk: length, type, then width and height big-endian.
    const ok = head.length >= 24 && ascii(head, 12, 4) === 'IHDR';
    return image('image/png', ok ? [v.getUint32(16), v.getUint32(20)] : []);
  }
  if (startsWith(head, [0xff, 0xd8, 0xff])) return image('image/jpeg', jpegSize(head, v));
  const gif = ascii(head, 0, 6);
  if (gif === 'GIF87a' || gif === 'GIF89a')
    return image('image/gif', head.length >= 10 ? [v.getUint16(6, true), v.getUint16(8, true)] : []);
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'WEBP')
    return image('image/webp', webpSize(head, v));
  if (ascii(head, 4, 4) === 'ftyp' && isAvif(head, v)) return image('image/avif', avifSize(head, v));
  if (ascii(head, 0, 5) === '%PDF-') return { mime: 'application/pdf', kind: 'document' };
  return null;
}

function image(mime: AssetMimeType, [width, height]: Size): SniffedAsset {
  if (width && height) return { mime, kind: 'image', width, height };
  return { mime, kind: 'image' };
}

/** Walk the marker segments up to the first frame header (SOFn), which holds the dimensions. */
function jpegSize(h: Uint8Array, v: DataView): Size {
  let i = 2;
  while (i + 1 < h.length) {
    if (h[i] !== 0xff) return [];
    const marker = h[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte before a marker
      continue;
    }
    i += 2;
    if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) return []; // image data began without a frame header
    if (i + 2 > h.length) return [];
    const length = v.getUint16(i);
    if (length < 2) return [];
    if (isStartOfFrame(marker)) return i + 7 <= h.length ? [v.getUint16(i + 5), v.getUint16(i + 3)] : [];
    i += length;
  }
  return [];
}

function isStartOfFrame(marker: number): boolean {
  // C4 (DHT), C8 (reserved) and CC (DAC) share the range but are not frame headers.
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** The first chunk after `RIFF....WEBP` says which of the three bitstreams follows. */
function webpSize(h: Uint8Array, v: DataView): Size {
  switch (ascii(h, 12, 4)) {
    case 'VP8 ': // lossy: frame tag (3 bytes), start code 9D 01 2A, then 14-bit sizes
      if (h.length < 30 || !startsWith(h, [0x9d, 0x01, 0x2a], 23)) return [];
      return [v.getUint16(26, true) & 0x3fff, v.getUint16(28, true) & 0x3fff];
    case 'VP8L': {
      // lossless: signature 0x2F, then width-1 and height-1 packed as two 14-bit fields
      if (h.length < 25 || h[20] !== 0x2f) return [];
      const bits = v.getUint32(21, true);
      return [(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1];
    }
    case 'VP8X': // extended: flags (4 bytes), then canvas width-1 and height-1 as 24-bit fields
      if (h.length < 30) return [];
      return [1 + uint24le(v, 24), 1 + uint24le(v, 27)];
    default:
      return [];
  }
}

interface Box {
  type: string;
  /** Payload bounds, clipped to the bytes at hand. */
  start: number;
  end: number;
}

/** ISO-BMFF boxes between `from` and `to` (HEIF/AVIF are built from them). */
function* boxes(h: Uint8Array, v: DataView, from: number, to: number): Generator<Box> {
  let at = from;
  while (at + 8 <= to) {
    let size = v.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) return;
      size = Number(v.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at; // "extends to the end of the file"
    }
    if (size < header) return;
    yield { type: ascii(h, at + 4, 4), start: at + header, end: Math.min(at + size, to) };
    at += size;
  }
}

function isAvif(h: Uint8Array, v: DataView): boolean {
  const ftyp = boxes(h, v, 0, h.length).next().value;
  if (!ftyp) return false;
  // major brand, minor version, then compatible brands; HEIC shares the container but not the brands
  for (let at = ftyp.start; at + 4 <= ftyp.end; at += at === ftyp.start ? 8 : 4) {
    const brand = ascii(h, at, 4);
    if (brand === 'avif' || brand === 'avis') return true;
  }
  return false;
}

/** The primary item's `ispe` property: meta → pitm names the item, iprp/ipma maps it to ipco entries. */
function avifSize(h: Uint8Array, v: DataView): Size {
  const meta = find(boxes(h, v, 0, h.length), 'meta');
  if (!meta) return [];
  let primary: number | undefined;
  let properties: Box[] = [];
  const maps: Box[] = [];
  for (const box of boxes(h, v, meta.start + 4, meta.end)) {
    if (box.type === 'pitm' && box.start + 6 <= box.end)
      primary = h[box.start] === 0 ? v.getUint16(box.start + 4) : readUint32(v, box.start + 4, box.end);
    if (box.type !== 'iprp') continue;
    for (const child of boxes(h, v, box.start, box.end)) {
      if (child.type === 'ipco') properties = [...boxes(h, v, child.start, child.end)];
      if (child.type === 'ipma') maps.push(child);
    }
  }
  const item = primary;
  const indices = item === undefined ? [] : maps.flatMap((m) => associations(h, v, m, item));
  // Without a usable item map, the first ispe is the best guess there is.
  const candidates = indices.length ? indices.map((i) => properties[i - 1]) : properties;
  const ispe = candidates.find((p) => p?.type === 'ispe');
  if (!ispe || ispe.start + 12 > ispe.end) return [];
  return [v.getUint32(ispe.start + 4), v.getUint32(ispe.start + 8)];
}

/** 1-based ipco indices associated with `item` in one ipma box (FullBox). */
function associations(h: Uint8Array, v: DataView, ipma: Box, item: number): number[] {
  const version = h[ipma.start] ?? 0;
  const wide = ((h[ipma.start + 3] ?? 0) & 1) === 1;
  let at = ipma.start + 4;
  if (at + 4 > ipma.end) return [];
  const count = v.getUint32(at);
  at += 4;
  for (let e = 0; e < count; e++) {
    const idSize = version < 1 ? 2 : 4;
    if (at + idSize + 1 > ipma.end) return [];
    const id = idSize === 2 ? v.getUint16(at) : v.getUint32(at);
    const n = h[at + idSize]!;
    at += idSize + 1;
    const width = wide ? 2 : 1;
    if (at + n * width > ipma.end) return [];
    if (id === item) {
      const out: number[] = [];
      for (let k = 0; k < n; k++) out.push(wide ? v.getUint16(at + 2 * k) & 0x7fff : h[at + k]! & 0x7f);
      return out;
    }
    at += n * width;
  }
  return [];
}

function find(all: Iterable<Box>, type: string): Box | undefined {
  for (const box of all) if (box.type === type) return box;
  return undefined;
}

function readUint32(v: DataView, at: number, end: number): number | undefined {
  return at + 4 <= end ? v.getUint32(at) : undefined;
}

function uint24le(v: DataView, at: number): number {
  return v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getUint8(at + 2) << 16);
}

function startsWith(h: Uint8Array, signature: number[], at = 0): boolean {
  return h.length >= at + signature.length && signature.every((byte, i) => h[at + i] === byte);
}

function ascii(h: Uint8Array, at: number, length: number): string {
  if (at + length > h.length) return '';
  return String.fromCharCode(...h.subarray(at, at + length));
}

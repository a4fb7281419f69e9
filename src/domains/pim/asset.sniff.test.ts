import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ASSET_MIME_TYPES, SNIFF_HEAD_BYTES, sniffAsset } from './asset.sniff.js';

const enc = new TextEncoder();
const bytes = (...parts: (number[] | Uint8Array | string)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? enc.encode(p) : Uint8Array.from(p))));
const u16be = (n: number) => [n >>> 8, n & 0xff];
const u16le = (n: number) => [n & 0xff, n >>> 8];
const u24le = (n: number) => [n & 0xff, (n >>> 8) & 0xff, n >>> 16];
const u32be = (n: number) => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u32le = (n: number) => u32be(n).reverse();

/** A complete RGB PNG: signature, IHDR, one zlib-compressed IDAT of unfiltered rows, IEND. */
function png(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = bytes(type, data);
    return bytes(u32be(data.length), body, u32be(crc32(body)));
  };
  const row = [0, ...Array.from({ length: width * 3 }, (_, i) => (i * 40) & 0xff)];
  const raw = bytes(...Array.from({ length: height }, () => row));
  return bytes(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk('IHDR', bytes(u32be(width), u32be(height), [8, 2, 0, 0, 0])),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  );
}

/**
 * A complete GIF of one colour. Every pixel is LZW code 0; a clear code every two pixels keeps the
 * dictionary from reaching 8 entries, so all codes stay 3 bits wide.
 */
function gif(width: number, height: number): Uint8Array {
  const codes: number[] = [];
  for (let p = 0; p < width * height; p++) codes.push(...(p % 2 === 0 ? [4, 0] : [0]));
  codes.push(5);
  const data: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const code of codes) {
    acc |= code << bits;
    bits += 3;
    while (bits >= 8) {
      data.push(acc & 0xff);
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) data.push(acc);
  return bytes(
    'GIF89a',
    [...u16le(width), ...u16le(height), 0x80, 0, 0],
    [0, 0, 0, 255, 255, 255],
    [0x2c, 0, 0, 0, 0, ...u16le(width), ...u16le(height), 0],
    [2, data.length, ...data, 0],
    [0x3b],
  );
}

const segment = (marker: number, payload: number[] | Uint8Array) =>
  bytes([0xff, marker, ...u16be(payload.length + 2)], payload);

/** JPEG marker structure up to the scan: JFIF, quantisation and Huffman tables, frame, scan. */
function jpeg(width: number, height: number, opts: { sof?: number; before?: Uint8Array[] } = {}) {
  return bytes(
    [0xff, 0xd8],
    segment(0xe0, bytes('JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0])),
    ...(opts.before ?? []),
    segment(0xdb, [0, ...new Array(64).fill(1)]),
    // a Huffman table whose bytes would read as a plausible size if mistaken for a frame header
    segment(0xc4, [0x00, 0x08, 0x01, 0x00, 0x02, 0x00, ...new Array(15).fill(0), 0]),
    segment(opts.sof ?? 0xc0, [8, ...u16be(height), ...u16be(width), 1, 1, 0x11, 0]),
    segment(0xda, [1, 1, 0, 0, 63, 0]),
    [0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9],
  );
}

const riff = (chunk: string, payload: number[]) =>
  bytes('RIFF', u32le(4 + 8 + payload.length), 'WEBP', chunk, u32le(payload.length), payload);

const box = (type: string, ...payload: (number[] | Uint8Array | string)[]) => {
  const body = bytes(...payload);
  return bytes(u32be(8 + body.length), type, body);
};
const fullBox = (type: string, version: number, flags: number, ...payload: (number[] | Uint8Array)[]) =>
  box(type, [version, (flags >>> 16) & 0xff, (flags >>> 8) & 0xff, flags & 0xff], ...payload);
const ispe = (w: number, h: number) => fullBox('ispe', 0, 0, u32be(w), u32be(h));

/** HEIF structure: item 1 (e.g. an alpha plane) is 64×32, the primary item 2 is 640×480. */
function avif(brands: string[], wideIndices = false): Uint8Array {
  const index = (i: number) => (wideIndices ? u16be(i) : [i]);
  return bytes(
    box('ftyp', brands[0]!, [0, 0, 0, 0], ...brands),
    fullBox(
      'meta',
      0,
      0,
      fullBox('hdlr', 0, 0, [0, 0, 0, 0], enc.encode('pict'), new Array(13).fill(0)),
      fullBox('pitm', 0, 0, u16be(2)),
      box(
        'iprp',
        box('ipco', ispe(64, 32), ispe(640, 480), fullBox('pixi', 0, 0, [3, 8, 8, 8])),
        fullBox(
          'ipma',
          0,
          wideIndices ? 1 : 0,
          u32be(2),
          u16be(1),
          [1],
          index(1),
          u16be(2),
          [2],
          index(2),
          index(3),
        ),
      ),
    ),
    box('mdat', [1, 2, 3]),
  );
}

function pdf(): Uint8Array {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] >>',
  ];
  let out = '%PDF-1.7\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) out += `${String(at).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return enc.encode(out);
}

describe('sniffAsset', () => {
  it('reads PNG type and size from IHDR', () => {
    expect(sniffAsset(png(3, 2))).toEqual({ mime: 'image/png', kind: 'image', width: 3, height: 2 });
  });

  it('reads JPEG size from the frame header, skipping other segments', () => {
    expect(sniffAsset(jpeg(3, 2))).toEqual({ mime: 'image/jpeg', kind: 'image', width: 3, height: 2 });
  });

  it('finds a progressive JPEG frame after a large EXIF segment and fill bytes', () => {
    const exif = segment(0xe1, bytes('Exif\0\0', new Uint8Array(30_000)));
    const file = jpeg(4032, 3024, { sof: 0xc2, before: [exif, bytes([0xff, 0xff])] });
    expect(sniffAsset(file)).toMatchObject({ width: 4032, height: 3024 });
  });

  it('reports a JPEG without size when the frame header lies beyond the head', () => {
    const icc = segment(0xe2, new Uint8Array(65_000));
    const file = jpeg(800, 600, { before: [icc, icc] });
    expect(sniffAsset(file.subarray(0, SNIFF_HEAD_BYTES))).toEqual({ mime: 'image/jpeg', kind: 'image' });
    expect(sniffAsset(file)).toMatchObject({ width: 800, height: 600 });
  });

  it('reads GIF size from the logical screen descriptor', () => {
    expect(sniffAsset(gif(3, 2))).toEqual({ mime: 'image/gif', kind: 'image', width: 3, height: 2 });
  });

  it('reads WebP size from each of the three bitstream headers', () => {
    // lossy: frame tag, start code, 14-bit sizes whose top two bits are a scale that must be masked
    const lossy = riff('VP8 ', [
      0x50,
      0x02,
      0x00,
      0x9d,
      0x01,
      0x2a,
      ...u16le(0x4000 | 3),
      ...u16le(0xc000 | 2),
    ]);
    expect(sniffAsset(lossy)).toEqual({ mime: 'image/webp', kind: 'image', width: 3, height: 2 });
    const packed = (3 - 1) | ((2 - 1) << 14);
    const lossless = riff('VP8L', [0x2f, ...u32le(packed), 0]);
    expect(sniffAsset(lossless)).toMatchObject({ width: 3, height: 2 });
    const extended = riff('VP8X', [0x10, 0, 0, 0, ...u24le(5000 - 1), ...u24le(3000 - 1)]);
    expect(sniffAsset(extended)).toMatchObject({ width: 5000, height: 3000 });
  });

  it("reads AVIF size from the primary item's ispe property", () => {
    const expected = { mime: 'image/avif', kind: 'image', width: 640, height: 480 };
    expect(sniffAsset(avif(['avif', 'mif1', 'miaf']))).toEqual(expected);
    expect(sniffAsset(avif(['mif1', 'avif'], true))).toEqual(expected);
  });

  it('rejects HEIC, which shares the AVIF container but not its brand', () => {
    expect(sniffAsset(avif(['heic', 'mif1']))).toBeNull();
  });

  it('recognises PDF as a document', () => {
    expect(sniffAsset(pdf())).toEqual({ mime: 'application/pdf', kind: 'document' });
  });

  it('judges by bytes, never by the file name', () => {
    expect(sniffAsset(png(3, 2), 'brochure.pdf')).toMatchObject({ mime: 'image/png' });
    expect(sniffAsset(enc.encode('just text'), 'photo.png')).toBeNull();
  });

  it('returns null for unsupported or garbage content', () => {
    const samples = [
      new Uint8Array(),
      enc.encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      enc.encode('<!doctype html><title>x</title>'),
      enc.encode('sku,name\n1,shirt\n'),
      bytes('PK', [3, 4, 20, 0, 0, 0]),
      bytes('RIFF', u32le(4), 'WAVE'),
      bytes([0x89, 0x50, 0x4e, 0x47]),
      bytes([0xff, 0xd8]),
    ];
    for (const sample of samples) expect(sniffAsset(sample)).toBeNull();
  });

  it('keeps the type but omits the size when the header is cut short', () => {
    expect(sniffAsset(png(3, 2).subarray(0, 16))).toEqual({ mime: 'image/png', kind: 'image' });
    expect(sniffAsset(gif(3, 2).subarray(0, 8))).toEqual({ mime: 'image/gif', kind: 'image' });
  });

  it('honours the byte offset of a head that is a view into a larger buffer', () => {
    const buffer = bytes(new Uint8Array(7), gif(3, 2));
    expect(sniffAsset(buffer.subarray(7))).toMatchObject({ mime: 'image/gif', width: 3, height: 2 });
  });

  it('never throws and only answers supported types, whatever the bytes', () => {
    const fixtures = [
      png(3, 2),
      jpeg(3, 2),
      gif(3, 2),
      avif(['avif']),
      pdf(),
      riff('VP8X', new Array(10).fill(0)),
    ];
    const mutated = fc
      .tuple(
        fc.constantFrom(...fixtures),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
      )
      .map(([fixture, cut, edits]) => {
        const copy = Uint8Array.from(fixture.subarray(0, (cut % fixture.length) + 1));
        for (const [at, value] of edits) copy[at % copy.length] = value;
        return copy;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (head) => {
        const result = sniffAsset(head);
        if (result) expect(ASSET_MIME_TYPES).toContain(result.mime);
      }),
      { numRuns: 2000 },
    );
  });
});

import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FieldError } from './catalog.types.js';
import {
  GoogleFeedCodes,
  type GoogleFeedItem,
  gtinProblem,
  isValidGtin,
  validateGoogleItem,
  writeGoogleFeed,
  xmlText,
} from './feed.google.js';

const meta = { title: 'Keel Shop', link: 'https://shop.example.com/', description: 'All products' };

function item(overrides: Partial<GoogleFeedItem> = {}): GoogleFeedItem {
  return {
    id: 'SKU-1',
    title: 'Blue shirt',
    description: 'A shirt, blue.',
    link: 'https://shop.example.com/p/sku-1',
    imageLink: 'https://cdn.example.com/sku-1.jpg',
    availability: 'in_stock',
    price: { amount: 1299, currency: 'USD' },
    brand: 'Keel',
    gtin: '4006381333931',
    ...overrides,
  };
}

async function* from<T>(values: Iterable<T>): AsyncGenerator<T> {
  for (const v of values) yield v;
}

type Parsed = Record<string, any>;
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'item' || name === 'g:additional_image_link' || name === 'g:shipping',
});

function parse(xml: string): { rss: Parsed; items: Parsed[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = parser.parse(xml);
  return { rss: doc.rss, items: doc.rss.channel.item ?? [] };
}

function codes(errors: FieldError[]): string[] {
  return errors.map((e) => `${e.field}:${e.code}`);
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keel-feed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('GTIN', () => {
  it('accepts GTIN-8/12/13/14 with a correct check digit', () => {
    for (const g of ['96385074', '036000291452', '4006381333931', '9780306406157', '10012345678902']) {
      expect(gtinProblem(g), g).toBeUndefined();
    }
  });

  it('refuses wrong check digits, lengths, non-digits, all zeros, restricted and coupon ranges', () => {
    expect(gtinProblem('4006381333932')).toMatch(/check digit/);
    expect(gtinProblem('036000291453')).toMatch(/check digit/);
    expect(gtinProblem('96385075')).toMatch(/check digit/);
    expect(gtinProblem('12345')).toMatch(/digits/);
    expect(gtinProblem('400638133393')).toMatch(/check digit/);
    expect(gtinProblem('40063813339a1')).toMatch(/digits only/);
    expect(gtinProblem('00000000')).toMatch(/zeros/);
    expect(gtinProblem('2000000000008')).toMatch(/restricted/);
    expect(gtinProblem('0200000000004')).toMatch(/restricted/);
    expect(gtinProblem('400000000008')).toMatch(/restricted/);
    expect(gtinProblem('9800000000007')).toMatch(/coupon/);
    expect(isValidGtin('4006381333931')).toBe(true);
    expect(isValidGtin('4006381333932')).toBe(false);
  });
});

describe('validateGoogleItem', () => {
  it('accepts a complete item', () => {
    expect(validateGoogleItem(item())).toEqual([]);
  });

  it('requires id, title, description, link, image_link, availability and price', () => {
    const bad = {
      id: ' ',
      title: '',
      link: 'https://x.example/',
      imageLink: 'https://x.example/i.jpg',
    } as unknown as GoogleFeedItem;
    expect(codes(validateGoogleItem(bad))).toEqual(
      expect.arrayContaining([
        'id:GOOGLE_FIELD_MISSING',
        'title:GOOGLE_FIELD_MISSING',
        'description:GOOGLE_FIELD_MISSING',
        'availability:GOOGLE_VALUE_INVALID',
        'price:GOOGLE_FIELD_MISSING',
      ]),
    );
  });

  it('enforces the length limits in characters', () => {
    const errors = validateGoogleItem(
      item({
        id: 'x'.repeat(51),
        title: 't'.repeat(151),
        description: 'd'.repeat(5001),
        mpn: 'm'.repeat(71),
        itemGroupId: 'g'.repeat(51),
        color: 'blue',
      }),
    );
    expect(codes(errors).sort()).toEqual(
      [
        'description:GOOGLE_FIELD_TOO_LONG',
        'id:GOOGLE_FIELD_TOO_LONG',
        'itemGroupId:GOOGLE_FIELD_TOO_LONG',
        'mpn:GOOGLE_FIELD_TOO_LONG',
        'title:GOOGLE_FIELD_TOO_LONG',
      ].sort(),
    );
    // 150 emoji are 300 UTF-16 units but 150 characters.
    expect(validateGoogleItem(item({ title: '👕'.repeat(150) }))).toEqual([]);
  });

  it('wants absolute http(s) URLs of at most 2,000 characters', () => {
    for (const link of ['/p/1', 'ftp://x.example/a', 'https://x.example/a b', 'https://', 'mailto:a@b.c']) {
      expect(codes(validateGoogleItem(item({ link }))), link).toEqual(['link:GOOGLE_URL_INVALID']);
    }
    const long = `https://x.example/${'a'.repeat(2000)}`;
    expect(codes(validateGoogleItem(item({ imageLink: long })))).toEqual(['imageLink:GOOGLE_FIELD_TOO_LONG']);
    expect(
      codes(validateGoogleItem(item({ additionalImageLinks: ['https://x.example/1.jpg', 'nope'] }))),
    ).toEqual(['additionalImageLinks[1]:GOOGLE_URL_INVALID']);
    const eleven = Array.from({ length: 11 }, (_, i) => `https://x.example/${i}.jpg`);
    expect(codes(validateGoogleItem(item({ additionalImageLinks: eleven })))).toEqual([
      'additionalImageLinks:GOOGLE_FIELD_TOO_LONG',
    ]);
  });

  it('checks prices: positive integer minor units, ISO 4217, sale below price in the same currency', () => {
    const price = (amount: number, currency = 'USD') => ({ amount, currency });
    expect(codes(validateGoogleItem(item({ price: price(0) })))).toEqual(['price:GOOGLE_PRICE_INVALID']);
    expect(codes(validateGoogleItem(item({ price: price(12.5) })))).toEqual(['price:GOOGLE_PRICE_INVALID']);
    expect(codes(validateGoogleItem(item({ price: price(100, 'XXY') })))).toEqual([
      'price:GOOGLE_PRICE_INVALID',
    ]);
    expect(codes(validateGoogleItem(item({ price: price(100, 'usd') })))).toEqual([
      'price:GOOGLE_PRICE_INVALID',
    ]);
    expect(validateGoogleItem(item({ salePrice: price(999) }))).toEqual([]);
    expect(codes(validateGoogleItem(item({ salePrice: price(1299) })))).toEqual([
      'salePrice:GOOGLE_PRICE_INVALID',
    ]);
    expect(codes(validateGoogleItem(item({ salePrice: price(999, 'EUR') })))).toEqual([
      'salePrice:GOOGLE_PRICE_INVALID',
    ]);
  });

  it('applies the identifier rules unless identifierExists is false', () => {
    expect(codes(validateGoogleItem(item({ brand: undefined })))).toEqual(['brand:GOOGLE_FIELD_MISSING']);
    expect(validateGoogleItem(item({ brand: undefined, condition: 'used' }))).toEqual([]);
    expect(codes(validateGoogleItem(item({ gtin: undefined })))).toEqual(['gtin:GOOGLE_FIELD_MISSING']);
    expect(validateGoogleItem(item({ gtin: undefined, mpn: 'KS-100' }))).toEqual([]);
    expect(validateGoogleItem(item({ brand: undefined, gtin: undefined, identifierExists: false }))).toEqual(
      [],
    );
    expect(codes(validateGoogleItem(item({ gtin: '4006381333932' })))).toEqual(['gtin:GOOGLE_GTIN_INVALID']);
    // A GTIN given is still checked when identifiers are declared absent.
    expect(codes(validateGoogleItem(item({ gtin: '123', identifierExists: false })))).toEqual([
      'gtin:GOOGLE_GTIN_INVALID',
    ]);
  });

  it('checks enumerations and that variants say how they differ', () => {
    const bad = { availability: 'soon', condition: 'mint', gender: 'x', ageGroup: 'teen' } as never;
    expect(codes(validateGoogleItem(item(bad))).sort()).toEqual([
      'ageGroup:GOOGLE_VALUE_INVALID',
      'availability:GOOGLE_VALUE_INVALID',
      'condition:GOOGLE_VALUE_INVALID',
      'gender:GOOGLE_VALUE_INVALID',
    ]);
    expect(codes(validateGoogleItem(item({ itemGroupId: 'G1' })))).toEqual([
      'itemGroupId:GOOGLE_FIELD_MISSING',
    ]);
    expect(validateGoogleItem(item({ itemGroupId: 'G1', size: 'M' }))).toEqual([]);
    expect(validateGoogleItem(item({ itemGroupId: 'G1', gender: 'unisex' }))).toEqual([]);
  });

  it('treats null optional fields, as database rows carry them, as absent', async () => {
    const row = item({
      additionalImageLinks: null,
      salePrice: null,
      condition: null,
      mpn: null,
      identifierExists: null,
      itemGroupId: null,
      gender: null,
      ageGroup: null,
      shipping: null,
    } as never);
    expect(validateGoogleItem(row)).toEqual([]);
    const target = join(dir, 'nulls.xml');
    expect(await writeGoogleFeed(from([row]), meta, target)).toMatchObject({ written: 1, rejected: 0 });
    const { items } = parse(await readFile(target, 'utf8'));
    expect(Object.keys(items[0]!).sort()).toEqual(
      [
        'g:availability',
        'g:brand',
        'g:condition',
        'g:description',
        'g:gtin',
        'g:id',
        'g:image_link',
        'g:link',
        'g:price',
        'g:title',
      ].sort(),
    );
  });

  it('checks shipping rates', () => {
    const ok = { country: 'US', service: 'Standard', price: { amount: 0, currency: 'USD' } };
    expect(validateGoogleItem(item({ shipping: [ok] }))).toEqual([]);
    expect(
      codes(
        validateGoogleItem(
          item({ shipping: [{ ...ok, country: 'usa', price: { amount: -1, currency: 'USD' } }] }),
        ),
      ),
    ).toEqual(['shipping[0].country:GOOGLE_VALUE_INVALID', 'shipping[0].price:GOOGLE_PRICE_INVALID']);
  });
});

describe('xmlText', () => {
  it('returns clean strings unchanged and escapes markup', () => {
    const s = 'Plain title 123';
    expect(xmlText(s)).toBe(s);
    // Quotes only matter inside attributes, and the feed has none with variable content.
    expect(xmlText(`a<b>&"c'`)).toBe(`a&lt;b&gt;&amp;"c'`);
    expect(xmlText(`Men's 15" laptop sleeve`)).toBe(`Men's 15" laptop sleeve`);
  });

  it('strips characters XML 1.0 forbids and keeps tab, newline and astral characters', () => {
    expect(xmlText('a\u0000b\u0008c\u000Bd\u001Fe\uFFFEf\uFFFF')).toBe('abcdef');
    expect(xmlText('x\uD800y\uDC00z')).toBe('xyz');
    expect(xmlText('t\tn\nr\r👕')).toBe('t\tn\nr\r👕');
  });
});

describe('writeGoogleFeed', () => {
  it('writes a well-formed RSS 2.0 feed in the g: namespace with every required field', async () => {
    const target = join(dir, 'feed.xml');
    const rows = [
      item(),
      item({
        id: 'SKU-2',
        additionalImageLinks: ['https://cdn.example.com/2a.jpg', 'https://cdn.example.com/2b.jpg'],
        salePrice: { amount: 999, currency: 'USD' },
        condition: 'refurbished',
        mpn: 'KS-2',
        itemGroupId: 'G1',
        color: 'Blue',
        size: 'M',
        gender: 'male',
        ageGroup: 'adult',
        googleProductCategory: 'Apparel & Accessories > Clothing',
        productType: 'Shirts',
        shipping: [{ country: 'US', service: 'Standard', price: { amount: 495, currency: 'USD' } }],
      }),
      item({ id: 'SKU-3', brand: undefined, gtin: undefined, identifierExists: false }),
    ];
    const result = await writeGoogleFeed(from(rows), meta, target);
    const xml = await readFile(target, 'utf8');
    expect(result).toEqual({ written: 3, rejected: 0, bytes: Buffer.byteLength(xml) });
    expect((await stat(target)).size).toBe(result.bytes);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"')).toBe(true);

    const { rss, items } = parse(xml);
    expect(rss['@_version']).toBe('2.0');
    expect(rss['@_xmlns:g']).toBe('http://base.google.com/ns/1.0');
    expect(rss.channel.title).toBe(meta.title);
    expect(rss.channel.link).toBe(meta.link);
    expect(rss.channel.description).toBe(meta.description);
    expect(items).toHaveLength(3);
    for (const [i, it] of items.entries()) {
      expect(it['g:id']).toBe(rows[i]!.id);
      for (const f of ['title', 'description', 'link', 'image_link', 'availability', 'price', 'condition']) {
        expect(it[`g:${f}`], f).toBeTypeOf('string');
      }
    }
    expect(items[0]).toMatchObject({
      'g:price': '12.99 USD',
      'g:condition': 'new',
      'g:gtin': '4006381333931',
    });
    expect(items[0]!['g:identifier_exists']).toBeUndefined();
    expect(items[1]).toMatchObject({
      'g:additional_image_link': ['https://cdn.example.com/2a.jpg', 'https://cdn.example.com/2b.jpg'],
      'g:sale_price': '9.99 USD',
      'g:condition': 'refurbished',
      'g:item_group_id': 'G1',
      'g:color': 'Blue',
      'g:size': 'M',
      'g:gender': 'male',
      'g:age_group': 'adult',
      'g:google_product_category': 'Apparel & Accessories > Clothing',
      'g:shipping': [{ 'g:country': 'US', 'g:service': 'Standard', 'g:price': '4.95 USD' }],
    });
    expect(items[2]!['g:identifier_exists']).toBe('no');
    expect(items[2]!['g:brand']).toBeUndefined();
    expect(await readdir(dir)).toEqual(['feed.xml']);
  });

  it('formats prices with the currency exponent (USD, JPY, KWD)', async () => {
    const target = join(dir, 'prices.xml');
    await writeGoogleFeed(
      from([
        item({
          id: 'usd',
          price: { amount: 1299, currency: 'USD' },
          salePrice: { amount: 5, currency: 'USD' },
        }),
        item({ id: 'jpy', price: { amount: 1500, currency: 'JPY' } }),
        item({
          id: 'kwd',
          price: { amount: 12500, currency: 'KWD' },
          salePrice: { amount: 50, currency: 'KWD' },
        }),
      ]),
      meta,
      target,
    );
    const { items } = parse(await readFile(target, 'utf8'));
    expect(items.map((i) => [i['g:price'], i['g:sale_price']])).toEqual([
      ['12.99 USD', '0.05 USD'],
      ['1500 JPY', undefined],
      ['12.500 KWD', '0.050 KWD'],
    ]);
  });

  it('escapes markup and strips forbidden characters so the document stays well-formed', async () => {
    const target = join(dir, 'escape.xml');
    const nasty = `Tom & Jerry's <b>"best"</b> ]]> mug\u0000\u0001\u000B\uFFFF\uD800 ☕`;
    await writeGoogleFeed(
      from([
        item({ title: nasty, description: `line1\nline2\ttab <script>alert('x')</script>`, color: '<' }),
      ]),
      { ...meta, title: 'A & B <shop>' },
      target,
    );
    const xml = await readFile(target, 'utf8');
    expect(xml).toContain(`Tom &amp; Jerry's &lt;b&gt;"best"&lt;/b&gt; ]]&gt; mug ☕`);
    const { rss, items } = parse(xml);
    expect(rss.channel.title).toBe('A & B <shop>');
    expect(items[0]!['g:title']).toBe(`Tom & Jerry's <b>"best"</b> ]]> mug ☕`);
    expect(items[0]!['g:description']).toBe(`line1\nline2\ttab <script>alert('x')</script>`);
    expect(items[0]!['g:color']).toBe('<');
  });

  it('skips invalid items, reports them and counts them', async () => {
    const target = join(dir, 'mixed.xml');
    const reported: [string, string[]][] = [];
    const result = await writeGoogleFeed(
      from([
        item({ id: 'ok-1' }),
        item({ id: 'bad-gtin', gtin: '4006381333932' }),
        item({ id: 'ok-2' }),
        item({ id: 'bad-link', link: 'not a url' }),
      ]),
      meta,
      target,
      { onInvalid: (it, errors) => reported.push([it.id, errors.map((e) => e.code)]) },
    );
    expect(result.written).toBe(2);
    expect(result.rejected).toBe(2);
    expect(reported).toEqual([
      ['bad-gtin', [GoogleFeedCodes.GTIN_INVALID]],
      ['bad-link', [GoogleFeedCodes.URL_INVALID]],
    ]);
    const { items } = parse(await readFile(target, 'utf8'));
    expect(items.map((i) => i['g:id'])).toEqual(['ok-1', 'ok-2']);
  });

  it('writes an empty but valid feed when nothing is valid', async () => {
    const target = join(dir, 'empty.xml');
    const result = await writeGoogleFeed(from([item({ id: '' })]), meta, target);
    expect(result).toMatchObject({ written: 0, rejected: 1 });
    expect(parse(await readFile(target, 'utf8')).items).toEqual([]);
  });

  it('leaves no file at the target when the source throws, and keeps the previous feed', async () => {
    async function* failing(): AsyncGenerator<GoogleFeedItem> {
      for (let i = 0; i < 5000; i++) yield item({ id: `SKU-${i}` });
      throw new Error('database went away');
    }
    const target = join(dir, 'feed.xml');
    await expect(writeGoogleFeed(failing(), meta, target)).rejects.toThrow('database went away');
    expect(await readdir(dir)).toEqual([]);

    await writeFile(target, 'previous feed');
    await expect(writeGoogleFeed(failing(), meta, target)).rejects.toThrow('database went away');
    expect(await readdir(dir)).toEqual(['feed.xml']);
    expect(await readFile(target, 'utf8')).toBe('previous feed');
  });

  it('closes the source and leaves no file when aborted', async () => {
    const controller = new AbortController();
    let closed = false;
    async function* endless(): AsyncGenerator<GoogleFeedItem> {
      try {
        for (let i = 0; ; i++) {
          if (i === 3000) controller.abort(new Error('export cancelled'));
          yield item({ id: `SKU-${i}` });
        }
      } finally {
        closed = true;
      }
    }
    const target = join(dir, 'feed.xml');
    await expect(writeGoogleFeed(endless(), meta, target, { signal: controller.signal })).rejects.toThrow(
      'export cancelled',
    );
    expect(closed).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it('fails, leaving nothing behind, when the target directory does not exist', async () => {
    await expect(writeGoogleFeed(from([item()]), meta, join(dir, 'missing', 'feed.xml'))).rejects.toThrow(
      /ENOENT/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses an incomplete channel before writing anything', async () => {
    const target = join(dir, 'feed.xml');
    await expect(writeGoogleFeed(from([item()]), { ...meta, link: '' }, target)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await readdir(dir)).toEqual([]);
  });

  it('honours backpressure on a slow stream and leaves the stream open for its owner', async () => {
    const received: Buffer[] = [];
    let maxQueued = 0;
    const slow: Writable = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        received.push(chunk);
        maxQueued = Math.max(maxQueued, slow.writableLength);
        setTimeout(cb, 1);
      },
    });
    const rows = Array.from({ length: 2000 }, (_, i) => item({ id: `SKU-${i}` }));
    const result = await writeGoogleFeed(from(rows), meta, slow);
    expect(slow.writableEnded).toBe(false);
    slow.end();
    await new Promise((r) => slow.once('finish', r));
    const xml = Buffer.concat(received).toString('utf8');
    expect(result).toEqual({ written: 2000, rejected: 0, bytes: Buffer.byteLength(xml) });
    expect(parse(xml).items).toHaveLength(2000);
    // Without waiting for 'drain' the whole feed (~10 chunks) would have queued up at once.
    expect(result.bytes).toBeGreaterThan(8 * 64 * 1024);
    expect(received.length).toBeGreaterThan(8);
    expect(maxQueued).toBeLessThan(80 * 1024);
  });

  it('rejects instead of hanging when the stream is destroyed mid-export', async () => {
    const stuck = new Writable({ highWaterMark: 1024, write() {} });
    const rows = Array.from({ length: 2000 }, (_, i) => item({ id: `SKU-${i}` }));
    setTimeout(() => stuck.destroy(new Error('client went away')), 10);
    await expect(writeGoogleFeed(from(rows), meta, stuck)).rejects.toThrow('client went away');

    // An HTTP response whose client disconnects closes without an error.
    const gone = new Writable({ highWaterMark: 1024, write() {} });
    setTimeout(() => gone.destroy(), 10);
    await expect(writeGoogleFeed(from(rows), meta, gone)).rejects.toThrow(/closed/);
  });

  it('streams 20,000 items correctly', async () => {
    const n = 20_000;
    async function* many(): AsyncGenerator<GoogleFeedItem> {
      for (let i = 0; i < n; i++) {
        yield item({
          id: `SKU-${i}`,
          title: `Shirt ${i} & co`,
          price: { amount: 100 + i, currency: 'EUR' },
          gtin: undefined,
          mpn: `MPN-${i}`,
          itemGroupId: `G-${Math.floor(i / 4)}`,
          size: ['S', 'M', 'L', 'XL'][i % 4]!,
          ...(i % 1000 === 999 ? { link: 'broken' } : {}),
        });
      }
    }
    const target = join(dir, 'big.xml');
    let reported = 0;
    const result = await writeGoogleFeed(many(), meta, target, { onInvalid: () => reported++ });
    expect(result.written).toBe(n - 20);
    expect(result.rejected).toBe(20);
    expect(reported).toBe(20);
    const xml = await readFile(target, 'utf8');
    expect(result.bytes).toBe(Buffer.byteLength(xml));
    const { items } = parse(xml);
    expect(items).toHaveLength(n - 20);
    const ids = new Set(items.map((i) => i['g:id']));
    expect(ids.size).toBe(n - 20);
    expect(ids.has('SKU-999')).toBe(false);
    expect(items[0]).toMatchObject({ 'g:id': 'SKU-0', 'g:title': 'Shirt 0 & co', 'g:price': '1.00 EUR' });
    expect(items.at(-1)).toMatchObject({ 'g:id': `SKU-${n - 2}`, 'g:price': '200.98 EUR', 'g:size': 'L' });
  });
});

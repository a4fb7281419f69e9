import { formatMoney } from '../../kernel/money.js';

/**
 * The custom JSONata functions channel transforms may call. They are plain functions (no JSONata
 * signature strings: checking those on every call costs more than the checks below) and every one
 * passes `undefined` through, so that `$f(missingAttribute)` yields no output field rather than an
 * error. Misuse (a wrong type, an unknown unit) throws: the caller reports RULE_EVALUATION_FAILED.
 * All of them run in time linear in their input, whatever it holds: transforms run on user data.
 */

/** A thrown error with a message naming the function, surfaced to whoever wrote the rule. */
class SyndicationFunctionError extends Error {
  constructor(fn: string, message: string) {
    super(`$${fn}: ${message}`);
    this.name = 'SyndicationFunctionError';
  }
}

// ---------------------------------------------------------------------------------------------
// $stripHtml
// ---------------------------------------------------------------------------------------------

/** Elements whose content is not text (code, styles, templates): dropped with the tags. */
const SKIPPED_CONTENT = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'iframe',
  'object',
  'svg',
  'math',
]);

/** Elements that break a line: replaced by a space so that `<p>a</p><p>b</p>` reads `a b`, not `ab`. */
const BLOCK_TAGS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'br',
  'caption',
  'dd',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'img',
  'li',
  'main',
  'nav',
  'ol',
  'option',
  'p',
  'pre',
  'section',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/** The entities product copy actually contains (typography, currency, Latin-1 letters). */
const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  shy: '',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  bull: '•',
  middot: '·',
  deg: '°',
  times: '×',
  divide: '÷',
  plusmn: '±',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  sup2: '²',
  sup3: '³',
  micro: 'µ',
  copy: '©',
  reg: '®',
  trade: '™',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  para: '¶',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  eacute: 'é',
  egrave: 'è',
  ecirc: 'ê',
  Eacute: 'É',
  aacute: 'á',
  agrave: 'à',
  acirc: 'â',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ccedil: 'ç',
  ntilde: 'ñ',
  oslash: 'ø',
  aring: 'å',
  aelig: 'æ',
};

const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));/g;
const WHITESPACE_RE = /\s+/g;

function decodeEntity(whole: string, dec?: string, hex?: string, name?: string): string {
  if (name !== undefined) return Object.hasOwn(NAMED_ENTITIES, name) ? NAMED_ENTITIES[name]! : whole;
  const cp = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
  // NUL, lone surrogates and out-of-range code points are what a browser shows as U+FFFD too.
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(cp);
}

const isAsciiLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isTagSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 12 || c === 13;

/**
 * The index just past the `>` that ends the tag whose name ends at `from`, or -1 when the input ends
 * first. Quoted attribute values are skipped whole: `<a title="x > y">` ends at the last `>`. A quote
 * only opens a value right after `=` (as in HTML), so a stray `"` in `<br">` does not swallow the rest.
 */
function tagEnd(s: string, from: number): number {
  const n = s.length;
  let afterEquals = false;
  for (let i = from; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 62 /* > */) return i + 1;
    if (c === 61 /* = */) {
      afterEquals = true;
      continue;
    }
    if (afterEquals && (c === 34 /* " */ || c === 39) /* ' */) {
      const close = s.indexOf(c === 34 ? '"' : "'", i + 1);
      if (close < 0) return -1;
      i = close;
      afterEquals = false;
      continue;
    }
    if (!isTagSpace(c)) afterEquals = false;
  }
  return -1;
}

/** Where raw content of `<name>` ends: the index just past its `</name …>`, or -1 when never closed. */
function skipContent(s: string, name: string, from: number): number {
  // Built per call, rarely (only for script/style/…); `[\s/>]` makes `</scripts>` not end `<script>`.
  const re = new RegExp(`</${name}[\\s/>]`, 'gi');
  re.lastIndex = from;
  const m = re.exec(s);
  if (!m) return -1;
  const end = s.indexOf('>', m.index + name.length + 2);
  return end < 0 ? -1 : end + 1;
}

/**
 * Plain text from HTML: tags removed (the contents of script/style/… too), common entities decoded
 * after the tags are gone (so `&lt;b&gt;` stays the text `<b>`), whitespace collapsed. A single pass
 * of indexOf scans: no regular expression that could backtrack over a hostile value.
 */
export function stripHtml(s: unknown): string | undefined {
  if (s === undefined || s === null) return undefined;
  if (typeof s !== 'string')
    throw new SyndicationFunctionError('stripHtml', `expects a string, got ${typeof s}`);
  let out = '';
  let textStart = 0;
  let i = 0;
  const n = s.length;
  while (i < n) {
    const lt = s.indexOf('<', i);
    if (lt < 0) break;
    const c1 = s.charCodeAt(lt + 1);
    let end: number;
    let sep = '';
    if (isAsciiLetter(c1) || (c1 === 47 /* / */ && isAsciiLetter(s.charCodeAt(lt + 2)))) {
      const closing = c1 === 47;
      let k = closing ? lt + 2 : lt + 1;
      const nameStart = k;
      while (k < n) {
        const c = s.charCodeAt(k);
        if (isAsciiLetter(c) || (c >= 48 && c <= 57) || c === 45 /* - */) k++;
        else break;
      }
      const name = s.slice(nameStart, k).toLowerCase();
      end = tagEnd(s, k);
      if (end > 0 && !closing && SKIPPED_CONTENT.has(name) && s.charCodeAt(end - 2) !== 47 /* /> */) {
        end = skipContent(s, name, end);
      }
      if (BLOCK_TAGS.has(name)) sep = ' ';
    } else if (s.startsWith('<!--', lt)) {
      const close = s.indexOf('-->', lt + 4);
      end = close < 0 ? -1 : close + 3;
    } else if (c1 === 33 /* ! */ || c1 === 63 /* ? */) {
      // <!DOCTYPE …>, <![CDATA[…]]>, <?xml …?>: markup, not text.
      const close = s.indexOf('>', lt + 2);
      end = close < 0 ? -1 : close + 1;
    } else {
      // `a < b`: a lone `<` is text.
      i = lt + 1;
      continue;
    }
    out += s.slice(textStart, lt) + sep;
    // An unterminated tag or script swallows the rest, as in a browser: never leak its content.
    if (end < 0) {
      textStart = n;
      break;
    }
    textStart = i = end;
  }
  if (textStart < n) out += textStart === 0 ? s : s.slice(textStart);
  return out.replace(ENTITY_RE, decodeEntity).replace(WHITESPACE_RE, ' ').trim();
}

// ---------------------------------------------------------------------------------------------
// $truncate
// ---------------------------------------------------------------------------------------------

const ELLIPSIS = '…';

const isSpaceCode = (c: number) =>
  c === 32 ||
  (c >= 9 && c <= 13) ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x3000;

/**
 * At most `n` code points (what channels count: Google's 150-character title is 150 code points, an
 * emoji is one, not two UTF-16 units). When cut, the text ends with `…` (which counts) and the cut
 * moves back to the last space if that keeps at least half of the room; one very long word is cut
 * hard. A surrogate pair or a trailing zero-width joiner is never split from its emoji.
 */
export function truncate(s: unknown, n: unknown): string | undefined {
  if (s === undefined || s === null) return undefined;
  if (typeof s !== 'string')
    throw new SyndicationFunctionError('truncate', `expects a string, got ${typeof s}`);
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    throw new SyndicationFunctionError('truncate', 'the length must be a number ≥ 0');
  const max = Math.floor(n);
  // Fast path: UTF-16 units ≥ code points, so a short string is short in code points too.
  if (s.length <= max) return s;
  // Walk code points: `keepEnd` is the UTF-16 index after max - 1 of them (room for the ellipsis).
  let count = 0;
  let i = 0;
  let keepEnd = 0;
  let lastSpace = -1;
  let spaceCount = 0;
  while (i < s.length) {
    if (count === max - 1) keepEnd = i;
    if (count === max) break;
    const c = s.charCodeAt(i);
    const width = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length ? 2 : 1;
    if (count < max - 1 && isSpaceCode(c)) {
      lastSpace = i;
      spaceCount = count;
    }
    i += width;
    count++;
  }
  if (i >= s.length && count <= max) return s;
  if (max === 0) return '';
  // The first dropped code point starts at keepEnd: a space there means the cut is already clean.
  let cut = keepEnd;
  if (!isSpaceCode(s.charCodeAt(keepEnd)) && lastSpace >= 0 && spaceCount >= (max - 1) / 2) cut = lastSpace;
  let kept = s.slice(0, cut).trimEnd();
  if (kept.endsWith('\u200d')) kept = kept.slice(0, -1);
  return kept + ELLIPSIS;
}

// ---------------------------------------------------------------------------------------------
// $convertUnit
// ---------------------------------------------------------------------------------------------

/** Factor to the dimension's base unit (g, mm, ml); exact by definition (1 lb = 453.59237 g). */
const UNITS: Record<string, { dimension: 'mass' | 'length' | 'volume'; factor: number }> = {
  g: { dimension: 'mass', factor: 1 },
  kg: { dimension: 'mass', factor: 1000 },
  lb: { dimension: 'mass', factor: 453.59237 },
  oz: { dimension: 'mass', factor: 28.349523125 },
  mm: { dimension: 'length', factor: 1 },
  cm: { dimension: 'length', factor: 10 },
  m: { dimension: 'length', factor: 1000 },
  in: { dimension: 'length', factor: 25.4 },
  ft: { dimension: 'length', factor: 304.8 },
  ml: { dimension: 'volume', factor: 1 },
  l: { dimension: 'volume', factor: 1000 },
};

function unitOf(code: unknown) {
  // Attribute units are free-form (`KG`, `L`): matched case-insensitively, none of ours collide.
  const key = typeof code === 'string' ? code.toLowerCase() : '';
  // hasOwn: `constructor` is not a unit.
  const u = Object.hasOwn(UNITS, key) ? UNITS[key] : undefined;
  if (u === undefined)
    throw new SyndicationFunctionError('convertUnit', `unknown unit ${JSON.stringify(code)}`);
  return u;
}

/**
 * The amount of a measure `{ amount, unit }` in another unit of the same dimension, as a number
 * rounded to 6 significant digits (float noise such as 0.30000000000000004 never reaches a feed).
 * The field name carries the unit (`weight_kg`), which is what channel feeds expect.
 */
export function convertUnit(measure: unknown, unit: unknown): number | undefined {
  if (measure === undefined || measure === null) return undefined;
  const m = measure as { amount?: unknown; unit?: unknown };
  if (typeof m !== 'object' || typeof m.amount !== 'number' || !Number.isFinite(m.amount))
    throw new SyndicationFunctionError('convertUnit', 'expects a measure { amount, unit }');
  const from = unitOf(m.unit);
  const to = unitOf(unit);
  if (from.dimension !== to.dimension)
    throw new SyndicationFunctionError(
      'convertUnit',
      `cannot convert ${String(m.unit)} (${from.dimension}) to ${String(unit)} (${to.dimension})`,
    );
  const value = from === to ? m.amount : (m.amount * from.factor) / to.factor;
  // `+` also turns -0 into 0 after toPrecision; Number() keeps plain notation for the range we see.
  return Number(value.toPrecision(6)) + 0;
}

// ---------------------------------------------------------------------------------------------
// $formatPrice
// ---------------------------------------------------------------------------------------------

const CURRENCY_RE = /^[A-Z]{3}$/;

/**
 * The price in one currency as `12.99 EUR` (the currency's own number of decimals: `1299 JPY`,
 * `12.990 KWD`), from a price value `[{ amount, currency }]` in minor units. No price in that
 * currency gives undefined: the field is left out rather than sent as 0.
 */
export function formatPrice(prices: unknown, currency: unknown): string | undefined {
  if (prices === undefined || prices === null) return undefined;
  if (typeof currency !== 'string' || !CURRENCY_RE.test(currency))
    throw new SyndicationFunctionError(
      'formatPrice',
      `the currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`,
    );
  // A one-element list may reach us unwrapped (JSONata flattens singleton sequences).
  const list = Array.isArray(prices) ? prices : [prices];
  for (const p of list) {
    if (typeof p !== 'object' || p === null || (p as { currency?: unknown }).currency !== currency) continue;
    const amount = (p as { amount?: unknown }).amount;
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount))
      throw new SyndicationFunctionError(
        'formatPrice',
        `amount must be an integer of minor units, got ${amount}`,
      );
    // formatMoney scales by currencyExponent and throws for a currency ISO 4217 does not know.
    return formatMoney({ amount, currency });
  }
  return undefined;
}

/** The functions registered on every transform, by JSONata name (`$stripHtml` …). */
export const SYNDICATION_FUNCTIONS: Readonly<Record<string, (...args: any[]) => unknown>> = Object.freeze({
  stripHtml,
  truncate,
  convertUnit,
  formatPrice,
});

import PDFDocument from 'pdfkit';
import { assertValidInvoiceDocument, billedUnitPrice, type InvoiceDocument } from './invoice.document.js';
import {
  addressLines,
  amountsCaption,
  type InvoiceFormat,
  invoiceFormat,
  INVOICE_LABELS as L,
  lineColumns,
  reportingLine,
} from './invoice.render.html.js';

/**
 * The same invoice as a PDF (pdfkit). Only the built-in standard fonts (Helvetica) are used, so
 * nothing is read from disk or the network and every PDF viewer renders it identically. Layout is
 * done by hand, row by row, so a page break never splits a line and the table head repeats.
 */

export interface InvoicePdfOptions {
  /** A4 by default (most invoicing jurisdictions); LETTER for North America. */
  pageSize?: 'A4' | 'LETTER';
  /** Deflate content streams (default true). Off only to read the raw PDF while debugging. */
  compress?: boolean;
}

// The standard 14 fonts only cover WinAnsi (cp1252): pdfkit writes any other character as a garbage
// code (no exception, wrong glyph). So text is folded to WinAnsi first: accents outside cp1252 are
// stripped (ą→a, ő→o), letters without a decomposition and Greek/Cyrillic are transliterated
// (ł→l, Ω→O, ж→zh), typographic spaces/dashes are mapped, anything else (CJK, emoji) becomes "?".
// Lossy by design; a document that must show such scripts needs an embedded Unicode TTF (left open).
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
// Letters without a decomposition, Greek (ELOT 743) and Cyrillic (BGN/PCGN, simplified), lower case.
const LETTERS = [
  'ł=l đ=d ħ=h ı=i ŧ=t ĸ=k ſ=s ƀ=b ŋ=ng ə=e α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m',
  'ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t υ=y φ=f χ=ch ψ=ps ω=o а=a б=b в=v г=g д=d е=e ж=zh з=z и=i',
  'й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f х=kh ц=ts ч=ch ш=sh щ=shch ъ= ы=y ь= э=e',
  'ю=yu я=ya і=i ї=yi є=ye ґ=g ђ=dj ј=j љ=lj њ=nj ћ=c џ=dz',
].join(' ');
const TRANSLIT: Record<string, string> = {
  ...Object.fromEntries(LETTERS.split(' ').map((p) => p.split('='))),
  // Typographic characters Intl and word processors emit: minus sign, narrow no-break space, …
  '\u2010': '-',
  '\u2011': '-',
  '\u2212': '-',
  '\u2032': "'",
  '\u2033': '"',
  '\u2044': '/',
  '\u202f': '\u00a0',
  '\u2007': '\u00a0',
  '\u200b': '',
  '\u200c': '',
  '\u200d': '',
  '\ufeff': '',
};

const inWinAnsi = (c: string) => {
  const cp = c.codePointAt(0)!;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || c === '\n' || WIN_ANSI_EXTRA.has(c);
};

function foldChar(c: string): string | undefined {
  if (inWinAnsi(c)) return c;
  const lower = c.toLowerCase();
  const t = TRANSLIT[lower];
  if (t !== undefined) return lower === c ? t : t.charAt(0).toUpperCase() + t.slice(1);
  if (/\s/u.test(c)) return ' ';
  if (/\p{Cc}/u.test(c)) return '';
  return undefined;
}

/** Text as the standard fonts can show it; see the note above. Exported for tests. */
export function toWinAnsi(s: string): string {
  let out = '';
  for (const c of s) {
    const direct = foldChar(c);
    if (direct !== undefined) {
      out += direct;
      continue;
    }
    // Compatibility decomposition: drop combining marks (U+0300–036F), fold what remains (ά→α→a, ﬁ→fi).
    const parts = [...c.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')];
    const folded = parts.map(foldChar);
    out += parts.length > 0 && folded.every((p) => p !== undefined) ? folded.join('') : '?';
  }
  return out;
}

type Doc = PDFKit.PDFDocument;
type Align = 'left' | 'right' | 'center';

const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const MARGIN = 42;
const PAD = 3;
const TABLE_SIZE = 8;
// SKU, Description, Qty, Unit price, Discount, Net, Rate, Tax, Gross — fractions of the content width.
const COL_SHARE = [0.11, 0.25, 0.08, 0.1, 0.085, 0.1, 0.075, 0.095, 0.105];
const COL_ALIGN: Align[] = ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'];

interface Ctx {
  doc: Doc;
  f: InvoiceFormat;
  d: InvoiceDocument;
  left: number;
  width: number;
  top: number;
  bottom: number;
  y: number;
}

function write(c: Ctx, s: string, x: number, y: number, width: number, opts: PDFKit.Mixins.TextOptions = {}) {
  c.doc.text(toWinAnsi(s), x, y, { width, lineBreak: true, ...opts });
}

function heightOf(c: Ctx, s: string, width: number, font = FONT, size = TABLE_SIZE): number {
  return c.doc.font(font).fontSize(size).heightOfString(toWinAnsi(s), { width });
}

function newPage(c: Ctx): void {
  c.doc.addPage();
  c.y = c.top;
  c.doc.font(FONT).fontSize(8).fillColor('#555');
  write(c, `${L[c.d.kind]} ${c.d.number} (continued)`, c.left, c.y, c.width);
  c.doc.fillColor('#000');
  c.y += 16;
}

/** Start a new page unless `h` points still fit on this one. */
function ensure(c: Ctx, h: number): void {
  if (c.y + h > c.bottom) newPage(c);
}

/** A block of lines (bold first) at x; returns its height. */
function block(c: Ctx, lines: string[], x: number, y: number, width: number, align: Align = 'left'): number {
  let h = 0;
  lines.forEach((line, i) => {
    c.doc.font(i === 0 ? BOLD : FONT).fontSize(i === 0 ? 10.5 : 9);
    write(c, line, x, y + h, width, { align });
    h += c.doc.heightOfString(toWinAnsi(line), { width }) + (i === 0 ? 2 : 0.5);
  });
  return h;
}

function header(c: Ctx): void {
  const { d, f, doc } = c;
  const half = c.width / 2 - 10;
  const s = d.seller;
  const sellerLines = [s.legalName, ...addressLines(s.address, f)];
  if (s.vatId) sellerLines.push(`${L.vatId}: ${s.vatId}`);
  if (s.taxId) sellerLines.push(`${L.taxId}: ${s.taxId}`);
  if (s.registration) sellerLines.push(`${L.registration}: ${s.registration}`);
  const leftH = block(c, sellerLines, c.left, c.y, half);

  const rx = c.left + c.width - half;
  doc.font(BOLD).fontSize(20);
  write(c, L[d.kind], rx, c.y, half, { align: 'right' });
  let ry = c.y + 28;
  const rows: [string, string][] = [
    [L.number, d.number],
    [L.issueDate, f.date(d.issueDate)],
  ];
  if (d.supplyDate) rows.push([L.supplyDate, f.date(d.supplyDate)]);
  if (d.dueDate) rows.push([L.dueDate, f.date(d.dueDate)]);
  if (d.referencedInvoice) {
    const on = d.referencedInvoice.issueDate ? ` (${f.date(d.referencedInvoice.issueDate)})` : '';
    rows.push([L.references, `${d.referencedInvoice.number}${on}`]);
  }
  for (const [k, v] of rows) {
    doc.font(FONT).fontSize(9).fillColor('#555');
    write(c, k, rx, ry, half * 0.45);
    doc.font(BOLD).fillColor('#000');
    write(c, v, rx + half * 0.45, ry, half * 0.55, { align: 'right' });
    ry += Math.max(heightOf(c, v, half * 0.55, BOLD, 9), 11) + 1;
  }
  c.y = Math.max(c.y + leftH, ry) + 18;

  const b = d.buyer;
  doc.font(BOLD).fontSize(8).fillColor('#555');
  write(c, L.buyer.toUpperCase(), c.left, c.y, half);
  doc.fillColor('#000');
  c.y += 11;
  const buyerLines = [b.name, ...addressLines(b.address, f), ...(b.vatId ? [`${L.vatId}: ${b.vatId}`] : [])];
  c.y += block(c, buyerLines, c.left, c.y, half) + 16;
}

function columns(c: Ctx): { x: number; w: number }[] {
  let x = c.left;
  return COL_SHARE.map((share) => {
    const col = { x, w: share * c.width };
    x += col.w;
    return col;
  });
}

function rowHeight(c: Ctx, cells: string[], font: string, maxH = Number.POSITIVE_INFINITY): number {
  const cols = columns(c);
  const h = Math.max(...cells.map((s, i) => heightOf(c, s, cols[i]!.w - 2 * PAD, font))) + 2 * PAD;
  return Math.min(maxH, h);
}

function row(c: Ctx, cells: string[], font: string, rule: number, h: number): void {
  const cols = columns(c);
  c.doc.font(font).fontSize(TABLE_SIZE);
  cells.forEach((s, i) => {
    const col = cols[i]!;
    // `height` + `ellipsis` clip a cell taller than a whole page instead of letting pdfkit spill it.
    const opts = { align: COL_ALIGN[i]!, height: h - PAD, ellipsis: true };
    write(c, s, col.x + PAD, c.y + PAD, col.w - 2 * PAD, opts);
  });
  c.y += h;
  const color = rule > 1 ? '#000' : '#ccc';
  c.doc
    .moveTo(c.left, c.y)
    .lineTo(c.left + c.width, c.y)
    .lineWidth(rule)
    .strokeColor(color)
    .stroke();
}

function tableHead(c: Ctx): void {
  const cols = [...lineColumns(c.d)];
  row(c, cols, BOLD, 1.2, rowHeight(c, cols, BOLD));
}

function linesTable(c: Ctx): void {
  const { d, f, doc } = c;
  doc.font(FONT).fontSize(8).fillColor('#555');
  ensure(c, 60);
  write(c, amountsCaption(d), c.left, c.y, c.width, { align: 'right' });
  doc.fillColor('#000');
  c.y += 11;
  tableHead(c);
  const maxRow = c.bottom - c.top - 40;
  for (const l of d.lines) {
    const cells = [
      l.sku,
      l.description,
      `${f.quantity(l.quantity)}${l.unit ? ` ${l.unit}` : ''}`,
      f.amount(billedUnitPrice(d, l)),
      l.discount ? f.amount(l.discount) : '',
      f.amount(l.net),
      `${f.rate(l.taxRate)}${l.taxJurisdiction ? ` ${l.taxJurisdiction}` : ''}`,
      f.amount(l.taxAmount),
      f.amount(l.gross),
    ];
    const h = rowHeight(c, cells, FONT, maxRow);
    if (c.y + h > c.bottom) {
      newPage(c);
      tableHead(c);
    }
    row(c, cells, FONT, 0.5, h);
  }
  c.y += 14;
}

function summary(c: Ctx): void {
  const { d, f, doc } = c;
  const bw = c.width * 0.56;
  const tw = c.width * 0.4;
  const tx = c.left + c.width - tw;
  ensure(c, 40 + 14 * Math.max(d.taxBreakdown.length + 1, 3));
  const y0 = c.y;
  doc.font(BOLD).fontSize(8).fillColor('#555');
  write(c, L.breakdown.toUpperCase(), c.left, c.y, bw);
  doc.fillColor('#000');
  let y = c.y + 12;
  const bx = [0, 0.26, 0.4, 0.7].map((s) => c.left + s * bw);
  const bws = [0.26, 0.14, 0.3, 0.3].map((s) => s * bw);
  const brow = (cells: string[], font: string) => {
    doc.font(font).fontSize(TABLE_SIZE);
    const h = Math.max(...cells.map((s, i) => heightOf(c, s, bws[i]! - 2 * PAD, font))) + 2 * PAD;
    cells.forEach((s, i) => {
      write(c, s, bx[i]! + PAD, y + PAD, bws[i]! - 2 * PAD, { align: i === 0 ? 'left' : 'right' });
    });
    y += h;
  };
  brow([...L.breakdownCols], BOLD);
  for (const b of d.taxBreakdown)
    brow([b.label ?? b.jurisdiction ?? '', f.rate(b.rate), f.money(b.taxableBase), f.money(b.tax)], FONT);

  let ty = y0;
  const grossLabel = d.kind === 'credit_note' ? L.grossCredit : L.grossInvoice;
  const totals: [string, string, boolean][] = [
    [L.net, f.money(d.totals.net), false],
    [L.tax, f.money(d.totals.tax), false],
    [grossLabel, f.money(d.totals.gross), true],
  ];
  for (const [k, v, grand] of totals) {
    if (grand) {
      doc
        .moveTo(tx, ty + 2)
        .lineTo(tx + tw, ty + 2)
        .lineWidth(1.2)
        .strokeColor('#000')
        .stroke();
      ty += 6;
    }
    doc.font(grand ? BOLD : FONT).fontSize(grand ? 11 : 9);
    write(c, k, tx, ty, tw * 0.4);
    write(c, v, tx + tw * 0.4, ty, tw * 0.6, { align: 'right' });
    ty += grand ? 16 : 13;
  }
  c.y = Math.max(y, ty) + 16;
}

/** A heading and paragraphs; long text flows onto new pages (pdfkit continues it at the top margin). */
function section(c: Ctx, title: string, paragraphs: string[]): void {
  if (paragraphs.length === 0) return;
  ensure(c, 36);
  c.doc.font(BOLD).fontSize(8).fillColor('#555');
  write(c, title.toUpperCase(), c.left, c.y, c.width);
  c.doc.font(FONT).fontSize(9).fillColor('#000');
  c.doc.y = c.y + 12;
  for (const p of paragraphs) {
    c.doc.text(toWinAnsi(p), c.left, c.doc.y, { width: c.width, paragraphGap: 4 });
  }
  c.y = c.doc.y + 12;
}

function footers(c: Ctx): void {
  const { doc, d } = c;
  const range = doc.bufferedPageRange();
  const who = [d.seller.legalName, d.seller.vatId && `${L.vatId} ${d.seller.vatId}`]
    .filter(Boolean)
    .join(' · ');
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // Writing inside the bottom margin would make pdfkit add a page; lift the margin while we do.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(FONT).fontSize(7.5).fillColor('#555');
    const text = `${who} · ${L[d.kind]} ${d.number} · ${L.page} ${i + 1} ${L.of} ${range.count}`;
    write(c, text, c.left, doc.page.height - MARGIN + 14, c.width, { align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
}

/**
 * The PDF bytes. Rejects with ERP_INVOICE_DOCUMENT_INVALID first if the document does not add up. Output is
 * deterministic: CreationDate/ModDate are the issue date (midnight UTC), and pdfkit derives the file
 * ID from the metadata, so the same document always gives the same bytes.
 */
export async function renderInvoicePdf(d: InvoiceDocument, options: InvoicePdfOptions = {}): Promise<Buffer> {
  assertValidInvoiceDocument(d);
  const issued = new Date(`${d.issueDate}T00:00:00Z`);
  const title = `${L[d.kind]} ${d.number}`;
  const doc = new PDFDocument({
    size: options.pageSize ?? 'A4',
    margin: MARGIN,
    compress: options.compress ?? true,
    bufferPages: true,
    autoFirstPage: true,
    lang: d.locale ?? 'en',
    displayTitle: true,
    // Metadata strings are written as UTF-16 by pdfkit, so they keep the original characters.
    info: {
      Title: title,
      Author: d.seller.legalName,
      Subject: `${title} — ${d.buyer.name}`,
      Creator: 'Keel',
      Producer: 'Keel (PDFKit)',
      CreationDate: issued,
      ModDate: issued,
    },
  });
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    try {
      const c: Ctx = {
        doc,
        d,
        f: invoiceFormat(d),
        left: MARGIN,
        width: doc.page.width - 2 * MARGIN,
        top: MARGIN,
        bottom: doc.page.height - MARGIN - 10,
        y: MARGIN,
      };
      header(c);
      linesTable(c);
      summary(c);
      const reporting = reportingLine(d, c.f);
      section(c, L.reporting, reporting ? [reporting] : []);
      section(c, L.notes, d.notes ?? []);
      section(c, L.paymentTerms, d.paymentTerms ? [d.paymentTerms] : []);
      footers(c);
      doc.end();
    } catch (err) {
      reject(err);
    }
  });
}

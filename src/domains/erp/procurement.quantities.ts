import type {
  PurchaseOrder,
  PurchaseOrderLine,
  Receipt,
  ReceiptLine,
  Tolerance,
} from './procurement.types.js';

/**
 * Quantities derived from documents, shared by the lifecycle, receiving and the match: which PO
 * line a document line lands on, what has been received per line, and how large a tolerance is.
 * Nothing here is stored; everything is recomputed from the receipts, so it cannot drift.
 */

const BP = 10_000n;

/** Math.min takes no BigInt. */
export function minBig(a: bigint, b: bigint): bigint {
  if (b < a) return b;
  return a;
}

/**
 * The largest variance a tolerance allows on `base`, in the base's unit. A percentage of a whole
 * number of units is rounded down: the variance is an integer, so |v| ≤ base × bp / 10000 exactly
 * when |v| ≤ floor(base × bp / 10000). BigInt because base × bp can pass 2^53.
 */
export function toleranceLimit(base: number, t: Tolerance | undefined): number {
  const limits: bigint[] = [];
  if (t?.basisPoints !== undefined) limits.push((BigInt(Math.max(0, base)) * BigInt(t.basisPoints)) / BP);
  if (t?.absolute !== undefined) limits.push(BigInt(t.absolute));
  // Neither measure set: nothing may differ (fail closed, this guards payments and stock).
  if (limits.length === 0) return 0;
  const min = limits.reduce(minBig);
  return min > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(min);
}

/** Units of a receipt line that go into stock and are payable. */
export const acceptedOf = (l: ReceiptLine): number =>
  l.quantityReceived - (l.quantityDamaged ?? 0) - (l.quantityRejected ?? 0);

/** The PO's lines per SKU, in line-number order: the order quantities fill them in. */
export function linesBySku(po: PurchaseOrder): Map<string, PurchaseOrderLine[]> {
  const m = new Map<string, PurchaseOrderLine[]>();
  for (const l of [...po.lines].sort((a, b) => a.lineNo - b.lineNo)) {
    const list = m.get(l.sku);
    if (list) list.push(l);
    else m.set(l.sku, [l]);
  }
  return m;
}

export interface Portion {
  lineNo: number;
  quantity: number;
}

/**
 * Spread `quantity` over `lines` (one SKU's, in line order): each takes up to its `room`, and what
 * is left lands on the last line, where the caller's own limit (over-receipt, invoice quantity)
 * judges it. `room` is decremented. Deterministic, so shuffling a document's lines changes nothing.
 */
export function fillLines(
  lines: PurchaseOrderLine[],
  room: Map<number, number>,
  quantity: number,
): Portion[] {
  const out: Portion[] = [];
  let left = quantity;
  lines.forEach((l, i) => {
    const last = i === lines.length - 1;
    const free = Math.max(0, room.get(l.lineNo) ?? 0);
    const take = last ? left : Math.min(left, free);
    if (take > 0) {
      out.push({ lineNo: l.lineNo, quantity: take });
      room.set(l.lineNo, free - take);
      left -= take;
    }
  });
  return out;
}

export interface ReceivedLine {
  lineNo: number;
  sku: string;
  ordered: number;
  /** Accepted units, summed over all receipts. */
  received: number;
  damaged: number;
  rejected: number;
  /** ordered − received, never below zero. */
  outstanding: number;
}

interface Tally {
  received: number;
  damaged: number;
  rejected: number;
}

/**
 * Apply one receipt's lines onto `tally` (per PO line). Lines naming their PO line go there; SKU-only
 * lines are summed per SKU and fill that SKU's lines in order. Damaged and rejected units of a
 * SKU-only line are booked on the SKU's first line: they occupy no room, they are only reported.
 * SKUs not on the PO are skipped: the lifecycle refuses such receipts before they get here.
 */
function applyReceipt(po: PurchaseOrder, receipt: Receipt, tally: Map<number, Tally>): void {
  const bySku = linesBySku(po);
  const skuOnly = new Map<string, Tally>();
  for (const l of receipt.lines) {
    const accepted = acceptedOf(l);
    const damaged = l.quantityDamaged ?? 0;
    const rejected = l.quantityRejected ?? 0;
    if (l.poLineNo !== undefined) {
      const t = tally.get(l.poLineNo);
      if (!t) continue;
      t.received += accepted;
      t.damaged += damaged;
      t.rejected += rejected;
    } else {
      const s = skuOnly.get(l.sku) ?? { received: 0, damaged: 0, rejected: 0 };
      s.received += accepted;
      s.damaged += damaged;
      s.rejected += rejected;
      skuOnly.set(l.sku, s);
    }
  }
  for (const [sku, s] of skuOnly) {
    const lines = bySku.get(sku);
    if (!lines) continue;
    const room = new Map(lines.map((l) => [l.lineNo, l.quantityOrdered - tally.get(l.lineNo)!.received]));
    for (const p of fillLines(lines, room, s.received)) tally.get(p.lineNo)!.received += p.quantity;
    const first = tally.get(lines[0]!.lineNo)!;
    first.damaged += s.damaged;
    first.rejected += s.rejected;
  }
}

/** Received quantities per PO line (in line order), derived from the receipts in applied order. */
export function receivedByLine(po: PurchaseOrder, receipts: readonly Receipt[]): ReceivedLine[] {
  const tally = new Map<number, Tally>(
    po.lines.map((l) => [l.lineNo, { received: 0, damaged: 0, rejected: 0 }]),
  );
  for (const r of receipts) applyReceipt(po, r, tally);
  return [...po.lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((l) => {
      const t = tally.get(l.lineNo)!;
      return {
        lineNo: l.lineNo,
        sku: l.sku,
        ordered: l.quantityOrdered,
        received: t.received,
        damaged: t.damaged,
        rejected: t.rejected,
        outstanding: Math.max(0, l.quantityOrdered - t.received),
      };
    });
}

/**
 * The status receipts imply for a PO that has been sent: `received` when every line has all it
 * ordered (or more), `partially_received` when anything was accepted, else still `sent` (a
 * delivery that was wholly damaged leaves nothing received).
 */
export function receivingStatus(lines: readonly ReceivedLine[]): 'sent' | 'partially_received' | 'received' {
  if (lines.length > 0 && lines.every((l) => l.received >= l.ordered)) return 'received';
  return lines.some((l) => l.received > 0) ? 'partially_received' : 'sent';
}

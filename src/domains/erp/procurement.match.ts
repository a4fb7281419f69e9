import type { FieldError } from './errors.js';
import { ProcurementErrors } from './procurement.errors.js';
import {
  fillLines,
  linesBySku,
  minBig,
  type Portion,
  receivedByLine,
  toleranceLimit,
} from './procurement.quantities.js';
import {
  MATCH_DISCREPANCY_KINDS,
  type MatchDiscrepancy,
  type MatchDiscrepancyKind,
  type MatchedLine,
  type MatchResult,
  type MatchStatus,
  type ProcurementTolerances,
  type PurchaseOrder,
  type PurchaseOrderLine,
  type Receipt,
  type SupplierInvoice,
  type SupplierInvoiceLine,
} from './procurement.types.js';
import {
  validateInvoice,
  validatePurchaseOrder,
  validateReceipt,
  validateTolerances,
} from './procurement.validate.js';

/**
 * Three-way match: may this supplier invoice be paid, given what was ordered (the PO) and what
 * arrived (the receipts)? Judged per PO line and for the invoice as a whole:
 *
 * - quantity: units invoiced on a PO line against units accepted on it and not billed by an earlier
 *   invoice; billing fewer is fine (partial invoicing), billing more is paying for goods not here.
 * - price: each invoice line's unit price against the PO line's unit cost, either way (a price far
 *   below cost is as suspect as one above: a wrong unit of measure, a wrong item).
 * - unknown_sku: a line for something the PO does not have.
 * - total: the invoice total against the same lines at PO cost plus their tax. It catches price
 *   drift that passes line by line but adds up, and a header that disagrees with its lines.
 * - duplicate_invoice: the supplier's number was billed before (compared without case or
 *   punctuation: `INV-001` and `inv 001` are the same invoice keyed twice).
 *
 * Discrepancies within tolerance are listed too (they explain the variances posted) but only an
 * exception holds money. Amounts are BigInt inside, so quantity × price never loses a minor unit.
 */

export interface MatchInput {
  po: PurchaseOrder;
  /** Every receipt applied to the PO. */
  receipts: readonly Receipt[];
  invoice: SupplierInvoice;
  /** Other invoices already booked against the PO, oldest first (not this one): they used up units. */
  priorInvoices?: readonly SupplierInvoice[];
  /**
   * Numbers of invoices already booked from this supplier on any PO (a supplier billing one invoice
   * against two POs is a duplicate too). Those of `priorInvoices` count without being repeated here.
   */
  supplierInvoiceNumbers?: readonly string[];
  tolerances?: ProcurementTolerances;
}

const big = BigInt;
const abs = (n: number) => Math.abs(n);

function safe(n: bigint, what: string): number {
  if (n > big(Number.MAX_SAFE_INTEGER) || n < -big(Number.MAX_SAFE_INTEGER))
    throw ProcurementErrors.MATCH_AMOUNT_TOO_LARGE.create(`${what} is beyond 2^53 minor units`);
  return Number(n);
}

export const normalizeInvoiceNumber = (n: string): string => {
  const folded = n.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return folded === '' ? n : folded;
};

function checkInput(input: MatchInput): void {
  const { po, receipts, invoice, priorInvoices = [], tolerances = {} } = input;
  const errors: FieldError[] = [
    ...validateTolerances(tolerances, 'tolerances'),
    ...validatePurchaseOrder(po, undefined, 'po'),
  ];
  if (!Array.isArray(receipts))
    errors.push({ field: 'receipts', code: 'RECEIPTS_INVALID', message: 'must be an array' });
  else
    receipts.forEach((r, i) => {
      errors.push(...validateReceipt(r, po, `receipts[${i}]`));
    });
  if (!Array.isArray(priorInvoices))
    errors.push({ field: 'priorInvoices', code: 'INVOICES_INVALID', message: 'must be an array' });
  else
    priorInvoices.forEach((p, i) => {
      errors.push(...validateInvoice(p, po, `priorInvoices[${i}]`));
    });
  const numbers = input.supplierInvoiceNumbers;
  if (numbers !== undefined && !(Array.isArray(numbers) && numbers.every((n) => typeof n === 'string')))
    errors.push({
      field: 'supplierInvoiceNumbers',
      code: 'NUMBERS_INVALID',
      message: 'must be an array of strings',
    });
  if (errors.length > 0) throw ProcurementErrors.MATCH_INPUT_INVALID.create(undefined, { errors });
  const invoiceErrors = validateInvoice(invoice, po, 'invoice');
  if (invoiceErrors.length > 0)
    throw ProcurementErrors.MATCH_INVOICE_INVALID.create(`invoice ${String(invoice?.number)} is invalid`, {
      errors: invoiceErrors,
    });
}

/**
 * Land an invoice's units on PO lines: lines naming their PO line first, then SKU-only lines in
 * invoice line order, filling that SKU's PO lines up to what is still billable (`room`, which is
 * decremented). Undefined for a line whose SKU the PO lacks.
 */
function allocate(
  po: PurchaseOrder,
  lines: readonly SupplierInvoiceLine[],
  room: Map<number, number>,
): Map<number, Portion[] | undefined> {
  const bySku = linesBySku(po);
  const byNo = new Map(po.lines.map((l) => [l.lineNo, l]));
  const out = new Map<number, Portion[] | undefined>();
  const sorted = [...lines].sort((a, b) => a.lineNo - b.lineNo);
  for (const l of sorted.filter((x) => x.poLineNo !== undefined)) {
    const target = byNo.get(l.poLineNo!) as PurchaseOrderLine;
    out.set(l.lineNo, fillLines([target], room, l.quantityInvoiced));
  }
  for (const l of sorted.filter((x) => x.poLineNo === undefined)) {
    const candidates = bySku.get(l.sku);
    out.set(l.lineNo, candidates ? fillLines(candidates, room, l.quantityInvoiced) : undefined);
  }
  return out;
}

/** The three-way match of one supplier invoice. Pure: the same input always gives the same result. */
export function matchInvoice(input: MatchInput): MatchResult {
  checkInput(input);
  const { po, receipts, invoice, priorInvoices = [], tolerances = {} } = input;
  const poLine = new Map(po.lines.map((l) => [l.lineNo, l]));

  // What is still billable per PO line: accepted units less what earlier invoices billed.
  const room = new Map(receivedByLine(po, receipts).map((l) => [l.lineNo, l.received]));
  for (const prior of priorInvoices) allocate(po, prior.lines, room);
  const billable = new Map([...room].map(([k, v]) => [k, Math.max(0, v)]));
  const portions = allocate(po, invoice.lines, room);

  const discrepancies: MatchDiscrepancy[] = [];
  const add = (d: Omit<MatchDiscrepancy, 'variance' | 'withinTolerance'>) => {
    const variance = d.actual - d.expected;
    // No tolerance excuses a duplicate or a stray SKU, not even one worth nothing.
    const never = d.kind === 'duplicate_invoice' || d.kind === 'unknown_sku';
    discrepancies.push({ ...d, variance, withinTolerance: !never && abs(variance) <= d.tolerance });
  };

  // Per PO line: invoiced (over all invoice lines landing on it) against billable.
  const invoicedOn = new Map<number, { quantity: number; lines: Set<number> }>();
  for (const [lineNo, ps] of portions)
    for (const p of ps ?? []) {
      const t = invoicedOn.get(p.lineNo) ?? { quantity: 0, lines: new Set<number>() };
      t.quantity += p.quantity;
      t.lines.add(lineNo);
      invoicedOn.set(p.lineNo, t);
    }
  for (const [lineNo, t] of invoicedOn) {
    const expected = billable.get(lineNo) ?? 0;
    if (t.quantity <= expected) continue;
    add({
      kind: 'quantity',
      line: lineNo,
      invoiceLines: [...t.lines].sort((a, b) => a - b),
      sku: poLine.get(lineNo)!.sku,
      expected,
      actual: t.quantity,
      tolerance: toleranceLimit(expected, tolerances.invoiceQuantity),
      message: `PO line ${lineNo}: ${t.quantity} invoiced, ${expected} received and not yet invoiced`,
    });
  }

  let expectedTotal = 0n;
  for (const l of invoice.lines) {
    const ps = portions.get(l.lineNo);
    expectedTotal += big(l.tax);
    if (!ps) {
      expectedTotal += big(l.quantityInvoiced) * big(l.unitPrice);
      add({
        kind: 'unknown_sku',
        line: null,
        invoiceLines: [l.lineNo],
        sku: l.sku,
        expected: 0,
        actual: l.quantityInvoiced,
        tolerance: 0,
        message: `invoice line ${l.lineNo}: ${l.sku} is not on PO ${po.number}`,
      });
      continue;
    }
    for (const p of ps) {
      const cost = poLine.get(p.lineNo)!.unitCost;
      expectedTotal += big(p.quantity) * big(cost);
      if (l.unitPrice === cost) continue;
      add({
        kind: 'price',
        line: p.lineNo,
        invoiceLines: [l.lineNo],
        sku: l.sku,
        expected: cost,
        actual: l.unitPrice,
        tolerance: toleranceLimit(cost, tolerances.price),
        message: `invoice line ${l.lineNo}: unit price ${l.unitPrice}, PO line ${p.lineNo} costs ${cost}`,
      });
    }
  }

  const linesNet = invoice.lines.reduce((a, l) => a + big(l.quantityInvoiced) * big(l.unitPrice), 0n);
  const tax = invoice.lines.reduce((a, l) => a + big(l.tax), 0n);
  const linesGross = linesNet + tax;
  const invoiceTotal = invoice.total !== undefined ? big(invoice.total) : linesGross;
  const expected = safe(expectedTotal, 'the expected total');
  const actual = safe(invoiceTotal, 'the invoice total');
  if (actual !== expected)
    add({
      kind: 'total',
      line: null,
      invoiceLines: [],
      sku: null,
      expected,
      actual,
      tolerance: toleranceLimit(expected, tolerances.total),
      message: `invoice total ${actual}, expected ${expected} at PO cost plus tax`,
    });

  const key = normalizeInvoiceNumber(invoice.number);
  const known = [...priorInvoices.map((p) => p.number), ...(input.supplierInvoiceNumbers ?? [])];
  const dup = known.find((n) => normalizeInvoiceNumber(n) === key);
  if (dup !== undefined)
    add({
      kind: 'duplicate_invoice',
      line: null,
      invoiceLines: [],
      sku: null,
      expected: 0,
      actual,
      tolerance: 0,
      message: `invoice ${invoice.number} was already booked as ${dup}`,
    });

  return judge(input, portions, billable, discrepancies, {
    linesNet,
    tax,
    linesGross,
    invoiceTotal,
    expected,
  });
}

const byKind = (k: MatchDiscrepancyKind) => MATCH_DISCREPANCY_KINDS.indexOf(k);

/** Order discrepancies so that equal inputs (lines shuffled) give equal results. */
function compareDiscrepancies(a: MatchDiscrepancy, b: MatchDiscrepancy): number {
  return (
    byKind(a.kind) - byKind(b.kind) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.invoiceLines[0] ?? 0) - (b.invoiceLines[0] ?? 0)
  );
}

/** Status, per-line approval and the amounts to post and to pay. */
function judge(
  input: MatchInput,
  portions: Map<number, Portion[] | undefined>,
  billable: Map<number, number>,
  discrepancies: MatchDiscrepancy[],
  totals: { linesNet: bigint; tax: bigint; linesGross: bigint; invoiceTotal: bigint; expected: number },
): MatchResult {
  const { po, invoice } = input;
  const poLine = new Map(po.lines.map((l) => [l.lineNo, l]));
  discrepancies.sort(compareDiscrepancies);
  const exceptions = discrepancies.filter((d) => !d.withinTolerance);
  const status: MatchStatus =
    exceptions.length > 0 ? 'exception' : discrepancies.length > 0 ? 'matched_within_tolerance' : 'matched';
  // An invoice-level exception holds the whole invoice; a line exception holds its own lines.
  const invoiceHeld = exceptions.some((d) => d.kind === 'total' || d.kind === 'duplicate_invoice');
  const heldLines = new Set(exceptions.flatMap((d) => d.invoiceLines));

  const lines: MatchedLine[] = [...invoice.lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((l) => {
      const net = big(l.quantityInvoiced) * big(l.unitPrice);
      return {
        lineNo: l.lineNo,
        sku: l.sku,
        portions: (portions.get(l.lineNo) ?? [])
          .map((p) => ({
            poLineNo: p.lineNo,
            quantity: p.quantity,
            unitCost: poLine.get(p.lineNo)!.unitCost,
          }))
          .sort((a, b) => a.poLineNo - b.poLineNo),
        net: safe(net, `line ${l.lineNo}`),
        tax: l.tax,
        gross: safe(net + big(l.tax), `line ${l.lineNo}`),
        approved: !invoiceHeld && !heldLines.has(l.lineNo),
      };
    });

  // Split what is approved into what it clears: GRNI at PO cost, price and quantity variances.
  let ppv = 0n;
  const approvedQty = new Map<number, number>();
  const priceOf = new Map(invoice.lines.map((l) => [l.lineNo, l.unitPrice]));
  for (const l of lines.filter((x) => x.approved))
    for (const p of l.portions) {
      ppv += big(p.quantity) * (big(priceOf.get(l.lineNo)!) - big(p.unitCost));
      approvedQty.set(p.poLineNo, (approvedQty.get(p.poLineNo) ?? 0) + p.quantity);
    }
  let grni = 0n;
  let qtyVariance = 0n;
  for (const [lineNo, q] of approvedQty) {
    const matched = Math.min(q, billable.get(lineNo) ?? 0);
    const cost = big(poLine.get(lineNo)!.unitCost);
    grni += big(matched) * cost;
    qtyVariance += big(q - matched) * cost;
  }
  const approvedGross = lines.filter((l) => l.approved).reduce((a, l) => a + big(l.gross), 0n);
  const invoiceTotal = totals.invoiceTotal;
  let approved = 0n;
  if (status !== 'exception') approved = invoiceTotal;
  else if (!invoiceHeld) approved = minBig(approvedGross, invoiceTotal);

  return {
    status,
    invoiceNumber: invoice.number,
    poNumber: po.number,
    supplier: invoice.supplier,
    currency: invoice.currency,
    discrepancies,
    lines,
    amounts: {
      invoiceTotal: safe(invoiceTotal, 'the invoice total'),
      linesNet: safe(totals.linesNet, 'the lines'),
      tax: safe(totals.tax, 'the tax'),
      linesGross: safe(totals.linesGross, 'the lines'),
      headerDifference: safe(invoiceTotal - totals.linesGross, 'the header difference'),
      expectedTotal: totals.expected,
      grniCleared: safe(grni, 'GRNI'),
      priceVariance: safe(ppv, 'the price variance'),
      quantityVariance: safe(qtyVariance, 'the quantity variance'),
      approved: safe(approved, 'the approved amount'),
      held: safe(invoiceTotal - approved, 'the held amount'),
    },
  };
}

import type { MovementInput } from './ledger.types.js';
import { ProcurementErrors } from './procurement.errors.js';
import { receivedByLine } from './procurement.quantities.js';
import type { PurchaseOrderState, Receipt } from './procurement.types.js';

/**
 * What procurement asks of the inventory ledger and the journal, as plain data for the service
 * that stores a PO to post in the same transaction:
 *
 *   sent           expect_inbound per line (the ordered units become `inbound` with an ETA)
 *   receipt        receipt per line of the units accepted, settling that line's inbound
 *   cancel / close inbound_cancel of what is still outstanding per line
 *
 * References are derived from the PO number, line and receipt id, so a retry posts the same
 * references and the ledger's idempotency makes it a no-op. Damaged and rejected units never
 * enter stock, so they move nothing.
 */

/** The ledger reference of a PO line's expected inbound. */
export const inboundReference = (poNumber: string, lineNo: number): string =>
  `po:${poNumber}:line:${lineNo}:inbound`;

export const receiptReference = (poNumber: string, receiptId: string, lineNo: number): string =>
  `po:${poNumber}:receipt:${receiptId}:line:${lineNo}`;

/** On send: every line's units expected at the ship-to location on its expected date (00:00 UTC). */
export function expectedInboundMovements(state: PurchaseOrderState): MovementInput[] {
  const { po } = state;
  return [...po.lines]
    .sort((a, b) => a.lineNo - b.lineNo)
    .map((l) => ({
      type: 'expect_inbound',
      reference: inboundReference(po.number, l.lineNo),
      sku: l.sku,
      location: po.shipTo,
      quantity: l.quantityOrdered,
      eta: `${l.expectedDate}T00:00:00.000Z`,
    }));
}

/** Units `receipt` added per PO line. `state` is the PO after the receipt was applied. */
function receiptDeltas(state: PurchaseOrderState, receipt: Receipt) {
  const index = state.receipts.findIndex((r) => r.id === receipt.id);
  if (index < 0) return [];
  const before = receivedByLine(state.po, state.receipts.slice(0, index));
  const after = receivedByLine(state.po, state.receipts.slice(0, index + 1));
  return after
    .map((line, i) => ({ line, quantity: line.received - before[i]!.received }))
    .filter((x) => x.quantity > 0);
}

/**
 * The accepted units of `receipt` per PO line, as receipt movements. `state` is the PO after the
 * receipt was applied (it must be among its receipts): a SKU-only line's units land on the lines
 * the lifecycle put them on, which depends on what earlier receipts had filled.
 */
export function receiptMovements(state: PurchaseOrderState, receipt: Receipt): MovementInput[] {
  const cost = new Map(state.po.lines.map((l) => [l.lineNo, l.unitCost]));
  return receiptDeltas(state, receipt).map(({ line, quantity }) => ({
    type: 'receipt',
    reference: receiptReference(state.po.number, receipt.id, line.lineNo),
    sku: line.sku,
    location: state.po.shipTo,
    quantity,
    inbound: inboundReference(state.po.number, line.lineNo),
    // At PO cost, into the weighted average (costing.rules.ts).
    unitCost: cost.get(line.lineNo) ?? 0,
    currency: state.po.currency,
    occurredAt: receipt.receivedAt,
  }));
}

/** What a receipt adds to inventory value at PO cost: `cost` for purchaseReceiptEntry (GRNI). */
export function receiptCost(state: PurchaseOrderState, receipt: Receipt): number {
  const cost = new Map(state.po.lines.map((l) => [l.lineNo, l.unitCost]));
  let total = 0n;
  for (const { line, quantity } of receiptDeltas(state, receipt))
    total += BigInt(quantity) * BigInt(cost.get(line.lineNo) ?? 0);
  if (total > BigInt(Number.MAX_SAFE_INTEGER))
    throw ProcurementErrors.MATCH_AMOUNT_TOO_LARGE.create(
      `receipt ${receipt.id} is worth more than 2^53 minor units`,
    );
  return Number(total);
}

/** On cancel or close: release the inbound expectation of whatever is still outstanding. */
export function inboundCancelMovements(state: PurchaseOrderState, reason: string): MovementInput[] {
  return receivedByLine(state.po, state.receipts)
    .filter((l) => l.outstanding > 0)
    .map((l) => ({
      type: 'inbound_cancel',
      reference: `po:${state.po.number}:line:${l.lineNo}:inbound-cancel`,
      sku: l.sku,
      location: state.po.shipTo,
      quantity: l.outstanding,
      inbound: inboundReference(state.po.number, l.lineNo),
      reason,
    }));
}

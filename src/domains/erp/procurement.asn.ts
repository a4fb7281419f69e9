import { isCalendarDate } from '../../kernel/dates.js';
import { isoInstant } from './ledger.validate.js';
import { ProcurementErrors } from './procurement.errors.js';
import type {
  AdvanceShipNotice,
  AsnDiscrepancy,
  AsnDiscrepancyKind,
  AsnReport,
  AsnSkuComparison,
  Receipt,
} from './procurement.types.js';
import { validateAsn, validateReceipt } from './procurement.validate.js';

/**
 * Receiving against an advance ship notice: what the supplier said was coming against what the
 * dock counted. The comparison is per SKU, because a dock counts SKUs, not PO lines; an ASN line's
 * PO line only matters to the PO (procurement.lifecycle.ts), not to whether the shipment was whole.
 *
 * Shortages and overages compare the units counted (damaged and rejected included: they did
 * arrive); damaged and rejected units are reported on their own, as the supplier owes a credit or a
 * replacement for them either way. Lateness is reported beside, not as a discrepancy: it rates the
 * supplier, it does not make the goods wrong.
 */

const DAY_MS = 86_400_000;

/** The UTC calendar day of a date or an instant, as days since the epoch. */
function epochDay(s: string): number {
  const ms = isCalendarDate(s) ? Date.parse(`${s}T00:00:00Z`) : Date.parse(isoInstant(s)!);
  return Math.floor(ms / DAY_MS);
}

function checkDocuments(asn: AdvanceShipNotice, receipt: Receipt): void {
  const asnErrors = validateAsn(asn, undefined, 'asn');
  if (asnErrors.length > 0) throw ProcurementErrors.PO_ASN_INVALID.create(undefined, { errors: asnErrors });
  const receiptErrors = validateReceipt(receipt, undefined, 'receipt');
  if (receiptErrors.length > 0)
    throw ProcurementErrors.PO_RECEIPT_INVALID.create(undefined, { errors: receiptErrors });
  if (receipt.poNumber !== asn.poNumber)
    throw ProcurementErrors.PO_ASN_MISMATCH.create(
      `ASN ${asn.id} is for PO ${asn.poNumber}, receipt ${receipt.id} for PO ${receipt.poNumber}`,
    );
  if (receipt.asnId !== undefined && receipt.asnId !== asn.id)
    throw ProcurementErrors.PO_ASN_MISMATCH.create(
      `receipt ${receipt.id} was received against ASN ${receipt.asnId}, not ${asn.id}`,
    );
}

/**
 * The discrepancy report of a receipt against its ASN. Throws ERP_PO_ASN_INVALID or
 * ERP_PO_RECEIPT_INVALID (with `errors`) for malformed documents, ERP_PO_ASN_MISMATCH when they do
 * not belong together.
 */
export function compareAsnToReceipt(asn: AdvanceShipNotice, receipt: Receipt): AsnReport {
  checkDocuments(asn, receipt);
  const rows = new Map<string, AsnSkuComparison>();
  const row = (sku: string) => {
    let r = rows.get(sku);
    if (!r) {
      r = { sku, shipped: 0, received: 0, damaged: 0, rejected: 0, accepted: 0 };
      rows.set(sku, r);
    }
    return r;
  };
  const announced = new Set(asn.lines.map((l) => l.sku));
  for (const l of asn.lines) row(l.sku).shipped += l.quantityShipped;
  for (const l of receipt.lines) {
    const r = row(l.sku);
    r.received += l.quantityReceived;
    r.damaged += l.quantityDamaged ?? 0;
    r.rejected += l.quantityRejected ?? 0;
    r.accepted = r.received - r.damaged - r.rejected;
  }
  const skus = [...rows.values()].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
  const discrepancies: AsnDiscrepancy[] = [];
  const note = (sku: string, kind: AsnDiscrepancyKind, expected: number, actual: number) =>
    discrepancies.push({ sku, kind, expected, actual, variance: actual - expected });
  let short = 0;
  let over = 0;
  for (const r of skus) {
    if (!announced.has(r.sku)) {
      // A receipt line of zero units for a SKU nobody announced is no discrepancy, just noise.
      if (r.received > 0) note(r.sku, 'unexpected_sku', 0, r.received);
      over += r.received;
    } else if (r.received < r.shipped) {
      note(r.sku, 'shortage', r.shipped, r.received);
      short += r.shipped - r.received;
    } else if (r.received > r.shipped) {
      note(r.sku, 'overage', r.shipped, r.received);
      over += r.received - r.shipped;
    }
    if (r.damaged > 0) note(r.sku, 'damaged', 0, r.damaged);
    if (r.rejected > 0) note(r.sku, 'rejected', 0, r.rejected);
  }
  const sum = (f: (r: AsnSkuComparison) => number) => skus.reduce((a, r) => a + f(r), 0);
  const daysLate = epochDay(receipt.receivedAt) - epochDay(asn.expectedArrival);
  return {
    asnId: asn.id,
    receiptId: receipt.id,
    poNumber: asn.poNumber,
    clean: discrepancies.length === 0,
    skus,
    discrepancies,
    totals: {
      shipped: sum((r) => r.shipped),
      received: sum((r) => r.received),
      accepted: sum((r) => r.accepted),
      damaged: sum((r) => r.damaged),
      rejected: sum((r) => r.rejected),
      short,
      over,
    },
    arrival: { expected: asn.expectedArrival, receivedAt: receipt.receivedAt, daysLate, late: daysLate > 0 },
  };
}

/**
 * A receipt pre-filled from the ASN (every announced unit counted, none damaged): the dock edits
 * what differs instead of typing the whole shipment, which is the point of an ASN.
 */
export function receiptFromAsn(asn: AdvanceShipNotice, receipt: { id: string; receivedAt: string }): Receipt {
  return {
    id: receipt.id,
    poNumber: asn.poNumber,
    asnId: asn.id,
    receivedAt: receipt.receivedAt,
    lines: asn.lines.map((l) => {
      const line: Receipt['lines'][number] = { sku: l.sku, quantityReceived: l.quantityShipped };
      if (l.poLineNo !== undefined) line.poLineNo = l.poLineNo;
      return line;
    }),
  };
}

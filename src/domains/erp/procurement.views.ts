import { type SupplierInvoiceResolution, supplierInvoiceState } from './procurement.booking.js';
import { receivedByLine } from './procurement.quantities.js';
import type {
  ErpAsnRow,
  ErpPoReceiptRow,
  ErpPurchaseOrderRow,
  ErpSupplierInvoiceRow,
  ErpSupplierRow,
} from './procurement.schema.js';
import type {
  AdvanceShipNotice,
  AsnReport,
  MatchResult,
  MatchStatus,
  ProcurementTolerances,
  PurchaseOrder,
  PurchaseOrderState,
  Receipt,
  Supplier,
  SupplierInvoice,
} from './procurement.types.js';

/**
 * Procurement's stored rows read back: a row (or a PO's row with its receipts) becomes the state
 * the pure procurement.* functions take, or the view the service returns. Pure: no store access.
 */

export function supplierOf(r: ErpSupplierRow): Supplier {
  return JSON.parse(r.document) as Supplier;
}

export function toAsn(r: ErpAsnRow) {
  return { ...(JSON.parse(r.document) as AdvanceShipNotice), createdAt: r.created_at };
}

export function toSupplierInvoice(r: ErpSupplierInvoiceRow) {
  const resolution = (r.resolution ?? null) as SupplierInvoiceResolution | null;
  return {
    id: r.id,
    number: r.number,
    supplier: r.supplier,
    poNumber: r.po_number,
    currency: r.currency,
    status: r.status as MatchResult['status'],
    total: Number(r.total),
    invoice: JSON.parse(r.document) as SupplierInvoice,
    match: JSON.parse(r.match) as MatchResult,
    state: supplierInvoiceState(r.status as MatchStatus, resolution),
    journalEntry: r.journal_entry ?? null,
    resolution: resolution
      ? {
          action: resolution,
          reason: r.resolution_reason ?? '',
          by: r.resolved_by ?? '',
          at: r.resolved_at ?? '',
        }
      : null,
    actor: r.actor,
    createdAt: r.created_at,
  };
}
export type StoredSupplierInvoice = ReturnType<typeof toSupplierInvoice>;

/** A supplier as returned: its own tolerances (if any) and the ones in force after the defaults. */
export function toSupplier(
  r: ErpSupplierRow,
  effective: (t: ProcurementTolerances | null) => ProcurementTolerances,
) {
  const tolerances = r.tolerances ? (JSON.parse(r.tolerances) as ProcurementTolerances) : null;
  return {
    ...supplierOf(r),
    ...(tolerances ? { tolerances } : {}),
    effectiveTolerances: effective(tolerances),
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** A PO's lifecycle state from its row and its receipts (in `seq` order). */
export function stateOf(row: ErpPurchaseOrderRow, receipts: readonly ErpPoReceiptRow[]): PurchaseOrderState {
  const s: PurchaseOrderState = {
    po: JSON.parse(row.document) as PurchaseOrder,
    status: row.status as PurchaseOrderState['status'],
    receipts: receipts.map((r) => JSON.parse(r.document) as Receipt),
  };
  if (row.sent_at) s.sentAt = row.sent_at;
  if (row.cancelled_at) s.cancelledAt = row.cancelled_at;
  if (row.cancel_reason) s.cancelReason = row.cancel_reason;
  if (row.closed_at) s.closedAt = row.closed_at;
  if (row.close_reason) s.closeReason = row.close_reason;
  return s;
}

export function poView(row: ErpPurchaseOrderRow, state: PurchaseOrderState) {
  const received = new Map(receivedByLine(state.po, state.receipts).map((l) => [l.lineNo, l]));
  return {
    ...state.po,
    status: state.status,
    lines: [...state.po.lines]
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((l) => {
        const r = received.get(l.lineNo)!;
        return {
          ...l,
          received: r.received,
          damaged: r.damaged,
          rejected: r.rejected,
          outstanding: r.outstanding,
        };
      }),
    receipts: state.receipts.map((r) => r.id),
    sentAt: state.sentAt ?? null,
    cancelledAt: state.cancelledAt ?? null,
    cancelReason: state.cancelReason ?? null,
    closedAt: state.closedAt ?? null,
    closeReason: state.closeReason ?? null,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
export type PoView = ReturnType<typeof poView>;

export function toReceipt(r: ErpPoReceiptRow, poStatus: string) {
  const doc = JSON.parse(r.document) as Receipt;
  return {
    id: r.id,
    poNumber: r.po_number,
    asnId: r.asn_id,
    receivedAt: r.received_at,
    lines: doc.lines,
    cost: Number(r.cost),
    journalEntry: r.journal_entry,
    asnReport: r.asn_report ? (JSON.parse(r.asn_report) as AsnReport) : null,
    poStatus,
    actor: r.actor,
    recordedAt: r.recorded_at,
  };
}
export type StoredReceipt = ReturnType<typeof toReceipt>;

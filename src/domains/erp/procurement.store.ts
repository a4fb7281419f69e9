import type { Tx } from '../../kernel/ports/store.js';
import { actor, type ErpDeps } from './ledger.service.js';
import type { MovementInput } from './ledger.types.js';
import type { createLedgerWriter } from './ledger.writer.js';
import { ProcurementErrors } from './procurement.errors.js';
import type { PoOutcome } from './procurement.lifecycle.js';
import type {
  ErpPoReceiptRow,
  ErpPurchaseOrderRow,
  ErpSupplierInvoiceRow,
  ErpSupplierRow,
} from './procurement.schema.js';
import { ProcurementStoreErrors } from './procurement.schemas.js';
import type { ProcurementTolerances, PurchaseOrderState } from './procurement.types.js';
import { stateOf, toSupplier } from './procurement.views.js';

/**
 * What procurement's commands share inside a transaction: reading (and locking) a PO with its
 * receipts, storing its new state, posting ledger movements through the writer, and the supplier
 * tolerances in force.
 */

/** Tolerances when a supplier sets none: 5 % over-receipt, invoice quantity exact, 1 % on price and total. */
export const DEFAULT_PROCUREMENT_TOLERANCES: ProcurementTolerances = {
  overReceipt: { basisPoints: 500 },
  invoiceQuantity: { absolute: 0 },
  price: { basisPoints: 100 },
  total: { basisPoints: 100 },
};

export type Writer = ReturnType<typeof createLedgerWriter>;

/** A lifecycle command's new state, or its refusal thrown. */
export const outcome = (o: PoOutcome): PurchaseOrderState => {
  if (!o.ok) throw o.error;
  return o.state;
};

/** A list page's size: 50 unless asked, at least 1, at most 200. */
export const limitOf = (limit?: number) => Math.min(Math.max(limit ?? 50, 1), 200);

export function createProcurementStore(deps: ErpDeps, writer: Writer, defaults: ProcurementTolerances) {
  const { clock } = deps;
  const now = () => clock.now().toISOString();
  const effective = (t: ProcurementTolerances | null): ProcurementTolerances => ({
    ...defaults,
    ...(t ?? {}),
  });

  async function supplierRow(tx: Tx, code: string): Promise<ErpSupplierRow> {
    const row = (await tx
      .selectFrom('erp_suppliers')
      .selectAll()
      .where('code', '=', code)
      .executeTakeFirst()) as ErpSupplierRow | undefined;
    if (!row) throw ProcurementErrors.SUPPLIER_NOT_FOUND.create(`no supplier "${code}"`);
    return row;
  }

  /** A PO's row, after taking its lock (the version bump) when `lock`. */
  async function poRow(tx: Tx, number: string, lock = false): Promise<ErpPurchaseOrderRow> {
    if (lock)
      await tx
        .updateTable('erp_purchase_orders')
        .set((eb) => ({ version: eb('version', '+', 1) }))
        .where('number', '=', number)
        .execute();
    const row = (await tx
      .selectFrom('erp_purchase_orders')
      .selectAll()
      .where('number', '=', number)
      .executeTakeFirst()) as ErpPurchaseOrderRow | undefined;
    if (!row) throw ProcurementErrors.PO_NOT_FOUND.create(`no purchase order "${number}"`);
    return row;
  }

  async function invoiceRow(tx: Tx, id: string): Promise<ErpSupplierInvoiceRow> {
    const row = (await tx
      .selectFrom('erp_supplier_invoices')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()) as ErpSupplierInvoiceRow | undefined;
    if (!row) throw ProcurementStoreErrors.SUPPLIER_INVOICE_NOT_FOUND.create(`no supplier invoice "${id}"`);
    return row;
  }

  async function receiptRows(tx: Tx, number: string): Promise<ErpPoReceiptRow[]> {
    return (await tx
      .selectFrom('erp_po_receipts')
      .selectAll()
      .where('po_number', '=', number)
      .orderBy('seq')
      .execute()) as ErpPoReceiptRow[];
  }

  async function loadState(tx: Tx, number: string, lock = false) {
    const row = await poRow(tx, number, lock);
    const receipts = await receiptRows(tx, number);
    return { row, receipts, state: stateOf(row, receipts) };
  }

  /** Store a PO's new state (status and timestamps) in `tx`. */
  async function saveState(tx: Tx, number: string, s: PurchaseOrderState, at: string) {
    await tx
      .updateTable('erp_purchase_orders')
      .set({
        status: s.status,
        sent_at: s.sentAt ?? null,
        cancelled_at: s.cancelledAt ?? null,
        cancel_reason: s.cancelReason ?? null,
        closed_at: s.closedAt ?? null,
        close_reason: s.closeReason ?? null,
        updated_at: at,
      })
      .where('number', '=', number)
      .execute();
  }

  async function post(tx: Tx, movements: MovementInput[], at: string) {
    if (movements.length > 0) await writer.post(tx, movements, { now: at, actor: actor() });
  }

  return {
    now,
    effective,
    toSupplier: (r: ErpSupplierRow) => toSupplier(r, effective),
    supplierRow,
    poRow,
    invoiceRow,
    receiptRows,
    loadState,
    saveState,
    post,
  };
}

export type ProcurementStore = ReturnType<typeof createProcurementStore>;

import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { inputValidator } from '../../kernel/validate.js';
import type { JournalWriter } from './journal.service.js';
import { type ErpDeps, retryingRace } from './ledger.service.js';
import { createProcurementDrafts, purchaseOrderOf } from './procurement.drafts.js';
import { ProcurementErrors } from './procurement.errors.js';
import { createProcurementInvoices } from './procurement.invoices.js';
import { cancelPurchaseOrder, closePurchaseOrder, sendPurchaseOrder } from './procurement.lifecycle.js';
import { expectedInboundMovements, inboundCancelMovements } from './procurement.movements.js';
import { createProcurementPayables } from './procurement.payables.js';
import { createProcurementReceipts } from './procurement.receipts.js';
import type { ErpPoReceiptRow, ErpPurchaseOrderRow, ErpSupplierRow } from './procurement.schema.js';
import {
  ProcurementStoreErrors,
  type PurchaseOrderInput,
  PurchaseOrderInputSchema,
  type SupplierInput,
  SupplierInputSchema,
} from './procurement.schemas.js';
import {
  createProcurementStore,
  DEFAULT_PROCUREMENT_TOLERANCES,
  limitOf,
  outcome,
  type Writer,
} from './procurement.store.js';
import type { ProcurementTolerances, Supplier } from './procurement.types.js';
import { validateSupplier } from './procurement.validate.js';
import { type PoView, poView, stateOf, supplierOf } from './procurement.views.js';

export { DEFAULT_PROCUREMENT_TOLERANCES } from './procurement.store.js';
export type { StoredSupplierInvoice } from './procurement.views.js';

/**
 * Procurement, stored: suppliers, purchase orders, receipts (optionally against an ASN) and
 * supplier invoices. The PO's state machine, receiving and the three-way match are the pure
 * procurement.* functions; this service loads a PO's state, runs the command and writes what it
 * implies — PO row, ledger movements (through the ledger writer, in the same transaction), the
 * journal entry, the event, the audit — in one `store.tx`. A PO's row is updated first in every
 * writing transaction, so commands on one PO are serialized (a row lock on PostgreSQL; SQLite
 * has one writer).
 *
 * This file holds suppliers and purchase orders and composes the rest into one service object:
 * draft edits (procurement.drafts.ts), receipts (procurement.receipts.ts), ASNs and supplier
 * invoices (procurement.invoices.ts), their booking, release / rejection and the payables
 * (procurement.payables.ts), over the shared transactional helpers (procurement.store.ts) and row
 * views (procurement.views.ts).
 */

const checkSupplier = inputValidator(SupplierInputSchema, 'supplier');
const checkPo = inputValidator(PurchaseOrderInputSchema, 'purchase order');

export function createProcurementService(
  deps: ErpDeps,
  writer: Writer,
  journal: JournalWriter,
  options: { defaultTolerances?: ProcurementTolerances } = {},
) {
  const { store, audit } = deps;
  const defaults = options.defaultTolerances ?? DEFAULT_PROCUREMENT_TOLERANCES;
  const shared = createProcurementStore(deps, writer, defaults);
  const { now, toSupplier, supplierRow, receiptRows, loadState, saveState, post } = shared;

  /** cancel / close: the lifecycle's transition, then the outstanding inbound released. */
  async function endPo(number: string, kind: 'cancel' | 'close', reason?: string): Promise<PoView> {
    await assertOwnership(deps, 'erp', `purchase-order:${number}`, ['status']);
    return retryingRace(() =>
      store.tx(async (tx) => {
        const at = now();
        const { row, state } = await loadState(tx, number, true);
        const command = reason === undefined ? { at } : { at, reason };
        const next = outcome(
          kind === 'cancel' ? cancelPurchaseOrder(state, command) : closePurchaseOrder(state, command),
        );
        // A draft never posted its inbound; anything later did.
        if (state.status !== 'draft')
          await post(
            tx,
            inboundCancelMovements(state, reason ?? (kind === 'cancel' ? 'cancelled' : 'closed')),
            at,
          );
        await saveState(tx, number, next, at);
        await audit.record(tx, {
          action: `erp.purchase_order.${kind === 'cancel' ? 'cancelled' : 'closed'}`,
          target: `purchase-order:${number}`,
          before: { status: state.status },
          after: { status: next.status, reason: reason ?? null },
        });
        return poView({ ...row, updated_at: at }, next);
      }),
    );
  }

  /** Create or replace a supplier (`create`: refuse when it exists). */
  async function putSupplier(input: SupplierInput, o: { create?: boolean } = {}) {
    const s = checkSupplier(input);
    const { tolerances, ...supplier } = s;
    const errors = validateSupplier(supplier as Supplier);
    if (errors.length > 0)
      throw ProcurementErrors.SUPPLIER_INVALID.create(
        errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        {
          errors,
        },
      );
    await assertOwnership(deps, 'erp', `supplier:${s.code}`, ['suppliers']);
    // A concurrent create of the same code loses on the primary key; run again, it sees the winner.
    return retryingRace(() =>
      store.tx(async (tx) => {
        const at = now();
        const before = (await tx
          .selectFrom('erp_suppliers')
          .selectAll()
          .where('code', '=', s.code)
          .executeTakeFirst()) as ErpSupplierRow | undefined;
        if (before && o.create) throw ProcurementErrors.SUPPLIER_EXISTS.create(`supplier "${s.code}" exists`);
        const fields = {
          name: s.name,
          currency: s.currency,
          document: JSON.stringify(supplier),
          tolerances: tolerances ? JSON.stringify(tolerances) : null,
          updated_at: at,
        };
        if (before)
          await tx
            .updateTable('erp_suppliers')
            .set({ ...fields, version: Number(before.version) + 1 })
            .where('code', '=', s.code)
            .execute();
        else
          await tx
            .insertInto('erp_suppliers')
            .values({ code: s.code, ...fields, version: 1, created_at: at })
            .execute();
        await audit.record(tx, {
          action: before ? 'erp.supplier.updated' : 'erp.supplier.created',
          target: `supplier:${s.code}`,
          after: s,
        });
        return toSupplier(await supplierRow(tx, s.code));
      }),
    );
  }
  return {
    // ── Suppliers

    /** Create a supplier (409 ERP_SUPPLIER_EXISTS when the code is taken). */
    createSupplier: (input: SupplierInput) => putSupplier(input, { create: true }),

    /** Create or replace a supplier. */
    putSupplier: (input: SupplierInput) => putSupplier(input),

    async getSupplier(code: string) {
      return toSupplier(await supplierRow(store.db, code));
    },

    async listSuppliers(q: { after?: string; limit?: number } = {}) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_suppliers')
        .selectAll()
        .orderBy('code')
        .limit(limit + 1);
      if (q.after) sel = sel.where('code', '>', q.after);
      const rows = (await sel.execute()) as ErpSupplierRow[];
      const items = rows.slice(0, limit).map(toSupplier);
      return rows.length > limit ? { items, next: items.at(-1)!.code } : { items };
    },

    /** Delete a supplier no PO refers to (one with POs is refused: their history needs it). */
    async deleteSupplier(code: string): Promise<void> {
      await assertOwnership(deps, 'erp', `supplier:${code}`, ['suppliers']);
      await store.tx(async (tx) => {
        await supplierRow(tx, code);
        const used = await tx
          .selectFrom('erp_purchase_orders')
          .select('number')
          .where('supplier', '=', code)
          .executeTakeFirst();
        if (used)
          throw ProcurementStoreErrors.SUPPLIER_IN_USE.create(
            `supplier "${code}" has purchase orders (${used.number as string})`,
          );
        await tx.deleteFrom('erp_suppliers').where('code', '=', code).execute();
        await audit.record(tx, { action: 'erp.supplier.deleted', target: `supplier:${code}` });
      });
    },

    // ── Purchase orders

    /** Create a draft (idempotent by number: the same content returns it, other content is 409). */
    async createPurchaseOrder(input: PurchaseOrderInput): Promise<PoView> {
      const i = checkPo(input);
      await assertOwnership(deps, 'erp', `purchase-order:${i.number}`, ['purchase_orders']);
      return retryingRace(() =>
        store.tx(async (tx) => {
          const supplier = supplierOf(await supplierRow(tx, i.supplier));
          const po = purchaseOrderOf(i, supplier);
          const hash = digest(po);
          const prior = (await tx
            .selectFrom('erp_purchase_orders')
            .selectAll()
            .where('number', '=', po.number)
            .executeTakeFirst()) as ErpPurchaseOrderRow | undefined;
          if (prior) {
            if (prior.content_hash === hash)
              return poView(prior, stateOf(prior, await receiptRows(tx, po.number)));
            throw ProcurementErrors.PO_EXISTS.create(`purchase order ${po.number} exists with other content`);
          }
          const at = now();
          const row: ErpPurchaseOrderRow = {
            number: po.number,
            supplier: po.supplier,
            ship_to: po.shipTo,
            currency: po.currency,
            status: 'draft',
            document: JSON.stringify(po),
            content_hash: hash,
            sent_at: null,
            cancelled_at: null,
            cancel_reason: null,
            closed_at: null,
            close_reason: null,
            version: 1,
            created_at: at,
            updated_at: at,
          };
          await tx.insertInto('erp_purchase_orders').values(row).execute();
          await audit.record(tx, {
            action: 'erp.purchase_order.created',
            target: `purchase-order:${po.number}`,
            after: po,
          });
          return poView(row, stateOf(row, []));
        }),
      );
    },

    async getPurchaseOrder(number: string): Promise<PoView> {
      const { row, state } = await loadState(store.db, number);
      return poView(row, state);
    },

    async listPurchaseOrders(q: { supplier?: string; status?: string; after?: string; limit?: number } = {}) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_purchase_orders')
        .selectAll()
        .orderBy('number')
        .limit(limit + 1);
      if (q.supplier) sel = sel.where('supplier', '=', q.supplier);
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.after) sel = sel.where('number', '>', q.after);
      const rows = (await sel.execute()) as ErpPurchaseOrderRow[];
      const page = rows.slice(0, limit);
      const receipts = page.length
        ? ((await store.db
            .selectFrom('erp_po_receipts')
            .selectAll()
            .where(
              'po_number',
              'in',
              page.map((r) => r.number),
            )
            .orderBy('seq')
            .execute()) as ErpPoReceiptRow[])
        : [];
      const items = page.map((r) =>
        poView(
          r,
          stateOf(
            r,
            receipts.filter((x) => x.po_number === r.number),
          ),
        ),
      );
      return rows.length > limit ? { items, next: items.at(-1)!.number } : { items };
    },

    /** draft → sent: validated against the supplier's terms; the ordered units become inbound. */
    async send(number: string): Promise<PoView> {
      await assertOwnership(deps, 'erp', `purchase-order:${number}`, ['status']);
      return retryingRace(() =>
        store.tx(async (tx) => {
          const at = now();
          const { row, state } = await loadState(tx, number, true);
          const supplier = supplierOf(await supplierRow(tx, row.supplier));
          const next = outcome(sendPurchaseOrder(state, { at }, supplier));
          await post(tx, expectedInboundMovements(next), at);
          await saveState(tx, number, next, at);
          await audit.record(tx, {
            action: 'erp.purchase_order.sent',
            target: `purchase-order:${number}`,
            after: { status: next.status },
          });
          return poView({ ...row, updated_at: at }, next);
        }),
      );
    },

    /** draft / sent → cancelled; what was expected inbound is released. */
    cancel: (number: string, o: { reason?: string } = {}) => endPo(number, 'cancel', o.reason),

    /** (partially) received → closed; closing short needs a reason and releases the rest of the inbound. */
    close: (number: string, o: { reason?: string } = {}) => endPo(number, 'close', o.reason),

    ...createProcurementDrafts(deps, shared),

    ...createProcurementReceipts(deps, shared, journal),

    ...createProcurementInvoices(deps, shared, journal),

    ...createProcurementPayables(deps, shared, journal),
  };
}

export type ProcurementService = ReturnType<typeof createProcurementService>;

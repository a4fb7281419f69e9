import { newId } from '../../kernel/ids.js';
import { canonicalJson, digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { PoReceived } from './events.js';
import type { JournalWriter } from './journal.service.js';
import { purchaseReceiptEntry } from './journal.templates.js';
import { actor, type ErpDeps, retryingRace } from './ledger.service.js';
import type { MovementInput } from './ledger.types.js';
import type { createLedgerWriter } from './ledger.writer.js';
import { compareAsnToReceipt, receiptFromAsn } from './procurement.asn.js';
import { ProcurementErrors } from './procurement.errors.js';
import {
  cancelPurchaseOrder,
  closePurchaseOrder,
  type PoOutcome,
  receivePurchaseOrder,
  sendPurchaseOrder,
} from './procurement.lifecycle.js';
import { matchInvoice, normalizeInvoiceNumber } from './procurement.match.js';
import {
  expectedInboundMovements,
  inboundCancelMovements,
  receiptCost,
  receiptMovements,
} from './procurement.movements.js';
import { receivedByLine } from './procurement.quantities.js';
import type {
  ErpAsnRow,
  ErpPoReceiptRow,
  ErpPurchaseOrderRow,
  ErpSupplierInvoiceRow,
  ErpSupplierRow,
} from './procurement.schema.js';
import {
  type AsnInput,
  AsnInputSchema,
  ProcurementStoreErrors,
  type PurchaseOrderInput,
  PurchaseOrderInputSchema,
  type ReceiptInput,
  ReceiptInputSchema,
  type SupplierInput,
  SupplierInputSchema,
  type SupplierInvoiceInput,
  SupplierInvoiceInputSchema,
} from './procurement.schemas.js';
import type {
  AdvanceShipNotice,
  AsnReport,
  MatchResult,
  ProcurementTolerances,
  PurchaseOrder,
  PurchaseOrderState,
  Receipt,
  Supplier,
  SupplierInvoice,
} from './procurement.types.js';
import { validateAsn, validateSupplier } from './procurement.validate.js';

/**
 * Procurement, stored: suppliers, purchase orders, receipts (optionally against an ASN) and
 * supplier invoices. The PO's state machine, receiving and the three-way match are the pure
 * procurement.* functions; this service loads a PO's state, runs the command and writes what it
 * implies — PO row, ledger movements (through the ledger writer, in the same transaction), the
 * journal entry, the event, the audit — in one `store.tx`. A PO's row is updated first in every
 * writing transaction, so commands on one PO are serialized (a row lock on PostgreSQL; SQLite
 * has one writer).
 */

/** Tolerances when a supplier sets none: 5 % over-receipt, invoice quantity exact, 1 % on price and total. */
export const DEFAULT_PROCUREMENT_TOLERANCES: ProcurementTolerances = {
  overReceipt: { basisPoints: 500 },
  invoiceQuantity: { absolute: 0 },
  price: { basisPoints: 100 },
  total: { basisPoints: 100 },
};

type Writer = ReturnType<typeof createLedgerWriter>;

const checkSupplier = inputValidator(SupplierInputSchema, 'supplier');
const checkPo = inputValidator(PurchaseOrderInputSchema, 'purchase order');
const checkReceipt = inputValidator(ReceiptInputSchema, 'receipt');
const checkAsn = inputValidator(AsnInputSchema, 'advance ship notice');
const checkInvoice = inputValidator(SupplierInvoiceInputSchema, 'supplier invoice');

const outcome = (o: PoOutcome): PurchaseOrderState => {
  if (!o.ok) throw o.error;
  return o.state;
};

const limitOf = (limit?: number) => Math.min(Math.max(limit ?? 50, 1), 200);

function supplierOf(r: ErpSupplierRow): Supplier {
  return JSON.parse(r.document) as Supplier;
}

function toAsn(r: ErpAsnRow) {
  return { ...(JSON.parse(r.document) as AdvanceShipNotice), createdAt: r.created_at };
}

function toSupplierInvoice(r: ErpSupplierInvoiceRow) {
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
    actor: r.actor,
    createdAt: r.created_at,
  };
}
export type StoredSupplierInvoice = ReturnType<typeof toSupplierInvoice>;

export function createProcurementService(
  deps: ErpDeps,
  writer: Writer,
  journal: JournalWriter,
  options: { defaultTolerances?: ProcurementTolerances } = {},
) {
  const { store, clock, audit, bus } = deps;
  const defaults = options.defaultTolerances ?? DEFAULT_PROCUREMENT_TOLERANCES;
  const now = () => clock.now().toISOString();
  const effective = (t: ProcurementTolerances | null): ProcurementTolerances => ({
    ...defaults,
    ...(t ?? {}),
  });

  function toSupplier(r: ErpSupplierRow) {
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

  async function receiptRows(tx: Tx, number: string): Promise<ErpPoReceiptRow[]> {
    return (await tx
      .selectFrom('erp_po_receipts')
      .selectAll()
      .where('po_number', '=', number)
      .orderBy('seq')
      .execute()) as ErpPoReceiptRow[];
  }

  function stateOf(row: ErpPurchaseOrderRow, receipts: readonly ErpPoReceiptRow[]): PurchaseOrderState {
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

  async function loadState(tx: Tx, number: string, lock = false) {
    const row = await poRow(tx, number, lock);
    const receipts = await receiptRows(tx, number);
    return { row, receipts, state: stateOf(row, receipts) };
  }

  function poView(row: ErpPurchaseOrderRow, state: PurchaseOrderState) {
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
  type PoView = ReturnType<typeof poView>;

  function toReceipt(r: ErpPoReceiptRow, poStatus: string) {
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
  type StoredReceipt = ReturnType<typeof toReceipt>;

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
          const po: PurchaseOrder = { ...i, currency: i.currency ?? supplier.currency };
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

    // ── Receiving

    /**
     * Book a receipt: the lifecycle judges it (over-receipt tolerance, SKUs on the order); the
     * accepted units are posted as `receipt` movements at the PO's ship-to location, their PO cost
     * to the journal (inventory / goods received not invoiced), `po.received` is emitted — one
     * transaction. The same receipt id again returns the stored receipt.
     */
    async receive(number: string, input: ReceiptInput): Promise<StoredReceipt> {
      const i = checkReceipt(input);
      await assertOwnership(deps, 'erp', `purchase-order:${number}`, ['receipts']);
      return retryingRace(() =>
        store.tx(async (tx) => {
          const at = now();
          const { row, receipts, state } = await loadState(tx, number, true);
          const stored = (await tx
            .selectFrom('erp_po_receipts')
            .selectAll()
            .where('id', '=', i.id)
            .executeTakeFirst()) as ErpPoReceiptRow | undefined;
          let asn: AdvanceShipNotice | undefined;
          if (i.asnId) {
            const asnRow = (await tx
              .selectFrom('erp_asns')
              .selectAll()
              .where('id', '=', i.asnId)
              .executeTakeFirst()) as ErpAsnRow | undefined;
            if (!asnRow)
              throw ProcurementStoreErrors.ASN_NOT_FOUND.create(`no advance ship notice "${i.asnId}"`);
            asn = JSON.parse(asnRow.document) as AdvanceShipNotice;
            if (asn.poNumber !== number)
              throw ProcurementErrors.PO_ASN_MISMATCH.create(
                `ASN ${asn.id} is for PO ${asn.poNumber}, not ${number}`,
              );
          }
          const receivedAt = i.receivedAt ?? stored?.received_at ?? at;
          if (!i.lines && !asn)
            throw ProcurementErrors.PO_RECEIPT_INVALID.create(
              'a receipt needs lines (or an asnId to take them from)',
              {
                errors: [{ field: 'lines', code: 'LINES_EMPTY', message: 'must have at least one line' }],
              },
            );
          // Without lines, everything the ASN announced is taken as counted (the dock edits only what differs).
          const receipt: Receipt = i.lines
            ? {
                id: i.id,
                poNumber: number,
                ...(i.asnId ? { asnId: i.asnId } : {}),
                receivedAt,
                lines: i.lines,
              }
            : receiptFromAsn(asn!, { id: i.id, receivedAt });
          if (stored) {
            if (
              stored.po_number === number &&
              canonicalJson(JSON.parse(stored.document)) === canonicalJson(receipt)
            )
              return toReceipt(stored, row.status);
            throw ProcurementErrors.PO_RECEIPT_DUPLICATE.create(
              `receipt ${i.id} was applied with other content`,
              {
                receipt: i.id,
              },
            );
          }
          const supplier = await supplierRow(tx, row.supplier);
          const tolerances = effective(supplier.tolerances ? JSON.parse(supplier.tolerances) : null);
          const next = outcome(receivePurchaseOrder(state, receipt, tolerances));
          const report = asn ? compareAsnToReceipt(asn, receipt) : null;
          const movements = receiptMovements(next, receipt);
          await post(tx, movements, at);
          const cost = receiptCost(next, receipt);
          let journalEntry: string | null = null;
          if (cost > 0) {
            const [entry] = await journal.postInTx(tx, [
              {
                input: purchaseReceiptEntry({
                  date: receivedAt.slice(0, 10),
                  currency: state.po.currency,
                  receipt: receipt.id,
                  cost,
                  dimensions: { supplier: state.po.supplier, location: state.po.shipTo },
                }),
              },
            ]);
            journalEntry = entry!.id;
          }
          const values = {
            id: receipt.id,
            po_number: number,
            asn_id: receipt.asnId ?? null,
            received_at: receivedAt,
            document: JSON.stringify(receipt),
            cost,
            journal_entry: journalEntry,
            asn_report: report ? JSON.stringify(report) : null,
            actor: actor(),
            recorded_at: at,
          };
          const [inserted] = (await tx
            .insertInto('erp_po_receipts')
            .values(values)
            .returningAll()
            .execute()) as ErpPoReceiptRow[];
          await saveState(tx, number, next, at);
          await bus.append(tx, [
            PoReceived.input(number, {
              poNumber: number,
              receiptId: receipt.id,
              supplier: state.po.supplier,
              shipTo: state.po.shipTo,
              status: next.status,
              asnId: receipt.asnId ?? null,
              receivedAt,
              currency: state.po.currency,
              cost,
              lines: movements.map((m) => ({
                lineNo: Number(m.reference.split(':line:')[1]),
                sku: m.sku,
                quantity: m.quantity!,
              })),
            }),
          ]);
          await audit.record(tx, {
            action: 'erp.purchase_order.received',
            target: `purchase-order:${number}`,
            before: { status: state.status, receipts: receipts.length },
            after: { status: next.status, receipt: receipt.id, cost },
          });
          return toReceipt(inserted ?? ({ ...values, seq: 0 } as ErpPoReceiptRow), next.status);
        }),
      );
    },

    async listReceipts(number: string): Promise<StoredReceipt[]> {
      const row = await poRow(store.db, number);
      return (await receiptRows(store.db, number)).map((r) => toReceipt(r, row.status));
    },

    // ── Advance ship notices

    /** Record an ASN for a PO (idempotent by id). */
    async createAsn(input: AsnInput) {
      const a = checkAsn(input);
      await assertOwnership(deps, 'erp', `purchase-order:${a.poNumber}`, ['asns']);
      return store.tx(async (tx) => {
        const { state } = await loadState(tx, a.poNumber);
        const errors = validateAsn(a as AdvanceShipNotice, state.po);
        if (errors.length > 0)
          throw ProcurementErrors.PO_ASN_INVALID.create(
            errors.map((e) => `${e.field}: ${e.message}`).join('; '),
            {
              errors,
            },
          );
        const hash = digest(a);
        const prior = (await tx
          .selectFrom('erp_asns')
          .selectAll()
          .where('id', '=', a.id)
          .executeTakeFirst()) as ErpAsnRow | undefined;
        if (prior) {
          if (prior.content_hash === hash) return toAsn(prior);
          throw ProcurementStoreErrors.ASN_EXISTS.create(`ASN ${a.id} exists with other content`);
        }
        const row: ErpAsnRow = {
          id: a.id,
          po_number: a.poNumber,
          expected_arrival: a.expectedArrival,
          document: JSON.stringify(a),
          content_hash: hash,
          created_at: now(),
        };
        await tx.insertInto('erp_asns').values(row).execute();
        await audit.record(tx, { action: 'erp.asn.created', target: `asn:${a.id}`, after: a });
        return toAsn(row);
      });
    },

    async getAsn(id: string) {
      const row = (await store.db
        .selectFrom('erp_asns')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()) as ErpAsnRow | undefined;
      if (!row) throw ProcurementStoreErrors.ASN_NOT_FOUND.create(`no advance ship notice "${id}"`);
      return toAsn(row);
    },

    async listAsns(q: { poNumber?: string; after?: string; limit?: number } = {}) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_asns')
        .selectAll()
        .orderBy('id')
        .limit(limit + 1);
      if (q.poNumber) sel = sel.where('po_number', '=', q.poNumber);
      if (q.after) sel = sel.where('id', '>', q.after);
      const rows = (await sel.execute()) as ErpAsnRow[];
      const items = rows.slice(0, limit).map(toAsn);
      return rows.length > limit ? { items, next: items.at(-1)!.id } : { items };
    },

    // ── Supplier invoices

    /**
     * Book a supplier invoice with its three-way match against the PO and its receipts (stored as
     * it was judged). A number the supplier billed before (ignoring case and punctuation) is refused
     * (409), unless it is the same invoice sent again, which returns the stored one.
     */
    async createSupplierInvoice(input: SupplierInvoiceInput): Promise<StoredSupplierInvoice> {
      const i = checkInvoice(input);
      await assertOwnership(deps, 'erp', `purchase-order:${i.poNumber}`, ['supplier_invoices']);
      return retryingRace(() =>
        store.tx(async (tx) => {
          const { state } = await loadState(tx, i.poNumber, true);
          const invoice: SupplierInvoice = {
            ...i,
            supplier: i.supplier ?? state.po.supplier,
            currency: i.currency ?? state.po.currency,
          };
          const key = normalizeInvoiceNumber(invoice.number);
          const hash = digest(invoice);
          const dup = (await tx
            .selectFrom('erp_supplier_invoices')
            .selectAll()
            .where('supplier', '=', invoice.supplier)
            .where('number_key', '=', key)
            .executeTakeFirst()) as ErpSupplierInvoiceRow | undefined;
          if (dup) {
            if (dup.content_hash === hash) return toSupplierInvoice(dup);
            throw ProcurementStoreErrors.SUPPLIER_INVOICE_DUPLICATE.create(
              `supplier ${invoice.supplier} invoice ${invoice.number} was already booked as ${dup.number}`,
              { invoiceId: dup.id, number: dup.number },
            );
          }
          const supplier = await supplierRow(tx, state.po.supplier);
          // Invoices judged before (not refused as exceptions) used up the units they billed.
          const prior = (await tx
            .selectFrom('erp_supplier_invoices')
            .selectAll()
            .where('po_number', '=', i.poNumber)
            .where('status', '!=', 'exception')
            .orderBy('created_at')
            .orderBy('id')
            .execute()) as ErpSupplierInvoiceRow[];
          const match = matchInvoice({
            po: state.po,
            receipts: state.receipts,
            invoice,
            priorInvoices: prior.map((p) => JSON.parse(p.document) as SupplierInvoice),
            tolerances: effective(supplier.tolerances ? JSON.parse(supplier.tolerances) : null),
          });
          const row: ErpSupplierInvoiceRow = {
            id: newId('sinv'),
            supplier: invoice.supplier,
            number: invoice.number,
            number_key: key,
            po_number: i.poNumber,
            status: match.status,
            currency: invoice.currency,
            total: match.amounts.invoiceTotal,
            document: JSON.stringify(invoice),
            match: JSON.stringify(match),
            content_hash: hash,
            actor: actor(),
            created_at: now(),
          };
          await tx.insertInto('erp_supplier_invoices').values(row).execute();
          await audit.record(tx, {
            action: 'erp.supplier_invoice.booked',
            target: `supplier-invoice:${row.id}`,
            after: {
              number: row.number,
              poNumber: row.po_number,
              status: row.status,
              approved: match.amounts.approved,
            },
          });
          return toSupplierInvoice(row);
        }),
      );
    },

    async getSupplierInvoice(id: string): Promise<StoredSupplierInvoice> {
      const row = (await store.db
        .selectFrom('erp_supplier_invoices')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()) as ErpSupplierInvoiceRow | undefined;
      if (!row) throw ProcurementStoreErrors.SUPPLIER_INVOICE_NOT_FOUND.create(`no supplier invoice "${id}"`);
      return toSupplierInvoice(row);
    },

    async listSupplierInvoices(
      q: { poNumber?: string; supplier?: string; status?: string; after?: string; limit?: number } = {},
    ) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_supplier_invoices')
        .selectAll()
        .orderBy('id')
        .limit(limit + 1);
      if (q.poNumber) sel = sel.where('po_number', '=', q.poNumber);
      if (q.supplier) sel = sel.where('supplier', '=', q.supplier);
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.after) sel = sel.where('id', '>', q.after);
      const rows = (await sel.execute()) as ErpSupplierInvoiceRow[];
      const items = rows.slice(0, limit).map(toSupplierInvoice);
      return rows.length > limit ? { items, next: items.at(-1)!.id } : { items };
    },
  };
}

export type ProcurementService = ReturnType<typeof createProcurementService>;

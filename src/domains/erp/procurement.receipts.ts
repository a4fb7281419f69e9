import { canonicalJson } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { inputValidator } from '../../kernel/validate.js';
import { PoReceived } from './events.js';
import type { JournalWriter } from './journal.service.js';
import { purchaseReceiptEntry } from './journal.templates.js';
import { actor, type ErpDeps, retryingRace } from './ledger.service.js';
import { compareAsnToReceipt, receiptFromAsn } from './procurement.asn.js';
import { ProcurementErrors } from './procurement.errors.js';
import { receivePurchaseOrder } from './procurement.lifecycle.js';
import { receiptCost, receiptMovements } from './procurement.movements.js';
import type { ErpAsnRow, ErpPoReceiptRow } from './procurement.schema.js';
import { ProcurementStoreErrors, type ReceiptInput, ReceiptInputSchema } from './procurement.schemas.js';
import { outcome, type ProcurementStore } from './procurement.store.js';
import type { AdvanceShipNotice, Receipt } from './procurement.types.js';
import { type StoredReceipt, toReceipt } from './procurement.views.js';

/** Receiving against a purchase order (optionally from an ASN): part of the procurement service. */

const checkReceipt = inputValidator(ReceiptInputSchema, 'receipt');

export function createProcurementReceipts(deps: ErpDeps, shared: ProcurementStore, journal: JournalWriter) {
  const { store, audit, bus } = deps;
  const { now, effective, supplierRow, poRow, receiptRows, loadState, saveState, post } = shared;

  return {
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
  };
}

import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import type { JournalWriter } from './journal.service.js';
import { supplierInvoiceEntry } from './journal.templates.js';
import { actor, type ErpDeps, retryingRace } from './ledger.service.js';
import {
  invoiceBooking,
  isEmptyBooking,
  type SupplierInvoiceResolution,
  supplierInvoiceState,
} from './procurement.booking.js';
import { supplierInvoiceStateChanged } from './procurement.events.js';
import type { ErpSupplierInvoiceRow } from './procurement.schema.js';
import {
  ProcurementStoreErrors,
  type SupplierInvoiceDecision,
  SupplierInvoiceDecisionSchema,
} from './procurement.schemas.js';
import type { ProcurementStore } from './procurement.store.js';
import type { MatchResult, MatchStatus } from './procurement.types.js';
import { type StoredSupplierInvoice, toSupplierInvoice } from './procurement.views.js';

/**
 * Supplier invoices as money owed: the journal entry an accepted invoice posts, an operator's
 * release or rejection of a held one, and the open payables. Part of the procurement service.
 * Payment is not modelled yet: every booked invoice stays open.
 */

const checkDecision = inputValidator(SupplierInvoiceDecisionSchema, 'decision');

/** What posting an accepted invoice needs to know. */
export interface InvoiceToBook {
  id: string;
  number: string;
  supplier: string;
  currency: string;
  /** The PO's ship-to location: the entry's `location` dimension, as the receipt's was. */
  shipTo: string;
  /** The posting date, `YYYY-MM-DD`. */
  date: string;
  match: MatchResult;
}

/**
 * Post an accepted invoice in the caller's transaction (Dr GRNI / PPV / input tax, Cr payables):
 * the entry's id, or null when there is nothing to post. A closed period throws
 * ERP_PERIOD_CLOSED, so the caller's whole transaction — the invoice with it — rolls back.
 */
export async function bookSupplierInvoice(
  tx: Tx,
  journal: JournalWriter,
  f: InvoiceToBook,
): Promise<string | null> {
  const booking = invoiceBooking(f.match);
  if (isEmptyBooking(booking)) return null;
  const [entry] = await journal.postInTx(tx, [
    {
      input: supplierInvoiceEntry({
        date: f.date,
        currency: f.currency,
        invoice: f.id,
        number: f.number,
        ...booking,
        dimensions: { supplier: f.supplier, location: f.shipTo },
      }),
    },
  ]);
  return entry!.id;
}

export function createProcurementPayables(deps: ErpDeps, shared: ProcurementStore, journal: JournalWriter) {
  const { store, audit, bus } = deps;
  const { now, invoiceRow, loadState } = shared;

  /** Release or reject a held invoice: recorded who, when and why; a release books it. */
  async function decide(
    id: string,
    action: SupplierInvoiceResolution,
    input: SupplierInvoiceDecision,
  ): Promise<StoredSupplierInvoice> {
    const { reason } = checkDecision(input);
    await assertOwnership(deps, 'erp', `supplier-invoice:${id}`, ['supplier_invoices']);
    return retryingRace(() =>
      store.tx(async (tx) => {
        const { po_number } = await invoiceRow(tx, id);
        // The PO's lock first, as every write to its documents takes it: a release changes what
        // its other invoices may still bill, and two decisions on one invoice queue here.
        const { state } = await loadState(tx, po_number, true);
        const row = await invoiceRow(tx, id);
        const before = supplierInvoiceState(
          row.status as MatchStatus,
          row.resolution as SupplierInvoiceResolution,
        );
        if (before !== 'held')
          throw ProcurementStoreErrors.SUPPLIER_INVOICE_NOT_HELD.create(
            `supplier invoice ${row.number} is ${before}, not held`,
            { state: before },
          );
        const at = now();
        // Posted on the day it is released: the invoice's own month may have closed while it was held.
        const journalEntry =
          action === 'released'
            ? await bookSupplierInvoice(tx, journal, {
                id: row.id,
                number: row.number,
                supplier: row.supplier,
                currency: row.currency,
                shipTo: state.po.shipTo,
                date: at.slice(0, 10),
                match: JSON.parse(row.match) as MatchResult,
              })
            : null;
        const decided = {
          resolution: action,
          resolution_reason: reason,
          resolved_by: actor(),
          resolved_at: at,
          journal_entry: journalEntry,
        };
        await tx.updateTable('erp_supplier_invoices').set(decided).where('id', '=', id).execute();
        const after: ErpSupplierInvoiceRow = { ...row, ...decided };
        await audit.record(tx, {
          action: `erp.supplier_invoice.${action}`,
          target: `supplier-invoice:${id}`,
          before: { state: before },
          after: { state: supplierInvoiceState(row.status as MatchStatus, action), reason, journalEntry },
        });
        const stored = toSupplierInvoice(after);
        await bus.append(tx, [supplierInvoiceStateChanged(stored, 'held', decided.resolved_by, at)]);
        return stored;
      }),
    );
  }

  return {
    /** A held invoice accepted after review (409 ERP_SUPPLIER_INVOICE_NOT_HELD otherwise); booked now. */
    releaseSupplierInvoice: (id: string, input: SupplierInvoiceDecision) => decide(id, 'released', input),

    /** A held invoice refused after review: nothing is booked, it is never owed. */
    rejectSupplierInvoice: (id: string, input: SupplierInvoiceDecision) => decide(id, 'rejected', input),

    /**
     * Open payables per supplier and currency: the totals of invoices booked in the journal. With
     * no payments yet, every booked invoice is open; the sums equal account 2000's credits from
     * supplier invoices.
     */
    async payables(q: { supplier?: string; currency?: string } = {}) {
      let sel = store.db
        .selectFrom('erp_supplier_invoices')
        .select(['supplier', 'currency'])
        .select((eb) => [eb.fn.countAll().as('invoices'), eb.fn.sum('total').as('total')])
        .where('journal_entry', 'is not', null)
        .groupBy(['supplier', 'currency'])
        .orderBy('supplier')
        .orderBy('currency');
      if (q.supplier) sel = sel.where('supplier', '=', q.supplier);
      if (q.currency) sel = sel.where('currency', '=', q.currency);
      const rows = await sel.execute();
      return {
        items: rows.map((r) => ({
          supplier: r.supplier as string,
          currency: r.currency as string,
          invoices: Number(r.invoices),
          total: Number(r.total),
        })),
      };
    },
  };
}

import type { SelectQueryBuilder } from 'kysely';
import { newId } from '../../kernel/ids.js';
import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { inputValidator } from '../../kernel/validate.js';
import type { JournalWriter } from './journal.service.js';
import { actor, type ErpDeps, retryingRace } from './ledger.service.js';
import type { SupplierInvoiceState } from './procurement.booking.js';
import { ProcurementErrors } from './procurement.errors.js';
import { supplierInvoiceStateChanged } from './procurement.events.js';
import { matchInvoice, normalizeInvoiceNumber } from './procurement.match.js';
import { bookSupplierInvoice } from './procurement.payables.js';
import type { ErpAsnRow, ErpSupplierInvoiceRow } from './procurement.schema.js';
import {
  type AsnInput,
  AsnInputSchema,
  ProcurementStoreErrors,
  type SupplierInvoiceInput,
  SupplierInvoiceInputSchema,
} from './procurement.schemas.js';
import { limitOf, type ProcurementStore } from './procurement.store.js';
import type { AdvanceShipNotice, SupplierInvoice } from './procurement.types.js';
import { validateAsn } from './procurement.validate.js';
import { type StoredSupplierInvoice, toAsn, toSupplierInvoice } from './procurement.views.js';

/** Advance ship notices and supplier invoices (with their three-way match): part of the procurement service. */

const checkAsn = inputValidator(AsnInputSchema, 'advance ship notice');

const checkInvoice = inputValidator(SupplierInvoiceInputSchema, 'supplier invoice');

/** Supplier invoices in `state`: supplierInvoiceState (procurement.booking.ts) as SQL. */
function inState<Q extends SelectQueryBuilder<any, any, any>>(sel: Q, state: SupplierInvoiceState): Q {
  if (state === 'held') return sel.where('status', '=', 'exception').where('resolution', 'is', null) as Q;
  if (state === 'rejected') return sel.where('resolution', '=', 'rejected') as Q;
  // A matched invoice is never resolved: only a held one is released or rejected.
  return sel.where((eb) =>
    eb.or([
      eb('resolution', '=', 'released'),
      eb.and([eb('status', '!=', 'exception'), eb('resolution', 'is', null)]),
    ]),
  ) as Q;
}

export function createProcurementInvoices(deps: ErpDeps, shared: ProcurementStore, journal: JournalWriter) {
  const { store, audit, bus } = deps;
  const { now, effective, supplierRow, invoiceRow, loadState } = shared;

  return {
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
     * Store a supplier invoice with its three-way match against the PO and its receipts (stored as
     * it was judged). A matched one (within tolerance) is accepted and booked in the journal in the
     * same transaction (procurement.payables.ts); an exception is held, posting nothing, until an
     * operator releases or rejects it. A number the supplier billed before (ignoring case and
     * punctuation) is refused (409), unless it is the same invoice sent again, which returns the
     * stored one.
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
          // Invoices accepted before (matched, or exceptions released) used up the units they billed.
          const prior = (await inState(
            tx.selectFrom('erp_supplier_invoices').selectAll().where('po_number', '=', i.poNumber),
            'booked',
          )
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
          const id = newId('sinv');
          const at = now();
          // Accepted now when matched (within tolerance); an exception is held, posting nothing.
          const journalEntry =
            match.status === 'exception'
              ? null
              : await bookSupplierInvoice(tx, journal, {
                  id,
                  number: invoice.number,
                  supplier: invoice.supplier,
                  currency: invoice.currency,
                  shipTo: state.po.shipTo,
                  date: invoice.invoiceDate ?? at.slice(0, 10),
                  match,
                });
          const row: ErpSupplierInvoiceRow = {
            id,
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
            created_at: at,
            journal_entry: journalEntry,
            resolution: null,
            resolution_reason: null,
            resolved_by: null,
            resolved_at: null,
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
              journalEntry,
            },
          });
          const stored = toSupplierInvoice(row);
          await bus.append(tx, [supplierInvoiceStateChanged(stored, null, row.actor, at)]);
          return stored;
        }),
      );
    },

    async getSupplierInvoice(id: string): Promise<StoredSupplierInvoice> {
      return toSupplierInvoice(await invoiceRow(store.db, id));
    },

    async listSupplierInvoices(
      q: {
        poNumber?: string;
        supplier?: string;
        status?: string;
        state?: SupplierInvoiceState;
        after?: string;
        limit?: number;
      } = {},
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
      if (q.state) sel = inState(sel, q.state);
      if (q.after) sel = sel.where('id', '>', q.after);
      const rows = (await sel.execute()) as ErpSupplierInvoiceRow[];
      const items = rows.slice(0, limit).map(toSupplierInvoice);
      return rows.length > limit ? { items, next: items.at(-1)!.id } : { items };
    },
  };
}

import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { inputValidator } from '../../kernel/validate.js';
import { type ErpDeps, retryingRace } from './ledger.service.js';
import { ProcurementErrors } from './procurement.errors.js';
import type { ErpPurchaseOrderRow } from './procurement.schema.js';
import {
  ProcurementStoreErrors,
  type PurchaseOrderInput,
  PurchaseOrderInputSchema,
} from './procurement.schemas.js';
import type { ProcurementStore } from './procurement.store.js';
import type { PurchaseOrder, Supplier } from './procurement.types.js';
import { type PoView, poView, stateOf, supplierOf } from './procurement.views.js';

/**
 * Editing a draft purchase order: part of the procurement service. Until it is sent the supplier
 * has not seen it, so a draft is replaced whole (lines, supplier, ship-to, dates); once sent it is
 * a commitment and only cancel / close apply. Optimistic concurrency as for price lists: the edit
 * names the version it was based on (the REST `If-Match`), so two buyers cannot silently
 * overwrite each other.
 */

const checkPo = inputValidator(PurchaseOrderInputSchema, 'purchase order');

/** The stored PO document of an input: its currency defaults to the supplier's. */
export const purchaseOrderOf = (i: PurchaseOrderInput, supplier: Supplier): PurchaseOrder => ({
  ...i,
  currency: i.currency ?? supplier.currency,
});

/** Refuse an edit of anything but a draft, or one based on another version than `current`. */
function checkEditable(row: ErpPurchaseOrderRow, current: number, expectedVersion: number | undefined): void {
  if (row.status !== 'draft')
    throw ProcurementErrors.PO_NOT_EDITABLE.create(
      `purchase order ${row.number} is ${row.status}; only a draft can be edited`,
      { poStatus: row.status },
    );
  if (expectedVersion !== undefined && expectedVersion !== current)
    throw ProcurementStoreErrors.PO_VERSION_CONFLICT.create(
      `purchase order ${row.number} is at version ${current}, not ${expectedVersion}`,
      { expectedVersion, currentVersion: current },
    );
}

export function createProcurementDrafts(deps: ErpDeps, shared: ProcurementStore) {
  const { store, audit } = deps;
  const { now, supplierRow, poRow } = shared;

  return {
    /**
     * Replace a draft's content (404 ERP_PO_NOT_FOUND; 409 ERP_PO_NOT_EDITABLE once sent; 409
     * ERP_PO_VERSION_CONFLICT when `expectedVersion` is not current). The same content again makes
     * no new version.
     */
    async editPurchaseOrder(
      number: string,
      input: Omit<PurchaseOrderInput, 'number'>,
      o: { expectedVersion?: number } = {},
    ): Promise<PoView> {
      const i = checkPo({ ...input, number });
      await assertOwnership(deps, 'erp', `purchase-order:${number}`, ['purchase_orders']);
      return retryingRace(() =>
        store.tx(async (tx) => {
          const seen = await poRow(tx, number);
          checkEditable(seen, Number(seen.version), o.expectedVersion);
          const po = purchaseOrderOf(i, supplierOf(await supplierRow(tx, i.supplier)));
          const hash = digest(po);
          if (hash === seen.content_hash) return poView(seen, stateOf(seen, []));
          // Take the PO's lock (its version bump) as every command does, then judge again: a send
          // or another edit may have committed since the read above.
          const row = await poRow(tx, number, true);
          checkEditable(row, Number(row.version) - 1, o.expectedVersion);
          const at = now();
          const changes = {
            supplier: po.supplier,
            ship_to: po.shipTo,
            currency: po.currency,
            document: JSON.stringify(po),
            content_hash: hash,
            updated_at: at,
          };
          await tx.updateTable('erp_purchase_orders').set(changes).where('number', '=', number).execute();
          await audit.record(tx, {
            action: 'erp.purchase_order.edited',
            target: `purchase-order:${number}`,
            before: JSON.parse(row.document),
            after: po,
          });
          const edited: ErpPurchaseOrderRow = { ...row, ...changes };
          return poView(edited, stateOf(edited, []));
        }),
      );
    },
  };
}

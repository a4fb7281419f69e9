import type { HttpPlugin } from '../../kernel/ports/http.js';
import { registerAtpRoutes } from './atp.http.js';
import { registerCostingRoutes } from './costing.http.js';
import type { ErpServices } from './erp.services.js';
import { registerInvoiceRoutes } from './invoice.http.js';
import { registerJournalRoutes } from './journal.http.js';
import { registerLedgerRoutes } from './ledger.http.js';
import { registerLocationRoutes } from './location.http.js';
import { registerPriceRoutes } from './price.http.js';
import { registerProcurementRoutes } from './procurement.http.js';
import { registerReconciliationRoutes } from './reconciliation.http.js';
import { registerReplenishmentRoutes } from './replenishment.http.js';
import { registerReservationRoutes } from './reservation.http.js';
import { registerTaxRoutes } from './tax.http.js';

/**
 * The ERP's REST routes under /api/v1/erp, each area in its own *.http.ts. Reads need `erp:read`;
 * writes are `ownedWrite('erp')`: the services refuse (and audit) callers without `erp:write`.
 */
export function erpRoutes(erp: ErpServices): HttpPlugin {
  return {
    name: 'erp',
    prefix: '/api/v1/erp',
    register(app, helpers) {
      registerLocationRoutes(app, helpers, erp);
      registerLedgerRoutes(app, helpers, erp);
      registerReservationRoutes(app, helpers, erp);
      registerAtpRoutes(app, helpers, erp);
      registerJournalRoutes(app, helpers, erp);
      registerTaxRoutes(app, helpers, erp.tax);
      registerPriceRoutes(app, helpers, erp.prices);
      registerInvoiceRoutes(app, helpers, erp.invoices);
      registerProcurementRoutes(app, helpers, erp.procurement);
      registerCostingRoutes(app, helpers, erp.costing);
      registerReconciliationRoutes(app, helpers, erp.reconciliation);
      registerReplenishmentRoutes(app, helpers, erp.replenishment);
    },
  };
}

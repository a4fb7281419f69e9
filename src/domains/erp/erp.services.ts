import type { AtpService } from './atp.service.js';
import type { CostingService } from './costing.service.js';
import type { InvoiceService } from './invoice.service.js';
import type { AccountService } from './journal.accounts.js';
import type { PeriodService } from './journal.periods.js';
import type { JournalService, JournalWriter } from './journal.service.js';
import type { LedgerService } from './ledger.service.js';
import type { LevelPublisher } from './level.publisher.js';
import type { LocationService } from './location.service.js';
import type { PriceService } from './price.service.js';
import type { ProcurementService } from './procurement.service.js';
import type { ReconciliationService } from './reconciliation.service.js';
import type { ReplenishmentService } from './replenishment.service.js';
import type { ReservationService } from './reservation.service.js';
import type { TaxService } from './tax.service.js';

/** The ERP's services, as its route plugins and app.ts receive them. */
export interface ErpServices {
  locations: LocationService;
  ledger: LedgerService;
  reservations: ReservationService;
  atp: AtpService;
  /** The coalescing level publisher (run by the background task; callable to drain now). */
  publisher: LevelPublisher;
  /** The general journal: post, reverse, read, the trial balance. */
  journal: JournalService;
  /** Posting in the caller's transaction, for the ERP's own services (invoicing, costing). */
  journalWriter: JournalWriter;
  accounts: AccountService;
  periods: PeriodService;
  /** Tax rule sets (versioned) and quotes. */
  tax: TaxService;
  /** Price lists (versioned) and price resolution for channels. */
  prices: PriceService;
  /** Invoices and credit notes: numbered, booked, rendered. */
  invoices: InvoiceService;
  /** Suppliers, purchase orders, receipts, ASNs and supplier invoices (three-way match). */
  procurement: ProcurementService;
  /** Weighted average cost, cost lines, valuation and order-line margins (reads; the ledger writes). */
  costing: CostingService;
  /** Reports of channels and connectors compared with the ERP: accuracy, healing, exceptions. */
  reconciliation: ReconciliationService;
  /** Replenishment policies, suggested purchase orders and forecast backtests. */
  replenishment: ReplenishmentService;
}

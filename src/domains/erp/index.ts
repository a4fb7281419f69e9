import { DEFAULT_MAX_EVENT_BYTES } from '../../kernel/config.js';
import type { DomainModule } from '../../kernel/ports/module.js';
import { createAtpService } from './atp.service.js';
import { periodicTask } from './background.js';
import { createCostingService } from './costing.service.js';
import { createCostingWriter } from './costing.writer.js';
import { erpRoutes } from './erp.http.js';
import type { ErpServices } from './erp.services.js';
import { erpEvents } from './events.js';
import { createInvoiceService } from './invoice.service.js';
import { createAccountService } from './journal.accounts.js';
import { createPeriodService } from './journal.periods.js';
import { createJournalService, createJournalWriter } from './journal.service.js';
import { createLedgerService, type ErpDeps } from './ledger.service.js';
import { createLedgerWriter } from './ledger.writer.js';
import { createLevelPublisher } from './level.publisher.js';
import { createLocationService } from './location.service.js';
import { createPriceService } from './price.service.js';
import { createProcurementService } from './procurement.service.js';
import { createReconciliationService } from './reconciliation.service.js';
import { DEFAULT_RECONCILIATION_POLICY } from './reconciliation.types.js';
import { createReplenishmentService } from './replenishment.service.js';
import { createReservationService } from './reservation.service.js';
import { erpMigrations } from './schema.js';
import { createTaxService } from './tax.service.js';

export type { ChannelSources, SkuAtp } from './atp.service.js';
export type { Cost, CostLineView, OrderLineMargin } from './costing.service.js';
export { ErpErrors } from './errors.js';
export {
  InventoryLevelChanged,
  InvoiceIssued,
  PoReceived,
  ReconciliationCompleted,
  ReconciliationExceptionOpened,
} from './events.js';
export { ForecastErrors } from './forecast.errors.js';
export { InvoiceDocumentErrors } from './invoice.document.js';
export { InvoiceErrors } from './invoice.errors.js';
export type { CreditInput, Invoice, InvoiceInput, SeriesInput } from './invoice.types.js';
export { ACCOUNT_ROLES, DEFAULT_CHART } from './journal.chart.js';
export { JournalErrors } from './journal.errors.js';
export * from './journal.templates.js';
export type { Account, JournalEntry, JournalEntryInput, Period, TrialBalance } from './journal.types.js';
export type { ErpDeps, StockSetting } from './ledger.service.js';
export type { Level, Movement, MovementInput, MovementType, PostResult } from './ledger.types.js';
export { MOVEMENT_TYPES } from './ledger.types.js';
export type { VerifyReport } from './ledger.verify.js';
export type { Location } from './location.service.js';
export type { LocationInput } from './location.validate.js';
export { PriceErrors } from './price.errors.js';
export { PriceListChanged } from './price.events.js';
export type { PriceIndex } from './price.resolve.js';
export type {
  PriceBatch,
  PriceListSummary,
  PriceRequest,
  PriceService,
  PriceWriteOptions,
  StoredPriceList,
} from './price.service.js';
export type {
  CandidateExplanation,
  PriceAdjustment,
  PriceBreak,
  PriceContext,
  PriceEntry,
  PriceLine,
  PriceList,
  PriceListParent,
  PriceMiss,
  PriceQuery,
  PriceResolution,
  TierExplanation,
} from './price.types.js';
export { ProcurementErrors } from './procurement.errors.js';
export type {
  AsnInput,
  PurchaseOrderInput,
  ReceiptInput,
  SupplierInput,
  SupplierInvoiceInput,
} from './procurement.schemas.js';
export { ProcurementStoreErrors } from './procurement.schemas.js';
export type { ProcurementService } from './procurement.service.js';
export type * from './procurement.types.js';
export { ReconciliationErrors } from './reconciliation.errors.js';
export type { ReconciliationService, RunDetail } from './reconciliation.service.js';
export type {
  AccuracyReport,
  AccuracySummary,
  ExceptionStatus,
  Measure,
  Outcome,
  ReconciliationDifference,
  ReconciliationException,
  ReconciliationPolicy,
  ReconciliationRun,
  ReportInput,
  ReportLine,
  SourceAccuracy,
  Tolerance as ReconciliationTolerance,
} from './reconciliation.types.js';
export { DEFAULT_RECONCILIATION_POLICY } from './reconciliation.types.js';
export { ReplenishmentStoreErrors } from './replenishment.errors.js';
export type {
  BacktestRequest,
  ReplenishmentPolicy,
  ReplenishmentPolicyInput,
  SuggestionRequest,
} from './replenishment.schemas.js';
export type { ReplenishmentService } from './replenishment.service.js';
export type { ReplenishmentExplanation } from './replenishment.suggest.js';
export type { Reservation } from './reservation.service.js';
export { TaxErrors } from './tax.errors.js';
export { BUILTIN_TAX_RULE_SETS, EU_VAT, UK_VAT, US_SALES_TAX } from './tax.rulesets.js';
export type { TaxDocument, TaxResult, TaxRuleSet } from './tax.types.js';

export interface ErpOptions {
  /** How often the level publisher drains dirty SKUs (ms): the data latency of level events. */
  publishIntervalMs: number;
  /** SKUs per published batch (one transaction, one event each). */
  publishBatchSize: number;
  /** How often expired reservations are released (ms). */
  sweepIntervalMs: number;
  /** Reservations released per sweep transaction. */
  sweepBatchSize: number;
  /** Reconciliation defaults, a report may override them (see docs/erp-reconciliation.md). */
  reconciliationToleranceUnits: number;
  reconciliationToleranceBasisPoints: number;
  reconciliationExceptionAfterRuns: number;
  /** The bus's largest event (`bus.maxEventBytes`): level snapshots above it are split. */
  maxEventBytes: number;
}

export const DEFAULT_ERP_OPTIONS: ErpOptions = {
  publishIntervalMs: 50,
  publishBatchSize: 500,
  sweepIntervalMs: 1000,
  sweepBatchSize: 500,
  reconciliationToleranceUnits: DEFAULT_RECONCILIATION_POLICY.tolerance.units,
  reconciliationToleranceBasisPoints: DEFAULT_RECONCILIATION_POLICY.tolerance.basisPoints,
  reconciliationExceptionAfterRuns: DEFAULT_RECONCILIATION_POLICY.exceptionAfterRuns,
  maxEventBytes: DEFAULT_MAX_EVENT_BYTES,
};

export interface Erp extends DomainModule, ErpServices {}

/**
 * The ERP: the system of record for inventory (locations, the movement ledger and its levels,
 * reservations, available-to-promise) and finance (the general journal, periods, tax). Other domains read it through its events and API.
 */
export function createErp(deps: ErpDeps, options: Partial<ErpOptions> = {}): Erp {
  const o = { ...DEFAULT_ERP_OPTIONS, ...options };
  const journalWriter = createJournalWriter(deps);
  const writer = createLedgerWriter(
    deps.store.dialect,
    createCostingWriter(deps.store.dialect, journalWriter),
  );
  const ledger = createLedgerService(deps, writer);
  const locations = createLocationService(deps);
  const reservations = createReservationService(deps, ledger, writer, { sweepBatchSize: o.sweepBatchSize });
  const atp = createAtpService(deps);
  const publisher = createLevelPublisher(deps, {
    batchSize: o.publishBatchSize,
    maxEventBytes: o.maxEventBytes,
  });
  const tax = createTaxService(deps);
  const procurement = createProcurementService(deps, writer, journalWriter);
  const services: ErpServices = {
    locations,
    ledger,
    reservations,
    atp,
    publisher,
    journal: createJournalService(deps, journalWriter),
    journalWriter,
    accounts: createAccountService(deps),
    periods: createPeriodService(deps),
    tax,
    prices: createPriceService(deps),
    invoices: createInvoiceService(deps, tax, journalWriter),
    procurement,
    costing: createCostingService(deps),
    reconciliation: createReconciliationService(deps, atp, {
      tolerance: { units: o.reconciliationToleranceUnits, basisPoints: o.reconciliationToleranceBasisPoints },
      exceptionAfterRuns: o.reconciliationExceptionAfterRuns,
    }),
    replenishment: createReplenishmentService(deps, procurement),
  };
  const log = deps.log.child({ component: 'erp' });
  return {
    name: 'erp',
    migrations: erpMigrations,
    events: erpEvents,
    subscriptions: [],
    http: erpRoutes(services),
    background: [
      periodicTask({
        name: 'erp.level-publisher',
        clock: deps.clock,
        log,
        intervalMs: o.publishIntervalMs,
        run: async () => ({ more: (await publisher.publishOnce()) >= o.publishBatchSize }),
      }),
      periodicTask({
        name: 'erp.reservation-sweeper',
        clock: deps.clock,
        log,
        intervalMs: o.sweepIntervalMs,
        run: async () => ({ more: (await reservations.sweepExpired()) >= o.sweepBatchSize }),
      }),
    ],
    ...services,
  };
}

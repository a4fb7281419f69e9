import { Type } from '@sinclair/typebox';
import { defineEvent } from '../../kernel/events.js';
import { InventoryEventTypes, InventoryLevelChangedData } from '../../model/inventory.js';
import { PriceListChanged } from './price.events.js';

/** A SKU's levels changed (coalesced per SKU by the level publisher): channels update availability. */
export const InventoryLevelChanged = defineEvent({
  type: InventoryEventTypes.levelChanged,
  source: '/keel/erp',
  description:
    "A SKU's inventory changed: its levels per location and ATP per channel (a coalesced snapshot)",
  schema: InventoryLevelChangedData,
});

/** An invoice or credit note was issued (numbered, booked, immutable): payments and CRM follow it. */
export const InvoiceIssued = defineEvent({
  type: 'keel.erp.invoice.issued.v1',
  source: '/keel/erp',
  description: 'An invoice or credit note was issued: its number, what it bills and its totals',
  schema: Type.Object({
    invoiceId: Type.String(),
    kind: Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')]),
    number: Type.String(),
    reference: Type.String(),
    issueDate: Type.String(),
    currency: Type.String(),
    net: Type.Integer(),
    tax: Type.Integer(),
    gross: Type.Integer(),
    /** For a credit note: the invoice it credits. */
    credits: Type.Union([Type.String(), Type.Null()]),
    /** Whether its prices were gross (tax included); absent on events from before it existed. */
    pricesIncludeTax: Type.Optional(Type.Boolean()),
  }),
});

/** Goods were received against a purchase order (stock and the journal booked in the same transaction). */
export const PoReceived = defineEvent({
  type: 'keel.erp.po.received.v1',
  source: '/keel/erp',
  description:
    'Goods were received against a purchase order: the receipt, its accepted units per line, its cost',
  schema: Type.Object({
    poNumber: Type.String(),
    receiptId: Type.String(),
    supplier: Type.String(),
    shipTo: Type.String(),
    /** The PO status after the receipt (partially_received, received). */
    status: Type.String(),
    asnId: Type.Union([Type.String(), Type.Null()]),
    receivedAt: Type.String(),
    currency: Type.String(),
    /** Accepted units at PO cost, minor units. */
    cost: Type.Integer(),
    lines: Type.Array(Type.Object({ lineNo: Type.Integer(), sku: Type.String(), quantity: Type.Integer() })),
  }),
});

/**
 * A supplier invoice was recorded or decided: booked (matched within tolerance, or released by an
 * operator), held (a three-way-match exception waiting for a decision) or rejected. Accounts payable
 * schedules payment of booked invoices; an exception queue follows held ones.
 */
export const SupplierInvoiceStateChanged = defineEvent({
  type: 'keel.erp.supplier-invoice.state-changed.v1',
  source: '/keel/erp',
  description:
    'A supplier invoice was booked, held for a match exception, released or rejected: its state, totals and discrepancies',
  schema: Type.Object({
    invoiceId: Type.String(),
    number: Type.String(),
    supplier: Type.String(),
    poNumber: Type.String(),
    currency: Type.String(),
    /** What the supplier asks, minor units. */
    total: Type.Integer(),
    matchStatus: Type.Union([
      Type.Literal('matched'),
      Type.Literal('matched_within_tolerance'),
      Type.Literal('exception'),
    ]),
    state: Type.Union([Type.Literal('booked'), Type.Literal('held'), Type.Literal('rejected')]),
    /** null when the invoice was just recorded; `held` for an operator's decision. */
    previousState: Type.Union([Type.Literal('held'), Type.Null()]),
    /** The journal entry that booked it (Dr GRNI / variance / input tax, Cr payables), if any. */
    journalEntry: Type.Union([Type.String(), Type.Null()]),
    /** What the three-way match found, each with whether the supplier's tolerance allowed it. */
    discrepancies: Type.Array(
      Type.Object({
        kind: Type.String(),
        line: Type.Union([Type.Integer(), Type.Null()]),
        sku: Type.Union([Type.String(), Type.Null()]),
        expected: Type.Number(),
        actual: Type.Number(),
        withinTolerance: Type.Boolean(),
      }),
    ),
    /** The operator's reason for a release or rejection. */
    reason: Type.Union([Type.String(), Type.Null()]),
    actor: Type.String(),
    at: Type.String(),
  }),
});

const ReconciliationLine = {
  source: Type.String({ description: 'The channel or connector that reported' }),
  measure: Type.Union([Type.Literal('available'), Type.Literal('atp')]),
  sku: Type.String(),
  /** The location (measure available) or the channel (measure atp) of the line. */
  location: Type.Union([Type.String(), Type.Null()]),
  channel: Type.Union([Type.String(), Type.Null()]),
};

/** Drift that re-publishing did not heal became an exception: an operator has to look (KPIs count them). */
export const ReconciliationExceptionOpened = defineEvent({
  type: 'keel.erp.reconciliation.exception.opened.v1',
  source: '/keel/erp',
  description:
    'A reported quantity kept drifting from the ERP after its truth was re-published: an open reconciliation exception',
  schema: Type.Object({
    exceptionId: Type.String(),
    ...ReconciliationLine,
    reported: Type.Integer(),
    expected: Type.Integer(),
    delta: Type.Integer(),
    /** Consecutive drifting runs of the line. */
    streak: Type.Integer({ minimum: 1 }),
    runId: Type.String(),
    openedAt: Type.String(),
  }),
});

/** A reconciliation run finished: its accuracy, for the inventory accuracy KPI. */
export const ReconciliationCompleted = defineEvent({
  type: 'keel.erp.reconciliation.completed.v1',
  source: '/keel/erp',
  description: "A source's report was reconciled: lines matched, healed, escalated, and the accuracy",
  schema: Type.Object({
    runId: Type.String(),
    source: Type.String(),
    measure: Type.Union([Type.Literal('available'), Type.Literal('atp')]),
    lines: Type.Integer({ minimum: 0 }),
    matched: Type.Integer({ minimum: 0 }),
    healed: Type.Integer({ minimum: 0 }),
    exceptions: Type.Integer({ minimum: 0 }),
    opened: Type.Integer({ minimum: 0 }),
    autoResolved: Type.Integer({ minimum: 0 }),
    /** matched / lines. */
    accuracy: Type.Number({ minimum: 0, maximum: 1 }),
    /** Σ |reported − expected|, units. */
    unitError: Type.Integer({ minimum: 0 }),
    startedAt: Type.String(),
    finishedAt: Type.String(),
  }),
});

export const erpEvents = [
  InventoryLevelChanged,
  InvoiceIssued,
  PoReceived,
  PriceListChanged,
  SupplierInvoiceStateChanged,
  ReconciliationExceptionOpened,
  ReconciliationCompleted,
];

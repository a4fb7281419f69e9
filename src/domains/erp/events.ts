import { Type } from '@sinclair/typebox';
import { defineEvent } from '../../kernel/events.js';
import { InventoryEventTypes, InventoryLevelChangedData } from '../../model/inventory.js';

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

export const erpEvents = [InventoryLevelChanged, InvoiceIssued, PoReceived];

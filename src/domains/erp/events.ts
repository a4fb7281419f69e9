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

export const erpEvents = [InventoryLevelChanged, InvoiceIssued];

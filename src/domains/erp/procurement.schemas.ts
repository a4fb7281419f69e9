import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { defineError } from '../../kernel/errors.js';
import { LOCATION_CODE_PATTERN, MAX_QUANTITY, SKU_PATTERN } from './ledger.validate.js';
import { SUPPLIER_INVOICE_RESOLUTIONS, SUPPLIER_INVOICE_STATES } from './procurement.booking.js';
import { PROCUREMENT_CODE_PATTERN } from './procurement.validate.js';

/**
 * What callers send to the stored procurement area (procurement.service.ts) and what they get back,
 * as TypeBox schemas for both the REST routes and in-process calls. The shapes are those of
 * procurement.types.ts; the pure validators there judge what a schema cannot (MOQ, pack sizes…).
 */

const Code = Type.String({ pattern: PROCUREMENT_CODE_PATTERN });
const Sku = Type.String({ pattern: SKU_PATTERN });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const Instant = Type.String({ minLength: 10, maxLength: 40 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Units = (min: 0 | 1) => Type.Integer({ minimum: min, maximum: MAX_QUANTITY });
const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const LineNo = Type.Integer({ minimum: 1, maximum: 1_000_000 });
const Reason = Type.String({ minLength: 1, maxLength: 500 });
const obj = <T extends Record<string, TSchema>>(p: T) => Type.Object(p, { additionalProperties: false });

/** Errors of the stored area that the pure ones (procurement.errors.ts) do not cover. */
export const ProcurementStoreErrors = {
  SUPPLIER_IN_USE: defineError({
    code: 'ERP_SUPPLIER_IN_USE',
    status: 409,
    title: 'The supplier has purchase orders and cannot be deleted',
  }),
  ASN_NOT_FOUND: defineError({
    code: 'ERP_ASN_NOT_FOUND',
    status: 404,
    title: 'No such advance ship notice',
  }),
  ASN_EXISTS: defineError({
    code: 'ERP_ASN_EXISTS',
    status: 409,
    title: 'An advance ship notice with this id exists with other content',
  }),
  /** `invoiceId` names the stored invoice under the same supplier and number. */
  SUPPLIER_INVOICE_DUPLICATE: defineError({
    code: 'ERP_SUPPLIER_INVOICE_DUPLICATE',
    status: 409,
    title: 'This supplier invoice number was already booked',
  }),
  SUPPLIER_INVOICE_NOT_FOUND: defineError({
    code: 'ERP_SUPPLIER_INVOICE_NOT_FOUND',
    status: 404,
    title: 'No such supplier invoice',
  }),
  /** Only a held invoice is released or rejected; `state` says where it is (booked, rejected). */
  SUPPLIER_INVOICE_NOT_HELD: defineError({
    code: 'ERP_SUPPLIER_INVOICE_NOT_HELD',
    status: 409,
    title: 'The supplier invoice is not held for review',
  }),
  /** `expectedVersion` / `currentVersion`: the PO changed since the version the edit was based on. */
  PO_VERSION_CONFLICT: defineError({
    code: 'ERP_PO_VERSION_CONFLICT',
    status: 409,
    title: 'Purchase order changed since the version the request was based on',
  }),
};

export const ToleranceSchema = obj({
  basisPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  absolute: Type.Optional(Minor),
});
export const TolerancesSchema = obj({
  overReceipt: Type.Optional(ToleranceSchema),
  invoiceQuantity: Type.Optional(ToleranceSchema),
  price: Type.Optional(ToleranceSchema),
  total: Type.Optional(ToleranceSchema),
});

export const SupplierInputSchema = obj({
  code: Code,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  currency: Currency,
  leadTimeDays: Type.Integer({ minimum: 0, maximum: 3650 }),
  paymentTerms: obj({
    netDays: Type.Integer({ minimum: 0, maximum: 3650 }),
    discountDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650 })),
    discountBasisPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
  }),
  skus: Type.Optional(
    Type.Array(
      obj({
        sku: Sku,
        supplierSku: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        moq: Type.Optional(Units(1)),
        packSize: Type.Optional(Units(1)),
      }),
      { maxItems: 10_000 },
    ),
  ),
  /** Overrides of the default tolerances, per measure; absent measures take the default. */
  tolerances: Type.Optional(TolerancesSchema),
});
export type SupplierInput = Static<typeof SupplierInputSchema>;

export const SupplierSchema = Type.Composite([
  SupplierInputSchema,
  Type.Object({
    /** The tolerances in force: the supplier's over the default. */
    effectiveTolerances: TolerancesSchema,
    version: Type.Integer(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  }),
]);

export const PurchaseOrderInputSchema = obj({
  number: Code,
  supplier: Code,
  shipTo: Type.String({ pattern: LOCATION_CODE_PATTERN }),
  /** Defaults to the supplier's currency. */
  currency: Type.Optional(Currency),
  orderDate: Type.Optional(IsoDate),
  lines: Type.Array(
    obj({
      lineNo: LineNo,
      sku: Sku,
      quantityOrdered: Units(1),
      unitCost: Minor,
      expectedDate: IsoDate,
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});
export type PurchaseOrderInput = Static<typeof PurchaseOrderInputSchema>;

export const PoLineViewSchema = Type.Object({
  lineNo: Type.Integer(),
  sku: Type.String(),
  quantityOrdered: Type.Integer(),
  unitCost: Type.Integer(),
  expectedDate: Type.String(),
  received: Type.Integer(),
  damaged: Type.Integer(),
  rejected: Type.Integer(),
  outstanding: Type.Integer(),
});

export const PurchaseOrderSchema = Type.Object({
  number: Type.String(),
  supplier: Type.String(),
  shipTo: Type.String(),
  currency: Type.String(),
  orderDate: Type.Optional(Type.String()),
  status: Type.String(),
  lines: Type.Array(PoLineViewSchema),
  receipts: Type.Array(Type.String()),
  sentAt: Type.Union([Type.String(), Type.Null()]),
  cancelledAt: Type.Union([Type.String(), Type.Null()]),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  closedAt: Type.Union([Type.String(), Type.Null()]),
  closeReason: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const PoCommandBodySchema = obj({ reason: Type.Optional(Reason) });

export const ReceiptInputSchema = obj({
  /** Unique receipt id (`GRN-0001`): the same receipt again is a no-op returning the stored one. */
  id: Code,
  /** Receive against this ASN: the discrepancy report is stored with the receipt. */
  asnId: Type.Optional(Code),
  /** Defaults to now. */
  receivedAt: Type.Optional(Instant),
  /** Defaults, with an ASN, to everything it announced. */
  lines: Type.Optional(
    Type.Array(
      obj({
        sku: Sku,
        poLineNo: Type.Optional(LineNo),
        quantityReceived: Units(0),
        quantityDamaged: Type.Optional(Units(0)),
        quantityRejected: Type.Optional(Units(0)),
      }),
      { minItems: 1, maxItems: 1000 },
    ),
  ),
});
export type ReceiptInput = Static<typeof ReceiptInputSchema>;

export const StoredReceiptSchema = Type.Object({
  id: Type.String(),
  poNumber: Type.String(),
  asnId: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
  lines: Type.Array(Type.Any()),
  /** Accepted units at PO cost, minor units (the journal entry's amount). */
  cost: Type.Integer(),
  journalEntry: Type.Union([Type.String(), Type.Null()]),
  asnReport: Type.Union([Type.Any(), Type.Null()]),
  poStatus: Type.String(),
  actor: Type.String(),
  recordedAt: Type.String(),
});

export const AsnInputSchema = obj({
  id: Code,
  poNumber: Code,
  expectedArrival: Type.String({ minLength: 10, maxLength: 40 }),
  shippedAt: Type.Optional(Type.String({ minLength: 10, maxLength: 40 })),
  lines: Type.Array(obj({ sku: Sku, poLineNo: Type.Optional(LineNo), quantityShipped: Units(1) }), {
    minItems: 1,
    maxItems: 1000,
  }),
});
export type AsnInput = Static<typeof AsnInputSchema>;
export const AsnSchema = Type.Composite([AsnInputSchema, Type.Object({ createdAt: Type.String() })]);

export const SupplierInvoiceInputSchema = obj({
  number: Type.String({ minLength: 1, maxLength: 64 }),
  poNumber: Code,
  /** Defaults to the PO's supplier (and must be it). */
  supplier: Type.Optional(Code),
  /** Defaults to the PO's currency (and must be it). */
  currency: Type.Optional(Currency),
  invoiceDate: Type.Optional(IsoDate),
  total: Type.Optional(Minor),
  lines: Type.Array(
    obj({
      lineNo: LineNo,
      poLineNo: Type.Optional(LineNo),
      sku: Sku,
      quantityInvoiced: Units(1),
      unitPrice: Minor,
      tax: Minor,
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});
export type SupplierInvoiceInput = Static<typeof SupplierInvoiceInputSchema>;

export const StoredSupplierInvoiceSchema = Type.Object({
  id: Type.String(),
  number: Type.String(),
  supplier: Type.String(),
  poNumber: Type.String(),
  currency: Type.String(),
  status: Type.Union([
    Type.Literal('matched'),
    Type.Literal('matched_within_tolerance'),
    Type.Literal('exception'),
  ]),
  total: Type.Integer(),
  invoice: Type.Any(),
  /** The three-way match as judged when the invoice was booked (MatchResult). */
  match: Type.Any(),
  /** booked (accepted and posted), held (an exception awaiting review) or rejected. */
  state: Type.Union(SUPPLIER_INVOICE_STATES.map((s) => Type.Literal(s))),
  /** The journal entry it posted (Dr GRNI / PPV / input tax, Cr payables), or null. */
  journalEntry: Type.Union([Type.String(), Type.Null()]),
  /** An operator's decision on a held invoice. */
  resolution: Type.Union([
    Type.Object({
      action: Type.Union(SUPPLIER_INVOICE_RESOLUTIONS.map((s) => Type.Literal(s))),
      reason: Type.String(),
      by: Type.String(),
      at: Type.String(),
    }),
    Type.Null(),
  ]),
  actor: Type.String(),
  createdAt: Type.String(),
});

/** Releasing or rejecting a held invoice: someone must say why. */
export const SupplierInvoiceDecisionSchema = obj({ reason: Reason });
export type SupplierInvoiceDecision = Static<typeof SupplierInvoiceDecisionSchema>;

/** Open supplier invoice totals (booked, not yet paid) per supplier and currency. */
export const PayablesSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      supplier: Type.String(),
      currency: Type.String(),
      /** Booked invoices counted. */
      invoices: Type.Integer(),
      /** Their totals, minor units: what account 2000 owes this supplier in this currency. */
      total: Type.Integer(),
    }),
  ),
});

// ── Route parameters, shared by procurement.http.ts and procurement.invoices.http.ts

export const CodeParam = Code;
export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const AfterQuery = Type.Optional(Type.String({ maxLength: 200 }));
export const LimitQuery = Type.Optional(Type.Integer({ minimum: 1, maximum: 200 }));

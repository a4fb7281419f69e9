/**
 * Procurement's vocabulary: suppliers, purchase orders, advance ship notices, receipts, supplier
 * invoices and the tolerances they are judged by. Plain JSON, because others store these in tables
 * and send them over HTTP; the logic (procurement.lifecycle.ts, .asn.ts, .match.ts) needs no storage.
 *
 * - Quantities are whole units (integers), like the inventory ledger's.
 * - Amounts are integer minor units of the document's currency; never floats.
 * - Percentages are integer basis points (1 % = 100 bp), so that tolerance checks are exact.
 * - Dates are ISO calendar dates `YYYY-MM-DD`; instants are UTC ISO-8601.
 * - Documents that refer to a PO line do so by `poLineNo`. It may be left out when the SKU is on
 *   the PO once; when the SKU is on several lines, quantities fill them in line-number order
 *   (see procurement.quantities.ts), because a dock or a supplier often knows only the SKU.
 */

/** Per-SKU buying terms a supplier imposes. */
export interface SupplierSkuTerms {
  sku: string;
  /** The supplier's own reference for the item, printed on the PO. */
  supplierSku?: string;
  /** Minimum order quantity, in units. */
  moq?: number;
  /** Units per pack: an ordered quantity must be a multiple of it. */
  packSize?: number;
}

export interface PaymentTerms {
  /** Invoice due this many days after the invoice date ("net 30"). */
  netDays: number;
  /** Early-payment discount ("2/10 net 30": 200 bp if paid within 10 days). Both or neither. */
  discountDays?: number;
  discountBasisPoints?: number;
}

export interface Supplier {
  /** Stable, unique key (`ACME`, `sup-001`). */
  code: string;
  name: string;
  /** ISO 4217: the currency the supplier invoices in; its POs use it. */
  currency: string;
  /** Days from sending a PO to goods arriving, used to propose expected dates. */
  leadTimeDays: number;
  paymentTerms: PaymentTerms;
  skus?: SupplierSkuTerms[];
}

export interface PurchaseOrderLine {
  /** Positive integer, unique within the PO. Receipts and invoices refer to it. */
  lineNo: number;
  sku: string;
  /** Units ordered, a positive integer. */
  quantityOrdered: number;
  /** Agreed cost of one unit, minor units of the PO's currency (a non-negative integer). */
  unitCost: number;
  /** When the goods are expected at the ship-to location, `YYYY-MM-DD`. */
  expectedDate: string;
}

export interface PurchaseOrder {
  /** Unique PO number (`PO-2026-0001`): visible ASCII, used in ledger references. */
  number: string;
  /** Supplier code. */
  supplier: string;
  /** Location code the goods are delivered to (where `receipt` movements post). */
  shipTo: string;
  /** ISO 4217; usually the supplier's currency. */
  currency: string;
  /** `YYYY-MM-DD`, optional on a draft. */
  orderDate?: string;
  lines: PurchaseOrderLine[];
}

export const PO_STATUSES = [
  'draft',
  'sent',
  'partially_received',
  'received',
  'closed',
  'cancelled',
] as const;
export type PoStatus = (typeof PO_STATUSES)[number];

/**
 * A PO with its history. Received quantities are not stored: they are derived from `receipts`
 * (receivedByLine), so that they can never disagree with the receipts that caused them.
 */
export interface PurchaseOrderState {
  po: PurchaseOrder;
  status: PoStatus;
  /** Receipts applied, in the order they were applied. */
  receipts: Receipt[];
  sentAt?: string;
  cancelledAt?: string;
  cancelReason?: string;
  closedAt?: string;
  /** Required when closing short (from partially_received), e.g. "supplier discontinued item". */
  closeReason?: string;
}

export interface AsnLine {
  sku: string;
  /** The PO line shipped against; optional when the SKU is on the PO once. */
  poLineNo?: number;
  /** Units the supplier says are on the way, a positive integer. */
  quantityShipped: number;
}

/** Advance ship notice: the supplier's word on what is coming, before it arrives. */
export interface AdvanceShipNotice {
  id: string;
  poNumber: string;
  /** `YYYY-MM-DD` or an instant. */
  expectedArrival: string;
  shippedAt?: string;
  lines: AsnLine[];
}

export interface ReceiptLine {
  sku: string;
  poLineNo?: number;
  /** Units counted at the dock (a non-negative integer), damaged and rejected included. */
  quantityReceived: number;
  /** Of those, arrived broken: not put into stock, not paid for. */
  quantityDamaged?: number;
  /** Of those, refused for another reason (quality, wrong spec): not put into stock, not paid for. */
  quantityRejected?: number;
}

/**
 * Goods counted in at the ship-to location. Only accepted units (received − damaged − rejected)
 * count towards the PO and are payable: they are what goes into stock.
 */
export interface Receipt {
  /** Unique receipt id (`GRN-0001`); applying the same receipt twice is a no-op. */
  id: string;
  poNumber: string;
  /** The ASN it was received against, if any. */
  asnId?: string;
  /** When the goods were received, an instant. */
  receivedAt: string;
  lines: ReceiptLine[];
}

export interface SupplierInvoiceLine {
  /** The invoice's own line number, unique within the invoice. */
  lineNo: number;
  poLineNo?: number;
  sku: string;
  /** Units billed, a positive integer. */
  quantityInvoiced: number;
  /** Billed price of one unit, net of tax, minor units. */
  unitPrice: number;
  /** Tax billed on the line, minor units (checked by tax, not by the match). */
  tax: number;
}

export interface SupplierInvoice {
  /** The supplier's invoice number. */
  number: string;
  supplier: string;
  poNumber: string;
  currency: string;
  /** `YYYY-MM-DD`. */
  invoiceDate?: string;
  /**
   * The gross total printed on the invoice (net + tax). Optional: without it the sum of the lines
   * is taken. When present, it is what the supplier asks for, and what gets approved.
   */
  total?: number;
  lines: SupplierInvoiceLine[];
}

/**
 * How far a figure may differ from what was expected. Each measure is optional; when both are set,
 * both must hold (the stricter wins). With neither — or with no tolerance at all — the figure must
 * match exactly: a payment control fails closed.
 */
export interface Tolerance {
  /** Of the expected figure, in basis points (250 = 2.5 %). */
  basisPoints?: number;
  /** In the figure's own unit: units for quantities, minor units for prices and totals. */
  absolute?: number;
}

export interface ProcurementTolerances {
  /** Units received above ordered, per PO line (base: quantity ordered). */
  overReceipt?: Tolerance;
  /** Units invoiced above received and not yet invoiced, per PO line (base: that quantity). */
  invoiceQuantity?: Tolerance;
  /** Invoice unit price against the PO unit cost, either way, per unit (base: PO unit cost). */
  price?: Tolerance;
  /** Invoice total against the same lines at PO cost plus their tax (base: that expected total). */
  total?: Tolerance;
}

// ── Results: what receiving against an ASN and the three-way match report (procurement.asn.ts, .match.ts).

export const ASN_DISCREPANCY_KINDS = [
  'shortage',
  'overage',
  'unexpected_sku',
  'damaged',
  'rejected',
] as const;
export type AsnDiscrepancyKind = (typeof ASN_DISCREPANCY_KINDS)[number];

export interface AsnDiscrepancy {
  sku: string;
  kind: AsnDiscrepancyKind;
  /** Units the ASN announced (0 for unexpected, damaged and rejected: none were meant to be). */
  expected: number;
  actual: number;
  /** actual − expected, in units: negative for a shortage. */
  variance: number;
}

export interface AsnSkuComparison {
  sku: string;
  shipped: number;
  received: number;
  damaged: number;
  rejected: number;
  /** received − damaged − rejected: what goes into stock. */
  accepted: number;
}

export interface AsnReport {
  asnId: string;
  receiptId: string;
  poNumber: string;
  /** No discrepancy of any kind (lateness aside). */
  clean: boolean;
  /** Per SKU, in SKU order. */
  skus: AsnSkuComparison[];
  /** In SKU order, then in the order of ASN_DISCREPANCY_KINDS. */
  discrepancies: AsnDiscrepancy[];
  totals: {
    shipped: number;
    received: number;
    accepted: number;
    damaged: number;
    rejected: number;
    /** Units announced and not counted, over all SKUs. */
    short: number;
    /** Units counted beyond what was announced, unexpected SKUs included. */
    over: number;
  };
  arrival: {
    expected: string;
    receivedAt: string;
    /** Calendar days (UTC) from expected to received: negative when early. */
    daysLate: number;
    late: boolean;
  };
}

export type MatchStatus = 'matched' | 'matched_within_tolerance' | 'exception';
/** Also the order a result lists them in: invoice-level first, then line by line. */
export const MATCH_DISCREPANCY_KINDS = [
  'duplicate_invoice',
  'total',
  'unknown_sku',
  'quantity',
  'price',
] as const;
export type MatchDiscrepancyKind = (typeof MATCH_DISCREPANCY_KINDS)[number];

export interface MatchDiscrepancy {
  kind: MatchDiscrepancyKind;
  /** The PO line judged; null for unknown SKUs and invoice-level discrepancies. */
  line: number | null;
  /** The invoice lines involved, ascending (empty for invoice-level discrepancies). */
  invoiceLines: number[];
  sku: string | null;
  /** Units (quantity, unknown_sku), minor units per unit (price) or minor units (total, duplicate). */
  expected: number;
  actual: number;
  /** actual − expected. */
  variance: number;
  /** The largest |variance| allowed, same unit; 0 where none is. */
  tolerance: number;
  withinTolerance: boolean;
  message: string;
}

export interface MatchedLine {
  lineNo: number;
  sku: string;
  /** The PO lines the line's units landed on (empty for an unknown SKU). */
  portions: { poLineNo: number; quantity: number; unitCost: number }[];
  net: number;
  tax: number;
  gross: number;
  /** No exception touches the line (an invoice-level exception still holds everything). */
  approved: boolean;
}

export interface MatchAmounts {
  /** What the supplier asks: the stated total, or the lines' gross when none is stated. */
  invoiceTotal: number;
  linesNet: number;
  tax: number;
  linesGross: number;
  /** invoiceTotal − linesGross: a header that disagrees with its lines (rounding, a typo). */
  headerDifference: number;
  /** The lines at PO cost (unknown SKUs at their own price) plus tax: what `total` compares to. */
  expectedTotal: number;
  /** Of the approved lines: units matched to receipts at PO cost (clears goods received not invoiced). */
  grniCleared: number;
  /** Of the approved lines: Σ quantity × (invoice price − PO cost), to post to purchase price variance. */
  priceVariance: number;
  /** Of the approved lines: units billed beyond received (within tolerance) at PO cost. */
  quantityVariance: number;
  /** Approved for payment; never more than invoiceTotal. */
  approved: number;
  /** invoiceTotal − approved. */
  held: number;
}

export interface MatchResult {
  status: MatchStatus;
  invoiceNumber: string;
  poNumber: string;
  supplier: string;
  currency: string;
  discrepancies: MatchDiscrepancy[];
  lines: MatchedLine[];
  amounts: MatchAmounts;
}

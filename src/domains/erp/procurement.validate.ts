import { isCalendarDate } from '../../kernel/dates.js';
import { isCurrency } from '../../kernel/money.js';
import type { FieldError } from './errors.js';
import {
  isLocationCode,
  isoInstant,
  isSku,
  LOCATION_CODE_PATTERN,
  MAX_QUANTITY,
  SKU_PATTERN,
} from './ledger.validate.js';
import type {
  AdvanceShipNotice,
  ProcurementTolerances,
  PurchaseOrder,
  Receipt,
  Supplier,
  SupplierInvoice,
} from './procurement.types.js';

/**
 * Checks of procurement documents that need no stored state. Every problem is listed, not the
 * first, so that a form or an EDI import can show them all at once. Given the PO, the checks also
 * cover references to it (wrong PO number, unknown PO line, SKU not on the order); the stored
 * state's checks (status, over-receipt) are in procurement.lifecycle.ts.
 *
 * Field paths are prefixed with `path` when given (`receipts[2].lines[0].sku`), so callers that
 * validate several documents at once can report them together.
 */

/**
 * Codes of suppliers, PO numbers, receipt and ASN ids. Kept free of `:` because they are joined
 * into ledger references (`po:PO-1:receipt:GRN-7:line:2`), which must split back unambiguously.
 */
export const PROCUREMENT_CODE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$';
const CODE_RE = new RegExp(PROCUREMENT_CODE_PATTERN);
/** A supplier's invoice number is theirs, not ours: any printable ASCII, no edge spaces. */
const INVOICE_NUMBER_RE = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;
/** Upper bound of a basis-point tolerance (10 000 %): beyond it a tolerance is surely a typo. */
export const MAX_TOLERANCE_BASIS_POINTS = 1_000_000;

export const isProcurementCode = (s: unknown): s is string => typeof s === 'string' && CODE_RE.test(s);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isAmount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.length <= max;

type Add = (field: string, code: string, message: string) => void;

/** An empty field stands for the document itself: then it is reported as `path`, or as `root`. */
function collector(path: string, root: string): { errors: FieldError[]; add: Add } {
  const errors: FieldError[] = [];
  const add: Add = (field, code, message) => {
    const at = field === '' ? path || root : path === '' ? field : `${path}.${field}`;
    errors.push({ field: at, code, message });
  };
  return { errors, add };
}

function checkCurrency(add: Add, field: string, v: unknown): void {
  if (typeof v !== 'string' || !isCurrency(v))
    add(field, 'CURRENCY_INVALID', `"${String(v)}" is not an ISO 4217 currency code`);
}

function checkCode(add: Add, field: string, v: unknown): void {
  if (!isProcurementCode(v)) add(field, 'CODE_INVALID', `must match ${PROCUREMENT_CODE_PATTERN}`);
}

/** The `lines` array itself: present and not empty. Returns the lines worth checking one by one. */
function checkLines(add: Add, v: unknown): Record<string, unknown>[] {
  if (!Array.isArray(v)) {
    add('lines', 'LINES_INVALID', 'must be an array of lines');
    return [];
  }
  if (v.length === 0) add('lines', 'LINES_EMPTY', 'must have at least one line');
  return v.map((l, i) => {
    if (isObject(l)) return l;
    add(`lines[${i}]`, 'LINE_INVALID', 'must be an object');
    return {};
  });
}

function checkQuantity(add: Add, field: string, v: unknown, min: 0 | 1): void {
  if (!isInt(v, min, MAX_QUANTITY))
    add(
      field,
      'QUANTITY_INVALID',
      `must be ${min === 1 ? 'a positive' : 'a non-negative'} integer (at most ${MAX_QUANTITY})`,
    );
}

/**
 * A document line's reference to the PO: `poLineNo` must be a line of the PO carrying the same
 * SKU. Without `poLineNo`, a SKU the PO lacks is reported when `skuMustBeOnPo` (receipts, ASNs;
 * an invoice's stray SKU is a match exception, not a malformed invoice).
 */
function checkPoReference(
  add: Add,
  at: string,
  line: Record<string, unknown>,
  po: PurchaseOrder | undefined,
  skuMustBeOnPo: boolean,
  seen: Set<number> | undefined,
): void {
  const ref = line.poLineNo;
  if (ref !== undefined) {
    if (!isInt(ref, 1, Number.MAX_SAFE_INTEGER)) {
      add(`${at}.poLineNo`, 'LINE_NO_INVALID', 'must be a positive integer');
      return;
    }
    if (seen?.has(ref)) add(`${at}.poLineNo`, 'LINE_DUPLICATE', `PO line ${ref} appears more than once`);
    seen?.add(ref);
  }
  if (!po || !Array.isArray(po.lines) || !isSku(line.sku)) return;
  if (ref !== undefined) {
    const target = po.lines.find((l) => l.lineNo === ref);
    if (!target) add(`${at}.poLineNo`, 'PO_LINE_UNKNOWN', `PO ${po.number} has no line ${ref}`);
    else if (target.sku !== line.sku)
      add(`${at}.sku`, 'SKU_MISMATCH', `PO line ${ref} is for ${target.sku}, not ${line.sku}`);
  } else if (skuMustBeOnPo && !po.lines.some((l) => l.sku === line.sku))
    add(`${at}.sku`, 'SKU_NOT_ON_PO', `${line.sku} is not on PO ${po.number}`);
}

function checkPoNumber(add: Add, v: unknown, po: PurchaseOrder | undefined): void {
  checkCode(add, 'poNumber', v);
  if (po && isProcurementCode(v) && v !== po.number)
    add('poNumber', 'PO_MISMATCH', `is for PO ${v}, not ${po.number}`);
}

export function validateTolerances(t: ProcurementTolerances, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'tolerances');
  if (!isObject(t)) {
    add('', 'TOLERANCES_INVALID', 'tolerances must be an object');
    return errors;
  }
  for (const key of ['overReceipt', 'invoiceQuantity', 'price', 'total'] as const) {
    const v = t[key] as unknown;
    if (v === undefined) continue;
    if (!isObject(v)) {
      add(key, 'TOLERANCE_INVALID', 'must be an object { basisPoints?, absolute? }');
      continue;
    }
    if (v.basisPoints !== undefined && !isInt(v.basisPoints, 0, MAX_TOLERANCE_BASIS_POINTS))
      add(
        `${key}.basisPoints`,
        'BASIS_POINTS_INVALID',
        `must be an integer from 0 to ${MAX_TOLERANCE_BASIS_POINTS} (100 = 1 %)`,
      );
    if (v.absolute !== undefined && !isAmount(v.absolute))
      add(`${key}.absolute`, 'ABSOLUTE_INVALID', 'must be a non-negative safe integer');
  }
  return errors;
}

export function validateSupplier(s: Supplier, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'supplier');
  if (!isObject(s)) {
    add('', 'SUPPLIER_INVALID', 'a supplier must be an object');
    return errors;
  }
  checkCode(add, 'code', s.code);
  if (!isText(s.name, 200))
    add('name', 'NAME_INVALID', 'must be a non-empty string of at most 200 characters');
  checkCurrency(add, 'currency', s.currency);
  if (!isInt(s.leadTimeDays, 0, 3650))
    add('leadTimeDays', 'LEAD_TIME_INVALID', 'must be a whole number of days from 0 to 3650');
  const terms = s.paymentTerms as unknown;
  if (!isObject(terms)) add('paymentTerms', 'TERMS_INVALID', 'must be an object { netDays, … }');
  else {
    if (!isInt(terms.netDays, 0, 3650))
      add('paymentTerms.netDays', 'TERMS_INVALID', 'must be 0 to 3650 days');
    const hasDays = terms.discountDays !== undefined;
    if (hasDays !== (terms.discountBasisPoints !== undefined))
      add('paymentTerms', 'DISCOUNT_INCOMPLETE', 'give discountDays and discountBasisPoints together');
    if (
      hasDays &&
      !(isInt(terms.discountDays, 0, 3650) && (terms.discountDays as number) <= Number(terms.netDays))
    )
      add('paymentTerms.discountDays', 'TERMS_INVALID', 'must be a whole number of days, at most netDays');
    if (terms.discountBasisPoints !== undefined && !isInt(terms.discountBasisPoints, 0, 10_000))
      add('paymentTerms.discountBasisPoints', 'BASIS_POINTS_INVALID', 'must be an integer from 0 to 10000');
  }
  if (s.skus !== undefined) {
    if (!Array.isArray(s.skus)) add('skus', 'SKUS_INVALID', 'must be an array');
    else {
      const seen = new Set<string>();
      s.skus.forEach((t, i) => {
        const at = `skus[${i}]`;
        if (!isObject(t)) {
          add(at, 'SKU_TERMS_INVALID', 'must be an object');
          return;
        }
        if (!isSku(t.sku)) add(`${at}.sku`, 'SKU_INVALID', `must match ${SKU_PATTERN}`);
        else if (seen.has(t.sku)) add(`${at}.sku`, 'SKU_DUPLICATE', `${t.sku} has terms twice`);
        else seen.add(t.sku);
        if (t.moq !== undefined && !isInt(t.moq, 1, MAX_QUANTITY))
          add(`${at}.moq`, 'MOQ_INVALID', 'must be a positive integer');
        if (t.packSize !== undefined && !isInt(t.packSize, 1, MAX_QUANTITY))
          add(`${at}.packSize`, 'PACK_SIZE_INVALID', 'must be a positive integer');
        if (t.supplierSku !== undefined && !isText(t.supplierSku, 100))
          add(
            `${at}.supplierSku`,
            'SUPPLIER_SKU_INVALID',
            'must be a non-empty string of at most 100 characters',
          );
      });
    }
  }
  return errors;
}

/**
 * A PO's own problems and, given its supplier, the supplier's terms: same supplier and currency,
 * minimum order quantity (per SKU, summed over its lines) and pack sizes (per line).
 */
export function validatePurchaseOrder(po: PurchaseOrder, supplier?: Supplier, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'po');
  if (!isObject(po)) {
    add('', 'PO_INVALID', 'a purchase order must be an object');
    return errors;
  }
  checkCode(add, 'number', po.number);
  checkCode(add, 'supplier', po.supplier);
  if (!isLocationCode(po.shipTo)) add('shipTo', 'LOCATION_INVALID', `must match ${LOCATION_CODE_PATTERN}`);
  checkCurrency(add, 'currency', po.currency);
  if (po.orderDate !== undefined && !isCalendarDate(po.orderDate))
    add('orderDate', 'DATE_INVALID', 'must be a calendar date YYYY-MM-DD');
  const lines = checkLines(add, po.lines);
  const seen = new Set<number>();
  const perSku = new Map<string, { first: number; total: number }>();
  lines.forEach((l, i) => {
    const at = `lines[${i}]`;
    if (!isInt(l.lineNo, 1, Number.MAX_SAFE_INTEGER))
      add(`${at}.lineNo`, 'LINE_NO_INVALID', 'must be a positive integer');
    else if (seen.has(l.lineNo))
      add(`${at}.lineNo`, 'LINE_DUPLICATE', `line ${l.lineNo} appears more than once`);
    else seen.add(l.lineNo);
    if (!isSku(l.sku)) add(`${at}.sku`, 'SKU_INVALID', `must match ${SKU_PATTERN}`);
    checkQuantity(add, `${at}.quantityOrdered`, l.quantityOrdered, 1);
    if (!isAmount(l.unitCost))
      add(`${at}.unitCost`, 'AMOUNT_INVALID', 'must be a non-negative integer of minor units');
    if (!isCalendarDate(l.expectedDate))
      add(`${at}.expectedDate`, 'DATE_INVALID', 'must be a calendar date YYYY-MM-DD');
    else if (isCalendarDate(po.orderDate) && l.expectedDate < po.orderDate)
      add(`${at}.expectedDate`, 'DATE_BEFORE_ORDER', `is before the order date ${po.orderDate}`);
    if (isSku(l.sku) && isInt(l.quantityOrdered, 1, MAX_QUANTITY)) {
      const s = perSku.get(l.sku) ?? { first: i, total: 0 };
      s.total += l.quantityOrdered;
      perSku.set(l.sku, s);
    }
  });
  if (!supplier) return errors;
  if (isProcurementCode(po.supplier) && po.supplier !== supplier.code)
    add('supplier', 'SUPPLIER_MISMATCH', `is ${po.supplier}, the supplier given is ${supplier.code}`);
  if (isCurrency(String(po.currency)) && po.currency !== supplier.currency)
    add('currency', 'CURRENCY_MISMATCH', `supplier ${supplier.code} invoices in ${supplier.currency}`);
  const terms = new Map((supplier.skus ?? []).map((t) => [t.sku, t]));
  for (const [sku, s] of perSku) {
    const moq = terms.get(sku)?.moq;
    if (moq !== undefined && s.total < moq)
      add(
        `lines[${s.first}].quantityOrdered`,
        'QUANTITY_BELOW_MOQ',
        `${sku}: ${s.total} ordered, minimum ${moq}`,
      );
  }
  lines.forEach((l, i) => {
    const pack = isSku(l.sku) ? terms.get(l.sku)?.packSize : undefined;
    if (pack !== undefined && isInt(l.quantityOrdered, 1, MAX_QUANTITY) && l.quantityOrdered % pack !== 0)
      add(`lines[${i}].quantityOrdered`, 'PACK_SIZE_MISMATCH', `${l.sku} comes in packs of ${pack}`);
  });
  return errors;
}

export function validateAsn(asn: AdvanceShipNotice, po?: PurchaseOrder, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'asn');
  if (!isObject(asn)) {
    add('', 'ASN_INVALID', 'an advance ship notice must be an object');
    return errors;
  }
  checkCode(add, 'id', asn.id);
  checkPoNumber(add, asn.poNumber, po);
  if (!isCalendarDate(asn.expectedArrival) && isoInstant(asn.expectedArrival) === undefined)
    add('expectedArrival', 'DATE_INVALID', 'must be a date YYYY-MM-DD or an ISO-8601 instant');
  if (
    asn.shippedAt !== undefined &&
    !isCalendarDate(asn.shippedAt) &&
    isoInstant(asn.shippedAt) === undefined
  )
    add('shippedAt', 'DATE_INVALID', 'must be a date YYYY-MM-DD or an ISO-8601 instant');
  const seen = new Set<number>();
  checkLines(add, asn.lines).forEach((l, i) => {
    const at = `lines[${i}]`;
    if (!isSku(l.sku)) add(`${at}.sku`, 'SKU_INVALID', `must match ${SKU_PATTERN}`);
    checkQuantity(add, `${at}.quantityShipped`, l.quantityShipped, 1);
    checkPoReference(add, at, l, po, true, seen);
  });
  return errors;
}

export function validateReceipt(receipt: Receipt, po?: PurchaseOrder, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'receipt');
  if (!isObject(receipt)) {
    add('', 'RECEIPT_INVALID', 'a receipt must be an object');
    return errors;
  }
  checkCode(add, 'id', receipt.id);
  checkPoNumber(add, receipt.poNumber, po);
  if (receipt.asnId !== undefined) checkCode(add, 'asnId', receipt.asnId);
  if (isoInstant(receipt.receivedAt) === undefined)
    add('receivedAt', 'TIME_INVALID', 'must be an ISO-8601 instant with a zone, e.g. 2026-03-01T12:00:00Z');
  const seen = new Set<number>();
  const lines = checkLines(add, receipt.lines);
  lines.forEach((l, i) => {
    const at = `lines[${i}]`;
    if (!isSku(l.sku)) add(`${at}.sku`, 'SKU_INVALID', `must match ${SKU_PATTERN}`);
    checkQuantity(add, `${at}.quantityReceived`, l.quantityReceived, 0);
    for (const f of ['quantityDamaged', 'quantityRejected'] as const)
      if (l[f] !== undefined) checkQuantity(add, `${at}.${f}`, l[f], 0);
    const [r, d, j] = [l.quantityReceived, l.quantityDamaged ?? 0, l.quantityRejected ?? 0];
    if (isInt(r, 0, MAX_QUANTITY) && isInt(d, 0, MAX_QUANTITY) && isInt(j, 0, MAX_QUANTITY) && d + j > r)
      add(at, 'QUANTITY_INCONSISTENT', `damaged + rejected (${d + j}) exceed received (${r})`);
    checkPoReference(add, at, l, po, true, seen);
  });
  // A receipt of nothing at all is a mistake, not a fact worth recording.
  if (lines.length > 0 && lines.every((l) => l.quantityReceived === 0))
    add('lines', 'NOTHING_RECEIVED', 'at least one line must receive a unit');
  return errors;
}

export function validateInvoice(invoice: SupplierInvoice, po?: PurchaseOrder, path = ''): FieldError[] {
  const { errors, add } = collector(path, 'invoice');
  if (!isObject(invoice)) {
    add('', 'INVOICE_INVALID', 'a supplier invoice must be an object');
    return errors;
  }
  if (typeof invoice.number !== 'string' || !INVOICE_NUMBER_RE.test(invoice.number))
    add('number', 'NUMBER_INVALID', 'must be 1–64 printable ASCII characters, no leading or trailing space');
  checkCode(add, 'supplier', invoice.supplier);
  checkPoNumber(add, invoice.poNumber, po);
  checkCurrency(add, 'currency', invoice.currency);
  if (invoice.invoiceDate !== undefined && !isCalendarDate(invoice.invoiceDate))
    add('invoiceDate', 'DATE_INVALID', 'must be a calendar date YYYY-MM-DD');
  if (invoice.total !== undefined && !isAmount(invoice.total))
    add('total', 'AMOUNT_INVALID', 'must be a non-negative integer of minor units');
  if (po) {
    if (isProcurementCode(invoice.supplier) && invoice.supplier !== po.supplier)
      add('supplier', 'SUPPLIER_MISMATCH', `PO ${po.number} is with ${po.supplier}`);
    if (isCurrency(String(invoice.currency)) && invoice.currency !== po.currency)
      add('currency', 'CURRENCY_MISMATCH', `PO ${po.number} is in ${po.currency}`);
  }
  const seen = new Set<number>();
  checkLines(add, invoice.lines).forEach((l, i) => {
    const at = `lines[${i}]`;
    if (!isInt(l.lineNo, 1, Number.MAX_SAFE_INTEGER))
      add(`${at}.lineNo`, 'LINE_NO_INVALID', 'must be a positive integer');
    else if (seen.has(l.lineNo))
      add(`${at}.lineNo`, 'LINE_DUPLICATE', `line ${l.lineNo} appears more than once`);
    else seen.add(l.lineNo);
    if (!isSku(l.sku)) add(`${at}.sku`, 'SKU_INVALID', `must match ${SKU_PATTERN}`);
    checkQuantity(add, `${at}.quantityInvoiced`, l.quantityInvoiced, 1);
    if (!isAmount(l.unitPrice))
      add(`${at}.unitPrice`, 'AMOUNT_INVALID', 'must be a non-negative integer of minor units');
    if (!isAmount(l.tax)) add(`${at}.tax`, 'AMOUNT_INVALID', 'must be a non-negative integer of minor units');
    // Several invoice lines may bill one PO line (split deliveries): no duplicate check on poLineNo.
    checkPoReference(add, at, l, po, false, undefined);
  });
  return errors;
}

import type { DomainError } from '../../kernel/errors.js';
import { canonicalJson } from '../../kernel/json.js';
import { isoInstant } from './ledger.validate.js';
import { ProcurementErrors } from './procurement.errors.js';
import {
  type ReceivedLine,
  receivedByLine,
  receivingStatus,
  toleranceLimit,
} from './procurement.quantities.js';
import type {
  PoStatus,
  ProcurementTolerances,
  PurchaseOrder,
  PurchaseOrderState,
  Receipt,
  Supplier,
} from './procurement.types.js';
import { validatePurchaseOrder, validateReceipt, validateTolerances } from './procurement.validate.js';

/**
 * The purchase order's state machine, as pure functions from (state, command) to a new state or a
 * DomainError. Nothing is thrown and nothing is mutated, so a service can run a command inside its
 * transaction, store the new state and emit events, or refuse with the error as it is.
 *
 *   draft ──send──▶ sent ──receive──▶ partially_received ──receive──▶ received ──close──▶ closed
 *     │               │                     │                                   ▲
 *     └──cancel──▶ cancelled ◀──cancel──────┘          └────close (short, with a reason)──┘
 *
 * After `send`, the receiving statuses are derived from the receipts (receivingStatus), never set
 * by hand: `received` means every line has at least what it ordered. Receipts are accepted until
 * the PO is closed, so late units within the over-receipt tolerance can still be booked.
 */

export type PoOutcome = { ok: true; state: PurchaseOrderState } | { ok: false; error: DomainError };

export type PoCommand =
  | { type: 'send'; at: string }
  | { type: 'receive'; receipt: Receipt }
  | { type: 'cancel'; at: string; reason?: string }
  | { type: 'close'; at: string; reason?: string };
export type PoCommandType = PoCommand['type'];

/** Which commands each status accepts. Terminal statuses accept none. */
export const PO_TRANSITIONS: Readonly<Record<PoStatus, readonly PoCommandType[]>> = {
  draft: ['send', 'cancel'],
  sent: ['receive', 'cancel'],
  partially_received: ['receive', 'close'],
  received: ['receive', 'close'],
  closed: [],
  cancelled: [],
};

export const allowedCommands = (status: PoStatus): readonly PoCommandType[] => PO_TRANSITIONS[status] ?? [];

const ok = (state: PurchaseOrderState): PoOutcome => ({ ok: true, state });
const fail = (error: DomainError): PoOutcome => ({ ok: false, error });

function guard(state: PurchaseOrderState, command: PoCommandType): PoOutcome | undefined {
  const allowed = allowedCommands(state.status);
  if (allowed.includes(command)) return undefined;
  return fail(
    ProcurementErrors.PO_TRANSITION_INVALID.create(
      `cannot ${command} purchase order ${state.po.number}: it is ${state.status}`,
      { from: state.status, command, allowed: [...allowed] },
    ),
  );
}

/** A command's instant, normalized, or the error saying it is malformed. */
function instant(at: unknown): string | DomainError {
  return (
    isoInstant(at) ??
    ProcurementErrors.PO_COMMAND_INVALID.create('at must be an ISO-8601 instant with a zone', {
      errors: [{ field: 'at', code: 'TIME_INVALID', message: 'must be an ISO-8601 instant with a zone' }],
    })
  );
}

function reasonOf(reason: unknown): string | undefined | DomainError {
  if (reason === undefined) return undefined;
  if (typeof reason === 'string' && reason.trim() !== '' && reason.length <= 500) return reason.trim();
  return ProcurementErrors.PO_COMMAND_INVALID.create(
    'reason must be a non-empty string of at most 500 characters',
    {
      errors: [{ field: 'reason', code: 'TEXT_INVALID', message: 'must be 1–500 characters' }],
    },
  );
}

/** A new PO, in draft. It is validated when sent, so a draft may be saved incomplete. */
export function draftPurchaseOrder(po: PurchaseOrder): PurchaseOrderState {
  return { po, status: 'draft', receipts: [] };
}

/** draft → sent. The PO must be valid then, and fit the supplier's terms when the supplier is given. */
export function sendPurchaseOrder(
  state: PurchaseOrderState,
  command: { at: string },
  supplier?: Supplier,
): PoOutcome {
  const refused = guard(state, 'send');
  if (refused) return refused;
  const at = instant(command?.at);
  if (typeof at !== 'string') return fail(at);
  const errors = validatePurchaseOrder(state.po, supplier);
  if (errors.length > 0)
    return fail(
      ProcurementErrors.PO_INVALID.create(`purchase order ${state.po.number} is invalid`, { errors }),
    );
  return ok({ ...state, status: 'sent', sentAt: at });
}

/**
 * Lines this receipt takes past ordered + tolerance. Only lines it adds to are judged: a line left
 * over the limit by an earlier receipt (under a looser tolerance then) must not block other lines.
 */
function overReceived(
  before: readonly ReceivedLine[],
  after: readonly ReceivedLine[],
  tolerances: ProcurementTolerances,
) {
  return after
    .map((line, i) => ({ line, added: line.received - before[i]!.received }))
    .map(({ line, added }) => ({
      line,
      added,
      allowed: line.ordered + toleranceLimit(line.ordered, tolerances.overReceipt),
    }))
    .filter(({ line, added, allowed }) => added > 0 && line.received > allowed)
    .map(({ line, allowed }) => ({
      line: line.lineNo,
      sku: line.sku,
      ordered: line.ordered,
      received: line.received,
      allowed,
    }));
}

/**
 * Apply a receipt: sent / partially_received / received → the status the receipts now imply.
 * Refused, with nothing applied, when the receipt is malformed, names a SKU the PO lacks, or would
 * take any line past its over-receipt tolerance. Applying the same receipt again is a no-op, so a
 * retried request cannot book goods twice; the same id with other content is a conflict.
 */
export function receivePurchaseOrder(
  state: PurchaseOrderState,
  receipt: Receipt,
  tolerances: ProcurementTolerances = {},
): PoOutcome {
  const prior = state.receipts.find((r) => r.id === receipt?.id);
  if (prior) {
    if (canonicalJson(prior) === canonicalJson(receipt)) return ok(state);
    return fail(
      ProcurementErrors.PO_RECEIPT_DUPLICATE.create(`receipt ${receipt.id} was applied with other content`, {
        receipt: receipt.id,
      }),
    );
  }
  const refused = guard(state, 'receive');
  if (refused) return refused;
  const tolErrors = validateTolerances(tolerances, 'tolerances');
  if (tolErrors.length > 0)
    return fail(ProcurementErrors.PO_TOLERANCES_INVALID.create(undefined, { errors: tolErrors }));
  const errors = validateReceipt(receipt, state.po);
  const notOnOrder = errors.filter((e) => e.code === 'SKU_NOT_ON_PO');
  // A stray SKU gets its own code (the dock must set the goods aside), unless the receipt is also
  // malformed otherwise: then every problem is listed under one error.
  if (errors.length > notOnOrder.length)
    return fail(ProcurementErrors.PO_RECEIPT_INVALID.create(`receipt is invalid`, { errors }));
  if (notOnOrder.length > 0) {
    const skus = [
      ...new Set(
        receipt.lines
          .filter((_, i) => notOnOrder.some((e) => e.field === `lines[${i}].sku`))
          .map((l) => l.sku),
      ),
    ].sort();
    return fail(
      ProcurementErrors.PO_SKU_NOT_ON_ORDER.create(`${skus.join(', ')} not on PO ${state.po.number}`, {
        skus,
        errors: notOnOrder,
      }),
    );
  }
  const receipts = [...state.receipts, receipt];
  const lines = receivedByLine(state.po, receipts);
  const over = overReceived(receivedByLine(state.po, state.receipts), lines, tolerances);
  if (over.length > 0)
    return fail(
      ProcurementErrors.PO_OVER_RECEIPT.create(
        `receipt ${receipt.id} exceeds the ordered quantity beyond tolerance on line(s) ${over.map((o) => o.line).join(', ')}`,
        { lines: over },
      ),
    );
  return ok({ ...state, receipts, status: receivingStatus(lines) });
}

/** draft / sent → cancelled. Once anything is received, the PO can only be closed (short). */
export function cancelPurchaseOrder(
  state: PurchaseOrderState,
  command: { at: string; reason?: string },
): PoOutcome {
  const refused = guard(state, 'cancel');
  if (refused) return refused;
  const at = instant(command?.at);
  if (typeof at !== 'string') return fail(at);
  const reason = reasonOf(command.reason);
  if (typeof reason === 'object') return fail(reason);
  const next: PurchaseOrderState = { ...state, status: 'cancelled', cancelledAt: at };
  if (reason !== undefined) next.cancelReason = reason;
  return ok(next);
}

/**
 * received → closed, or partially_received → closed short. Closing short writes off what is still
 * outstanding (the inbound expectation is cancelled), so it must say why.
 */
export function closePurchaseOrder(
  state: PurchaseOrderState,
  command: { at: string; reason?: string },
): PoOutcome {
  const refused = guard(state, 'close');
  if (refused) return refused;
  const at = instant(command?.at);
  if (typeof at !== 'string') return fail(at);
  const reason = reasonOf(command.reason);
  if (typeof reason === 'object') return fail(reason);
  if (state.status === 'partially_received' && reason === undefined)
    return fail(
      ProcurementErrors.PO_CLOSE_REASON_REQUIRED.create(
        `purchase order ${state.po.number} is partially received: closing it short needs a reason`,
      ),
    );
  const next: PurchaseOrderState = { ...state, status: 'closed', closedAt: at };
  if (reason !== undefined) next.closeReason = reason;
  return ok(next);
}

/** One entry point for a command arriving as JSON. */
export function applyPoCommand(
  state: PurchaseOrderState,
  command: PoCommand,
  options: { tolerances?: ProcurementTolerances; supplier?: Supplier } = {},
): PoOutcome {
  switch (command?.type) {
    case 'send':
      return sendPurchaseOrder(state, command, options.supplier);
    case 'receive':
      return receivePurchaseOrder(state, command.receipt, options.tolerances);
    case 'cancel':
      return cancelPurchaseOrder(state, command);
    case 'close':
      return closePurchaseOrder(state, command);
    default:
      return fail(
        ProcurementErrors.PO_COMMAND_INVALID.create(
          `unknown command ${JSON.stringify((command as { type?: unknown })?.type)}`,
          {
            errors: [
              { field: 'type', code: 'COMMAND_UNKNOWN', message: 'one of send, receive, cancel, close' },
            ],
          },
        ),
      );
  }
}

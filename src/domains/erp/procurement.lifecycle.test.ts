import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../kernel/errors.js';
import {
  allowedCommands,
  applyPoCommand,
  cancelPurchaseOrder,
  closePurchaseOrder,
  draftPurchaseOrder,
  type PoCommand,
  type PoOutcome,
  receivePurchaseOrder,
  sendPurchaseOrder,
} from './procurement.lifecycle.js';
import { receivedByLine } from './procurement.quantities.js';
import {
  PO_STATUSES,
  type PoStatus,
  type PurchaseOrder,
  type PurchaseOrderState,
  type Receipt,
  type ReceiptLine,
} from './procurement.types.js';

const AT = '2026-03-01T09:00:00.000Z';
const po = (over: Partial<PurchaseOrder> = {}): PurchaseOrder => ({
  number: 'PO-1',
  supplier: 'ACME',
  shipTo: 'WH1',
  currency: 'EUR',
  orderDate: '2026-03-01',
  lines: [
    { lineNo: 1, sku: 'SKU-A', quantityOrdered: 100, unitCost: 250, expectedDate: '2026-03-10' },
    { lineNo: 2, sku: 'SKU-B', quantityOrdered: 10, unitCost: 1999, expectedDate: '2026-03-10' },
  ],
  ...over,
});
const receipt = (id: string, lines: ReceiptLine[]): Receipt => ({
  id,
  poNumber: 'PO-1',
  receivedAt: '2026-03-09T10:00:00Z',
  lines,
});
const state = (status: PoStatus, receipts: Receipt[] = []): PurchaseOrderState => ({
  po: po(),
  status,
  receipts,
});

function stateOf(o: PoOutcome): PurchaseOrderState {
  if (!o.ok) throw new Error(`expected ok, got ${o.error.code}: ${o.error.message}`);
  return o.state;
}
function errorOf(o: PoOutcome): DomainError {
  if (o.ok) throw new Error(`expected an error, got status ${o.state.status}`);
  return o.error;
}
const sent = () => stateOf(sendPurchaseOrder(draftPurchaseOrder(po()), { at: AT }));

describe('transitions', () => {
  // Every status × command: allowed ones succeed, the rest are refused with the stable code.
  const commands: Record<PoCommand['type'], PoCommand> = {
    send: { type: 'send', at: AT },
    receive: { type: 'receive', receipt: receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 1 }]) },
    cancel: { type: 'cancel', at: AT },
    close: { type: 'close', at: AT, reason: 'supplier discontinued SKU-B' },
  };
  const expected: Record<PoStatus, Partial<Record<PoCommand['type'], PoStatus>>> = {
    draft: { send: 'sent', cancel: 'cancelled' },
    sent: { receive: 'partially_received', cancel: 'cancelled' },
    partially_received: { receive: 'partially_received', close: 'closed' },
    received: { receive: 'received', close: 'closed' },
    closed: {},
    cancelled: {},
  };
  // A PO already received in full (so `received` really is received) or partially.
  const before = (status: PoStatus): PurchaseOrderState => {
    if (status === 'received')
      return state(status, [
        receipt('GRN-0', [
          { sku: 'SKU-A', quantityReceived: 100 },
          { sku: 'SKU-B', quantityReceived: 10 },
        ]),
      ]);
    if (status === 'partially_received')
      return state(status, [receipt('GRN-0', [{ sku: 'SKU-B', quantityReceived: 2 }])]);
    return state(status);
  };

  for (const status of PO_STATUSES)
    for (const [type, command] of Object.entries(commands) as [PoCommand['type'], PoCommand][]) {
      const to = expected[status][type];
      it(`${status} + ${type} → ${to ?? 'ERP_PO_TRANSITION_INVALID'}`, () => {
        // Over-receipt tolerance so that one more unit on a received PO is allowed.
        const outcome = applyPoCommand(before(status), command, {
          tolerances: { overReceipt: { absolute: 1 } },
        });
        if (to) expect(stateOf(outcome).status).toBe(to);
        else {
          const error = errorOf(outcome);
          expect(error.code).toBe('ERP_PO_TRANSITION_INVALID');
          expect(error.status).toBe(409);
          expect(error.extensions).toMatchObject({ from: status, command: type });
        }
      });
    }

  it('lists the commands a status accepts', () => {
    expect(allowedCommands('draft')).toEqual(['send', 'cancel']);
    expect(allowedCommands('closed')).toEqual([]);
  });

  it('records when and why', () => {
    const s = sent();
    expect(s.sentAt).toBe(AT);
    const c = stateOf(
      cancelPurchaseOrder(s, { at: '2026-03-02T00:00:00+01:00', reason: ' wrong supplier ' }),
    );
    expect(c).toMatchObject({ cancelledAt: '2026-03-01T23:00:00.000Z', cancelReason: 'wrong supplier' });
  });

  it('refuses to send an invalid PO, listing every problem', () => {
    const draft = draftPurchaseOrder(po({ currency: 'EURO', lines: [] }));
    const error = errorOf(sendPurchaseOrder(draft, { at: AT }));
    expect(error.code).toBe('ERP_PO_INVALID');
    expect((error.extensions.errors as { code: string }[]).map((e) => e.code).sort()).toEqual([
      'CURRENCY_INVALID',
      'LINES_EMPTY',
    ]);
  });

  it('checks the supplier terms when sending', () => {
    const supplier = {
      code: 'ACME',
      name: 'Acme',
      currency: 'EUR',
      leadTimeDays: 7,
      paymentTerms: { netDays: 30 },
      skus: [{ sku: 'SKU-B', packSize: 4 }],
    };
    expect(
      errorOf(sendPurchaseOrder(draftPurchaseOrder(po()), { at: AT }, supplier)).extensions.errors,
    ).toEqual([expect.objectContaining({ field: 'lines[1].quantityOrdered', code: 'PACK_SIZE_MISMATCH' })]);
  });

  it('refuses a malformed instant or reason', () => {
    expect(errorOf(sendPurchaseOrder(draftPurchaseOrder(po()), { at: 'yesterday' })).code).toBe(
      'ERP_PO_COMMAND_INVALID',
    );
    expect(errorOf(cancelPurchaseOrder(sent(), { at: AT, reason: '  ' })).code).toBe(
      'ERP_PO_COMMAND_INVALID',
    );
    expect(errorOf(applyPoCommand(sent(), { type: 'approve' } as unknown as PoCommand)).code).toBe(
      'ERP_PO_COMMAND_INVALID',
    );
  });

  it('closes short only with a reason; a fully received PO closes without one', () => {
    const partial = state('partially_received', [receipt('GRN-0', [{ sku: 'SKU-B', quantityReceived: 2 }])]);
    expect(errorOf(closePurchaseOrder(partial, { at: AT })).code).toBe('ERP_PO_CLOSE_REASON_REQUIRED');
    expect(
      stateOf(closePurchaseOrder(partial, { at: AT, reason: 'rest backordered for months' })),
    ).toMatchObject({
      status: 'closed',
      closeReason: 'rest backordered for months',
    });
    expect(stateOf(closePurchaseOrder(state('received'), { at: AT })).closeReason).toBeUndefined();
  });

  it('never mutates the state it is given', () => {
    const s = sent();
    const copy = structuredClone(s);
    receivePurchaseOrder(s, receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 5 }]));
    cancelPurchaseOrder(s, { at: AT });
    expect(s).toEqual(copy);
  });
});

describe('receiving', () => {
  it('goes partially received, then received, with quantities derived from the receipts', () => {
    const s1 = stateOf(
      receivePurchaseOrder(sent(), receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 60 }])),
    );
    expect(s1.status).toBe('partially_received');
    const s2 = stateOf(
      receivePurchaseOrder(
        s1,
        receipt('GRN-2', [
          { sku: 'SKU-A', quantityReceived: 40 },
          { sku: 'SKU-B', poLineNo: 2, quantityReceived: 9 },
        ]),
      ),
    );
    expect(s2.status).toBe('partially_received');
    expect(receivedByLine(s2.po, s2.receipts).map((l) => [l.lineNo, l.received, l.outstanding])).toEqual([
      [1, 100, 0],
      [2, 9, 1],
    ]);
    const s3 = stateOf(receivePurchaseOrder(s2, receipt('GRN-3', [{ sku: 'SKU-B', quantityReceived: 1 }])));
    expect(s3.status).toBe('received');
    expect(s3.receipts.map((r) => r.id)).toEqual(['GRN-1', 'GRN-2', 'GRN-3']);
  });

  it('counts only accepted units: damaged and rejected ones leave the line open', () => {
    const s = stateOf(
      receivePurchaseOrder(
        sent(),
        receipt('GRN-1', [
          { sku: 'SKU-A', quantityReceived: 100, quantityDamaged: 3, quantityRejected: 2 },
          { sku: 'SKU-B', quantityReceived: 10 },
        ]),
      ),
    );
    expect(s.status).toBe('partially_received');
    expect(receivedByLine(s.po, s.receipts)[0]).toMatchObject({
      received: 95,
      damaged: 3,
      rejected: 2,
      outstanding: 5,
    });
  });

  it('stays sent when a delivery was wholly damaged', () => {
    const s = stateOf(
      receivePurchaseOrder(
        sent(),
        receipt('GRN-1', [{ sku: 'SKU-B', quantityReceived: 4, quantityDamaged: 4 }]),
      ),
    );
    expect(s.status).toBe('sent');
    expect(s.receipts).toHaveLength(1);
  });

  it('fills lines of the same SKU in line order; the excess lands on the last line', () => {
    const twoLines = po({
      lines: [
        { lineNo: 2, sku: 'SKU-A', quantityOrdered: 10, unitCost: 100, expectedDate: '2026-04-01' },
        { lineNo: 1, sku: 'SKU-A', quantityOrdered: 10, unitCost: 100, expectedDate: '2026-03-10' },
      ],
    });
    const s0 = { po: twoLines, status: 'sent' as const, receipts: [] };
    const s1 = stateOf(receivePurchaseOrder(s0, receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 15 }])));
    expect(receivedByLine(s1.po, s1.receipts).map((l) => l.received)).toEqual([10, 5]);
    const s2 = stateOf(
      receivePurchaseOrder(s1, receipt('GRN-2', [{ sku: 'SKU-A', quantityReceived: 6 }]), {
        overReceipt: { absolute: 1 },
      }),
    );
    expect(receivedByLine(s2.po, s2.receipts).map((l) => l.received)).toEqual([10, 11]);
    expect(s2.status).toBe('received');
  });

  it('accepts an over-receipt within tolerance and refuses one beyond, listing the lines', () => {
    const tol = { overReceipt: { basisPoints: 500 } }; // 5 %: 105 of SKU-A, 10 of SKU-B (floor of 10.5)
    const within = receivePurchaseOrder(
      sent(),
      receipt('GRN-1', [
        { sku: 'SKU-A', quantityReceived: 105 },
        { sku: 'SKU-B', quantityReceived: 10 },
      ]),
      tol,
    );
    expect(stateOf(within).status).toBe('received');

    const beyond = errorOf(
      receivePurchaseOrder(
        sent(),
        receipt('GRN-1', [
          { sku: 'SKU-A', quantityReceived: 106 },
          { sku: 'SKU-B', quantityReceived: 11 },
        ]),
        tol,
      ),
    );
    expect(beyond.code).toBe('ERP_PO_OVER_RECEIPT');
    expect(beyond.extensions.lines).toEqual([
      { line: 1, sku: 'SKU-A', ordered: 100, received: 106, allowed: 105 },
      { line: 2, sku: 'SKU-B', ordered: 10, received: 11, allowed: 10 },
    ]);
  });

  it('judges over-receipt cumulatively, over all receipts', () => {
    const s1 = stateOf(
      receivePurchaseOrder(sent(), receipt('GRN-1', [{ sku: 'SKU-B', quantityReceived: 8 }])),
    );
    const error = errorOf(
      receivePurchaseOrder(s1, receipt('GRN-2', [{ sku: 'SKU-B', quantityReceived: 3 }])),
    );
    expect(error.code).toBe('ERP_PO_OVER_RECEIPT');
    expect(error.extensions.lines).toEqual([
      { line: 2, sku: 'SKU-B', ordered: 10, received: 11, allowed: 10 },
    ]);
  });

  it('judges only the lines a receipt adds to', () => {
    // Line 2 went to 12 under a 20 % tolerance; at 0 % a receipt for line 1 alone is still fine.
    const loose = { overReceipt: { basisPoints: 2000 } };
    const s1 = stateOf(
      receivePurchaseOrder(sent(), receipt('GRN-1', [{ sku: 'SKU-B', quantityReceived: 12 }]), loose),
    );
    expect(
      stateOf(receivePurchaseOrder(s1, receipt('GRN-2', [{ sku: 'SKU-A', quantityReceived: 100 }]))).status,
    ).toBe('received');
    expect(
      errorOf(receivePurchaseOrder(s1, receipt('GRN-2', [{ sku: 'SKU-B', quantityReceived: 1 }]))).extensions
        .lines,
    ).toEqual([{ line: 2, sku: 'SKU-B', ordered: 10, received: 13, allowed: 10 }]);
  });

  it('refuses a SKU not on the PO, applying nothing', () => {
    const error = errorOf(
      receivePurchaseOrder(
        sent(),
        receipt('GRN-1', [
          { sku: 'SKU-A', quantityReceived: 5 },
          { sku: 'SKU-Z', quantityReceived: 1 },
        ]),
      ),
    );
    expect(error.code).toBe('ERP_PO_SKU_NOT_ON_ORDER');
    expect(error.extensions.skus).toEqual(['SKU-Z']);
  });

  it('refuses a malformed receipt with every problem, the stray SKU among them', () => {
    const error = errorOf(
      receivePurchaseOrder(sent(), {
        ...receipt('GRN-1', [
          { sku: 'SKU-Z', quantityReceived: 1 },
          { sku: 'SKU-A', poLineNo: 9, quantityReceived: -1 },
        ]),
        poNumber: 'PO-2',
      }),
    );
    expect(error.code).toBe('ERP_PO_RECEIPT_INVALID');
    expect(
      (error.extensions.errors as { field: string; code: string }[])
        .map((e) => `${e.field} ${e.code}`)
        .sort(),
    ).toEqual([
      'lines[0].sku SKU_NOT_ON_PO',
      'lines[1].poLineNo PO_LINE_UNKNOWN',
      'lines[1].quantityReceived QUANTITY_INVALID',
      'poNumber PO_MISMATCH',
    ]);
  });

  it('applies the same receipt once: a retry is a no-op, other content under its id a conflict', () => {
    const r = receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 5 }]);
    const s1 = stateOf(receivePurchaseOrder(sent(), r));
    const again = stateOf(receivePurchaseOrder(s1, structuredClone(r)));
    expect(again).toBe(s1);
    expect(receivedByLine(again.po, again.receipts)[0]!.received).toBe(5);
    const other = errorOf(
      receivePurchaseOrder(s1, receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 6 }])),
    );
    expect(other.code).toBe('ERP_PO_RECEIPT_DUPLICATE');
  });

  it('refuses invalid tolerances', () => {
    const error = errorOf(
      receivePurchaseOrder(sent(), receipt('GRN-1', [{ sku: 'SKU-A', quantityReceived: 1 }]), {
        overReceipt: { basisPoints: 2.5 },
      }),
    );
    expect(error.code).toBe('ERP_PO_TOLERANCES_INVALID');
  });
});

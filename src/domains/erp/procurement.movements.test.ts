import { describe, expect, it } from 'vitest';
import { checkMovement } from './ledger.validate.js';
import { draftPurchaseOrder, receivePurchaseOrder, sendPurchaseOrder } from './procurement.lifecycle.js';
import {
  expectedInboundMovements,
  inboundCancelMovements,
  receiptCost,
  receiptMovements,
} from './procurement.movements.js';
import { toleranceLimit } from './procurement.quantities.js';
import type { PurchaseOrderState, Receipt } from './procurement.types.js';

const sent = (): PurchaseOrderState => {
  const o = sendPurchaseOrder(
    draftPurchaseOrder({
      number: 'PO-1',
      supplier: 'ACME',
      shipTo: 'WH1',
      currency: 'EUR',
      lines: [
        { lineNo: 1, sku: 'SKU-A', quantityOrdered: 10, unitCost: 100, expectedDate: '2026-03-10' },
        { lineNo: 2, sku: 'SKU-A', quantityOrdered: 10, unitCost: 120, expectedDate: '2026-04-10' },
        { lineNo: 3, sku: 'SKU-B', quantityOrdered: 5, unitCost: 999, expectedDate: '2026-03-10' },
      ],
    }),
    { at: '2026-03-01T00:00:00Z' },
  );
  if (!o.ok) throw o.error;
  return o.state;
};
function receive(s: PurchaseOrderState, r: Receipt): PurchaseOrderState {
  const o = receivePurchaseOrder(s, r);
  if (!o.ok) throw o.error;
  return o.state;
}
const grn = (id: string, lines: Receipt['lines']): Receipt => ({
  id,
  poNumber: 'PO-1',
  receivedAt: '2026-03-09T10:00:00.000Z',
  lines,
});

describe('ledger movements of a PO', () => {
  it('expects every line inbound on send, in a form the ledger accepts', () => {
    const ms = expectedInboundMovements(sent());
    expect(ms.map((m) => [m.reference, m.sku, m.quantity, m.eta])).toEqual([
      ['po:PO-1:line:1:inbound', 'SKU-A', 10, '2026-03-10T00:00:00.000Z'],
      ['po:PO-1:line:2:inbound', 'SKU-A', 10, '2026-04-10T00:00:00.000Z'],
      ['po:PO-1:line:3:inbound', 'SKU-B', 5, '2026-03-10T00:00:00.000Z'],
    ]);
    expect(ms.flatMap((m, i) => checkMovement(m, `[${i}]`).errors)).toEqual([]);
  });

  it('posts accepted units per PO line, settling each line inbound, and costs them at PO cost', () => {
    const first = grn('GRN-1', [{ sku: 'SKU-A', quantityReceived: 8 }]);
    const s1 = receive(sent(), first);
    // 15 more of SKU-A, 3 damaged: of the 12 accepted, line 1 takes the 2 it lacks, line 2 the other 10.
    const second = grn('GRN-2', [
      { sku: 'SKU-A', quantityReceived: 15, quantityDamaged: 3 },
      { sku: 'SKU-B', poLineNo: 3, quantityReceived: 5, quantityRejected: 5 },
    ]);
    const s2 = receive(s1, second);
    const ms = receiptMovements(s2, second);
    expect(ms.map((m) => [m.reference, m.sku, m.location, m.quantity, m.inbound])).toEqual([
      ['po:PO-1:receipt:GRN-2:line:1', 'SKU-A', 'WH1', 2, 'po:PO-1:line:1:inbound'],
      ['po:PO-1:receipt:GRN-2:line:2', 'SKU-A', 'WH1', 10, 'po:PO-1:line:2:inbound'],
    ]);
    expect(ms.flatMap((m, i) => checkMovement(m, `[${i}]`).errors)).toEqual([]);
    expect(receiptCost(s2, second)).toBe(2 * 100 + 10 * 120);
    expect(receiptCost(s2, first)).toBe(800);
    expect(receiptMovements(s1, second)).toEqual([]); // not applied to that state
  });

  it('cancels the inbound still outstanding', () => {
    const s = receive(sent(), grn('GRN-1', [{ sku: 'SKU-A', poLineNo: 2, quantityReceived: 4 }]));
    expect(inboundCancelMovements(s, 'closed short').map((m) => [m.inbound, m.quantity])).toEqual([
      ['po:PO-1:line:1:inbound', 10],
      ['po:PO-1:line:2:inbound', 6],
      ['po:PO-1:line:3:inbound', 5],
    ]);
  });
});

describe('toleranceLimit', () => {
  it('is the stricter measure, rounded down, and zero when none is set', () => {
    expect(toleranceLimit(250, undefined)).toBe(0);
    expect(toleranceLimit(250, {})).toBe(0);
    expect(toleranceLimit(250, { basisPoints: 200 })).toBe(5);
    expect(toleranceLimit(249, { basisPoints: 200 })).toBe(4); // 4.98
    expect(toleranceLimit(250, { basisPoints: 200, absolute: 3 })).toBe(3);
    expect(toleranceLimit(250, { absolute: 7 })).toBe(7);
    // base × bp beyond 2^53 is computed exactly.
    expect(toleranceLimit(2 ** 53 - 1, { basisPoints: 10_000 })).toBe(2 ** 53 - 1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CostingState, costMovement, issueValue, mulDivRound } from './costing.rules.js';
import type { Entry, MovementInput } from './ledger.types.js';

const state = (): CostingState => ({ pools: new Map() });
const ref = (() => {
  let n = 0;
  return () => `r${++n}`;
})();

/** The entries the ledger makes for the movement types costing cares about (see ledger.rules.ts). */
function entriesOf(m: MovementInput): Entry[] {
  const q = m.quantity ?? 0;
  const e = (location: string, account: Entry['account'], quantity: number): Entry => ({
    location,
    account,
    quantity,
  });
  switch (m.type) {
    case 'receipt':
      return [e(m.location, 'external', -q), e(m.location, 'available', q)];
    case 'shipment':
      return [e(m.location, 'allocated', -q), e(m.location, 'shipped', q)];
    case 'return_restock':
      return [e(m.location, 'shipped', -q), e(m.location, 'available', q)];
    case 'transfer_out':
      return [e(m.location, 'available', -q), e(m.toLocation!, 'in_transit', q)];
    case 'transfer_in':
      return [e(m.location, 'in_transit', -q), e(m.location, 'available', q)];
    case 'reservation':
      return [e(m.location, 'available', -q), e(m.location, 'reserved', q)];
    default:
      throw new Error(`not in this test: ${m.type}`);
  }
}

function apply(s: CostingState, m: Omit<MovementInput, 'reference' | 'sku'> & { sku?: string }) {
  const full = { sku: 'A', reference: ref(), ...m } as MovementInput;
  return costMovement(full, entriesOf(full), s, 'movements[0]');
}

describe('weighted average cost', () => {
  it('averages receipts and issues at the average, the last units taking exactly what is left', () => {
    const s = state();
    apply(s, { type: 'receipt', location: 'W', quantity: 3, unitCost: 1000, currency: 'EUR' });
    apply(s, { type: 'receipt', location: 'W', quantity: 3, unitCost: 1001, currency: 'EUR' });
    const pool = s.pools.get('A\u0000W')!;
    expect(pool).toMatchObject({ quantity: 6, value: 6003, currency: 'EUR' });
    // 6003 / 6 = 1000.5 per unit: one unit leaves at 1001 (half up), then 2 at 2001, then the rest.
    expect(apply(s, { type: 'shipment', location: 'W', quantity: 1 }).lines[0]).toMatchObject({
      quantity: -1,
      value: -1001,
      basis: 'issue',
    });
    expect(apply(s, { type: 'shipment', location: 'W', quantity: 2 }).lines[0]!.value).toBe(-2001);
    expect(apply(s, { type: 'shipment', location: 'W', quantity: 3 }).lines[0]!.value).toBe(-3001);
    expect(pool).toMatchObject({ quantity: 0, value: 0, lastUnitCost: 1000.3333333333334 });
  });

  it('values an uncosted inflow at the average, then at the last unit cost, else at zero', () => {
    const s = state();
    expect(apply(s, { type: 'receipt', location: 'W', quantity: 2 }).lines[0]).toMatchObject({
      value: 0,
      basis: 'none',
      currency: null,
    });
    const t = state();
    apply(t, { type: 'receipt', location: 'W', quantity: 2, unitCost: 500, currency: 'USD' });
    expect(apply(t, { type: 'return_restock', location: 'W', quantity: 1 }).lines[0]).toMatchObject({
      value: 500,
      basis: 'average',
    });
    apply(t, { type: 'shipment', location: 'W', quantity: 3 });
    expect(apply(t, { type: 'return_restock', location: 'W', quantity: 2 }).lines[0]).toMatchObject({
      value: 1000,
      basis: 'last',
    });
  });

  it('carries cost through a transfer instead of revaluing it on arrival', () => {
    const s = state();
    apply(s, { type: 'receipt', location: 'W', quantity: 4, unitCost: 250, currency: 'EUR' });
    apply(s, { type: 'receipt', location: 'S', quantity: 1, unitCost: 900, currency: 'EUR' });
    const out = apply(s, { type: 'transfer_out', location: 'W', toLocation: 'S', quantity: 2 });
    expect(out.lines.map((l) => [l.location, l.bucket, l.quantity, l.value])).toEqual([
      ['W', 'on_hand', -2, -500],
      ['S', 'in_transit', 2, 500],
    ]);
    apply(s, { type: 'transfer_in', location: 'S', quantity: 2 });
    expect(s.pools.get('A\u0000S')).toMatchObject({
      quantity: 3,
      value: 1400,
      transitQuantity: 0,
      transitValue: 0,
    });
  });

  it('refuses a unit cost in another currency than the pool is valued in, leaving it untouched', () => {
    const s = state();
    apply(s, { type: 'receipt', location: 'W', quantity: 1, unitCost: 100, currency: 'EUR' });
    const r = apply(s, { type: 'receipt', location: 'W', quantity: 1, unitCost: 100, currency: 'USD' });
    expect(r.problems.map((p) => [p.field, p.code])).toEqual([
      ['movements[0].currency', 'CURRENCY_MISMATCH'],
    ]);
    expect(s.pools.get('A\u0000W')).toMatchObject({ quantity: 1, value: 100 });
  });

  it('costs nothing for movements within on hand (a reservation)', () => {
    const s = state();
    apply(s, { type: 'receipt', location: 'W', quantity: 1, unitCost: 100, currency: 'EUR' });
    expect(apply(s, { type: 'reservation', location: 'W', quantity: 1 }).lines).toEqual([]);
  });

  it('values a backordered excess at the last unit cost', () => {
    expect(issueValue(5, 2, 300, 150)).toBe(300 + 3 * 150);
    expect(issueValue(2, 0, 0, null)).toBe(0);
  });

  it('rounds quantity × value / units half up without losing precision', () => {
    expect(mulDivRound(1, 1, 2)).toBe(1);
    expect(mulDivRound(-1, 1, 2)).toBe(-1);
    expect(mulDivRound(999_999_999_999_999, 999_999_999, 1_000_000_000)).toBe(999_999_998_999_999);
  });

  it('conserves value: what came in equals what went out plus what is left (property)', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('in' as const),
        q: fc.integer({ min: 1, max: 50 }),
        cost: fc.integer({ min: 0, max: 10_000 }),
      }),
      fc.record({ kind: fc.constant('out' as const), q: fc.integer({ min: 1, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const s = state();
        let held = 0;
        let inValue = 0;
        let outValue = 0;
        for (const st of steps) {
          if (st.kind === 'in') {
            apply(s, { type: 'receipt', location: 'W', quantity: st.q, unitCost: st.cost, currency: 'EUR' });
            held += st.q;
            inValue += st.q * st.cost;
          } else {
            const q = Math.min(st.q, held);
            if (q === 0) continue;
            outValue += -apply(s, { type: 'shipment', location: 'W', quantity: q }).lines[0]!.value;
            held -= q;
          }
        }
        const pool = s.pools.get('A\u0000W');
        const left = pool?.value ?? 0;
        expect(inValue).toBe(outValue + left);
        if (held === 0) expect(left).toBe(0);
        else expect(left).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

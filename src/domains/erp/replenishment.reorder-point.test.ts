import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReplenishmentInput, suggestReplenishment } from './replenishment.suggest.js';

/** The reorder point policy (s, nQ) of replenishment.suggest.ts. */

const AS_OF = '2024-03-01T00:00:00.000Z';
const rop = (
  onHand: number,
  reorderPoint: number,
  orderQuantity: number,
  over: Partial<ReplenishmentInput> = {},
) =>
  suggestReplenishment({
    sku: 'SKU-1',
    locationId: 'WH1',
    asOf: AS_OF,
    onHand,
    leadTimeDays: 7,
    policy: { kind: 'reorder-point', reorderPoint, orderQuantity },
    ...over,
  });

describe('reorder point policy', () => {
  it('orders nothing above the reorder point', () => {
    const s = rop(11, 10, 20);
    expect(s.quantity).toBe(0);
    expect(s.explanation).toMatchObject({ reason: 'above-reorder-point', lots: 0, trigger: 10 });
    expect(s.explanation.summary).toBe(
      'No order: position 11 (11 available + 0 inbound by day 7) is above the reorder point of 10.',
    );
  });

  it('orders one lot at the reorder point and enough lots to get above it below', () => {
    expect(rop(10, 10, 20).quantity).toBe(20);
    expect(rop(5, 10, 20).quantity).toBe(20);
    // Nothing on hand and a reorder point of 30: one lot (20) is not above it, two (40) are.
    const s = rop(0, 30, 20);
    expect(s.quantity).toBe(40);
    expect(s.explanation).toMatchObject({
      reason: 'at-or-below-reorder-point',
      lots: 2,
      shortfall: 40,
      target: 40,
    });
    expect(s.explanation.summary).toContain('2 lot(s) of 20 lift it above');
  });

  it('counts inbound in the position and rounds lots up to MOQ and packs', () => {
    const inbound = [{ quantity: 6, eta: AS_OF }];
    expect(rop(4, 10, 20, { inbound }).quantity).toBe(20);
    expect(rop(4, 9, 20, { inbound }).quantity).toBe(0);
    const s = rop(0, 10, 15, { moq: 40, caseSize: 12 });
    expect(s.quantity).toBe(48);
    expect(s.explanation.rounding).toEqual({ need: 15, moq: 40, caseSize: 12, quantity: 48 });
  });

  it('refuses a zero order quantity', () => {
    expect(() => rop(0, 10, 0)).toThrow(expect.objectContaining({ code: 'ERP_REPLENISHMENT_INPUT_INVALID' }));
  });

  it('always lifts the position above the reorder point with the fewest lots', () => {
    fc.assert(
      fc.property(fc.nat(500), fc.nat(500), fc.integer({ min: 1, max: 100 }), (onHand, s, q) => {
        const { quantity } = rop(onHand, s, q);
        if (onHand > s) return quantity === 0;
        return quantity % q === 0 && onHand + quantity > s && onHand + quantity - q <= s;
      }),
    );
  });
});

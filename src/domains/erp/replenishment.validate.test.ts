import { describe, expect, it } from 'vitest';
import { validatePolicy } from './replenishment.validate.js';

const codes = (p: Parameters<typeof validatePolicy>[0]) =>
  validatePolicy(p).map((e) => `${e.field}:${e.code}`);

describe('replenishment policy validation', () => {
  it('accepts complete policies of each kind', () => {
    expect(codes({ kind: 'reorder_point', reorderPoint: 5, orderQuantity: 10, leadTimeDays: 3 })).toEqual([]);
    expect(codes({ kind: 'min_max', min: 5, max: 5, supplier: 'S' })).toEqual([]);
    expect(codes({ kind: 'forecast', serviceLevel: 0.95, seasonLength: 7, supplier: 'S' })).toEqual([]);
  });

  it('measures lead times only of a supplier', () => {
    expect(codes({ kind: 'min_max', min: 1, max: 5, supplier: 'S', leadTimeFrom: 'receipts' })).toEqual([]);
    expect(codes({ kind: 'min_max', min: 1, max: 5, leadTimeDays: 2, leadTimeFrom: 'receipts' })).toEqual([
      'supplier:FIELD_REQUIRED',
    ]);
  });

  it('takes lead-time variability only with a forecast policy and its service level', () => {
    expect(codes({ kind: 'forecast', serviceLevel: 0.95, leadTimeSdDays: 2.5, supplier: 'S' })).toEqual([]);
    expect(codes({ kind: 'forecast', safetyStock: 4, leadTimeSdDays: 2, supplier: 'S' })).toEqual([
      'serviceLevel:FIELD_REQUIRED',
    ]);
    expect(codes({ kind: 'min_max', min: 1, max: 5, leadTimeSdDays: 2, supplier: 'S' })).toEqual([
      'leadTimeSdDays:FIELD_NOT_ALLOWED',
    ]);
  });

  it('lists every problem at once', () => {
    expect(codes({ kind: 'min_max', min: 9, max: 5, serviceLevel: 0.9 })).toEqual([
      'serviceLevel:FIELD_NOT_ALLOWED',
      'max:MAX_BELOW_MIN',
      'leadTimeDays:FIELD_REQUIRED',
    ]);
    expect(codes({ kind: 'reorder_point', min: 1, supplier: 'S' })).toEqual([
      'min:FIELD_NOT_ALLOWED',
      'reorderPoint:FIELD_REQUIRED',
      'orderQuantity:FIELD_REQUIRED',
    ]);
  });

  it('refuses two safety stock sources, caps below the MOQ or a pack, a seasonal method without a season', () => {
    expect(
      codes({
        kind: 'forecast',
        supplier: 'S',
        safetyStock: 3,
        serviceLevel: 0.9,
        moq: 10,
        packSize: 12,
        maxOrderQuantity: 8,
        method: 'holt-winters',
        seasonLength: 1,
      }),
    ).toEqual([
      'safetyStock:SAFETY_STOCK_AMBIGUOUS',
      'maxOrderQuantity:MAX_ORDER_BELOW_MOQ',
      'maxOrderQuantity:MAX_ORDER_BELOW_PACK',
      'seasonLength:SEASON_REQUIRED',
    ]);
  });
});

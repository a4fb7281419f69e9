import { describe, expect, it } from 'vitest';
import { isCalendarDate } from './dates.js';

describe('isCalendarDate', () => {
  it('accepts real dates and refuses the rest', () => {
    expect(isCalendarDate('2026-11-28')).toBe(true);
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-1-01')).toBe(false);
    expect(isCalendarDate('2026-11-28T00:00:00Z')).toBe(false);
    expect(isCalendarDate(20261128)).toBe(false);
  });
});

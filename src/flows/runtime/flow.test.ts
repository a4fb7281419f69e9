import { describe, expect, it } from 'vitest';
import { defineFlow, isDirective, sleepDirective, toIso, waitDirective } from './flow.js';

const ok = { id: 'one', run: () => undefined };

describe('defineFlow', () => {
  it('returns a frozen definition', () => {
    const flow = defineFlow<{ n: number }, { done?: boolean }>({ type: 'order-to-cash.v1', steps: [ok] });
    expect(flow.type).toBe('order-to-cash.v1');
    expect(Object.isFrozen(flow)).toBe(true);
    expect(Object.isFrozen(flow.steps)).toBe(true);
  });

  it('rejects bad types, empty flows, bad or duplicate step ids and bad limits', () => {
    expect(() => defineFlow({ type: 'Order', steps: [ok] })).toThrow(/flow type/);
    expect(() => defineFlow({ type: 'x1', steps: [] })).toThrow(/no steps/);
    expect(() => defineFlow({ type: 'x1', steps: [{ ...ok, id: '' }] })).toThrow(/bad step id/);
    expect(() => defineFlow({ type: 'x1', steps: [ok, ok] })).toThrow(/duplicate step id "one"/);
    expect(() => defineFlow({ type: 'x1', steps: [{ ...ok, maxAttempts: 0 }] })).toThrow(/maxAttempts/);
    expect(() => defineFlow({ type: 'x1', steps: [{ ...ok, timeoutMs: -1 }] })).toThrow(/timeoutMs/);
  });
});

describe('directives', () => {
  it('are recognised by their brand only', () => {
    expect(isDirective(sleepDirective('2026-01-01T00:00:00.000Z'))).toBe(true);
    expect(isDirective(waitDirective('payment.captured', null))).toBe(true);
    expect(isDirective({ kind: 'sleep', until: 'x' })).toBe(false);
    expect(isDirective(undefined)).toBe(false);
  });

  it('normalise dates to ISO-8601 and reject invalid ones as non-retryable', () => {
    expect(toIso('2026-01-01T01:00:00+01:00', 'x')).toBe('2026-01-01T00:00:00.000Z');
    expect(() => toIso('not a date', 'sleepUntil')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});

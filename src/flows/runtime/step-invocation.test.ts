import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../kernel/clock.js';
import { currentContext } from '../../kernel/context.js';
import { sleepDirective } from './flow.js';
import type { SagaRecord } from './saga-record.js';
import { interpretResult, invokeUserCode } from './step-invocation.js';

const rec = {
  id: 'ord_1',
  correlationId: 'cor_1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
} as SagaRecord;
const step = { id: 'charge', run: () => undefined };

describe('invokeUserCode', () => {
  it("runs the code in the saga's operation context, in the same trace", async () => {
    const clock = new ManualClock();
    const ctx = await invokeUserCode(
      { rec, step, clock, timeoutMs: undefined, abort: new AbortController().signal },
      () => currentContext(),
    );
    expect(ctx).toMatchObject({ correlationId: 'cor_1', causationId: 'ord_1', actor: 'system:saga' });
    expect(ctx!.traceparent!.slice(0, 36)).toBe(rec.traceparent!.slice(0, 36));
  });

  it('fails an attempt over its timeout with a retryable error and aborts its signal', async () => {
    const clock = new ManualClock();
    let signal: AbortSignal | undefined;
    const p = invokeUserCode(
      { rec, step, clock, timeoutMs: 50, abort: new AbortController().signal },
      (s) => {
        signal = s;
        return new Promise(() => {});
      },
    );
    clock.advance(50);
    await expect(p).rejects.toMatchObject({ code: 'SAGA_STEP_TIMEOUT', retryable: true });
    expect(signal!.aborted).toBe(true);
  });

  it("passes on the runner's abort", async () => {
    const runner = new AbortController();
    let signal: AbortSignal | undefined;
    await invokeUserCode(
      { rec, step, clock: new ManualClock(), timeoutMs: 10, abort: runner.signal },
      (s) => {
        signal = s;
      },
    );
    runner.abort();
    expect(signal!.aborted).toBe(true);
  });
});

describe('interpretResult', () => {
  it('accepts nothing, a plain patch, or a directive with a patch; JSON-normalises patches', () => {
    expect(interpretResult(undefined, {})).toEqual({});
    expect(interpretResult({ at: new Date('2026-01-01T00:00:00Z') }, {})).toEqual({
      patch: { at: '2026-01-01T00:00:00.000Z' },
    });
    const d = interpretResult(sleepDirective('2026-01-02T00:00:00.000Z', { slept: true }), {});
    expect(d.directive).toMatchObject({ kind: 'sleep', patch: { slept: true } });
  });

  it('rejects non-objects, directives from compensations, and patches that are not JSON', () => {
    expect(() => interpretResult(42, {})).toThrow(
      expect.objectContaining({ code: 'SAGA_STEP_RESULT_INVALID' }),
    );
    expect(() => interpretResult([1], {})).toThrow(/array/);
    expect(() => interpretResult(sleepDirective('2026-01-02T00:00:00.000Z'), {}, false)).toThrow(/directive/);
    expect(() => interpretResult({ n: 1n }, {})).toThrow(/not JSON/);
    try {
      interpretResult(42, {});
    } catch (err) {
      expect((err as { retryable: boolean }).retryable).toBe(false);
    }
  });
});

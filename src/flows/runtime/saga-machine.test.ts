import { describe, expect, it } from 'vitest';
import { defineFlow, sleepDirective, waitDirective } from './flow.js';
import type { SagaError } from './saga.types.js';
import { toSagaError } from './saga-errors.js';
import {
  compensationFailed,
  compensationSucceeded,
  signalled,
  startedEntry,
  stepFailed,
  stepIndexOf,
  stepSucceeded,
  timedOut,
} from './saga-machine.js';
import type { SagaRecord } from './saga-record.js';

const NOW = '2026-01-01T00:00:00.000Z';
const flow = defineFlow({
  type: 'test.machine',
  steps: [
    { id: 'a', run: () => undefined, compensate: () => undefined },
    { id: 'b', run: () => undefined },
    { id: 'c', run: () => undefined },
  ],
});

function rec(overrides: Partial<SagaRecord> = {}): SagaRecord {
  return {
    id: 's1',
    type: flow.type,
    status: 'running',
    input: {},
    state: { x: 1 },
    stepIndex: 0,
    stepId: 'a',
    attempt: 1,
    signals: {},
    waitingFor: null,
    waitUntil: null,
    wakeAt: NOW,
    error: null,
    correlationId: 'cor_1',
    traceparent: null,
    lockedBy: 'r1',
    lockedUntil: null,
    lockToken: 't1',
    createdAt: NOW,
    updatedAt: NOW,
    endedAt: null,
    ...overrides,
  };
}

const err = (retryable: boolean, stepId = 'b'): SagaError => ({
  code: 'X',
  message: 'x',
  retryable,
  stepId,
  phase: 'run',
  attempt: 1,
  at: NOW,
});

describe('stepIndexOf', () => {
  it('follows the step id when steps moved, and reports a vanished step', () => {
    expect(stepIndexOf(flow, rec({ stepIndex: 1, stepId: 'b' }))).toBe(1);
    expect(stepIndexOf(flow, rec({ stepIndex: 0, stepId: 'c' }))).toBe(2);
    expect(stepIndexOf(flow, rec({ stepIndex: 1, stepId: 'gone' }))).toBeNull();
    expect(stepIndexOf(flow, rec({ stepIndex: 3, stepId: null }))).toBe(3);
  });
});

describe('stepSucceeded', () => {
  it('merges the patch and moves to the next step, due now', () => {
    const t = stepSucceeded(flow, rec(), 0, { y: 2 }, undefined, NOW);
    expect(t.patch).toMatchObject({
      state: { x: 1, y: 2 },
      stepIndex: 1,
      stepId: 'b',
      attempt: 0,
      wakeAt: NOW,
    });
    expect(t.history.map((h) => h.kind)).toEqual(['step.succeeded']);
  });

  it('completes after the last step', () => {
    const t = stepSucceeded(flow, rec({ stepIndex: 2, stepId: 'c' }), 2, undefined, undefined, NOW);
    expect(t.patch).toMatchObject({ status: 'completed', stepId: null, wakeAt: null, endedAt: NOW });
  });

  it('sleeps until the directive time, or waits for a signal with its deadline', () => {
    const until = '2026-01-02T00:00:00.000Z';
    const sleep = stepSucceeded(flow, rec(), 0, undefined, sleepDirective(until, { slept: true }), NOW);
    expect(sleep.patch).toMatchObject({ status: 'sleeping', wakeAt: until, state: { x: 1, slept: true } });
    const wait = stepSucceeded(flow, rec(), 0, undefined, waitDirective('paid', until), NOW);
    expect(wait.patch).toMatchObject({
      status: 'waiting',
      waitingFor: 'paid',
      waitUntil: until,
      wakeAt: until,
    });
    const forever = stepSucceeded(flow, rec(), 0, undefined, waitDirective('paid', null), NOW);
    expect(forever.patch).toMatchObject({ status: 'waiting', wakeAt: null });
  });
});

describe('stepFailed', () => {
  const at = rec({ stepIndex: 1, stepId: 'b', attempt: 2 });

  it('schedules a retry while attempts remain and the error is retryable', () => {
    const t = stepFailed(flow, at, 1, err(true), 3, 400, NOW);
    expect(t.patch).toEqual({ wakeAt: '2026-01-01T00:00:00.400Z', error: err(true) });
    expect(t.history.map((h) => h.kind)).toEqual(['step.failed', 'step.retry_scheduled']);
  });

  it('starts compensating at the previous step otherwise', () => {
    for (const [e, max, reason] of [
      [err(false), 3, 'not retryable'],
      [err(true), 2, 'attempts exhausted'],
    ] as const) {
      const t = stepFailed(flow, at, 1, e, max, 400, NOW);
      expect(t.patch).toMatchObject({
        status: 'compensating',
        stepIndex: 0,
        stepId: 'a',
        attempt: 0,
        error: e,
      });
      expect(t.history[0]!.details).toMatchObject({ willRetry: false, reason });
    }
  });
});

describe('compensation', () => {
  const comp = rec({ status: 'compensating', stepIndex: 0, stepId: 'a', error: err(false) });

  it('ends compensated after the first step is undone', () => {
    const t = compensationSucceeded(flow, comp, 0, { refunded: true }, NOW);
    expect(t.patch).toMatchObject({ status: 'compensated', stepIndex: -1, state: { x: 1, refunded: true } });
  });

  it('retries a failing compensation, keeping the original error; then fails with it as the cause', () => {
    const compErr = { ...err(true, 'a'), phase: 'compensate' as const };
    expect(compensationFailed(flow, comp, 0, compErr, 3, 100, NOW).patch).toEqual({
      wakeAt: '2026-01-01T00:00:00.100Z',
    });
    const t = compensationFailed(flow, { ...comp, attempt: 3 }, 0, compErr, 3, 100, NOW);
    expect(t.patch).toMatchObject({
      status: 'failed',
      wakeAt: null,
      error: { ...compErr, cause: err(false) },
    });
    expect(t.patch).not.toHaveProperty('stepIndex');
  });

  it('records no start for a step without compensate', () => {
    expect(startedEntry(flow, comp, 'r1')).toMatchObject({ kind: 'compensation.started', stepId: 'a' });
    expect(startedEntry(flow, { ...comp, stepIndex: 1, stepId: 'b' }, 'r1')).toBeNull();
    expect(startedEntry(flow, rec({ status: 'sleeping' }), 'r1')).toBeNull();
  });
});

describe('waits', () => {
  const waiting = rec({ status: 'waiting', waitingFor: 'paid', waitUntil: NOW, stepIndex: 1, stepId: 'b' });

  it('resume with the signal, or with a timeout outcome', () => {
    const s = signalled(waiting, { signalId: 'sig_1', payload: { n: 1 }, receivedAt: NOW }, NOW);
    expect(s.patch).toMatchObject({ status: 'running', waitingFor: null, wakeAt: NOW });
    expect(s.patch.signals!.paid).toEqual({
      outcome: 'signalled',
      name: 'paid',
      payload: { n: 1 },
      signalId: 'sig_1',
      at: NOW,
    });
    expect(timedOut(waiting, NOW).patch.signals!.paid).toEqual({ outcome: 'timeout', name: 'paid', at: NOW });
  });
});

describe('toSagaError', () => {
  it('keeps domain codes and treats unknown errors as retryable', () => {
    const where = { stepId: 'a', phase: 'run' as const, attempt: 1, at: NOW };
    expect(toSagaError(new TypeError('nope'), where)).toMatchObject({
      code: 'INTERNAL',
      message: 'TypeError: nope',
      retryable: true,
    });
    expect(toSagaError('a string', where)).toMatchObject({ message: 'a string', retryable: true });
  });
});

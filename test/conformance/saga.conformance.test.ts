import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSagaRunner,
  defineFlow,
  type SagaRunner,
  type SagaRunnerConfig,
  sagaMigrations,
} from '../../src/flows/runtime/index.js';
import { type Clock, ManualClock } from '../../src/kernel/clock.js';
import { currentContext, runWithContext } from '../../src/kernel/context.js';
import { defineError, KernelErrors } from '../../src/kernel/errors.js';
import type { Store } from '../../src/kernel/ports/store.js';
import { hangFlow, multiFlow, sagaTestMigrations, sleeperFlow } from '../fixtures/saga-child.js';
import { availableBackends, tempDir } from '../support/backends.js';
import { createTestStore, type TestStore } from '../support/stores.js';

const backends = await availableBackends();

const Declined = defineError({ code: 'TEST_DECLINED', status: 422, title: 'Declined' });

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 8000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let seq = 0;
const uid = (p: string) => `${p}-${process.pid}-${++seq}`;

describe.each(backends)('Saga runner [%s]', (backend) => {
  let ts: TestStore;
  let store: Store;
  const runners: SagaRunner[] = [];
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    await store.migrate([sagaMigrations, sagaTestMigrations]);
  });
  afterEach(async () => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    for (const r of runners.splice(0)) await r.stop({ timeoutMs: 500 }).catch(() => {});
  });
  afterAll(async () => ts?.cleanup());

  const fast: Partial<SagaRunnerConfig> = {
    pollMs: 100,
    maxAttempts: 5,
    backoffInitialMs: 100,
    backoffMaxMs: 1000,
    leaseMs: 5000,
  };
  function makeRunner(options: { clock?: Clock; config?: Partial<SagaRunnerConfig>; on?: Store } = {}) {
    const runner = createSagaRunner({
      store: options.on ?? store,
      ...(options.clock ? { clock: options.clock } : {}),
      config: { ...fast, ...options.config },
      random: () => 1, // the largest jitter: delays are exactly initial * 2^(n-1)
    });
    runners.push(runner);
    return runner;
  }
  const kinds = (h: { kind: string; stepId: string | null }[]) => h.map((e) => `${e.kind}:${e.stepId ?? ''}`);

  it('runs steps in order, persists the state after every step, and records the history', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    const order: string[] = [];
    const inTwo = deferred();
    const gate = deferred();
    let correlation: string | undefined;
    const flow = defineFlow<{ n: number }, { a?: number; b?: number; c?: number }>({
      type: 't1.order',
      steps: [
        {
          id: 'one',
          run: (ctx) => {
            order.push('one');
            return { a: ctx.input.n + 1 };
          },
        },
        {
          id: 'two',
          run: async (ctx) => {
            order.push('two');
            inTwo.resolve();
            await gate.promise;
            correlation = currentContext()?.correlationId;
            return { b: ctx.state.a! * 2 };
          },
        },
        {
          id: 'three',
          run: (ctx) => {
            order.push('three');
            return { c: ctx.state.b! + 1 };
          },
        },
      ],
    });
    runner.register(flow);
    const id = uid('t1');
    const { saga, created } = await runner.start(flow, id, { n: 1 }, { correlationId: 'cor_t1' });
    expect(created).toBe(true);
    expect(saga).toMatchObject({ status: 'running', stepId: 'one', state: {}, input: { n: 1 } });

    const running = runner.runDue();
    await inTwo.promise;
    // Between steps: step one's patch is durable, the saga points at step two and is claimed.
    const mid = await runner.admin.get(id);
    expect(mid).toMatchObject({ status: 'running', stepId: 'two', state: { a: 2 }, lockedBy: runner.id });
    const raw = await sql<{
      state: string;
      step_id: string;
    }>`select state, step_id from keel_sagas where id = ${id}`.execute(store.db);
    expect(JSON.parse(raw.rows[0]!.state)).toEqual({ a: 2 });
    gate.resolve();
    expect(await running).toBe(1);

    const done = await runner.admin.get(id);
    expect(done).toMatchObject({
      status: 'completed',
      state: { a: 2, b: 4, c: 5 },
      lockedBy: null,
      wakeAt: null,
      correlationId: 'cor_t1',
    });
    expect(done.endedAt).toBe(clock.now().toISOString());
    expect(order).toEqual(['one', 'two', 'three']);
    expect(correlation).toBe('cor_t1');
    expect(kinds(done.history)).toEqual([
      'saga.started:',
      'step.started:one',
      'step.succeeded:one',
      'step.started:two',
      'step.succeeded:two',
      'step.started:three',
      'step.succeeded:three',
      'status.changed:',
    ]);
    expect(done.history.at(-1)!.details).toEqual({ from: 'running', to: 'completed' });
    expect(done.history[1]).toMatchObject({ attempt: 1, details: { runner: runner.id } });
  });

  it('retries a retryable failure with exponential backoff, then succeeds', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    let calls = 0;
    const flow = defineFlow({
      type: 't2.retry',
      steps: [
        {
          id: 'flaky',
          run: () => {
            calls++;
            if (calls === 1) throw KernelErrors.SERVICE_UNAVAILABLE.create('erp down');
            if (calls === 2) throw new Error('socket hang up'); // unknown errors are retryable
            return { ok: true };
          },
        },
      ],
    });
    runner.register(flow);
    const id = uid('t2');
    await runner.start(flow, id, {});
    await runner.runDue();
    const first = await runner.admin.get(id);
    expect(first).toMatchObject({ status: 'running', attempt: 1, error: { code: 'SERVICE_UNAVAILABLE' } });
    expect(first.wakeAt).toBe(new Date(clock.now().getTime() + 100).toISOString());

    expect(await runner.runDue()).toBe(0); // not due yet
    clock.advance(99);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    expect(await runner.runDue()).toBe(1);
    const second = await runner.admin.get(id);
    expect(second).toMatchObject({
      attempt: 2,
      error: { code: 'INTERNAL', message: 'Error: socket hang up' },
    });
    expect(second.wakeAt).toBe(new Date(clock.now().getTime() + 200).toISOString());

    clock.advance(200);
    await runner.runDue();
    const done = await runner.admin.get(id);
    expect(done).toMatchObject({ status: 'completed', state: { ok: true }, error: null });
    expect(calls).toBe(3);
    const started = done.history.filter((e) => e.kind === 'step.started').map((e) => e.attempt);
    expect(started).toEqual([1, 2, 3]);
    expect(done.history.filter((e) => e.kind === 'step.failed').map((e) => e.attempt)).toEqual([1, 2]);
    const retries = done.history
      .filter((e) => e.kind === 'step.retry_scheduled')
      .map((e) => e.details.delayMs);
    expect(retries).toEqual([100, 200]);
  });

  it('compensates after maxAttempts retryable failures', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    const undone: string[] = [];
    const flow = defineFlow({
      type: 't2.exhaust',
      steps: [
        { id: 'reserve', run: () => ({ reserved: true }), compensate: () => void undone.push('reserve') },
        {
          id: 'always-down',
          maxAttempts: 2,
          run: () => {
            throw KernelErrors.SERVICE_UNAVAILABLE.create('still down');
          },
        },
      ],
    });
    runner.register(flow);
    const id = uid('t2x');
    await runner.start(flow, id, {});
    await runner.runDue();
    clock.advance(1000);
    await runner.runDue();
    const saga = await runner.admin.get(id);
    expect(saga.status).toBe('compensated');
    expect(saga.error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', stepId: 'always-down', attempt: 2 });
    expect(undone).toEqual(['reserve']);
    const finalFailure = saga.history.filter((e) => e.kind === 'step.failed').at(-1)!;
    expect(finalFailure.details).toMatchObject({ willRetry: false, reason: 'attempts exhausted' });
  });

  it('on a non-retryable failure compensates the completed steps in reverse order', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    const log: string[] = [];
    let compensationSaw: string | undefined;
    const flow = defineFlow({
      type: 't3.compensate',
      steps: [
        {
          id: 'reserve',
          run: () => void log.push('run:reserve'),
          compensate: (ctx) => {
            log.push('undo:reserve');
            compensationSaw = ctx.error.code;
          },
        },
        { id: 'note', run: () => void log.push('run:note') },
        {
          id: 'charge',
          run: () => {
            log.push('run:charge');
            return { chargeId: 'ch_1' };
          },
          compensate: (ctx) => {
            log.push(`undo:charge:${ctx.state.chargeId}`);
            return { refunded: true };
          },
        },
        {
          id: 'ship',
          run: () => {
            log.push('run:ship');
            throw Declined.create('carrier refused');
          },
        },
        { id: 'never', run: () => void log.push('run:never') },
      ],
    });
    runner.register(flow);
    const id = uid('t3');
    await runner.start(flow, id, {});
    await runner.runDue();
    const saga = await runner.admin.get(id);
    expect(log).toEqual([
      'run:reserve',
      'run:note',
      'run:charge',
      'run:ship',
      'undo:charge:ch_1',
      'undo:reserve',
    ]);
    expect(compensationSaw).toBe('TEST_DECLINED');
    expect(saga).toMatchObject({
      status: 'compensated',
      state: { chargeId: 'ch_1', refunded: true },
      error: { code: 'TEST_DECLINED', stepId: 'ship', phase: 'run', retryable: false, attempt: 1 },
    });
    expect(kinds(saga.history).slice(-8)).toEqual([
      'step.failed:ship',
      'status.changed:',
      'compensation.started:charge',
      'compensation.succeeded:charge',
      'compensation.skipped:note',
      'compensation.started:reserve',
      'compensation.succeeded:reserve',
      'status.changed:',
    ]);
  });

  it('leaves a saga failed when a compensation keeps failing, and admin.retry resumes it', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    let broken = true;
    const flow = defineFlow({
      type: 't3.stuck',
      steps: [
        {
          id: 'reserve',
          maxAttempts: 2,
          run: () => ({ reserved: true }),
          compensate: () => {
            if (broken) throw KernelErrors.SERVICE_UNAVAILABLE.create('erp down');
            return { released: true };
          },
        },
        {
          id: 'pay',
          run: () => {
            throw Declined.create('card declined');
          },
        },
      ],
    });
    runner.register(flow);
    const id = uid('t3s');
    await runner.start(flow, id, {});
    await runner.runDue();
    clock.advance(1000);
    await runner.runDue();
    const failed = await runner.admin.get(id);
    expect(failed).toMatchObject({
      status: 'failed',
      stepId: 'reserve',
      wakeAt: null,
      error: {
        phase: 'compensate',
        stepId: 'reserve',
        attempt: 2,
        cause: { code: 'TEST_DECLINED', stepId: 'pay' },
      },
    });
    expect(failed.endedAt).not.toBeNull();
    expect((await runner.admin.list({ status: 'failed', type: 't3.stuck' })).items.map((s) => s.id)).toEqual([
      id,
    ]);

    broken = false;
    const retried = await runner.admin.retry(id, { actor: 'ops:alice' });
    expect(retried).toMatchObject({ status: 'compensating', error: { code: 'TEST_DECLINED' } });
    await runner.runDue();
    const done = await runner.admin.get(id);
    expect(done).toMatchObject({ status: 'compensated', state: { reserved: true, released: true } });
    expect(done.history.find((e) => e.kind === 'admin.retry')!.details).toEqual({ actor: 'ops:alice' });
    await expect(runner.admin.retry(id)).rejects.toMatchObject({ code: 'SAGA_STATE', status: 409 });
  });

  it('sleeps on a durable timer, inherits the ambient correlation id, and times out a hung attempt', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    const hung = deferred();
    let attempts = 0;
    const flow = defineFlow<unknown, { woke?: string }>({
      type: 't10.sleep',
      steps: [
        { id: 'nap', run: (ctx) => ctx.sleepUntil(new Date(ctx.clock.now().getTime() + 30_000)) },
        {
          id: 'call',
          timeoutMs: 1000,
          run: (ctx) => {
            attempts++;
            if (attempts === 1) {
              hung.resolve();
              return new Promise(() => {});
            }
            return { woke: ctx.clock.now().toISOString() };
          },
        },
      ],
    });
    runner.register(flow);
    const id = uid('t10');
    const { saga } = await runWithContext({ correlationId: 'cor_ambient', actor: 'test' }, () =>
      runner.start(flow, id, {}),
    );
    expect(saga.correlationId).toBe('cor_ambient');
    await runner.runDue();
    const wakeAt = new Date(clock.now().getTime() + 30_000).toISOString();
    expect(await runner.admin.get(id)).toMatchObject({
      status: 'sleeping',
      stepId: 'call',
      wakeAt,
      lockedBy: null,
    });
    clock.advance(29_999);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    const running = runner.runDue();
    await hung.promise;
    clock.advance(1000);
    await running;
    const timedOut = await runner.admin.get(id);
    expect(timedOut).toMatchObject({ status: 'running', attempt: 1, error: { code: 'SAGA_STEP_TIMEOUT' } });
    clock.advance(100);
    await runner.runDue();
    const done = await runner.admin.get(id);
    expect(done).toMatchObject({ status: 'completed', state: { woke: clock.now().toISOString() } });
    expect(kinds(done.history)).toEqual(
      expect.arrayContaining(['timer.scheduled:nap', 'timer.fired:call', 'step.retry_scheduled:call']),
    );
  });

  it('starts idempotently by saga id and rejects conflicts and unknown types', async () => {
    const runner = makeRunner({ clock: new ManualClock() });
    const flow = defineFlow({ type: 't4.idem', steps: [{ id: 'only', run: () => undefined }] });
    const other = defineFlow({ type: 't4.other', steps: [{ id: 'only', run: () => undefined }] });
    runner.register(flow);
    runner.register(other);
    const id = uid('t4');
    const first = await runner.start(flow, id, { a: 1, b: { c: 2, d: 3 } });
    const again = await runner.start(flow, id, { b: { d: 3, c: 2 }, a: 1 }); // same document, other key order
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.saga.createdAt).toBe(first.saga.createdAt);
    await expect(runner.start(flow, id, { a: 2, b: { c: 2, d: 3 } })).rejects.toMatchObject({
      code: 'SAGA_CONFLICT',
      status: 409,
    });
    await expect(runner.start(other, id, { a: 1, b: { c: 2, d: 3 } })).rejects.toMatchObject({
      code: 'SAGA_CONFLICT',
    });
    await expect(runner.start('t4.nope', uid('t4'), {})).rejects.toMatchObject({ code: 'SAGA_TYPE_UNKNOWN' });
    await expect(runner.admin.get('t4-missing')).rejects.toMatchObject({
      code: 'SAGA_NOT_FOUND',
      status: 404,
    });
    await expect(runner.signal('t4-missing', 'x')).rejects.toMatchObject({ code: 'SAGA_NOT_FOUND' });

    // Concurrent starts of one id: exactly one creates it.
    const raceId = uid('t4r');
    const results = await Promise.all(Array.from({ length: 5 }, () => runner.start(flow, raceId, { x: 1 })));
    expect(results.filter((r) => r.created)).toHaveLength(1);

    // Started in the caller's transaction: exists only if that transaction commits.
    const rolledBack = uid('t4tx');
    await expect(
      store.tx(async (tx) => {
        await runner.start(flow, rolledBack, {}, { tx });
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    await expect(runner.admin.get(rolledBack)).rejects.toMatchObject({ code: 'SAGA_NOT_FOUND' });
    const committed = uid('t4tx');
    await store.tx((tx) => runner.start(flow, committed, {}, { tx }));
    expect((await runner.admin.get(committed)).status).toBe('running');
  });

  it('resumes a waiting saga on its signal, and on the deadline with a timeout outcome', async () => {
    const clock = new ManualClock();
    const runner = makeRunner({ clock });
    const flow = defineFlow<{ amount: number }, { reserved?: boolean; paid?: unknown; cancelled?: boolean }>({
      type: 't6.payment',
      steps: [
        { id: 'reserve', run: () => ({ reserved: true }) },
        {
          id: 'await-payment',
          run: (ctx) =>
            ctx.waitForSignal('payment.captured', {
              timeoutAt: new Date(ctx.clock.now().getTime() + 60_000),
            }),
        },
        {
          id: 'settle',
          run: (ctx) => {
            const s = ctx.signals['payment.captured'];
            return s?.outcome === 'signalled' ? { paid: s.payload } : { cancelled: true };
          },
        },
      ],
    });
    runner.register(flow);
    const [paid, late, early, ended] = [uid('t6p'), uid('t6l'), uid('t6e'), uid('t6x')];
    await runner.start(flow, paid, { amount: 42 });
    await runner.start(flow, late, { amount: 7 });
    await runner.start(flow, early, { amount: 9 });
    // A signal that arrives before the saga waits is kept and consumed by the wait.
    await runner.signal(early, 'payment.captured', { amount: 9 });
    await runner.runDue();

    const deadline = new Date(clock.now().getTime() + 60_000).toISOString();
    expect(await runner.admin.get(paid)).toMatchObject({
      status: 'waiting',
      waitingFor: 'payment.captured',
      waitUntil: deadline,
      wakeAt: deadline,
      stepId: 'settle',
      lockedBy: null,
    });
    expect(await runner.admin.get(early)).toMatchObject({
      status: 'completed',
      state: { paid: { amount: 9 } },
    });

    const sig = await runner.signal(paid, 'payment.captured', { amount: 42 }, { signalId: 'psp-evt-1' });
    expect(sig).toMatchObject({ accepted: true, duplicate: false, status: 'waiting', signalId: 'psp-evt-1' });
    const dup = await runner.signal(paid, 'payment.captured', { amount: 42 }, { signalId: 'psp-evt-1' });
    expect(dup.duplicate).toBe(true);
    await runner.runDue();
    const p = await runner.admin.get(paid);
    expect(p).toMatchObject({ status: 'completed', state: { reserved: true, paid: { amount: 42 } } });
    expect(p.signals['payment.captured']).toMatchObject({ outcome: 'signalled', signalId: 'psp-evt-1' });
    expect(kinds(p.history)).toContain('wait.resumed:settle');

    expect((await runner.admin.get(late)).status).toBe('waiting');
    clock.advance(59_999);
    expect(await runner.runDue()).toBe(0);
    clock.advance(1);
    await runner.runDue();
    const l = await runner.admin.get(late);
    expect(l).toMatchObject({ status: 'completed', state: { reserved: true, cancelled: true } });
    expect(l.signals['payment.captured']).toMatchObject({ outcome: 'timeout', at: deadline });
    expect(kinds(l.history)).toContain('wait.timed_out:settle');

    // Signals to an ended saga are not accepted, only noted.
    await runner.start(flow, ended, { amount: 1 });
    await runner.signal(ended, 'payment.captured', {});
    await runner.runDue();
    const after = await runner.signal(ended, 'payment.captured', {});
    expect(after).toMatchObject({ accepted: false, status: 'completed' });
    expect(kinds((await runner.admin.get(ended)).history)).toContain('signal.ignored:');
  });

  it('lists sagas newest first with cursor pagination and filters, and counts them', async () => {
    const clock = new ManualClock('2031-01-01T00:00:00.000Z');
    const runner = makeRunner({ clock });
    const flow = defineFlow({ type: 't9.list', steps: [{ id: 'only', run: () => undefined }] });
    runner.register(flow);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(uid('t9'));
      await runner.start(flow, ids.at(-1)!, { i }, { correlationId: `cor_t9_${i % 2}` });
      clock.advance(10);
    }
    const page1 = await runner.admin.list({ type: 't9.list', limit: 2 });
    const page2 = await runner.admin.list({ type: 't9.list', limit: 2, after: page1.next! });
    const page3 = await runner.admin.list({ type: 't9.list', limit: 2, after: page2.next! });
    expect([...page1.items, ...page2.items, ...page3.items].map((s) => s.id)).toEqual([...ids].reverse());
    expect(page3.next).toBeUndefined();
    expect(page1.items[0]).not.toHaveProperty('state');
    const odd = await runner.admin.list({ correlationId: 'cor_t9_1' });
    expect(odd.items.map((s) => s.id)).toEqual([ids[3], ids[1]]);
    await runner.runDue();
    expect((await runner.admin.list({ type: 't9.list', status: ['running', 'waiting'] })).items).toEqual([]);
    expect((await runner.admin.list({ type: 't9.list', status: 'completed' })).items).toHaveLength(5);
    const stats = await runner.admin.stats();
    expect(stats.completed).toBeGreaterThanOrEqual(5);
    await expect(runner.admin.list({ after: 'garbage' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(runner.admin.list({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('stops gracefully: the in-flight step finishes and the saga is handed back', async () => {
    const runner = makeRunner();
    const entered = deferred();
    const gate = deferred();
    const flow = defineFlow({
      type: 't8.stop',
      steps: [
        {
          id: 'slow',
          run: async () => {
            entered.resolve();
            await gate.promise;
            return { slow: 'done' };
          },
        },
        { id: 'next', run: () => ({ next: 'done' }) },
      ],
    });
    runner.register(flow);
    runner.startRunner();
    const id = uid('t8');
    await runner.start(flow, id, {});
    await entered.promise; // woken by the start itself, no polling needed
    const stopping = runner.stop({ timeoutMs: 5000 });
    gate.resolve();
    await stopping;
    const handedBack = await runner.admin.get(id);
    expect(handedBack).toMatchObject({
      status: 'running',
      stepId: 'next',
      state: { slow: 'done' },
      lockedBy: null,
    });
    expect(kinds(handedBack.history)).not.toContain('step.started:next');

    const successor = makeRunner();
    successor.register(flow);
    await successor.runDue();
    expect((await successor.admin.get(id)).status).toBe('completed');
  });

  it('on stop, hands back a step that overruns the timeout and aborts it', async () => {
    const runner = makeRunner();
    const entered = deferred();
    let aborted = false;
    const hung = defineFlow({
      type: 't8.hung',
      steps: [
        {
          id: 'stuck',
          run: (ctx) =>
            new Promise((_, reject) => {
              entered.resolve();
              ctx.abortSignal.addEventListener('abort', () => {
                aborted = true;
                reject(new Error('aborted'));
              });
            }),
        },
      ],
    });
    runner.register(hung);
    runner.startRunner();
    const id = uid('t8h');
    await runner.start(hung, id, {});
    await entered.promise;
    const t0 = Date.now();
    await runner.stop({ timeoutMs: 200 });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(aborted).toBe(true);
    expect(await runner.admin.get(id)).toMatchObject({ status: 'running', lockedBy: null, attempt: 1 });
  });

  function spawnChild(args: string[]) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/saga-child.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const events: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        events.push(JSON.parse(line));
      } catch {
        // not one of ours
      }
    });
    const waitFor = (event: string) =>
      until(
        `child event "${event}" (stderr: ${stderr.slice(-500)})`,
        async () => events.find((e) => e.event === event),
        15_000,
      );
    return { child, waitFor };
  }
  const dbArgs = () =>
    backend === 'sqlite' ? ['sqlite', ts.location.sqliteFile!] : ['postgres', ts.location.pgUrl!];

  it('fires a durable timer after the process that scheduled it was killed', async () => {
    const tmp = tempDir('keel-saga-');
    try {
      const id = uid('t5sleep');
      const { child, waitFor } = spawnChild(['sleep', ...dbArgs(), tmp.dir, id, '1500']);
      const sleeping = await waitFor('sleeping');
      child.kill('SIGKILL');
      const before = await makeRunner().admin.get(id);
      expect(before).toMatchObject({ status: 'sleeping', stepId: 'after', lockedBy: null });
      expect(before.wakeAt).toBe(sleeping.wakeAt);
      expect(Date.parse(before.wakeAt!)).toBeGreaterThan(Date.now());

      const runner = makeRunner({ config: { pollMs: 5000 } }); // the nearest-timer wake-up, not the poll, fires it
      runner.register(sleeperFlow(store));
      runner.startRunner();
      const done = await until('saga completed', async () => {
        const s = await runner.admin.get(id);
        return s.status === 'completed' && s;
      });
      const fired = done.history.find((e) => e.kind === 'timer.fired')!;
      expect(fired.at >= before.wakeAt!).toBe(true);
      expect(Date.parse(fired.at) - Date.parse(before.wakeAt!)).toBeLessThan(1500);
      const effects = await store.db
        .selectFrom('test_saga_effects')
        .selectAll()
        .where('saga_id', '=', id)
        .execute();
      const byStep = Object.fromEntries(effects.map((e) => [e.step_id, Number(e.pid)]));
      expect(byStep).toEqual({ before: sleeping.pid, after: process.pid });
    } finally {
      tmp.remove();
    }
  });

  it('re-runs a step whose process was killed mid-run once its claim expires', async () => {
    const tmp = tempDir('keel-saga-');
    try {
      const id = uid('t5hang');
      const { child, waitFor } = spawnChild(['hang', ...dbArgs(), tmp.dir, id]);
      await waitFor('started');
      await until('step marker', async () =>
        readdirSync(tmp.dir).some((f) => f.startsWith(`${id}.${child.pid}.`)),
      );
      child.kill('SIGKILL');
      const claimed = await makeRunner().admin.get(id);
      expect(claimed).toMatchObject({ status: 'running', stepId: 'work', attempt: 1 });
      expect(claimed.lockedBy).toBe(`child-hang-${child.pid}`);

      const runner = makeRunner({ config: { leaseMs: 1000, pollMs: 5000 } });
      runner.register(hangFlow(store, { hang: false, markerDir: tmp.dir }));
      runner.startRunner();
      const done = await until('saga completed', async () => {
        const s = await runner.admin.get(id);
        return s.status === 'completed' && s;
      });
      expect(done.state).toEqual({ by: process.pid });
      expect(existsSync(`${tmp.dir}/${id}.${process.pid}.started`)).toBe(true);
      const starts = done.history.filter((e) => e.kind === 'step.started');
      expect(starts.map((e) => [e.attempt, e.details.runner])).toEqual([
        [1, `child-hang-${child.pid}`],
        [2, runner.id],
      ]);
      const expired = done.history.find((e) => e.kind === 'lease.expired')!;
      expect(expired.details).toEqual({ previousOwner: `child-hang-${child.pid}` });
      expect(expired.at >= claimed.lockedUntil!).toBe(true);
    } finally {
      tmp.remove();
    }
  });

  it('two runner processes share 20 sagas: all complete, each step once, never concurrently', async () => {
    const tmp = tempDir('keel-saga-');
    try {
      const a = spawnChild(['work', ...dbArgs(), tmp.dir]);
      const b = spawnChild(['work', ...dbArgs(), tmp.dir]);
      await Promise.all([a.waitFor('ready'), b.waitFor('ready')]);
      const starter = makeRunner(); // starts sagas; never runs them (not started)
      const flow = multiFlow(store);
      starter.register(flow);
      const ids = Array.from({ length: 20 }, () => uid('t7'));
      // All 20 become due in one commit: more than one runner's concurrency (4), so both must work.
      await store.tx(async (tx) => {
        for (const id of ids) await starter.start(flow, id, {}, { tx });
      });
      await until(
        'all 20 sagas completed',
        async () => {
          const page = await starter.admin.list({ type: 'test.multi', status: 'completed', limit: 500 });
          return ids.every((id) => page.items.some((s) => s.id === id));
        },
        15_000,
      );
      const inv = await store.db
        .selectFrom('test_saga_invocations')
        .selectAll()
        .where('saga_id', 'in', ids)
        .orderBy('seq')
        .execute();
      expect(inv).toHaveLength(60); // 20 sagas x 3 steps, none re-run
      for (const id of ids) {
        const mine = inv
          .filter((r) => r.saga_id === id)
          .sort((x, y) => (x.started_at < y.started_at ? -1 : 1));
        expect(mine.map((r) => r.step_id)).toEqual(['a', 'b', 'c']);
        for (let i = 1; i < mine.length; i++)
          expect(mine[i]!.started_at >= mine[i - 1]!.finished_at!).toBe(true);
      }
      const pids = new Set(inv.map((r) => Number(r.pid)));
      expect(pids).toEqual(new Set([a.child.pid, b.child.pid]));
      const effects = await store.db
        .selectFrom('test_saga_effects')
        .selectAll()
        .where('saga_id', 'in', ids)
        .execute();
      expect(effects).toHaveLength(60);
    } finally {
      tmp.remove();
    }
  });
});

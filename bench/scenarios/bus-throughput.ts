import type { EventInput } from '../../src/kernel/events.js';
import { nowMs, waitUntil } from '../support/stats.js';
import {
  BenchHappened,
  type BusBackend,
  inboxCount,
  openBusFixture,
  operationContext,
} from './bus-fixture.js';

export interface ThroughputPlan {
  events: number;
  /** Events appended per transaction. */
  batch: number;
  /** Concurrent producers, each appending batch after batch. */
  producers: number;
  /** Distinct partition keys, cycled through. */
  keys: number;
}

export interface ThroughputResult {
  /** Appended, delivered, handled and acknowledged: first append → last handler commit. */
  eventsPerS: number;
  /** Appends alone: first append → last append transaction committed. */
  appendedPerS: number;
  seconds: number;
}

/**
 * End-to-end throughput: producers append in batches inside transactions (durable commits) while
 * one consumer group with a trivial handler drains the log through the production machinery
 * (inbox claim in the handler's transaction, positions, acks). Verified afterwards: every event
 * handled exactly once.
 */
export async function measureThroughput(
  backend: BusBackend,
  plan: ThroughputPlan,
  log: (m: string) => void,
): Promise<ThroughputResult> {
  let handled = 0;
  let committed = 0;
  let handlerBatches = 0;
  const fx = await openBusFixture(backend, {
    handle: () => {
      handled++;
    },
    committed: (n) => {
      committed += n;
      handlerBatches++;
    },
  });
  try {
    const batches = Math.ceil(plan.events / plan.batch);
    let next = 0;
    const started = nowMs();
    const producer = async () => {
      for (let b = next++; b < batches; b = next++) {
        const from = b * plan.batch;
        const to = Math.min(plan.events, from + plan.batch);
        const t = nowMs();
        const inputs: EventInput[] = [];
        for (let n = from; n < to; n++) inputs.push(BenchHappened.input(`key-${n % plan.keys}`, { n, t }));
        // Each batch is one operation (an import, a request) with its own correlation and trace.
        await fx.store.tx((tx) => fx.bus.append(tx, inputs, operationContext()));
      }
    };
    await Promise.all(Array.from({ length: plan.producers }, producer));
    const appendedAt = nowMs();
    log(
      `${backend}: ${plan.events} events appended in ${((appendedAt - started) / 1000).toFixed(1)} s; ${committed} handled so far`,
    );
    await waitUntil(() => committed >= plan.events, 300_000, `${plan.events} events handled`);
    const done = nowMs();
    log(`${backend}: handled in ${handlerBatches} handler transactions`);
    const inbox = await inboxCount(fx.store);
    if (inbox !== plan.events || handled !== plan.events) {
      throw new Error(
        `${backend}: expected each of ${plan.events} events handled once; handler ran ${handled} times, inbox holds ${inbox}`,
      );
    }
    const seconds = (done - started) / 1000;
    return {
      eventsPerS: plan.events / seconds,
      appendedPerS: plan.events / ((appendedAt - started) / 1000),
      seconds,
    };
  } finally {
    await fx.close();
  }
}

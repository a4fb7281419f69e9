import { nowMs, type Summary, sleep, summarize, waitUntil } from '../support/stats.js';
import { BenchHappened, type BusBackend, openBusFixture, operationContext } from './bus-fixture.js';

export interface LatencyPlan {
  /** Events per second offered. */
  rate: number;
  /** A tick every `tickMs` appends rate × tickMs / 1000 events, each in its own transaction. */
  tickMs: number;
  /** Offered but not counted: lets connections, statements and the JIT warm up. */
  warmupS: number;
  /** Offered and counted. */
  durationS: number;
  /** How long after the last offer events may still arrive before they count as unfinished. */
  drainS: number;
  keys: number;
}

export interface LatencyResult extends Summary {
  /** The rate actually offered (below `rate` if the generator itself fell behind). */
  offeredPerS: number;
  /** Counted events not handled by the drain deadline (their latency counts as the time waited). */
  unfinished: number;
}

/**
 * Append-to-handled latency at a fixed offered rate (an open-loop generator: it does not wait
 * for earlier appends before offering the next ones). Each event carries the wall-clock time taken
 * just before its append transaction started; the handler subtracts it from its own clock. An
 * overloaded backend is not waited for forever: what is not handled by the drain deadline counts
 * with the time it had waited, so its percentiles are lower bounds.
 */
export async function measureLatency(
  backend: BusBackend,
  plan: LatencyPlan,
  log: (m: string) => void,
): Promise<LatencyResult> {
  const perTick = Math.round((plan.rate * plan.tickMs) / 1000);
  const warmTicks = Math.round((plan.warmupS * 1000) / plan.tickMs);
  const ticks = warmTicks + Math.round((plan.durationS * 1000) / plan.tickMs);
  const total = ticks * perTick;
  const offeredAt = new Float64Array(total);
  const latency = new Float64Array(total).fill(Number.NaN);
  let seen = 0;
  const fx = await openBusFixture(backend, {
    handle: (event) => {
      const { n, t } = event.data as { n: number; t: number };
      if (Number.isNaN(latency[n]!)) {
        latency[n] = nowMs() - t;
        seen++;
      }
    },
    committed: () => {},
  });
  try {
    let inflight = 0;
    let failures = 0;
    let lastError: unknown;
    let committedAt = 0;
    const start = nowMs();
    let measuredFrom = start;
    for (let k = 0; k < ticks; k++) {
      const due = start + k * plan.tickMs;
      const wait = due - nowMs();
      if (wait >= 1) await sleep(wait);
      if (k === warmTicks) measuredFrom = nowMs();
      for (let i = 0; i < perTick; i++) {
        const n = k * perTick + i;
        inflight++;
        const t = nowMs();
        offeredAt[n] = t;
        fx.store
          .tx((tx) =>
            fx.bus.append(tx, [BenchHappened.input(`key-${n % plan.keys}`, { n, t })], operationContext()),
          )
          .then(
            () => {
              if (--inflight === 0) committedAt = nowMs();
            },
            (err) => {
              if (--inflight === 0) committedAt = nowMs();
              failures++;
              lastError = err;
            },
          );
      }
    }
    const offeredUntil = nowMs();
    const deadline = offeredUntil + plan.drainS * 1000;
    await waitUntil(() => seen >= total || nowMs() > deadline, plan.drainS * 1000 + 1000, 'the drain');
    const end = nowMs();
    if (failures > 0) throw new Error(`${backend}: ${failures} appends failed: ${String(lastError)}`);
    let unfinished = 0;
    const counted: number[] = [];
    for (let n = warmTicks * perTick; n < total; n++) {
      if (Number.isNaN(latency[n]!)) {
        unfinished++;
        counted.push(end - offeredAt[n]!);
      } else counted.push(latency[n]!);
    }
    // The last tick's window ends one tick after it was offered.
    const offeredPerS =
      ((ticks - warmTicks) * perTick) / ((offeredUntil - measuredFrom + plan.tickMs) / 1000);
    const summary = summarize(counted);
    log(
      `${backend}: ${summary.count} events at ${Math.round(offeredPerS)}/s offered` +
        (inflight === 0
          ? `, appends committed ${((committedAt - offeredUntil) / 1000).toFixed(1)} s after the last offer`
          : `, ${inflight} appends still uncommitted`) +
        `: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms, max ${summary.max.toFixed(1)} ms` +
        (unfinished ? ` (${unfinished} unfinished after ${plan.drainS} s: lower bounds)` : ''),
    );
    return { ...summary, offeredPerS, unfinished };
  } finally {
    await fx.close();
  }
}

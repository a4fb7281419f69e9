import type { StoredEvent } from '../kernel/events.js';
import type { BusAdmin } from '../kernel/ports/bus.js';
import { LATENCY_BUCKETS, type Metrics } from './metrics.js';

/**
 * Prometheus metrics of the event bus: handled/failed/dead-lettered counts and handling time per
 * group (fed by the bus as it works), and each group's lag and open dead letters (read on scrape).
 */
export function busMetrics(metrics: Metrics, admin: () => BusAdmin) {
  const handled = metrics.counter({
    name: 'keel_bus_events_handled_total',
    help: 'Events handled (or found already handled) per consumer group',
    labelNames: ['group'],
  });
  const failed = metrics.counter({
    name: 'keel_bus_handler_failures_total',
    help: 'Failed handler attempts per consumer group',
    labelNames: ['group'],
  });
  const dead = metrics.counter({
    name: 'keel_bus_dead_letters_total',
    help: 'Events parked in the dead-letter queue per consumer group',
    labelNames: ['group'],
  });
  const seconds = metrics.histogram({
    name: 'keel_bus_batch_seconds',
    help: 'Time to handle one batch in its transaction',
    labelNames: ['group'],
    buckets: LATENCY_BUCKETS,
  });
  const latency = metrics.histogram({
    name: 'keel_bus_delivery_latency_seconds',
    help: 'From append to handled, per consumer group',
    labelNames: ['group'],
    buckets: LATENCY_BUCKETS,
  });
  metrics.gauge({
    name: 'keel_bus_group_lag',
    help: 'Log positions a consumer group is behind the head',
    labelNames: ['group'],
    async collect() {
      this.reset();
      for (const g of await admin().groups()) this.set({ group: g.group }, g.lag);
    },
  });
  metrics.gauge({
    name: 'keel_bus_open_dead_letters',
    help: 'Dead letters awaiting an operator, per consumer group',
    labelNames: ['group'],
    async collect() {
      this.reset();
      for (const g of await admin().groups()) this.set({ group: g.group }, g.openDeadLetters);
    },
  });
  return {
    handled(group: string, events: readonly StoredEvent[], ms: number) {
      handled.inc({ group }, events.length);
      seconds.observe({ group }, ms / 1000);
      const now = Date.now();
      for (const e of events) latency.observe({ group }, Math.max(0, now - Date.parse(e.time)) / 1000);
    },
    failed(group: string) {
      failed.inc({ group });
    },
    deadLettered(group: string) {
      dead.inc({ group });
    },
  };
}

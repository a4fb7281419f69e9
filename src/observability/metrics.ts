import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';

/**
 * One Prometheus registry per application instance (never prom-client's global one), so that several
 * apps or test servers in one process keep separate metrics. Components register theirs through the
 * get-or-create helpers: asking twice for the same name returns the same metric, asking for an
 * existing name with another type throws.
 */
export interface Metrics {
  readonly registry: Registry;
  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L>;
  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L>;
  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L>;
  /** The exposition text for `/metrics`. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC). Default true. */
  defaultMetrics?: boolean;
  /** Labels added to every metric (e.g. `{ instance: 'worker-2' }`). */
  defaultLabels?: Record<string, string>;
}

/** Buckets for request and handler latencies, in seconds: 1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  function getOrCreate<M extends Metric<string>>(
    name: string,
    type: abstract new (...a: any[]) => M,
    make: () => M,
  ): M {
    const existing = registry.getSingleMetric(name);
    if (existing === undefined) return make();
    if (!(existing instanceof type))
      throw new TypeError(`metric ${name} already registered with another type`);
    return existing as M;
  }

  return {
    registry,
    contentType: registry.contentType,
    counter: (config) =>
      getOrCreate(config.name, Counter, () => new Counter({ ...config, registers: [registry] })),
    gauge: (config) => getOrCreate(config.name, Gauge, () => new Gauge({ ...config, registers: [registry] })),
    histogram: (config) =>
      getOrCreate(config.name, Histogram, () => new Histogram({ ...config, registers: [registry] })),
    render: () => registry.metrics(),
  };
}

import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('metrics', () => {
  it('keeps a registry per instance, with default metrics', async () => {
    const a = createMetrics();
    const b = createMetrics({ defaultMetrics: false });
    a.counter({ name: 'keel_test_total', help: 'test' }).inc(3);
    expect(await a.render()).toContain('keel_test_total 3');
    expect(await a.render()).toContain('process_cpu_user_seconds_total');
    expect(await b.render()).not.toContain('keel_test_total');
    expect(await b.render()).not.toContain('process_cpu_user_seconds_total');
  });

  it('returns the same metric when asked twice, and refuses a type clash', () => {
    const m = createMetrics({ defaultMetrics: false });
    const h = m.histogram({ name: 'keel_x_seconds', help: 'x', labelNames: ['group'] });
    expect(m.histogram({ name: 'keel_x_seconds', help: 'x', labelNames: ['group'] })).toBe(h);
    expect(() => m.counter({ name: 'keel_x_seconds', help: 'x' })).toThrow(/another type/);
  });
});

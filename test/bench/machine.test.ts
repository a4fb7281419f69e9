import { describe, expect, it } from 'vitest';
import { calibrate } from '../../bench/support/calibrate.js';
import { cpuTicks, stealPercent } from '../../bench/support/machine.js';

describe('bench machine description', () => {
  it('computes the stolen share of CPU time between two samples', () => {
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 2000, steal: 160 })).toBe(15);
    expect(stealPercent({ total: 1000, steal: 10 }, { total: 1000, steal: 10 })).toBeUndefined();
    expect(stealPercent(undefined, { total: 1, steal: 0 })).toBeUndefined();
  });

  it('reads cumulative CPU ticks on Linux', () => {
    const a = cpuTicks();
    if (process.platform !== 'linux') return expect(a).toBeUndefined();
    expect(a!.total).toBeGreaterThan(0);
    expect(a!.steal).toBeGreaterThanOrEqual(0);
    expect(a!.steal).toBeLessThanOrEqual(a!.total);
  });

  it('calibrates with two positive timings', () => {
    const c = calibrate();
    expect(c.cpuMs).toBeGreaterThan(0);
    expect(c.commitMs).toBeGreaterThan(0);
  });
});

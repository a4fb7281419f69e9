import { describe, expect, it } from 'vitest';
import { mergeRecord, type ScenarioRecord } from '../../bench/support/results.js';

const record = (ranAt: string, backends: string[], value: number): ScenarioRecord => ({
  ranAt,
  durationS: 1,
  load: [1, 1],
  quick: false,
  figures: backends.map((backend) => ({ scenario: 'pim', backend, metric: 'x', value, unit: '1/s' })),
  skipped: [],
  targets: backends.map((backend) => ({
    backend,
    metric: 'x',
    op: '>=',
    value: 1,
    actual: value,
    met: true,
  })),
});

describe('bench results: one scenario run per backend on the same day', () => {
  it('keeps the figures of backends the new run did not measure, and names the run they came from', () => {
    const merged = mergeRecord(record('t1', ['sqlite'], 5), record('t2', ['postgres'], 3));
    expect(merged.figures.map((f) => [f.backend, f.value])).toEqual([
      ['sqlite', 5],
      ['postgres', 3],
    ]);
    expect(merged.targets.map((t) => t.backend)).toEqual(['sqlite', 'postgres']);
    expect(merged.ranAt).toBe('t2');
    expect(merged.earlier).toEqual([{ ranAt: 't1', load: [1, 1], backends: ['sqlite'] }]);
  });

  it('replaces the figures of a backend measured again', () => {
    const merged = mergeRecord(record('t1', ['sqlite', 'postgres'], 5), record('t2', ['sqlite'], 7));
    expect(merged.figures.map((f) => [f.backend, f.value])).toEqual([
      ['postgres', 5],
      ['sqlite', 7],
    ]);
    const again = mergeRecord(merged, record('t3', ['postgres', 'sqlite'], 9));
    expect(again.figures.map((f) => f.value)).toEqual([9, 9]);
    expect(again.earlier).toBeUndefined();
  });
});

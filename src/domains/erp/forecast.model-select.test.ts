import { describe, expect, it } from 'vitest';
import { forecastDemand } from './forecast.holt-winters.js';
import { defaultCandidates, selectModel } from './forecast.model-select.js';

function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (2 * s) / 2147483648 - 1;
  };
}

function weekly(length = 156, seed = 7): number[] {
  const r = noise(seed);
  return Array.from({ length }, (_, t) =>
    Math.round(100 + 0.5 * t + 30 * Math.sin((2 * Math.PI * t) / 52) + 5 * r()),
  );
}

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('model selection by backtest error', () => {
  it('picks a Holt-Winters variant for a seasonal series with trend, and refits it on the whole history', () => {
    const history = weekly();
    const s = selectModel(history, { horizon: 4, seasonLength: 52, backtest: { origins: 13, step: 4 } });
    expect(s.metric).toBe('mae');
    expect(s.winner.name).toMatch(/^holt-winters/);
    expect(s.skipped).toEqual([]);
    expect(s.ranking).toHaveLength(defaultCandidates(52).length);
    const scores = s.ranking.map((c) => c.score!);
    expect(scores).toEqual(scores.slice().sort((a, b) => a - b));
    expect(s.winner.score).toBe(s.winner.report.mae);
    // Every candidate was judged on the same origins.
    const origins = new Set(s.ranking.map((c) => c.report.folds.map((f) => f.origin).join(',')));
    expect(origins.size).toBe(1);
    expect(s.forecast).toEqual(forecastDemand(history, 4, s.winner.spec));
  });

  it('skips models the history cannot support, with the reason, and picks among the rest', () => {
    const s = selectModel(weekly(40), { horizon: 2, seasonLength: 52 });
    const skipped = s.skipped.map((k) => k.name);
    expect(skipped).toEqual([
      'seasonal-naive',
      'holt-winters-additive',
      'holt-winters-additive-damped',
      'holt-winters-multiplicative',
    ]);
    expect(new Set(s.skipped.map((k) => k.code))).toEqual(new Set(['ERP_FORECAST_HISTORY_TOO_SHORT']));
    expect(s.winner.name).not.toMatch(/holt-winters|seasonal/);
  });

  it('keeps candidate order on equal scores, so the simpler model listed first wins', () => {
    const candidates = [
      { name: 'first', spec: { method: 'naive' as const } },
      { name: 'second', spec: { method: 'naive' as const } },
    ];
    const s = selectModel([4, 5, 6, 5, 4, 5, 6, 5], { horizon: 1, candidates });
    expect(s.winner.name).toBe('first');
    expect(s.ranking[1]!.score).toBe(s.ranking[0]!.score);
  });

  it('ranks an undefined score (MAPE of all-zero actuals) last instead of letting NaN decide', () => {
    const y = [0, 0, 0, 0, 0, 0, 0, 0];
    const s = selectModel(y, { horizon: 1, metric: 'mapePct' });
    expect(s.ranking.every((c) => c.score === null)).toBe(true);
    expect(s.winner.name).toBe('mean');
    expect(s.forecast.values).toEqual([0]);
  });

  it('propagates bad data instead of skipping every candidate, and refuses what it cannot do', () => {
    expect(codeOf(() => selectModel([3, 4, -1, 5, 6], { horizon: 1 }))).toBe('ERP_FORECAST_NEGATIVE_DEMAND');
    expect(codeOf(() => selectModel([3, 4], { horizon: 1 }))).toBe('ERP_FORECAST_HISTORY_TOO_SHORT');
    expect(codeOf(() => selectModel([3, 4, 5, 6], { horizon: 1, candidates: [] }))).toBe(
      'ERP_FORECAST_OPTIONS_INVALID',
    );
    const metric = 'r2' as unknown as 'mae';
    expect(codeOf(() => selectModel([3, 4, 5, 6], { horizon: 1, metric }))).toBe(
      'ERP_FORECAST_OPTIONS_INVALID',
    );
  });
});

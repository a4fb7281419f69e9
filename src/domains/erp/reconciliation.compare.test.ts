import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allowedDrift, combine, judgeLine, summarize, withinTolerance } from './reconciliation.compare.js';
import type { ReconciliationPolicy } from './reconciliation.types.js';
import { checkLines, checkReferences } from './reconciliation.validate.js';

const exact: ReconciliationPolicy = { tolerance: { units: 0, basisPoints: 0 }, exceptionAfterRuns: 2 };

describe('tolerance', () => {
  it('is the larger of the absolute units and the share of the expected quantity', () => {
    expect(allowedDrift(100, { units: 0, basisPoints: 0 })).toBe(0);
    expect(allowedDrift(100, { units: 2, basisPoints: 0 })).toBe(2);
    // 5 % of 100 = 5 beats 2 units; 5 % of 10 = 0.5 floors to 0, so the 2 units apply.
    expect(allowedDrift(100, { units: 2, basisPoints: 500 })).toBe(5);
    expect(allowedDrift(10, { units: 2, basisPoints: 500 })).toBe(2);
    expect(allowedDrift(-40, { units: 0, basisPoints: 500 })).toBe(2);
  });

  it('matches at the edge and not one unit beyond, either way', () => {
    const t = { units: 3, basisPoints: 0 };
    expect(withinTolerance(13, 10, t)).toBe(true);
    expect(withinTolerance(7, 10, t)).toBe(true);
    expect(withinTolerance(14, 10, t)).toBe(false);
    expect(withinTolerance(6, 10, t)).toBe(false);
  });
});

describe('judgeLine', () => {
  it('matches within tolerance and breaks the streak', () => {
    expect(judgeLine(10, 10, 5, exact)).toEqual({ outcome: 'matched', delta: 0, streak: 0 });
  });

  it('heals the first drift and escalates when the streak reaches exceptionAfterRuns', () => {
    expect(judgeLine(12, 10, 0, exact)).toEqual({ outcome: 'healed', delta: 2, streak: 1 });
    expect(judgeLine(12, 10, 1, exact)).toEqual({ outcome: 'exception', delta: 2, streak: 2 });
    expect(judgeLine(8, 10, 4, exact)).toEqual({ outcome: 'exception', delta: -2, streak: 5 });
    expect(judgeLine(8, 10, 0, { ...exact, exceptionAfterRuns: 1 }).outcome).toBe('exception');
    expect(judgeLine(8, 10, 1, { ...exact, exceptionAfterRuns: 3 }).outcome).toBe('healed');
  });

  it('accepts exactly the ignored difference, whatever the streak; any other drift is judged', () => {
    expect(judgeLine(8, 10, 0, exact, -2)).toEqual({ outcome: 'accepted', delta: -2, streak: 0 });
    expect(judgeLine(8, 10, 7, exact, -2)).toEqual({ outcome: 'accepted', delta: -2, streak: 0 });
    expect(judgeLine(12, 10, 0, exact, -2)).toEqual({ outcome: 'healed', delta: 2, streak: 1 });
    expect(judgeLine(7, 10, 1, exact, -2)).toEqual({ outcome: 'exception', delta: -3, streak: 2 });
    // Within tolerance is a match, not an acceptance.
    expect(judgeLine(9, 10, 0, { ...exact, tolerance: { units: 1, basisPoints: 0 } }, -1).outcome).toBe(
      'matched',
    );
  });
});

describe('summarize', () => {
  it('counts outcomes, accuracy as the matched share and the absolute unit error', () => {
    const s = summarize([
      { outcome: 'matched', delta: 1 },
      { outcome: 'healed', delta: -3 },
      { outcome: 'exception', delta: 4 },
      { outcome: 'matched', delta: 0 },
    ]);
    expect(s).toEqual({ lines: 4, matched: 2, healed: 1, exceptions: 1, accuracy: 0.5, unitError: 8 });
    // An accepted difference counts as matched, and still as unit error.
    expect(
      summarize([
        { outcome: 'accepted', delta: -2 },
        { outcome: 'healed', delta: 1 },
      ]),
    ).toEqual({
      lines: 2,
      matched: 1,
      healed: 1,
      exceptions: 0,
      accuracy: 0.5,
      unitError: 3,
    });
    expect(summarize([]).accuracy).toBe(1);
  });

  it('combines runs weighted by their lines, not by averaging their accuracies', () => {
    const a = summarize([{ outcome: 'matched', delta: 0 }]);
    const b = summarize([
      { outcome: 'healed', delta: 2 },
      { outcome: 'healed', delta: 2 },
      { outcome: 'matched', delta: 0 },
    ]);
    expect(combine([a, b])).toMatchObject({ lines: 4, matched: 2, healed: 2, accuracy: 0.5, unitError: 4 });
  });
});

describe('properties', () => {
  const line = fc.record({
    reported: fc.integer({ min: 0, max: 1000 }),
    expected: fc.integer({ min: -50, max: 1000 }),
    streak: fc.integer({ min: 0, max: 5 }),
  });
  const policy = fc.record({
    tolerance: fc.record({
      units: fc.integer({ min: 0, max: 5 }),
      basisPoints: fc.integer({ min: 0, max: 2000 }),
    }),
    exceptionAfterRuns: fc.integer({ min: 1, max: 4 }),
  });

  it('accuracy is in [0, 1] and is 1 exactly when every line is within tolerance', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 50 }), policy, (lines, p) => {
        const judged = lines.map((l) => judgeLine(l.reported, l.expected, l.streak, p));
        const s = summarize(judged);
        expect(s.accuracy).toBeGreaterThanOrEqual(0);
        expect(s.accuracy).toBeLessThanOrEqual(1);
        const allWithin = lines.every((l) => withinTolerance(l.reported, l.expected, p.tolerance));
        expect(s.accuracy === 1).toBe(allWithin);
        expect(s.matched + s.healed + s.exceptions).toBe(lines.length);
        expect(s.unitError).toBe(lines.reduce((sum, l) => sum + Math.abs(l.reported - l.expected), 0));
      }),
    );
  });

  it('a drifting line escalates exactly when its streak reaches exceptionAfterRuns', () => {
    fc.assert(
      fc.property(line, policy, (l, p) => {
        const j = judgeLine(l.reported, l.expected, l.streak, p);
        if (j.outcome === 'matched') expect(withinTolerance(l.reported, l.expected, p.tolerance)).toBe(true);
        else {
          expect(j.streak).toBe(l.streak + 1);
          expect(j.outcome === 'exception').toBe(l.streak + 1 >= p.exceptionAfterRuns);
        }
      }),
    );
  });
});

describe('validation', () => {
  it('lists every shape problem with its code', () => {
    const { measure, errors } = checkLines([
      { sku: 'TEE-1', location: 'WH1', quantity: 3 },
      { sku: 'TEE-1', location: 'WH1', quantity: 4 },
      { sku: 'bad sku', location: 'WH1', quantity: -1 },
      { sku: 'MUG-1', quantity: 1.5 },
      { sku: 'MUG-1', location: 'WH1', channel: 'web', quantity: 1 },
      { sku: 'CAP-1', channel: 'web', quantity: 1 },
    ]);
    expect(measure).toBe('available');
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['lines[1].sku', 'LINE_DUPLICATE'],
      ['lines[2].sku', 'SKU_INVALID'],
      ['lines[2].quantity', 'QUANTITY_INVALID'],
      ['lines[3].location', 'TARGET_MISSING'],
      ['lines[3].quantity', 'QUANTITY_INVALID'],
      ['lines[4].location', 'TARGET_AMBIGUOUS'],
      ['lines[5].channel', 'MEASURE_MIXED'],
    ]);
  });

  it('names unknown SKUs and targets of the measure', () => {
    const lines = [
      { sku: 'TEE-1', channel: 'web', quantity: 1 },
      { sku: 'NOPE', channel: 'nowhere', quantity: 1 },
    ];
    expect(checkLines(lines)).toEqual({ measure: 'atp', errors: [] });
    const errors = checkReferences(lines, 'atp', { skus: new Set(['TEE-1']), targets: new Set(['web']) });
    expect(errors.map((e) => [e.field, e.code])).toEqual([
      ['lines[1].sku', 'SKU_UNKNOWN'],
      ['lines[1].channel', 'CHANNEL_UNKNOWN'],
    ]);
  });
});

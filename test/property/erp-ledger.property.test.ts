/**
 * Property: for any sequence of inventory movements — valid or not, single or in batches, some
 * delivered twice — the levels equal the sum of the postings (verifyLevels is clean), no bucket
 * but a backorderable `available` goes below zero, a refused batch changes nothing, and a movement
 * delivered again (a reservation redelivered by an at-least-once bus) counts once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, Level, MovementInput, MovementType } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();
const RUNS = Number(process.env.KEEL_PROP_RUNS ?? 30);

/** Receipts and reservations weigh more, so runs hold stock to move (else nearly all is refused). */
const TYPES: MovementType[] = [
  'receipt',
  'receipt',
  'receipt',
  'receipt',
  'reservation',
  'expect_inbound',
  'inbound_cancel',
  'reservation',
  'reservation',
  'release',
  'allocation',
  'pick',
  'shipment',
  'return_restock',
  'adjustment',
  'cycle_count',
  'transfer_out',
  'transfer_in',
  'scrap',
];

const move = fc.record({
  type: fc.constantFrom(...TYPES),
  sku: fc.constantFrom('A', 'B'),
  loc: fc.constantFrom('WH1', 'WH2'),
  q: fc.integer({ min: 1, max: 6 }),
  key: fc.constantFrom('k1', 'k2', 'k3'),
  withKey: fc.boolean(),
  counted: fc.integer({ min: 0, max: 12 }),
  up: fc.boolean(),
  picked: fc.boolean(),
});
type Move = typeof move extends fc.Arbitrary<infer T> ? T : never;

/** Typical flows, so the later movement types meet stock to act on; random moves interleave. */
const chain = move.map((m) => {
  const step = (type: MovementType, over: Partial<Move> = {}) => ({ ...m, type, ...over });
  const other = m.loc === 'WH1' ? 'WH2' : 'WH1';
  switch (m.counted % 3) {
    case 0:
      return [
        step('receipt'),
        step('reservation'),
        step('allocation', { withKey: true }),
        step('pick'),
        step('shipment', { picked: m.picked }),
      ];
    case 1:
      return [
        step('receipt'),
        step('transfer_out'),
        step('transfer_in', { loc: other as Move['loc'] }),
        step('return_restock'),
      ];
    default:
      return [
        step('receipt'),
        step('reservation'),
        step('release'),
        step('expect_inbound', { q: m.q + 2 }),
        step('receipt', { withKey: true, q: 1 }),
        step('inbound_cancel', { q: 1 }),
      ];
  }
});

const op = fc.oneof(
  { weight: 2, arbitrary: chain.map((moves) => ({ kind: 'chain' as const, moves })) },
  { weight: 6, arbitrary: move.map((m) => ({ kind: 'post' as const, moves: [m] })) },
  {
    weight: 2,
    arbitrary: fc
      .array(move, { minLength: 2, maxLength: 3 })
      .map((moves) => ({ kind: 'post' as const, moves })),
  },
  { weight: 1, arbitrary: fc.nat().map((n) => ({ kind: 'redeliver' as const, n })) },
);

/** A generated move as a movement of run `run`; keys and inbound lines are shared within the run. */
function toMovement(run: string, m: Move, reference: string): MovementInput {
  const base = { reference, sku: `${run}-${m.sku}`, location: m.loc, type: m.type };
  const key = `${run}:${m.key}`;
  const other = m.loc === 'WH1' ? 'WH2' : 'WH1';
  switch (m.type) {
    case 'expect_inbound':
      return { ...base, quantity: m.q, eta: '2030-01-01T00:00:00Z' };
    case 'inbound_cancel':
      return { ...base, quantity: m.q, inbound: `${run}:inbound:${m.key}` };
    case 'receipt':
      return { ...base, quantity: m.q, ...(m.withKey ? { inbound: `${run}:inbound:${m.key}` } : {}) };
    case 'reservation':
      return { ...base, quantity: m.q, reservation: key };
    case 'release':
      return { ...base, reservation: key, ...(m.withKey ? { quantity: m.q } : {}) };
    case 'allocation':
      return m.withKey ? { ...base, reservation: key } : { ...base, quantity: m.q };
    case 'shipment':
      return { ...base, quantity: m.q, from: m.picked ? 'picked' : 'allocated' };
    case 'adjustment':
      return { ...base, quantity: m.q, direction: m.up ? 'increase' : 'decrease' };
    case 'cycle_count':
      return { ...base, counted: m.counted };
    case 'transfer_out':
      return { ...base, quantity: m.q, toLocation: other };
    default:
      return { ...base, quantity: m.q };
  }
}

describe.each(backends)('ERP ledger properties [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let runs = 0;
  /** Outcomes over all runs: the property must see both applied and refused batches. */
  const seen = { applied: 0, refused: 0, repeated: 0, types: new Set<string>() };
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1', 'WH2']);
  });
  afterAll(async () => t?.cleanup());

  const levelsOf = async (run: string): Promise<Level[]> =>
    (await Promise.all(['A', 'B'].map((s) => erp.ledger.levels({ sku: `${run}-${s}` })))).flatMap(
      (p) => p.items,
    );

  it('levels are the sum of postings; stock rules hold; refusals and repeats change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 10, maxLength: 40 }),
        fc.boolean(),
        async (ops, backorderB) => {
          const run = `p${++runs}`;
          // Backorders allowed for B at WH1 for the whole run (never toggled: the rule is then exact).
          if (backorderB)
            await erp.ledger.putSettings([
              { sku: `${run}-B`, location: 'WH1', safetyStock: 0, allowBackorder: true },
            ]);
          const posted: MovementInput[][] = [];
          // A chain's steps are posted one by one.
          const flat = ops.flatMap((o) =>
            o.kind === 'chain' ? o.moves.map((m) => ({ kind: 'post' as const, moves: [m] })) : [o],
          );
          for (const [i, o] of flat.entries()) {
            const batch =
              o.kind === 'post'
                ? o.moves.map((m, j) =>
                    toMovement(
                      run,
                      m,
                      m.type === 'expect_inbound' ? `${run}:inbound:${m.key}` : `${run}:${i}:${j}`,
                    ),
                  )
                : posted[o.n % Math.max(1, posted.length)];
            if (!batch) continue;
            const before = await levelsOf(run);
            const result = await erp.ledger.post(batch).then(
              (r) => ({ ok: true as const, r }),
              (e) => ({ ok: false as const, code: e.code as string }),
            );
            if (!result.ok) {
              seen.refused++;
              expect(['ERP_MOVEMENT_INVALID', 'ERP_INSUFFICIENT_STOCK', 'ERP_REFERENCE_CONFLICT']).toContain(
                result.code,
              );
              expect(await levelsOf(run)).toEqual(before);
              continue;
            }
            if (o.kind === 'redeliver') {
              seen.repeated++;
              expect(result.r.every((m) => m.duplicate)).toBe(true);
              expect(await levelsOf(run)).toEqual(before);
            } else {
              seen.applied++;
              for (const m of batch) seen.types.add(m.type);
              posted.push(batch);
            }
          }

          expect(await erp.ledger.verify()).toMatchObject({ ok: true, drift: [], unbalanced: [] });
          for (const l of await levelsOf(run)) {
            for (const b of ['reserved', 'allocated', 'picked', 'inbound', 'inTransit', 'onHand'] as const)
              expect(l[b], `${l.sku}@${l.location} ${b}`).toBeGreaterThanOrEqual(0);
            if (!l.allowBackorder)
              expect(l.available, `${l.sku}@${l.location} available`).toBeGreaterThanOrEqual(0);
          }
          // Every reference is in the ledger once, however often it was delivered.
          const refs = (await erp.ledger.movements({ sku: `${run}-A`, limit: 500 })).items.map(
            (m) => m.reference,
          );
          expect(new Set(refs).size).toBe(refs.length);
        },
      ),
      { numRuns: RUNS },
    );
    expect(seen.applied).toBeGreaterThan(RUNS);
    expect(seen.refused).toBeGreaterThan(0);
    expect(seen.repeated).toBeGreaterThan(0);
    expect(seen.types.size).toBe(new Set(TYPES).size);
  });
});

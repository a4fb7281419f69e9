import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MovementInput } from '../../src/domains/erp/index.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { location } from '../support/erp-fixture.js';
import { type CliResult, envFor, runCli, show } from './run-cli.js';

/** `keel erp replenishment …` as operators run it: a separate process on a live Keel's storage. */
const backends = await availableBackends();

const AS_OF = '2026-03-02T00:00:00.000Z';
const day = (n: number) => new Date(Date.parse(AS_OF) + n * 86_400_000 + 43_200_000).toISOString();

describe.each(backends)('keel erp replenishment [%s]', (backend) => {
  let t: TestApp;
  let env: Record<string, string>;
  const keel = (...args: string[]) => runCli(args, { env });
  const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

  beforeAll(async () => {
    t = await createTestApp(backend);
    env = envFor(t.overrides);
    const erp = t.app.domains.erp;
    await erp.locations.create(location('WH1'));
    await erp.procurement.createSupplier({
      code: 'ACME',
      name: 'Acme',
      currency: 'EUR',
      leadTimeDays: 5,
      paymentTerms: { netDays: 30 },
    });
    // 28 days of a weekly pattern, 3 units left on hand.
    const week = [5, 6, 7, 8, 12, 15, 3];
    const moves: MovementInput[] = [
      {
        type: 'receipt',
        reference: 'R',
        sku: 'CLI-R1',
        location: 'WH1',
        quantity: 4 * 56 + 3,
        occurredAt: day(-30),
      },
    ];
    for (let i = 0; i < 28; i++) {
      const common = { sku: 'CLI-R1', location: 'WH1', quantity: week[i % 7]!, occurredAt: day(i - 28) };
      moves.push(
        { type: 'allocation', reference: `A${i}`, ...common },
        { type: 'shipment', reference: `S${i}`, ...common },
      );
    }
    await erp.ledger.post(moves);
    await erp.replenishment.putPolicy('CLI-R1', 'WH1', {
      kind: 'min_max',
      min: 10,
      max: 30,
      supplier: 'ACME',
      packSize: 4,
    });
  });
  afterAll(async () => t?.cleanup());

  it('suggests, creates drafts once, and prints a table for people', async () => {
    const args = ['erp', 'replenishment', 'suggest', '--location', 'WH1', '--as-of', AS_OF];
    const first = await keel('--json', ...args, '--create-drafts', '--run', 'CLI-RUN');
    expectExit(first, 0);
    const [po] = first.json().purchaseOrders;
    // 3 on hand ≤ min 10: up to max 30 is 27, whole packs of 4: 28.
    expect(po.lines.map((l: { sku: string; quantity: number }) => [l.sku, l.quantity])).toEqual([
      ['CLI-R1', 28],
    ]);
    expect(po.draft).toEqual({ number: 'CLI-RUN-ACME-WH1', status: 'draft', created: true });
    const again = await keel('--json', ...args, '--create-drafts', '--run', 'CLI-RUN');
    expect(again.json().purchaseOrders[0].draft.created).toBe(false);
    const human = await keel(...args, '--run', 'CLI-RUN');
    expectExit(human, 0);
    expect(human.stdout).toMatch(/SUPPLIER\s+LOCATION\s+SKU\s+QUANTITY/);
    expect(human.stdout).toContain('CLI-R1');
    // Another run counts the draft as on order.
    expect((await keel(...args)).stdout).toContain('No orders suggested.');
  });

  it('backtests with --json', async () => {
    await t.app.domains.erp.replenishment.putPolicy('CLI-R1', 'WH1', {
      kind: 'forecast',
      supplier: 'ACME',
      safetyStock: 5,
    });
    const r = await keel(
      '--json',
      'erp',
      'replenishment',
      'backtest',
      '--sku',
      'CLI-R1',
      '--as-of',
      AS_OF,
      '--history-days',
      '28',
      '--origins',
      '3',
    );
    expectExit(r, 0);
    const [item] = r.json().items;
    expect(item).toMatchObject({ sku: 'CLI-R1', location: 'WH1', origins: 3, points: 21 });
    expect(Number.isFinite(item.mapePct)).toBe(true);
    expectExit(await keel('erp', 'replenishment', 'backtest', '--as-of', 'not-a-date'), 7);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, MovementInput } from '../../src/domains/erp/index.js';
import { verifyLevels } from '../../src/domains/erp/ledger.verify.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

/** The error's code and the codes of its listed problems. */
const codes = (p: Promise<unknown>) =>
  p.then(
    () => [],
    (e) => [e.code, ...(e.extensions?.errors ?? []).map((x: { code: string }) => x.code)],
  );

const ZERO = {
  onHand: 0,
  available: 0,
  reserved: 0,
  allocated: 0,
  picked: 0,
  inbound: 0,
  inTransit: 0,
  safetyStock: 0,
  allowBackorder: false,
};

describe.each(backends)('ERP ledger [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  let n = 0;
  /** A fresh reference per call. */
  const ref = (what: string) => `test:${what}:${++n}`;
  const post = (m: Omit<MovementInput, 'reference'> & { reference?: string }) =>
    erp.ledger.postOne({ reference: ref(m.type), ...m } as MovementInput);
  const movementCount = async () =>
    Number(
      (
        await t.app.store.db
          .selectFrom('erp_movements')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n,
    );

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp);
  });
  afterAll(async () => t?.cleanup());

  it('moves stock through every movement type, each entry set summing to zero', async () => {
    const sku = 'TEE-1';
    const receipt = await post({ type: 'receipt', sku, location: 'WH1', quantity: 10 });
    expect(receipt.entries).toEqual([
      { location: 'WH1', account: 'external', quantity: -10 },
      { location: 'WH1', account: 'available', quantity: 10 },
    ]);
    expect(await levelOf(erp, sku, 'WH1')).toEqual({ ...ZERO, onHand: 10, available: 10 });

    await post({ type: 'expect_inbound', sku, location: 'WH1', quantity: 5, eta: '2026-02-01T00:00:00Z' });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 10, available: 10, inbound: 5 });

    await post({ type: 'reservation', sku, location: 'WH1', quantity: 4, reference: 'order:o1:line:1' });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 10, available: 6, reserved: 4 });

    await post({ type: 'release', sku, location: 'WH1', reservation: 'order:o1:line:1', quantity: 1 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 10, available: 7, reserved: 3 });

    await post({ type: 'allocation', sku, location: 'WH1', reservation: 'order:o1:line:1' });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({
      onHand: 10,
      available: 7,
      reserved: 0,
      allocated: 3,
    });

    await post({ type: 'pick', sku, location: 'WH1', quantity: 2 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 10, allocated: 1, picked: 2 });

    await post({ type: 'shipment', sku, location: 'WH1', quantity: 2, from: 'picked' });
    await post({ type: 'shipment', sku, location: 'WH1', quantity: 1 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({
      onHand: 7,
      available: 7,
      allocated: 0,
      picked: 0,
    });

    await post({ type: 'return_restock', sku, location: 'WH1', quantity: 1 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 8, available: 8 });

    await post({
      type: 'adjustment',
      sku,
      location: 'WH1',
      quantity: 2,
      direction: 'increase',
      reason: 'found',
    });
    await post({
      type: 'adjustment',
      sku,
      location: 'WH1',
      quantity: 1,
      direction: 'decrease',
      reason: 'damaged',
    });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 9, available: 9 });

    await post({ type: 'scrap', sku, location: 'WH1', quantity: 1 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 8, available: 8 });

    const out = await post({ type: 'transfer_out', sku, location: 'WH1', toLocation: 'ST1', quantity: 3 });
    expect(out.entries).toEqual([
      { location: 'WH1', account: 'available', quantity: -3 },
      { location: 'ST1', account: 'in_transit', quantity: 3 },
    ]);
    expect(await levelOf(erp, sku, 'ST1')).toMatchObject({ onHand: 0, inTransit: 3 });
    await post({ type: 'transfer_in', sku, location: 'ST1', fromLocation: 'WH1', quantity: 3 });
    expect(await levelOf(erp, sku, 'ST1')).toMatchObject({ onHand: 3, available: 3, inTransit: 0 });
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 5, available: 5, inbound: 5 });

    const count = await post({ type: 'cycle_count', sku, location: 'WH1', counted: 4 });
    expect(count.details).toMatchObject({ counted: 4, expected: 5, variance: -1 });
    expect(count.quantity).toBe(1);
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 4, available: 4 });
    const kept = await t.app.store.db
      .selectFrom('erp_counts')
      .selectAll()
      .where('movement_seq', '=', count.seq)
      .execute();
    expect(kept.map((c) => [Number(c.expected), Number(c.counted), Number(c.variance)])).toEqual([
      [5, 4, -1],
    ]);

    // A receipt against the expected inbound takes what was expected from inbound, the excess from outside.
    const inb = (await erp.ledger.movements({ sku, type: 'expect_inbound' })).items[0]!;
    const received = await post({
      type: 'receipt',
      sku,
      location: 'WH1',
      quantity: 7,
      inbound: inb.reference,
    });
    expect(received.entries).toEqual([
      { location: 'WH1', account: 'inbound', quantity: -5 },
      { location: 'WH1', account: 'external', quantity: -2 },
      { location: 'WH1', account: 'available', quantity: 7 },
    ]);
    expect(await levelOf(erp, sku, 'WH1')).toMatchObject({ onHand: 11, available: 11, inbound: 0 });

    const all = await erp.ledger.movements({ sku, limit: 500 });
    for (const m of all.items) expect(m.entries.reduce((s, e) => s + e.quantity, 0)).toBe(0);
    expect((await erp.ledger.verify()).ok).toBe(true);
  });

  it('cancels expected inbound, never more than is expected', async () => {
    const sku = 'INB-1';
    const e = await post({
      type: 'expect_inbound',
      sku,
      location: 'WH2',
      quantity: 10,
      eta: '2026-03-01T00:00:00Z',
    });
    await post({ type: 'inbound_cancel', sku, location: 'WH2', inbound: e.reference, quantity: 4 });
    expect(await levelOf(erp, sku, 'WH2')).toMatchObject({ inbound: 6, onHand: 0 });
    expect(
      await codes(post({ type: 'inbound_cancel', sku, location: 'WH2', inbound: e.reference, quantity: 7 })),
    ).toEqual(['ERP_INSUFFICIENT_STOCK', 'INBOUND_EXCEEDED', 'INSUFFICIENT_STOCK']);
  });

  it('is idempotent by reference: a repeat is a no-op returning the original, other content is a conflict', async () => {
    const first = await erp.ledger.postOne({
      type: 'receipt',
      reference: 'po:1:line:1',
      sku: 'IDEM-1',
      location: 'WH1',
      quantity: 5,
    });
    expect(first.duplicate).toBe(false);
    const before = await movementCount();
    const again = await erp.ledger.postOne({
      type: 'receipt',
      reference: 'po:1:line:1',
      sku: 'IDEM-1',
      location: 'WH1',
      quantity: 5,
      occurredAt: '2026-01-02T00:00:00Z',
    });
    expect(again).toMatchObject({ duplicate: true, id: first.id, seq: first.seq, entries: first.entries });
    expect(await movementCount()).toBe(before);
    expect(await levelOf(erp, 'IDEM-1', 'WH1')).toMatchObject({ onHand: 5 });
    expect(
      await codes(
        erp.ledger.postOne({
          type: 'receipt',
          reference: 'po:1:line:1',
          sku: 'IDEM-1',
          location: 'WH1',
          quantity: 6,
        }),
      ),
    ).toEqual(['ERP_REFERENCE_CONFLICT', 'REFERENCE_CONFLICT']);
    // Within one batch: the repeat is applied once.
    const batch = await erp.ledger.post([
      { type: 'receipt', reference: 'po:2:line:1', sku: 'IDEM-1', location: 'WH1', quantity: 2 },
      { type: 'receipt', reference: 'po:2:line:1', sku: 'IDEM-1', location: 'WH1', quantity: 2 },
    ]);
    expect(batch.map((b) => b.duplicate)).toEqual([false, true]);
    expect(batch[1]!.seq).toBe(batch[0]!.seq);
    expect(await levelOf(erp, 'IDEM-1', 'WH1')).toMatchObject({ onHand: 7 });
  });

  it('refuses a batch whole, listing every problem, and writes nothing of it', async () => {
    await post({ type: 'receipt', sku: 'REF-1', location: 'WH1', quantity: 3 });
    const before = await movementCount();
    const levels = await levelOf(erp, 'REF-1', 'WH1');
    const refused = await codes(
      erp.ledger.post([
        { type: 'receipt', reference: ref('ok'), sku: 'REF-1', location: 'WH1', quantity: 1 },
        { type: 'teleport' as never, reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: 1 },
        { type: 'receipt', reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: -2 },
        { type: 'receipt', reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: 1.5 },
        { type: 'receipt', reference: ref('x'), sku: 'bad sku', location: 'WH1', quantity: 1 },
        { type: 'transfer_out', reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: 1 },
        { type: 'cycle_count', reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: 1 },
      ]),
    );
    expect(refused).toEqual([
      'ERP_MOVEMENT_INVALID',
      'TYPE_UNKNOWN',
      'QUANTITY_INVALID',
      'QUANTITY_INVALID',
      'SKU_INVALID',
      'FIELD_REQUIRED',
      'FIELD_NOT_ALLOWED',
      'FIELD_REQUIRED',
    ]);
    expect(
      await codes(
        erp.ledger.post([
          { type: 'receipt', reference: ref('ok'), sku: 'REF-1', location: 'WH1', quantity: 1 },
          { type: 'receipt', reference: ref('x'), sku: 'REF-1', location: 'NOWHERE', quantity: 1 },
          { type: 'pick', reference: ref('x'), sku: 'NEVER-SEEN', location: 'WH1', quantity: 1 },
        ]),
      ),
    ).toEqual(['ERP_MOVEMENT_INVALID', 'LOCATION_UNKNOWN', 'SKU_UNKNOWN']);
    // The receipt first would make the reservation fit, but the scrap after it takes too much.
    expect(
      await codes(
        erp.ledger.post([
          { type: 'receipt', reference: ref('ok'), sku: 'REF-1', location: 'WH1', quantity: 2 },
          { type: 'reservation', reference: ref('ok'), sku: 'REF-1', location: 'WH1', quantity: 5 },
          { type: 'scrap', reference: ref('x'), sku: 'REF-1', location: 'WH1', quantity: 1 },
        ]),
      ),
    ).toEqual(['ERP_INSUFFICIENT_STOCK', 'INSUFFICIENT_STOCK']);
    expect(await movementCount()).toBe(before);
    expect(await levelOf(erp, 'REF-1', 'WH1')).toEqual(levels);
    expect((await erp.ledger.verify()).ok).toBe(true);
  });

  it('keeps available at zero or above unless the SKU × location allows backorders', async () => {
    await post({ type: 'receipt', sku: 'BO-1', location: 'WH1', quantity: 2 });
    expect(await codes(post({ type: 'reservation', sku: 'BO-1', location: 'WH1', quantity: 3 }))).toEqual([
      'ERP_INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
    ]);
    await erp.ledger.putSettings([{ sku: 'BO-1', location: 'WH1', safetyStock: 0, allowBackorder: true }]);
    await post({ type: 'reservation', sku: 'BO-1', location: 'WH1', quantity: 3, reference: 'order:bo:1' });
    expect(await levelOf(erp, 'BO-1', 'WH1')).toMatchObject({
      onHand: 2,
      available: -1,
      reserved: 3,
      allowBackorder: true,
    });
    // Backorders promise stock; they never ship what is not there.
    await post({ type: 'allocation', sku: 'BO-1', location: 'WH1', reservation: 'order:bo:1' });
    expect(await codes(post({ type: 'shipment', sku: 'BO-1', location: 'WH1', quantity: 3 }))).toEqual([
      'ERP_INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
    ]);
    await post({ type: 'receipt', sku: 'BO-1', location: 'WH1', quantity: 1 });
    await post({ type: 'shipment', sku: 'BO-1', location: 'WH1', quantity: 3 });
    expect(await levelOf(erp, 'BO-1', 'WH1')).toMatchObject({ onHand: 0, available: 0, allocated: 0 });
    // Turned off again: a receipt into a still-negative location is never refused.
    await erp.ledger.putSettings([{ sku: 'BO-1', location: 'WH1', safetyStock: 0, allowBackorder: false }]);
    expect(await codes(post({ type: 'reservation', sku: 'BO-1', location: 'WH1', quantity: 1 }))).toEqual([
      'ERP_INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
    ]);
  });

  it('knows SKUs from receipts, counts, adjustments or registration; other movements need a known SKU', async () => {
    expect(await codes(post({ type: 'transfer_in', sku: 'NEW-1', location: 'WH1', quantity: 1 }))).toEqual([
      'ERP_MOVEMENT_INVALID',
      'SKU_UNKNOWN',
    ]);
    expect(await codes(erp.ledger.item('NEW-1'))).toEqual(['ERP_ITEM_NOT_FOUND']);
    await post({ type: 'adjustment', sku: 'NEW-1', location: 'WH1', quantity: 1, direction: 'increase' });
    expect(await erp.ledger.item('NEW-1')).toMatchObject({ sku: 'NEW-1', registeredBy: 'adjustment' });
    expect(await erp.ledger.registerItems(['NEW-2', 'NEW-2', 'NEW-1'])).toEqual({ registered: 1 });
    expect(await codes(post({ type: 'reservation', sku: 'NEW-2', location: 'WH1', quantity: 1 }))).toEqual([
      'ERP_INSUFFICIENT_STOCK',
      'INSUFFICIENT_STOCK',
    ]);
  });

  it('lists movements by SKU, location and type with a cursor', async () => {
    for (let i = 0; i < 5; i++)
      await post({ type: 'receipt', sku: 'PAGE-1', location: 'WH2', quantity: i + 1 });
    const first = await erp.ledger.movements({ sku: 'PAGE-1', limit: 2 });
    expect(first.items.map((m) => m.quantity)).toEqual([1, 2]);
    const second = await erp.ledger.movements({ sku: 'PAGE-1', limit: 2, after: first.next });
    expect(second.items.map((m) => m.quantity)).toEqual([3, 4]);
    const last = await erp.ledger.movements({ sku: 'PAGE-1', limit: 2, after: second.next });
    expect(last.items.map((m) => m.quantity)).toEqual([5]);
    expect(last.next).toBeUndefined();
    expect(
      (await erp.ledger.movements({ location: 'WH2', type: 'receipt', limit: 500 })).items.every(
        (m) => m.location === 'WH2',
      ),
    ).toBe(true);
  });

  it('verifyLevels reports a level edited behind the ledger’s back', async () => {
    await post({ type: 'receipt', sku: 'DRIFT-1', location: 'WH1', quantity: 4 });
    expect(await erp.ledger.verify({ sku: 'DRIFT-1' })).toMatchObject({
      ok: true,
      drift: [],
      unbalanced: [],
    });
    await t.app.store.tx((tx) =>
      sql`update erp_levels set available = available + 1 where sku = 'DRIFT-1'`.execute(tx),
    );
    const report = await erp.ledger.verify();
    expect(report.ok).toBe(false);
    expect(report.drift).toEqual([
      { sku: 'DRIFT-1', location: 'WH1', field: 'available', level: 5, expected: 4 },
    ]);
    await t.app.store.tx((tx) =>
      sql`update erp_levels set available = available - 1 where sku = 'DRIFT-1'`.execute(tx),
    );
    expect((await erp.ledger.verify()).ok).toBe(true);
  });

  it('verifies everything a range of SKUs at a time, postings without a level row included', async () => {
    for (const s of ['RANGE-A', 'RANGE-B', 'RANGE-C', 'RANGE-D', 'RANGE-E'])
      await post({ type: 'receipt', sku: s, location: 'WH1', quantity: 3 });
    const whole = await verifyLevels(t.app.store.db, t.app.store.dialect, 'now');
    // Two SKUs per step: many steps, the same answer as one.
    expect(await verifyLevels(t.app.store.db, t.app.store.dialect, 'now', undefined, 2)).toEqual(whole);
    expect(whole.ok).toBe(true);
    // A level edited and a level row lost (its postings remain): both found, in any step.
    await t.app.store.tx(async (tx) => {
      await sql`update erp_levels set available = available + 2 where sku = 'RANGE-B'`.execute(tx);
      await sql`delete from erp_levels where sku = 'RANGE-E'`.execute(tx);
    });
    const stepped = await verifyLevels(t.app.store.db, t.app.store.dialect, 'now', undefined, 2);
    expect(stepped.ok).toBe(false);
    expect(stepped.levels).toBe(whole.levels - 1);
    expect(stepped.drift.filter((d) => d.sku.startsWith('RANGE-'))).toEqual([
      { sku: 'RANGE-B', location: 'WH1', field: 'available', level: 5, expected: 3 },
      { sku: 'RANGE-E', location: 'WH1', field: 'available', level: 0, expected: 3 },
    ]);
    expect(await verifyLevels(t.app.store.db, t.app.store.dialect, 'now', undefined, 1)).toEqual(stepped);
    await t.app.store.tx(async (tx) => {
      await sql`update erp_levels set available = available - 2 where sku = 'RANGE-B'`.execute(tx);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createErp, type Erp } from '../../src/domains/erp/index.js';
import { ManualClock } from '../../src/kernel/clock.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { levelOf, seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();

const code = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e) => e.code,
  );

describe.each(backends)('ERP reservations [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  /** The same ERP over the app's database and bus, on a clock the test moves. */
  let timed: Erp;
  let clock: ManualClock;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    clock = new ManualClock('2030-05-01T10:00:00.000Z');
    const { store, bus, audit } = t.app;
    timed = createErp({ store, bus, audit, clock, log: silentLogger }, { sweepBatchSize: 2 });
    await seedLocations(erp);
    await erp.ledger.post([
      { type: 'receipt', reference: 'seed:r1', sku: 'RSV-1', location: 'WH1', quantity: 20 },
      { type: 'receipt', reference: 'seed:r2', sku: 'RSV-2', location: 'WH1', quantity: 20 },
    ]);
  });
  afterAll(async () => t?.cleanup());

  it('reserves once per order line, however often the reservation is delivered', async () => {
    const line = { reference: 'order:ord_1:line:1', sku: 'RSV-1', location: 'WH1', quantity: 3 };
    const first = await erp.reservations.reserve(line);
    expect(first.movement.duplicate).toBe(false);
    expect(first.reservation).toMatchObject({
      key: line.reference,
      quantity: 3,
      remaining: 3,
      status: 'active',
      expiresAt: null,
    });
    const again = await erp.reservations.reserve(line);
    expect(again.movement).toMatchObject({ duplicate: true, seq: first.movement.seq });
    // Delivered concurrently too (a redelivered event racing the original).
    const line2 = { ...line, reference: 'order:ord_1:line:2' };
    const racing = await Promise.all([1, 2, 3].map(() => erp.reservations.reserve(line2)));
    expect(racing.filter((r) => !r.movement.duplicate)).toHaveLength(1);
    expect(await levelOf(erp, 'RSV-1', 'WH1')).toMatchObject({ available: 14, reserved: 6 });
    expect(await code(erp.reservations.reserve({ ...line, quantity: 4 }))).toBe('ERP_REFERENCE_CONFLICT');
  });

  it('never oversells when many order lines race for the last units', async () => {
    await erp.ledger.postOne({
      type: 'receipt',
      reference: 'seed:r3',
      sku: 'RSV-3',
      location: 'WH1',
      quantity: 10,
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 25 }, (_, i) =>
        erp.reservations.reserve({
          reference: `order:race:${i}`,
          sku: 'RSV-3',
          location: 'WH1',
          quantity: 1,
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason.code] : []));
    expect(new Set(refused)).toEqual(new Set(['ERP_INSUFFICIENT_STOCK']));
    expect(await levelOf(erp, 'RSV-3', 'WH1')).toMatchObject({ onHand: 10, available: 0, reserved: 10 });
  });

  it('releases on cancel (once) and converts to an allocation', async () => {
    const a = (
      await erp.reservations.reserve({
        reference: 'order:ord_2:line:1',
        sku: 'RSV-1',
        location: 'WH1',
        quantity: 2,
      })
    ).reservation;
    const released = await erp.reservations.release(a.key);
    expect(released).toMatchObject({ status: 'released', remaining: 0, released: 2 });
    expect(await erp.reservations.release(a.key)).toEqual(released);
    expect(await code(erp.reservations.allocate(a.key))).toBe('ERP_RESERVATION_STATE');

    const b = (
      await erp.reservations.reserve({
        reference: 'order:ord_3:line:1',
        sku: 'RSV-1',
        location: 'WH1',
        quantity: 5,
      })
    ).reservation;
    expect(
      await erp.reservations.allocate(b.key, { quantity: 2, reference: 'order:ord_3:line:1:alloc:1' }),
    ).toMatchObject({
      status: 'active',
      remaining: 3,
      allocated: 2,
    });
    const done = await erp.reservations.allocate(b.key);
    expect(done).toMatchObject({ status: 'allocated', remaining: 0, allocated: 5 });
    expect(await erp.reservations.allocate(b.key)).toEqual(done);
    expect(await code(erp.reservations.release(b.key))).toBe('ERP_RESERVATION_STATE');
    expect(await levelOf(erp, 'RSV-1', 'WH1')).toMatchObject({
      available: 9,
      reserved: 6,
      allocated: 5,
      onHand: 20,
    });
    expect(await code(erp.reservations.get('order:none'))).toBe('ERP_RESERVATION_NOT_FOUND');
  });

  it('releases what expired reservations hold when the sweep runs, and only those', async () => {
    const reserve = (n: number, o: { ttlSeconds?: number; expiresAt?: string }) =>
      timed.reservations.reserve({
        reference: `cart:c${n}`,
        sku: 'RSV-2',
        location: 'WH1',
        quantity: 2,
        ...o,
      });
    await reserve(1, { ttlSeconds: 60 });
    await reserve(2, { ttlSeconds: 60 });
    await reserve(3, { ttlSeconds: 60 });
    await reserve(4, { expiresAt: '2030-05-01T11:00:00Z' });
    await reserve(5, {});
    expect((await timed.reservations.get('cart:c1')).expiresAt).toBe('2030-05-01T10:01:00.000Z');
    // Half allocated before it lapses: only what it still holds goes back.
    await timed.reservations.allocate('cart:c3', { quantity: 1, reference: 'cart:c3:alloc' });
    expect(await levelOf(erp, 'RSV-2', 'WH1')).toMatchObject({ available: 10, reserved: 9, allocated: 1 });

    expect(await timed.reservations.sweepExpired()).toBe(0);
    clock.advance(60_000);
    // Batches of two: the sweep reports a full batch, the next one finishes.
    expect(await timed.reservations.sweepExpired()).toBe(2);
    expect(await timed.reservations.sweepExpired()).toBe(1);
    expect(await timed.reservations.sweepExpired()).toBe(0);
    expect(await levelOf(erp, 'RSV-2', 'WH1')).toMatchObject({ available: 15, reserved: 4, allocated: 1 });
    expect(await timed.reservations.get('cart:c3')).toMatchObject({
      status: 'expired',
      remaining: 0,
      allocated: 1,
      released: 1,
    });
    expect((await timed.reservations.list({ status: 'expired' })).items.map((r) => r.key)).toEqual([
      'cart:c1',
      'cart:c2',
      'cart:c3',
    ]);
    const expiry = await erp.ledger.movements({ reference: 'cart:c1:expired' });
    expect(expiry.items[0]).toMatchObject({ type: 'release', quantity: 2, details: { reason: 'expired' } });

    clock.set('2030-05-01T11:00:00.000Z');
    expect(await timed.reservations.sweepExpired()).toBe(1);
    expect(await timed.reservations.get('cart:c5')).toMatchObject({ status: 'active', expiresAt: null });
    expect(await levelOf(erp, 'RSV-2', 'WH1')).toMatchObject({ available: 17, reserved: 2 });
    expect((await erp.ledger.verify()).ok).toBe(true);
  });
});

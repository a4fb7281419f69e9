import type { KeelApp } from '../../src/app.js';
import type { Erp, LocationInput, MovementInput } from '../../src/domains/erp/index.js';
import { runWithContext } from '../../src/kernel/context.js';
import { newId } from '../../src/kernel/ids.js';
import { InventoryEventTypes } from '../../src/model/inventory.js';
import { asOperator } from '../support/bench-app.js';

/**
 * Data of the `erp` scenario: ten locations, SKUs `ERP-000000`…, the seeding receipts, and a
 * generator of a realistic mix of movements that keeps its own model of every level, so that it
 * never asks for stock that is not there (nothing is refused) and the ATP answers can be checked
 * exactly against it; and the app around the measurements (a fresh Keel, posting, draining the
 * level publisher, counting its events).
 */

export const CHANNEL = 'web';
export const LOCATION_COUNT = 10;
/** Units received at every SKU × location while seeding. */
export const SEED_QUANTITY = 500;

export const LOCATIONS: readonly string[] = Array.from(
  { length: LOCATION_COUNT },
  (_, i) => `LOC-${String(i + 1).padStart(2, '0')}`,
);

/** Four warehouses, six stores. */
export function locationInput(code: string, i: number): LocationInput {
  return {
    code,
    name: `Bench location ${code}`,
    type: i < 4 ? 'warehouse' : 'store',
    address: { line1: `${i + 1} Dock Road`, city: 'Hamburg', postalCode: '20457', country: 'DE' },
    coordinates: { lat: 53.54, lon: 9.98 },
    capabilities: ['ship', 'returns'],
    timezone: 'Europe/Berlin',
    calendar: { mon: [{ open: '08:00', close: '18:00' }], tue: [{ open: '08:00', close: '18:00' }] },
    orderCutoff: '15:00',
  };
}

export const skuOf = (i: number) => `ERP-${String(i).padStart(6, '0')}`;

/** mulberry32: a small seeded PRNG, so every run posts the same movements. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Receipts of SEED_QUANTITY for SKUs [from, to) at every location (10 movements per SKU). */
export function seedBatch(from: number, to: number): MovementInput[] {
  const out: MovementInput[] = [];
  for (let s = from; s < to; s++)
    for (const location of LOCATIONS)
      out.push({
        type: 'receipt',
        reference: `seed:${s}:${location}`,
        sku: skuOf(s),
        location,
        quantity: SEED_QUANTITY,
      });
  return out;
}

/**
 * What the ledger should hold, per SKU × location (index `sku * LOCATION_COUNT + location`): the
 * buckets the mix touches. Shared by the writers (each owns a disjoint set of SKUs).
 */
export class InventoryModel {
  readonly available: Int32Array;
  readonly reserved: Int32Array;
  readonly allocated: Int32Array;

  constructor(readonly skus: number) {
    const n = skus * LOCATION_COUNT;
    this.available = new Int32Array(n).fill(SEED_QUANTITY);
    this.reserved = new Int32Array(n);
    this.allocated = new Int32Array(n);
  }

  /** The channel's ATP of a SKU: no safety stock, no inbound, every location a source. */
  atp(sku: number): number {
    let sum = 0;
    for (let l = 0; l < LOCATION_COUNT; l++) sum += Math.max(0, this.available[sku * LOCATION_COUNT + l]!);
    return sum;
  }
}

/** Share of each movement type in the mix, in percent (an order flow plus stock keeping). */
export const MIX: ReadonlyArray<readonly [Kind, number]> = [
  ['reservation', 30],
  ['allocation', 15],
  ['release', 10],
  ['shipment', 10],
  ['receipt', 15],
  ['adjustment', 10],
  ['return_restock', 5],
  ['cycle_count', 5],
];
type Kind =
  | 'reservation'
  | 'allocation'
  | 'release'
  | 'shipment'
  | 'receipt'
  | 'adjustment'
  | 'return_restock'
  | 'cycle_count';

/**
 * One writer's stream of movements over the SKUs `pick` returns. Reservations are later released
 * or allocated, allocations later shipped — all of the writer's own, so writers never depend on
 * each other's commits. Every movement changes at least one level (counts always find a
 * difference), and none is refused: the model says what is there.
 */
export class MovementMix {
  private readonly random: () => number;
  private n = 0;
  /** Active reservations: key, level index, quantity (swap-removed). */
  private readonly open: { key: string; idx: number; q: number }[] = [];
  /** Allocated reservations not yet shipped. */
  private readonly toShip: { idx: number; q: number }[] = [];
  private readonly cumulative: [Kind, number][] = [];

  constructor(
    private readonly model: InventoryModel,
    private readonly prefix: string,
    seed: number,
    private readonly pick: (random: () => number) => number,
  ) {
    this.random = prng(seed);
    let acc = 0;
    for (const [kind, w] of MIX) {
      acc += w;
      this.cumulative.push([kind, acc]);
    }
  }

  batch(size: number): MovementInput[] {
    const out: MovementInput[] = [];
    for (let i = 0; i < size; i++) out.push(this.next());
    return out;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private take<T>(list: T[]): T {
    const i = Math.floor(this.random() * list.length);
    const item = list[i]!;
    list[i] = list[list.length - 1]!;
    list.pop();
    return item;
  }

  private kind(): Kind {
    const r = this.random() * 100;
    let kind = this.cumulative.find(([, c]) => r < c)![0];
    if ((kind === 'allocation' || kind === 'release') && this.open.length === 0) kind = 'reservation';
    if (kind === 'shipment' && this.toShip.length === 0) kind = 'reservation';
    return kind;
  }

  next(): MovementInput {
    const m = this.model;
    const reference = `${this.prefix}:${this.n++}`;
    const kind = this.kind();
    const at = (idx: number) => ({
      reference,
      sku: skuOf(Math.floor(idx / LOCATION_COUNT)),
      location: LOCATIONS[idx % LOCATION_COUNT]!,
    });
    if (kind === 'allocation' || kind === 'release') {
      const r = this.take(this.open);
      m.reserved[r.idx]! -= r.q;
      if (kind === 'release') {
        m.available[r.idx]! += r.q;
        return { type: 'release', ...at(r.idx), reservation: r.key };
      }
      m.allocated[r.idx]! += r.q;
      this.toShip.push({ idx: r.idx, q: r.q });
      return { type: 'allocation', ...at(r.idx), reservation: r.key, quantity: r.q };
    }
    if (kind === 'shipment') {
      const s = this.take(this.toShip);
      m.allocated[s.idx]! -= s.q;
      return { type: 'shipment', ...at(s.idx), quantity: s.q };
    }
    const idx = this.pick(this.random) * LOCATION_COUNT + this.int(0, LOCATION_COUNT - 1);
    const available = m.available[idx]!;
    switch (kind) {
      case 'reservation': {
        const q = this.int(1, 3);
        if (available < q) break; // sold out here: a receipt instead (below)
        m.available[idx]! -= q;
        m.reserved[idx]! += q;
        this.open.push({ key: reference, idx, q });
        return { type: 'reservation', ...at(idx), quantity: q };
      }
      case 'adjustment': {
        const q = this.int(1, 5);
        const down = this.random() < 0.5 && available >= q;
        m.available[idx]! += down ? -q : q;
        return {
          type: 'adjustment',
          ...at(idx),
          quantity: q,
          direction: down ? 'decrease' : 'increase',
          reason: down ? 'damaged' : 'found',
        };
      }
      case 'return_restock':
        m.available[idx]! += 1;
        return { type: 'return_restock', ...at(idx), quantity: 1 };
      case 'cycle_count': {
        // Never zero (every movement changes a level), never below what is promised.
        const d = this.int(1, 2);
        const variance = this.random() < 0.5 && available >= d ? -d : d;
        const onHand = available + m.reserved[idx]! + m.allocated[idx]!;
        m.available[idx]! += variance;
        return { type: 'cycle_count', ...at(idx), counted: onHand + variance };
      }
      default:
        break;
    }
    const q = this.int(5, 50);
    m.available[idx]! += q;
    return { type: 'receipt', ...at(idx), quantity: q };
  }
}

/** Post one batch; anything refused (or taken for a repeat) fails the run. */
export async function post(erp: Erp, batch: MovementInput[]): Promise<void> {
  const results = await asOperator(() => erp.ledger.post(batch));
  const repeated = results.filter((r) => r.duplicate).length;
  if (results.length !== batch.length || repeated > 0)
    throw new Error(`posted ${results.length} of ${batch.length} movements, ${repeated} taken for repeats`);
}

/**
 * Drain the publisher as its background task does when a backlog waits (a full batch is followed
 * at once by the next), until no dirty SKU is left. Returns the events emitted.
 */
export async function drain(erp: Erp): Promise<number> {
  let events = 0;
  for (;;) {
    const n = await runWithContext({ actor: 'system:erp/level-publisher', correlationId: newId('cor') }, () =>
      erp.publisher.publishOnce(),
    );
    if (n === 0) break;
    events += n;
  }
  const left = await erp.publisher.pending();
  if (left > 0) throw new Error(`the publisher stopped with ${left} dirty SKUs left`);
  return events;
}

/** Level-changed events in the bus log after position `afterId` (the log's row id). */
export async function levelEventsAfter(app: KeelApp, afterId: number): Promise<number> {
  const r = await app.store.db
    .selectFrom('keel_event_log')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('type', '=', InventoryEventTypes.levelChanged)
    .where('id', '>', afterId)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The bus log's last row id (a position to count new events from). */
export async function lastLogId(app: KeelApp): Promise<number> {
  const r = await app.store.db
    .selectFrom('keel_event_log')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(r?.id ?? 0);
}

import { sql } from 'kysely';
import { digest } from '../../kernel/json.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked } from '../../kernel/sql.js';
import { inSkuBlocks, selectIn, selectPairs, skuBlocks } from './ledger.read.js';
import type { ErpSupplierRow } from './procurement.schema.js';
import type { PurchaseOrder } from './procurement.types.js';
import { supplierOf } from './procurement.views.js';
import { ReplenishmentStoreErrors } from './replenishment.errors.js';
import { DAY_MS, dailySeries, draftNumber, historyWindow, LEAD_TIME_SAMPLES } from './replenishment.plan.js';
import type { ErpReplenishmentPolicyRow } from './replenishment.schema.js';
import type { ReplenishmentPolicyInput } from './replenishment.schemas.js';
import type { InboundLine } from './replenishment.suggest.js';
import type { ErpInboundRow, ErpLevelRow } from './schema.js';

/**
 * What a replenishment run reads, set-based (a few statements for any number of policies): the
 * policies in scope, shipment history per day, stock positions with inbound and open drafts, and
 * the suppliers' terms.
 */

export const DEFAULT_HISTORY_DAYS = 364;

export interface RunScope {
  sku?: string;
  location?: string;
  supplier?: string;
  asOf?: string;
  historyDays?: number;
}

export interface LoadedPolicy {
  sku: string;
  location: string;
  policy: ReplenishmentPolicyInput;
}

export interface Skipped {
  sku: string;
  location: string;
  code: string;
  detail: string;
}

export function runClock(scope: RunScope, now: () => Date) {
  const asOfMs = scope.asOf === undefined ? now().getTime() : Date.parse(scope.asOf);
  if (!Number.isFinite(asOfMs))
    throw ReplenishmentStoreErrors.RUN_INVALID.create(`asOf is not an ISO-8601 instant: ${scope.asOf}`, {
      field: 'asOf',
    });
  const historyDays = scope.historyDays ?? DEFAULT_HISTORY_DAYS;
  return { asOfMs, asOf: new Date(asOfMs).toISOString(), window: historyWindow(asOfMs, historyDays) };
}

/** The policies in scope, in (sku, location) order. */
export async function policiesInScope(db: Tx, scope: RunScope): Promise<LoadedPolicy[]> {
  let q = db.selectFrom('erp_replenishment_policies').selectAll().orderBy('sku').orderBy('location');
  if (scope.sku) q = q.where('sku', '=', scope.sku);
  if (scope.location) q = q.where('location', '=', scope.location);
  if (scope.supplier) q = q.where('supplier', '=', scope.supplier);
  const rows = (await q.execute()) as ErpReplenishmentPolicyRow[];
  return rows.map((r) => ({ sku: r.sku, location: r.location, policy: JSON.parse(r.document) }));
}

export const key = (sku: string, location: string) => `${sku}\u0000${location}`;

/** Daily shipped units per SKU × location over the window, zero-filled. */
export async function demandHistory(
  db: Tx,
  dialect: Dialect,
  pairs: readonly LoadedPolicy[],
  window: { from: string; to: string; days: number },
): Promise<Map<string, number[]>> {
  const wanted = new Set(pairs.map((p) => key(p.sku, p.location)));
  const rows = new Map<string, { day: string; units: number }[]>();
  const skus = [...new Set(pairs.map((p) => p.sku))];
  const blocks = await skuBlocks(db, dialect);
  for (const part of chunked(skus)) {
    // Timestamps are fixed-width ISO text: the first 10 characters are the UTC day on both engines.
    const day = sql<string>`substr(occurred_at, 1, 10)`;
    const found = await inSkuBlocks(
      db
        .selectFrom('erp_movements')
        .select(['sku', 'location', day.as('day'), sql<number>`sum(quantity)`.as('units')])
        .where('type', '=', 'shipment')
        .where('sku', 'in', part)
        .where('occurred_at', '>=', window.from)
        .where('occurred_at', '<', window.to),
      dialect,
      blocks,
      'seq',
    )
      .groupBy(['sku', 'location', day])
      .execute();
    for (const r of found) {
      const k = key(r.sku as string, r.location as string);
      if (!wanted.has(k)) continue;
      const list = rows.get(k) ?? [];
      list.push({ day: r.day as string, units: Number(r.units) });
      rows.set(k, list);
    }
  }
  const out = new Map<string, number[]>();
  for (const k of wanted) out.set(k, dailySeries(rows.get(k) ?? [], window.from, window.days));
  return out;
}

export interface Position {
  onHand: number;
  reserved: number;
  inbound: InboundLine[];
}

/** On hand, what of it is promised, and what is owed (inbound with ETAs; transfers as due now). */
export async function positions(
  db: Tx,
  dialect: Dialect,
  pairs: readonly LoadedPolicy[],
  asOf: string,
  run: string,
) {
  const list = pairs.map((p) => [p.sku, p.location] as const);
  const levels = await selectPairs<ErpLevelRow>(db, dialect, 'erp_levels', list);
  const inbound = await selectPairs<ErpInboundRow>(db, dialect, 'erp_inbound', list);
  const drafts = await draftLines(db, pairs, run);
  const out = new Map<string, Position>();
  for (const p of pairs) out.set(key(p.sku, p.location), { onHand: 0, reserved: 0, inbound: [] });
  for (const l of levels) {
    const pos = out.get(key(l.sku, l.location));
    if (!pos) continue;
    pos.onHand = Number(l.on_hand);
    // Reserved, allocated and picked are on hand but promised: not available to cover demand.
    pos.reserved = Number(l.on_hand) - Number(l.available);
    const transit = Number(l.in_transit);
    if (transit > 0) pos.inbound.push({ quantity: transit, eta: asOf, reference: 'in-transit' });
  }
  for (const r of inbound) {
    const remaining = Number(r.remaining);
    if (remaining > 0)
      out
        .get(key(r.sku, r.location))
        ?.inbound.push({ quantity: remaining, eta: r.eta, reference: r.reference });
  }
  for (const d of drafts) out.get(key(d.sku, d.location))?.inbound.push(d.line);
  return out;
}

/** Reference prefix of inbound lines that are draft purchase order lines. */
export const DRAFT_REF = 'draft:';

/**
 * Lines of open draft POs to these locations, as inbound due on their expected date: ordered in
 * Keel but not yet in the ledger (a draft posts nothing until sent), so without them a daily run
 * would order the same units again. The drafts this run itself makes are left out, so that a
 * repeat of the run suggests the same and finds its drafts.
 */
async function draftLines(db: Tx, pairs: readonly LoadedPolicy[], run: string) {
  const own = new Set(
    pairs.flatMap((p) =>
      p.policy.supplier ? [draftNumber(run, p.policy.supplier, p.location, digest)] : [],
    ),
  );
  const out: { sku: string; location: string; line: InboundLine }[] = [];
  for (const part of chunked([...new Set(pairs.map((p) => p.location))])) {
    const rows = await db
      .selectFrom('erp_purchase_orders')
      .select(['number', 'ship_to', 'document'])
      .where('status', '=', 'draft')
      .where('ship_to', 'in', part)
      .execute();
    for (const r of rows as { number: string; ship_to: string; document: string }[]) {
      if (own.has(r.number)) continue;
      const po = JSON.parse(r.document) as PurchaseOrder;
      for (const l of po.lines)
        out.push({
          sku: l.sku,
          location: r.ship_to,
          line: {
            quantity: l.quantityOrdered,
            eta: `${l.expectedDate}T00:00:00.000Z`,
            reference: `${DRAFT_REF}${r.number}`,
          },
        });
    }
  }
  return out;
}

export async function suppliersOf(db: Tx, dialect: Dialect, pairs: readonly LoadedPolicy[]) {
  const codes = pairs.flatMap((p) => (p.policy.supplier ? [p.policy.supplier] : []));
  const rows = await selectIn<ErpSupplierRow>(db, dialect, 'erp_suppliers', 'code', codes);
  return new Map(rows.map((r) => [r.code, supplierOf(r)]));
}

/**
 * Each supplier's latest lead times in days (newest first, at most LEAD_TIME_SAMPLES): from a
 * purchase order's sending to its first receipt, for orders first received before `asOf`.
 */
export async function leadTimeSamples(
  db: Tx,
  suppliers: readonly string[],
  asOf: string,
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const part of chunked([...new Set(suppliers)])) {
    const rows = await db
      .selectFrom('erp_purchase_orders as po')
      .innerJoin('erp_po_receipts as r', 'r.po_number', 'po.number')
      .select([
        'po.supplier as supplier',
        'po.sent_at as sent_at',
        (eb) => eb.fn.min('r.received_at').as('first'),
      ])
      .where('po.supplier', 'in', part)
      .where('po.sent_at', 'is not', null)
      .groupBy(['po.supplier', 'po.number', 'po.sent_at'])
      .having((eb) => eb.fn.min('r.received_at'), '<', asOf)
      .execute();
    const bySupplier = new Map<string, { first: string; days: number }[]>();
    for (const r of rows as { supplier: string; sent_at: string; first: string }[]) {
      const days = (Date.parse(r.first) - Date.parse(r.sent_at)) / DAY_MS;
      const list = bySupplier.get(r.supplier) ?? [];
      list.push({ first: r.first, days: Math.max(0, days) });
      bySupplier.set(r.supplier, list);
    }
    for (const [supplier, list] of bySupplier)
      out.set(
        supplier,
        list
          .sort((a, b) => (a.first < b.first ? 1 : a.first > b.first ? -1 : 0))
          .slice(0, LEAD_TIME_SAMPLES)
          .map((x) => x.days),
      );
  }
  return out;
}

import type { Kysely } from 'kysely';
import { pageBySeqBlocks } from '../../kernel/seq-blocks.js';
import type { ErpCostLineRow, ErpCostRow } from './costing.schema.js';
import { inSkuBlocks, skuBlocks, throughMovements } from './ledger.read.js';
import type { ErpDeps, Page } from './ledger.service.js';

/**
 * Costing's reads: the weighted average cost of each SKU × location, the cost lines behind it,
 * inventory value per currency, and the margin of order lines (what their shipments sold for,
 * less what the goods cost when they left; returns put both back).
 */

export interface Cost {
  sku: string;
  location: string;
  currency: string | null;
  quantity: number;
  /** Minor units of `currency`. */
  value: number;
  /** value / quantity in minor units (fractional); null when nothing is held. */
  averageUnitCost: number | null;
  lastUnitCost: number | null;
  inTransit: { quantity: number; value: number };
  lastSeq: number;
  updatedAt: string;
}

export interface CostLineView {
  movementSeq: number;
  n: number;
  movementType: string;
  sku: string;
  location: string;
  bucket: string;
  quantity: number;
  value: number;
  currency: string | null;
  basis: string;
  orderLine: string | null;
  revenue: number | null;
  revenueCurrency: string | null;
  journalEntry: string | null;
  occurredAt: string;
}

export interface OrderLineMargin {
  orderLine: string;
  shipped: number;
  returned: number;
  /** What the shipped units sold for, less the returned units at the line's average price. */
  revenue: number | null;
  revenueCurrency: string | null;
  /** Cost of the shipped units when they left, less the cost of the returned ones put back. */
  cost: number;
  costCurrency: string | null;
  margin: number | null;
  /** margin / revenue; null without revenue. */
  marginRate: number | null;
  /** Why there is no margin, when there is none. */
  note?: string;
}

const toCost = (r: ErpCostRow): Cost => {
  const quantity = Number(r.quantity);
  const value = Number(r.value);
  return {
    sku: r.sku,
    location: r.location,
    currency: r.currency,
    quantity,
    value,
    averageUnitCost: quantity > 0 ? value / quantity : null,
    lastUnitCost: r.last_unit_cost === null ? null : Number(r.last_unit_cost),
    inTransit: { quantity: Number(r.transit_quantity), value: Number(r.transit_value) },
    lastSeq: Number(r.last_seq),
    updatedAt: r.updated_at,
  };
};

const toLine = (r: ErpCostLineRow): CostLineView => ({
  movementSeq: Number(r.movement_seq),
  n: Number(r.n),
  movementType: r.movement_type,
  sku: r.sku,
  location: r.location,
  bucket: r.bucket,
  quantity: Number(r.quantity),
  value: Number(r.value),
  currency: r.currency,
  basis: r.basis,
  orderLine: r.order_line,
  revenue: r.revenue === null ? null : Number(r.revenue),
  revenueCurrency: r.revenue_currency,
  journalEntry: r.journal_entry,
  occurredAt: r.occurred_at,
});

/** The margin of one order line from its cost lines (shipments and return restocks). */
export function marginOf(orderLine: string, lines: readonly CostLineView[]): OrderLineMargin {
  let shipped = 0;
  let returned = 0;
  let sold = 0;
  let cost = 0;
  const revenueCurrencies = new Set<string>();
  const costCurrencies = new Set<string>();
  let unpriced = false;
  for (const l of lines) {
    if (l.bucket !== 'on_hand') continue;
    if (l.currency) costCurrencies.add(l.currency);
    if (l.movementType === 'shipment') {
      shipped += -l.quantity;
      cost += -l.value;
      if (l.revenue === null) unpriced = true;
      else {
        sold += l.revenue;
        revenueCurrencies.add(l.revenueCurrency!);
      }
    } else if (l.movementType === 'return_restock') {
      returned += l.quantity;
      cost -= l.value;
    }
  }
  const costCurrency = costCurrencies.size === 1 ? [...costCurrencies][0]! : null;
  const revenueCurrency = revenueCurrencies.size === 1 ? [...revenueCurrencies][0]! : null;
  const base = { orderLine, shipped, returned, cost, costCurrency, revenueCurrency };
  if (unpriced || shipped === 0 || !revenueCurrency)
    return {
      ...base,
      revenue: null,
      margin: null,
      marginRate: null,
      note: 'a shipment of this line carries no unitPrice',
    };
  // Returned units give back what they sold for: the line's average price (half up).
  const revenue = sold - Math.round((sold * returned) / shipped);
  if (costCurrencies.size > 1 || (costCurrency && costCurrency !== revenueCurrency))
    return {
      ...base,
      revenue,
      margin: null,
      marginRate: null,
      note: `sold in ${revenueCurrency}, valued in ${[...costCurrencies].join(', ')}: no margin across currencies`,
    };
  const margin = revenue - cost;
  return { ...base, revenue, margin, marginRate: revenue !== 0 ? margin / revenue : null };
}

export function createCostingService(deps: ErpDeps) {
  const db = deps.store.db as Kysely<any>;

  async function linesOf(orderLines: readonly string[]): Promise<CostLineView[]> {
    if (orderLines.length === 0) return [];
    const rows = (await db
      .selectFrom('erp_cost_lines')
      .selectAll()
      .where('order_line', 'in', [...orderLines])
      .orderBy('movement_seq')
      .orderBy('n')
      .execute()) as ErpCostLineRow[];
    return rows.map(toLine);
  }

  return {
    /** Weighted average cost per SKU × location: of a SKU, of a location (paged by SKU), or one. */
    async costs(q: { sku?: string; location?: string; after?: string; limit?: number }): Promise<Page<Cost>> {
      const limit = q.limit ?? 100;
      const key = q.sku && !q.location ? 'location' : 'sku';
      let sel = db.selectFrom('erp_costs').selectAll();
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.location) sel = sel.where('location', '=', q.location);
      if (q.after) sel = sel.where(key, '>', q.after);
      const rows = (await sel
        .orderBy(key)
        .limit(limit + 1)
        .execute()) as ErpCostRow[];
      const items = rows.slice(0, limit).map(toCost);
      return rows.length > limit ? { items, next: items.at(-1)![key] } : { items };
    },

    /** The cost lines of movements, in ledger order: how each movement changed inventory value. */
    async lines(q: {
      sku?: string;
      location?: string;
      orderLine?: string;
      after?: string;
      limit?: number;
    }): Promise<Page<CostLineView>> {
      const limit = q.limit ?? 100;
      // A SKU's lines are found through its movements (cost lines keep no SKU index).
      const dialect = deps.store.dialect;
      let sel: any = q.sku
        ? throughMovements(db, dialect, 'erp_cost_lines', 'c').selectAll('c').where('m.sku', '=', q.sku)
        : db.selectFrom('erp_cost_lines as c').selectAll('c');
      if (q.location) sel = sel.where('c.location', '=', q.location);
      if (q.orderLine) sel = sel.where('c.order_line', '=', q.orderLine);
      if (q.after) sel = sel.where('c.movement_seq', '>', Number(q.after));
      const page = (s: any, want: number): Promise<ErpCostLineRow[]> =>
        s.orderBy('c.movement_seq').orderBy('c.n').limit(want).execute();
      const rows = q.sku
        ? await pageBySeqBlocks(
            dialect,
            await skuBlocks(db, dialect, Number(q.after ?? 0)),
            limit + 1,
            (w, want) => page(inSkuBlocks(sel, dialect, w), want),
          )
        : await page(sel, limit + 1);
      // A page ends after a whole movement, so `after` (a movement seq) never splits one.
      let items = rows.slice(0, limit).map(toLine);
      if (rows.length > limit) {
        const lastSeq = items.at(-1)!.movementSeq;
        const whole = items.filter((l) => l.movementSeq !== lastSeq);
        if (whole.length > 0) items = whole;
        return { items, next: String(items.at(-1)!.movementSeq) };
      }
      return { items };
    },

    /** Inventory value per currency (on hand and in transit), optionally of one location. */
    async valuation(q: { location?: string } = {}) {
      let sel = db
        .selectFrom('erp_costs')
        .select((eb) => [
          'currency',
          eb.fn.sum<number>('quantity').as('quantity'),
          eb.fn.sum<number>('value').as('value'),
          eb.fn.sum<number>('transit_quantity').as('transit_quantity'),
          eb.fn.sum<number>('transit_value').as('transit_value'),
        ])
        .groupBy('currency')
        .orderBy('currency');
      if (q.location) sel = sel.where('location', '=', q.location);
      const rows = await sel.execute();
      return {
        items: rows.map((r) => ({
          currency: r.currency as string | null,
          quantity: Number(r.quantity),
          value: Number(r.value),
          inTransit: { quantity: Number(r.transit_quantity), value: Number(r.transit_value) },
        })),
      };
    },

    /** Margins of order lines (given, or every line whose key starts with `orderPrefix`). */
    async margins(q: { orderLines?: readonly string[]; orderPrefix?: string }): Promise<OrderLineMargin[]> {
      let keys = [...(q.orderLines ?? [])];
      if (q.orderPrefix) {
        const found = await db
          .selectFrom('erp_cost_lines')
          .select('order_line')
          .distinct()
          .where('order_line', '>=', q.orderPrefix)
          .where('order_line', '<', `${q.orderPrefix}\u{10ffff}`)
          .orderBy('order_line')
          .limit(1000)
          .execute();
        keys.push(...found.map((r) => r.order_line as string));
      }
      keys = [...new Set(keys)];
      const lines = await linesOf(keys);
      const by = new Map<string, CostLineView[]>(keys.map((k) => [k, []]));
      for (const l of lines) by.get(l.orderLine!)!.push(l);
      return keys.map((k) => marginOf(k, by.get(k)!));
    },
  };
}

export type CostingService = ReturnType<typeof createCostingService>;

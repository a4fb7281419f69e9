import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { insertRows } from '../../kernel/sql.js';
import { type CostingState, type CostLine, costMovement, movesValue } from './costing.rules.js';
import type { ErpCostRow } from './costing.schema.js';
import type { FieldError } from './errors.js';
import { adjustmentEntry, cogsEntry, restockEntry } from './journal.templates.js';
import type { JournalEntryInput } from './journal.types.js';
import { selectPairs, touchedPairs } from './ledger.read.js';
import { levelKey } from './ledger.rules.js';
import type { Entry, MovementInput } from './ledger.types.js';

/**
 * Costing inside the ledger's transaction: the ledger writer asks for a plan once its movements
 * are planned (so a currency mismatch refuses the batch before anything is written) and has it
 * written after the movements (their seqs number the cost lines).
 *
 * The journal gets the cost side of the stock that moved, one entry per kind × location × day ×
 * currency of a batch (not one per movement: a batch of 10,000 shipments is one COGS entry per
 * location and day; the cost lines say which movement cost what):
 *   shipment                        cost of goods sold / inventory
 *   return_restock                  inventory / cost of goods sold
 *   adjustment, cycle_count, scrap  inventory / adjustments (either way)
 * Receipts are not booked here: a purchase order's receipt books inventory against goods received
 * not invoiced itself (procurement.receipts.ts); a receipt posted straight to the ledger is valued
 * but its counterpart is the caller's to book (docs/erp-costing.md).
 */

/**
 * What costing needs of the journal: posting in the ledger's transaction. journal.service.ts's
 * writer is one; naming only this keeps the ledger from depending on the journal's module.
 */
export interface JournalPoster {
  postInTx(tx: Tx, postings: readonly { input: JournalEntryInput }[]): Promise<readonly { id: string }[]>;
}

export interface CostedMovement {
  m: MovementInput;
  entries: readonly Entry[];
  path: string;
}

export interface CostPlan {
  state: CostingState;
  lines: CostLine[][];
  touched: Set<string>;
  problems: FieldError[];
}

const JOURNAL_KIND: Partial<Record<MovementInput['type'], 'cogs' | 'restock' | 'adjustment'>> = {
  shipment: 'cogs',
  return_restock: 'restock',
  adjustment: 'adjustment',
  cycle_count: 'adjustment',
  scrap: 'adjustment',
};

const COST_COLUMNS = [
  'sku',
  'location',
  'currency',
  'quantity',
  'value',
  'transit_quantity',
  'transit_value',
  'last_unit_cost',
  'last_seq',
  'updated_at',
] as const;

const LINE_COLUMNS = [
  'movement_seq',
  'n',
  'movement_type',
  'sku',
  'location',
  'bucket',
  'quantity',
  'value',
  'currency',
  'basis',
  'order_line',
  'revenue',
  'revenue_currency',
  'journal_entry',
  'occurred_at',
] as const;

export function createCostingWriter(dialect: Dialect, journal: JournalPoster) {
  const upsert = `on conflict ("sku", "location") do update set ${COST_COLUMNS.slice(2)
    .map((c) => `"${c}" = excluded."${c}"`)
    .join(', ')}`;

  return {
    /** Value the movements in order, against the stored pools; nothing is written yet. */
    async plan(tx: Tx, movements: readonly CostedMovement[]): Promise<CostPlan> {
      const moving = movements.map((x) => movesValue(x.entries));
      const pairs = touchedPairs(movements.filter((_, i) => moving[i]).map((x) => x.m));
      const rows = pairs.length > 0 ? await selectPairs<ErpCostRow>(tx, dialect, 'erp_costs', pairs) : [];
      const state: CostingState = {
        pools: new Map(
          rows.map((r) => [
            levelKey(r.sku, r.location),
            {
              sku: r.sku,
              location: r.location,
              currency: r.currency,
              quantity: Number(r.quantity),
              value: Number(r.value),
              transitQuantity: Number(r.transit_quantity),
              transitValue: Number(r.transit_value),
              lastUnitCost: r.last_unit_cost === null ? null : Number(r.last_unit_cost),
            },
          ]),
        ),
      };
      const plan: CostPlan = { state, lines: [], touched: new Set(), problems: [] };
      movements.forEach((x, i) => {
        if (!moving[i]) {
          plan.lines.push([]);
          return;
        }
        const { lines, problems } = costMovement(x.m, x.entries, state, x.path);
        plan.problems.push(...problems);
        plan.lines.push(lines);
        for (const l of lines) plan.touched.add(levelKey(l.sku, l.location));
      });
      return plan;
    },

    /** Write the plan: pools, journal entries, cost lines. `seqs` are the movements' ledger seqs. */
    async write(
      tx: Tx,
      movements: readonly CostedMovement[],
      plan: CostPlan,
      seqs: readonly number[],
      now: string,
    ): Promise<void> {
      if (plan.touched.size === 0) return;
      const lastSeq = new Map<string, number>();
      plan.lines.forEach((ls, i) => {
        for (const l of ls) lastSeq.set(levelKey(l.sku, l.location), seqs[i]!);
      });
      await insertRows(
        tx,
        dialect,
        'erp_costs',
        COST_COLUMNS,
        [...plan.touched].map((k) => {
          const p = plan.state.pools.get(k)!;
          return [
            p.sku,
            p.location,
            p.currency,
            p.quantity,
            p.value,
            p.transitQuantity,
            p.transitValue,
            p.lastUnitCost,
            lastSeq.get(k)!,
            now,
          ];
        }),
        upsert,
      );
      const entryOf = await bookJournal(tx, movements, plan, seqs, now);
      const rows: unknown[][] = [];
      plan.lines.forEach((ls, i) => {
        const { m } = movements[i]!;
        const occurredAt = m.occurredAt ?? now;
        ls.forEach((l, n) => {
          const sale = m.type === 'shipment' && m.unitPrice !== undefined && l.bucket === 'on_hand';
          rows.push([
            seqs[i],
            n,
            m.type,
            l.sku,
            l.location,
            l.bucket,
            l.quantity,
            l.value,
            l.currency,
            l.basis,
            m.orderLine ?? null,
            sale ? -l.quantity * m.unitPrice! : null,
            sale ? m.currency! : null,
            entryOf.get(i) ?? null,
            occurredAt,
          ]);
        });
      });
      await insertRows(tx, dialect, 'erp_cost_lines', LINE_COLUMNS, rows);
    },
  };

  /** Post the batch's cost entries; returns the journal entry id per movement index. */
  async function bookJournal(
    tx: Tx,
    movements: readonly CostedMovement[],
    plan: CostPlan,
    seqs: readonly number[],
    now: string,
  ): Promise<Map<number, string>> {
    const groups = new Map<
      string,
      {
        kind: 'cogs' | 'restock' | 'adjustment';
        currency: string;
        date: string;
        location: string;
        value: number;
        first: number;
        last: number;
        members: number[];
      }
    >();
    plan.lines.forEach((ls, i) => {
      const { m } = movements[i]!;
      const kind = JOURNAL_KIND[m.type];
      if (!kind) return;
      for (const l of ls) {
        if (!l.currency || l.value === 0 || l.bucket !== 'on_hand') continue;
        const date = (m.occurredAt ?? now).slice(0, 10);
        const k = `${kind}\u0000${l.currency}\u0000${date}\u0000${l.location}`;
        const g = groups.get(k) ?? {
          kind,
          currency: l.currency,
          date,
          location: l.location,
          value: 0,
          first: seqs[i]!,
          last: seqs[i]!,
          members: [],
        };
        g.value += l.value;
        g.last = seqs[i]!;
        g.members.push(i);
        groups.set(k, g);
      }
    });
    const list = [...groups.values()].filter((g) => g.value !== 0);
    if (list.length === 0) return new Map();
    const inputs: JournalEntryInput[] = list.map((g) => {
      const base = {
        date: g.date,
        currency: g.currency,
        dimensions: { location: g.location },
      };
      const ref = `ledger:${g.first}-${g.last}:${g.location}:${g.date}`;
      if (g.kind === 'cogs') return cogsEntry({ ...base, shipment: ref, cost: -g.value });
      if (g.kind === 'restock') return restockEntry({ ...base, receipt: ref, cost: g.value });
      return adjustmentEntry({ ...base, movement: ref, costDelta: g.value });
    });
    const posted = await journal.postInTx(
      tx,
      inputs.map((input) => ({ input })),
    );
    const entryOf = new Map<number, string>();
    list.forEach((g, j) => {
      for (const i of g.members) entryOf.set(i, posted[j]!.id);
    });
    return entryOf;
  }
}

export type CostingWriter = ReturnType<typeof createCostingWriter>;

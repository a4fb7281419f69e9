import { sql } from 'kysely';
import type { EventInput } from '../../kernel/events.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { chunked } from '../../kernel/sql.js';
import type { InventoryLevelChangedData } from '../../model/inventory.js';
import { horizonEnd, loadChannels, locationAtp } from './atp.service.js';
import { InventoryLevelChanged } from './events.js';
import { selectIn, toLevel } from './ledger.read.js';
import type { ErpDeps } from './ledger.service.js';
import { splitLevelSnapshot } from './level.split.js';
import type { ErpLevelRow } from './schema.js';
import { tryTaskLock } from './sql.js';

/**
 * Coalesced `keel.erp.inventory.level.changed.v1`. Posting does not emit events: it marks the SKU
 * dirty (`erp_dirty_skus`, one row per SKU, upserted in the posting's transaction). This publisher
 * drains the marks (in key order, see `nextMarks`) every few tens of milliseconds and emits one
 * event per SKU with its current levels and ATP, so 10,000 movements of a hot SKU make a handful
 * of events, not 10,000, while the data stays at most one interval (plus a batch) old.
 *
 * Exactly-once marking: the publisher reads marks with their `seq`, publishes, and deletes only the
 * marks whose `seq` is unchanged, in the same transaction as the events. A SKU re-dirtied meanwhile
 * got a new `seq` (writers bump it on conflict), so its mark stays for the next round: no change is
 * ever lost, at worst published twice. One process drains at a time (a try-lock on PostgreSQL).
 */

const PUBLISH_TASK = 1;

/**
 * Compare-and-delete the published marks: only those whose `seq` is still the one read. One
 * statement per 500 on SQLite (`(sku, seq) in (values …)`), one on PostgreSQL: each mark is found
 * by a probe of the primary key (a LATERAL lookup per bound pair, as kernel/sql.ts's
 * `selectByKeys` does) and deleted by its row address. A join of the marks table with the pairs
 * is planned from statistics instead, and the marks table's swing between empty and a backlog
 * leaves them wrong: analysed while empty, PostgreSQL hashed the whole (bloated) table for every
 * batch, 500 ms each (docs/decisions.md). A mark re-dirtied after it was read has a new row
 * version, which the delete re-checks and leaves alone.
 */
export async function deleteMarks(
  tx: Tx,
  dialect: Dialect,
  marks: readonly { sku: string; seq: number | string }[],
): Promise<void> {
  if (dialect === 'postgres') {
    await sql`delete from erp_dirty_skus where ctid = any(array(
        select d.ctid from unnest(${marks.map((m) => m.sku)}::text[], ${marks.map((m) => String(m.seq))}::bigint[]) as m(sku, seq)
        cross join lateral (select ctid from erp_dirty_skus as x where x.sku = m.sku and x.seq = m.seq offset 0) as d))`.execute(
      tx,
    );
    return;
  }
  for (const part of chunked(marks)) {
    const values = sql.join(part.map((m) => sql`(${m.sku}, ${Number(m.seq)})`));
    await sql`delete from erp_dirty_skus where (sku, seq) in (values ${values})`.execute(tx);
  }
}

export function createLevelPublisher(deps: ErpDeps, options: { batchSize: number; maxEventBytes: number }) {
  const { store, bus, clock } = deps;

  async function snapshot(
    tx: Tx,
    skus: readonly string[],
    now: Date,
  ): Promise<Map<string, InventoryLevelChangedData>> {
    const levels = await selectIn<ErpLevelRow>(tx, store.dialect, 'erp_levels', 'sku', skus);
    const channels = [...(await loadChannels(tx)).values()];
    const longest = Math.max(0, ...channels.map((c) => c.sources.inboundHorizonDays));
    const inbound: { sku: string; location: string; eta: string; remaining: unknown }[] = [];
    for (const part of chunked(skus))
      inbound.push(
        ...(await tx
          .selectFrom('erp_inbound')
          .select(['sku', 'location', 'eta', 'remaining'])
          .where('sku', 'in', part)
          .where('eta', '<=', horizonEnd(now, longest))
          .where('remaining', '>', 0)
          .execute()),
      );
    const out = new Map<string, InventoryLevelChangedData>();
    for (const sku of skus)
      out.set(sku, { sku, levels: [], atp: [], movementSeq: 0, asOf: now.toISOString() });
    for (const row of levels.sort((a, b) => a.location.localeCompare(b.location))) {
      const { sku: _s, lastSeq, updatedAt: _u, ...level } = toLevel(row);
      const data = out.get(row.sku)!;
      data.levels.push(level);
      data.movementSeq = Math.max(data.movementSeq, lastSeq);
    }
    const lines = new Map<string, { eta: string; remaining: number }[]>();
    for (const i of inbound) {
      const key = `${i.sku}\u0000${i.location}`;
      lines.set(key, [...(lines.get(key) ?? []), { eta: i.eta, remaining: Number(i.remaining) }]);
    }
    for (const c of channels) {
      const end = horizonEnd(now, c.sources.inboundHorizonDays);
      const active = new Set(c.active);
      for (const data of out.values()) {
        let atp = 0;
        for (const l of data.levels) {
          if (!active.has(l.location)) continue;
          const due = (lines.get(`${data.sku}\u0000${l.location}`) ?? [])
            .filter((i) => i.eta <= end)
            .reduce((s, i) => s + i.remaining, 0);
          atp += locationAtp(l.available, l.safetyStock, due);
        }
        data.atp.push({ channel: c.sources.channel, atp });
      }
    }
    return out;
  }

  /**
   * Marks are drained in key order, a batch at a time from where the last batch ended, wrapping
   * round to the start: each mark waits at most one sweep, as it would in arrival order, and the
   * table needs no index besides its key (a `seq` index was one more random page per movement).
   */
  let after = '';
  const read = (tx: Tx, from: string, limit: number, upTo?: string) => {
    let q = tx.selectFrom('erp_dirty_skus').select(['sku', 'seq']).where('sku', '>', from);
    if (upTo !== undefined) q = q.where('sku', '<=', upTo);
    return q.orderBy('sku').limit(limit).execute() as Promise<{ sku: string; seq: number | string }[]>;
  };
  async function nextMarks(tx: Tx) {
    const head = await read(tx, after, options.batchSize);
    const rest = options.batchSize - head.length;
    const tail = rest > 0 && after !== '' ? await read(tx, '', rest, after) : [];
    const last = tail.at(-1) ?? (rest === 0 ? head.at(-1) : undefined);
    after = last?.sku ?? '';
    return [...head, ...tail];
  }

  return {
    /**
     * Publish one batch of dirty SKUs; returns how many SKUs were published (a full batch means
     * more may be waiting). Safe to call from anywhere, any number of processes.
     */
    async publishOnce(): Promise<number> {
      const any = await store.db.selectFrom('erp_dirty_skus').select('sku').limit(1).executeTakeFirst();
      if (!any) return 0;
      return store.tx(async (tx) => {
        if (!(await tryTaskLock(tx, store.dialect, PUBLISH_TASK))) return 0;
        const marks = await nextMarks(tx);
        if (marks.length === 0) return 0;
        const data = await snapshot(
          tx,
          marks.map((m) => m.sku),
          clock.now(),
        );
        const events: EventInput[] = [...data.values()].flatMap((d) =>
          splitLevelSnapshot(d, options.maxEventBytes).map((part) =>
            InventoryLevelChanged.input(d.sku, part, { partitionKey: d.sku }),
          ),
        );
        await bus.append(tx, events);
        await deleteMarks(tx, store.dialect, marks);
        return marks.length;
      });
    },

    /** SKUs waiting to be published (for operators and tests). */
    async pending(): Promise<number> {
      const r = await store.db
        .selectFrom('erp_dirty_skus')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}

export type LevelPublisher = ReturnType<typeof createLevelPublisher>;

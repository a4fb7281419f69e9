import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../kernel/ports/store.js';

const CHUNK = 5000;

/**
 * Housekeeping of the bus's bookkeeping tables. Inbox records are kept for `retentionDays`, and
 * only below the persisted position of their event's partition: an event below it is never
 * delivered to the group again, so its record is no longer needed for deduplication. Attempt
 * records of events that eventually succeeded go after the same retention. Deletes run in chunks
 * so no transaction holds the (SQLite) writer for long.
 */
export async function pruneBusBookkeeping(
  store: Store,
  clock: Clock,
  retentionDays: number,
): Promise<number> {
  const cutoff = new Date(clock.now().getTime() - retentionDays * 86_400_000).toISOString();
  let removed = 0;
  for (;;) {
    const n = await store.tx(async (tx) => {
      // Each record is compared with the position of the partition its event belongs to.
      const r = await sql`DELETE FROM keel_bus_inbox WHERE (group_name, event_id) IN (
          SELECT i.group_name, i.event_id FROM keel_bus_inbox i
          JOIN keel_event_log l ON l.seq = i.seq
          JOIN keel_bus_positions p ON p.group_name = i.group_name AND p.partition = l.partition
          WHERE i.seq <= p.position AND i.processed_at < ${cutoff}
          LIMIT ${CHUNK})`.execute(tx);
      return Number(r.numAffectedRows ?? 0);
    });
    removed += n;
    if (n < CHUNK) break;
  }
  for (;;) {
    const n = await store.tx(async (tx) => {
      const r = await sql`DELETE FROM keel_bus_attempts WHERE (group_name, event_id, attempt) IN (
          SELECT group_name, event_id, attempt FROM keel_bus_attempts WHERE at < ${cutoff} LIMIT ${CHUNK})`.execute(
        tx,
      );
      return Number(r.numAffectedRows ?? 0);
    });
    removed += n;
    if (n < CHUNK) break;
  }
  return removed;
}

import { sql } from 'kysely';
import type { StoredEvent } from '../../kernel/events.js';
import type { Dialect, Tx } from '../../kernel/ports/store.js';

export type InboxOutcome = 'handled' | 'dead_lettered';

interface Claimed {
  event_id: string;
}

/**
 * Claim events for a group inside the handler's transaction. Returns the ids not seen before:
 * only those are handled. The claim commits (or rolls back) with the handler's effects, which is
 * what makes redelivery harmless. On PostgreSQL a concurrent claimer of the same id waits for the
 * first to commit and then gets nothing back.
 */
export async function claimInbox(
  tx: Tx,
  dialect: Dialect,
  group: string,
  events: readonly StoredEvent[],
  now: string,
  outcome: InboxOutcome = 'handled',
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  // PostgreSQL: two array parameters for the batch; SQLite: one JSON parameter (it has no arrays).
  const statement =
    dialect === 'postgres'
      ? sql<Claimed>`INSERT INTO keel_bus_inbox (group_name, event_id, seq, outcome, processed_at)
          SELECT ${group}, c.id, c.seq, ${outcome}, ${now}
          FROM unnest(${events.map((e) => e.id)}::text[], ${events.map((e) => e.seq)}::bigint[]) AS c(id, seq)
          ON CONFLICT (group_name, event_id) DO NOTHING RETURNING event_id`
      : sql<Claimed>`INSERT INTO keel_bus_inbox (group_name, event_id, seq, outcome, processed_at)
          SELECT ${group}, c.value->>0, c.value->>1, ${outcome}, ${now}
          FROM json_each(${JSON.stringify(events.map((e) => [e.id, e.seq]))}) AS c WHERE true
          ON CONFLICT (group_name, event_id) DO NOTHING RETURNING event_id`;
  const result = await statement.execute(tx);
  return new Set(result.rows.map((r) => r.event_id));
}

/** Forget a group's processed events from a position on (replay). */
export async function forgetInboxFrom(tx: Tx, group: string, fromSeq: number): Promise<void> {
  await tx.deleteFrom('keel_bus_inbox').where('group_name', '=', group).where('seq', '>=', fromSeq).execute();
}

/** Remove processed-event records older than the retention window (run periodically). */
export async function pruneInbox(tx: Tx, before: string): Promise<number> {
  const r = await tx.deleteFrom('keel_bus_inbox').where('processed_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows ?? 0);
}

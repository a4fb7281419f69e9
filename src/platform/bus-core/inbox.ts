import type { StoredEvent } from '../../kernel/events.js';
import type { Tx } from '../../kernel/ports/store.js';

export type InboxOutcome = 'handled' | 'dead_lettered';

/**
 * Claim events for a group inside the handler's transaction. Returns the ids not seen before:
 * only those are handled. The claim commits (or rolls back) with the handler's effects, which is
 * what makes redelivery harmless. On PostgreSQL a concurrent claimer of the same id waits for the
 * first to commit and then gets nothing back.
 */
export async function claimInbox(
  tx: Tx,
  group: string,
  events: readonly StoredEvent[],
  now: string,
  outcome: InboxOutcome = 'handled',
): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const rows = await tx
    .insertInto('keel_bus_inbox')
    .values(
      events.map((e) => ({ group_name: group, event_id: e.id, seq: e.seq, outcome, processed_at: now })),
    )
    .onConflict((oc) => oc.columns(['group_name', 'event_id']).doNothing())
    .returning('event_id')
    .execute();
  return new Set(rows.map((r) => r.event_id as string));
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

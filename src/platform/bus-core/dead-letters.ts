import type { ExpressionBuilder } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { StoredEvent } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import type { AttemptRecord, DeadLetter, DeadLetterStatus, Page } from '../../kernel/ports/bus.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { partitionOf } from './envelope.js';

/** Raised when a dead letter is asked to be retried: the group's consumers pick it up. */
export const DLQ_SIGNAL = 'keel_bus_dlq';

/** How long a retry may stay claimed before another process assumes its claimer died. */
const STALE_RETRY_MS = 5 * 60_000;

interface DeadLetterRow {
  id: string;
  group_name: string;
  event_id: string;
  event_type: string;
  seq: number;
  partition: number;
  event: string;
  status: DeadLetterStatus;
  error: string;
  attempts: string;
  resolution: string | null;
  created_at: string;
  updated_at: string;
}

function fromRow(r: DeadLetterRow): DeadLetter {
  const dl: DeadLetter = {
    id: r.id,
    group: r.group_name,
    eventId: r.event_id,
    eventType: r.event_type,
    seq: Number(r.seq),
    event: JSON.parse(r.event) as StoredEvent,
    status: r.status,
    error: r.error,
    attempts: JSON.parse(r.attempts) as AttemptRecord[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  if (r.resolution) dl.resolution = JSON.parse(r.resolution);
  return dl;
}

/** Failure bookkeeping: attempt history (kept across restarts) and the dead-letter queue. */
export class FailureStore {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly partitions: number,
  ) {}

  /** Record a failed attempt; returns the history so far (every attempt, across restarts). */
  async recordAttempt(
    group: string,
    event: StoredEvent,
    error: string,
    code?: string,
  ): Promise<AttemptRecord[]> {
    return this.store.tx(async (tx) => {
      const prior = await this.attempts(tx, group, event.id);
      const rec: AttemptRecord = { attempt: prior.length + 1, at: this.clock.now().toISOString(), error };
      if (code) rec.code = code;
      await tx
        .insertInto('keel_bus_attempts')
        .values({
          group_name: group,
          event_id: event.id,
          attempt: rec.attempt,
          at: rec.at,
          error,
          code: code ?? null,
        })
        .execute();
      return [...prior, rec];
    });
  }

  async attempts(tx: Tx, group: string, eventId: string): Promise<AttemptRecord[]> {
    const rows = await tx
      .selectFrom('keel_bus_attempts')
      .select(['attempt', 'at', 'error', 'code'])
      .where('group_name', '=', group)
      .where('event_id', '=', eventId)
      .orderBy('attempt')
      .execute();
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      at: r.at as string,
      error: r.error as string,
      ...(r.code ? { code: r.code as string } : {}),
    }));
  }

  /** Whether any attempts are recorded for the group (events failing right now, or recently). */
  async hasAttempts(group: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('keel_bus_attempts')
      .select('event_id')
      .where('group_name', '=', group)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** How many attempts each of these events has had so far. */
  async priorAttempts(group: string, eventIds: readonly string[]): Promise<Map<string, number>> {
    if (eventIds.length === 0) return new Map();
    const rows = await this.store.db
      .selectFrom('keel_bus_attempts')
      .select(['event_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('group_name', '=', group)
      .where('event_id', 'in', [...eventIds])
      .groupBy('event_id')
      .execute();
    return new Map(rows.map((r) => [r.event_id as string, Number(r.n)]));
  }

  /** An event succeeded after failing: forget its attempts (inside the handler's transaction). */
  async clearAttempts(tx: Tx, group: string, eventId: string): Promise<void> {
    await tx
      .deleteFrom('keel_bus_attempts')
      .where('group_name', '=', group)
      .where('event_id', '=', eventId)
      .execute();
  }

  /** Park an event (inside `tx`, together with its inbox record). */
  async deadLetter(tx: Tx, group: string, event: StoredEvent, attempts: AttemptRecord[]): Promise<void> {
    const now = this.clock.now().toISOString();
    await tx
      .insertInto('keel_bus_dead_letters')
      .values({
        id: newId('dlq'),
        group_name: group,
        event_id: event.id,
        event_type: event.type,
        seq: event.seq,
        partition: partitionOf(event.partitionkey, this.partitions),
        event: JSON.stringify(event),
        status: 'open',
        error: attempts.at(-1)?.error ?? 'unknown',
        attempts: JSON.stringify(attempts),
        resolution: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['group_name', 'event_id']).doNothing())
      .execute();
    await tx
      .deleteFrom('keel_bus_attempts')
      .where('group_name', '=', group)
      .where('event_id', '=', event.id)
      .execute();
  }

  /** One dead letter; `db` lets a transaction read its own writes. */
  async get(id: string, db: Store['db'] = this.store.db): Promise<DeadLetter> {
    const row = await db
      .selectFrom('keel_bus_dead_letters')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw KernelErrors.DEAD_LETTER_NOT_FOUND.create(`dead letter ${id} does not exist`, { id });
    return fromRow(row as DeadLetterRow);
  }

  async list(q: {
    group?: string;
    status?: DeadLetterStatus;
    limit?: number;
    after?: string;
  }): Promise<Page<DeadLetter>> {
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
    let sel = this.store.db.selectFrom('keel_bus_dead_letters').selectAll();
    if (q.group) sel = sel.where('group_name', '=', q.group);
    if (q.status) sel = sel.where('status', '=', q.status);
    if (q.after) sel = sel.where('id', '>', q.after);
    const rows = (await sel
      .orderBy('id')
      .limit(limit + 1)
      .execute()) as DeadLetterRow[];
    const items = rows.slice(0, limit).map(fromRow);
    return rows.length > limit ? { items, next: items.at(-1)!.id } : { items };
  }

  async requestRetry(id: string, actor: string): Promise<DeadLetter> {
    return this.transition(id, ['open'], 'retry_requested', { actor, action: 'retry' });
  }

  async discard(id: string, actor: string, reason?: string): Promise<DeadLetter> {
    return this.transition(id, ['open'], 'discarded', {
      actor,
      action: 'discard',
      ...(reason ? { reason } : {}),
    });
  }

  private async transition(
    id: string,
    from: DeadLetterStatus[],
    to: DeadLetterStatus,
    resolution: { actor: string; action: 'retry' | 'discard'; reason?: string },
  ): Promise<DeadLetter> {
    // The result is read in the transition's own transaction: read after the commit, it could
    // already show a consumer's next step (a requested retry being taken), not this transition.
    return this.store.tx(async (tx) => {
      const row = await tx
        .selectFrom('keel_bus_dead_letters')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw KernelErrors.DEAD_LETTER_NOT_FOUND.create(`dead letter ${id} does not exist`, { id });
      if (!from.includes(row.status as DeadLetterStatus)) {
        throw KernelErrors.DEAD_LETTER_STATE.create(
          `dead letter ${id} is ${row.status}; only ${from.join('/')} can be changed`,
          {
            id,
            status: row.status,
          },
        );
      }
      const now = this.clock.now().toISOString();
      await tx
        .updateTable('keel_bus_dead_letters')
        .set({ status: to, resolution: JSON.stringify({ ...resolution, at: now }), updated_at: now })
        .where('id', '=', id)
        .execute();
      if (to === 'retry_requested') this.store.signal(tx, DLQ_SIGNAL);
      return this.get(id, tx);
    });
  }

  /** Atomically take one retry request of these groups; other processes see it as `retrying`. */
  async claimRetry(groups: readonly string[]): Promise<DeadLetter | undefined> {
    if (groups.length === 0) return undefined;
    // A claim whose process died mid-retry is taken over once it is clearly stale.
    const stale = new Date(this.clock.now().getTime() - STALE_RETRY_MS).toISOString();
    const claimable = (eb: ExpressionBuilder<any, any>) =>
      eb.or([
        eb('status', '=', 'retry_requested'),
        eb.and([eb('status', '=', 'retrying'), eb('updated_at', '<', stale)]),
      ]);
    const candidate = await this.store.db
      .selectFrom('keel_bus_dead_letters')
      .select('id')
      .where(claimable)
      .where('group_name', 'in', groups)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!candidate) return undefined;
    const claimed = await this.store.tx(async (tx) => {
      const r = await tx
        .updateTable('keel_bus_dead_letters')
        .set({ status: 'retrying', updated_at: this.clock.now().toISOString() })
        .where('id', '=', candidate.id)
        .where(claimable)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
    return claimed ? this.get(candidate.id) : this.claimRetry(groups);
  }

  /** Inside the retry's transaction: the event was handled. */
  async markResolved(tx: Tx, id: string): Promise<void> {
    await tx
      .updateTable('keel_bus_dead_letters')
      .set({ status: 'resolved', updated_at: this.clock.now().toISOString() })
      .where('id', '=', id)
      .execute();
  }

  /** The retry failed again: back to `open` with the new attempt appended. */
  async reopen(id: string, attempt: AttemptRecord): Promise<void> {
    await this.store.tx(async (tx) => {
      const row = await tx
        .selectFrom('keel_bus_dead_letters')
        .select('attempts')
        .where('id', '=', id)
        .executeTakeFirst();
      const attempts = row ? (JSON.parse(row.attempts as string) as AttemptRecord[]) : [];
      attempt.attempt = attempts.length + 1;
      await tx
        .updateTable('keel_bus_dead_letters')
        .set({
          status: 'open',
          error: attempt.error,
          attempts: JSON.stringify([...attempts, attempt]),
          updated_at: this.clock.now().toISOString(),
        })
        .where('id', '=', id)
        .execute();
    });
  }
}

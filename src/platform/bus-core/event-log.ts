import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { EventRegistry } from '../../kernel/event-registry.js';
import type { CloudEvent, EventContext, EventInput, StoredEvent } from '../../kernel/events.js';
import type { EventQuery } from '../../kernel/ports/bus.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { buildEnvelope, partitionOf } from './envelope.js';
import { typeFilter } from './type-filter.js';

/** Raised after new events are visible in commit order (`seq` assigned). */
export const LOG_SEQUENCED = 'keel_log';
/** Raised on PostgreSQL when rows await the sequencer. */
export const LOG_APPENDED = 'keel_log_new';

const INSERT_CHUNK = 500;

export interface EventLogOptions {
  store: Store;
  registry: EventRegistry;
  clock: Clock;
  partitions: number;
  maxEventBytes: number;
}

interface Row {
  seq: number;
  envelope: string;
}

export function rowToEvent(row: Row): StoredEvent {
  return { ...(JSON.parse(row.envelope) as CloudEvent), seq: Number(row.seq) };
}

/**
 * The event log: append inside the writer's transaction, read in commit order.
 *
 * On PostgreSQL, concurrent transactions commit in a different order than they insert, so a
 * reader that follows `id` could skip a row committed late. Rows are therefore inserted without a
 * position and a single sequencer numbers them in the order they become visible. Appends of the
 * same partition key take a transaction-scoped advisory lock, so two transactions writing one key
 * become visible (and are numbered) in the order they wrote it.
 */
export class EventLog {
  constructor(private readonly o: EventLogOptions) {}

  get partitions(): number {
    return this.o.partitions;
  }

  async append(tx: Tx, inputs: readonly EventInput[], context?: EventContext): Promise<CloudEvent[]> {
    if (!Array.isArray(inputs))
      throw KernelErrors.EVENT_SCHEMA_INVALID.create('append expects an array of events');
    if (inputs.length === 0) return [];
    const events = inputs.map((i) => buildEnvelope(i, this.o.registry, this.o.clock, context));
    const rows = events.map((e) => {
      const envelope = JSON.stringify(e);
      const bytes = Buffer.byteLength(envelope);
      if (bytes > this.o.maxEventBytes) {
        throw KernelErrors.EVENT_TOO_LARGE.create(
          `${e.type}: ${bytes} bytes exceeds ${this.o.maxEventBytes}`,
          {
            type: e.type,
            bytes,
            limit: this.o.maxEventBytes,
          },
        );
      }
      return {
        event_id: e.id,
        type: e.type,
        subject: e.subject,
        partition_key: e.partitionkey,
        partition: partitionOf(e.partitionkey, this.o.partitions),
        correlation_id: e.correlationid,
        time: e.time,
        envelope,
      };
    });
    const { store } = this.o;
    if (store.dialect === 'postgres') {
      const keys = [...new Set(rows.map((r) => r.partition_key))];
      await sql`SELECT pg_advisory_xact_lock(h) FROM (
          SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${keys}::text[]) AS k ORDER BY h
        ) AS keys`.execute(tx);
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('keel_event_log')
          .values(rows.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      store.signal(tx, LOG_APPENDED);
    } else {
      // One writer at a time: insertion order is commit order, so number the rows right here.
      const { max } = await tx
        .selectFrom('keel_event_log')
        .select((eb) => eb.fn.max('seq').as('max'))
        .executeTakeFirstOrThrow();
      let seq = Number(max ?? 0);
      const numbered = rows.map((r) => ({ ...r, seq: ++seq }));
      for (let i = 0; i < numbered.length; i += INSERT_CHUNK) {
        await tx
          .insertInto('keel_event_log')
          .values(numbered.slice(i, i + INSERT_CHUNK))
          .execute();
      }
      store.signal(tx, LOG_SEQUENCED);
    }
    return events;
  }

  /**
   * PostgreSQL only: number the visible, unnumbered rows in insertion order. Run by one process at
   * a time (the holder of the sequencer lease); the unique index on `seq` fences a stale holder.
   */
  async sequence(limit = 5000): Promise<number> {
    if (this.o.store.dialect !== 'postgres') return 0;
    return this.o.store.tx(async (tx) => {
      const r = await sql<{ n: number }>`
        WITH next AS (
          SELECT id FROM keel_event_log WHERE seq IS NULL ORDER BY id LIMIT ${limit}
        ), base AS (
          SELECT COALESCE(MAX(seq), 0) AS m FROM keel_event_log
        ), numbered AS (
          SELECT next.id, base.m + row_number() OVER (ORDER BY next.id) AS s FROM next, base
        ), done AS (
          UPDATE keel_event_log l SET seq = numbered.s FROM numbered WHERE l.id = numbered.id RETURNING 1
        )
        SELECT count(*)::int AS n FROM done`.execute(tx);
      const n = Number(r.rows[0]?.n ?? 0);
      if (n > 0) this.o.store.signal(tx, LOG_SEQUENCED);
      return n;
    });
  }

  /** Sequenced events of one partition after `afterSeq`, matching the type patterns. */
  async readPartition(
    partition: number,
    afterSeq: number,
    limit: number,
    types: readonly string[],
  ): Promise<StoredEvent[]> {
    let q = this.o.store.db
      .selectFrom('keel_event_log')
      .select(['seq', 'envelope'])
      .where('partition', '=', partition)
      .where('seq', '>', afterSeq);
    const filter = typeFilter(types);
    if (filter) q = q.where(filter);
    const rows = await q.orderBy('seq').limit(limit).execute();
    return rows.map(rowToEvent);
  }

  /** Sequenced events of every partition after `afterSeq` (the relay's read). */
  async readAll(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.o.store.db
      .selectFrom('keel_event_log')
      .select(['seq', 'envelope'])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(rowToEvent);
  }

  async head(): Promise<number> {
    const r = await this.o.store.db
      .selectFrom('keel_event_log')
      .select((eb) => eb.fn.max('seq').as('max'))
      .executeTakeFirst();
    return Number(r?.max ?? 0);
  }

  /** The first position at or after a time (for replay by time); head+1 when none. */
  async firstSeqAtOrAfter(time: string): Promise<number> {
    const r = await this.o.store.db
      .selectFrom('keel_event_log')
      .select((eb) => eb.fn.min('seq').as('min'))
      .where('time', '>=', time)
      .where('seq', 'is not', null)
      .executeTakeFirst();
    return r?.min != null ? Number(r.min) : (await this.head()) + 1;
  }

  async timeOf(seq: number): Promise<string | undefined> {
    const r = await this.o.store.db
      .selectFrom('keel_event_log')
      .select('time')
      .where('seq', '>=', seq)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
    return r?.time as string | undefined;
  }

  async query(q: EventQuery): Promise<StoredEvent[]> {
    let sel = this.o.store.db
      .selectFrom('keel_event_log')
      .select(['seq', 'envelope'])
      .where('seq', 'is not', null)
      .where('seq', '>', q.afterSeq ?? 0);
    if (q.correlationId) sel = sel.where('correlation_id', '=', q.correlationId);
    if (q.subject) sel = sel.where('subject', '=', q.subject);
    if (q.type) sel = sel.where('type', '=', q.type);
    const rows = await sel
      .orderBy('seq')
      .limit(Math.min(Math.max(q.limit ?? 100, 1), 1000))
      .execute();
    return rows.map(rowToEvent);
  }
}

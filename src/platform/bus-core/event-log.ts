import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { EventRegistry } from '../../kernel/event-registry.js';
import type { CloudEvent, EventContext, EventInput, StoredEvent } from '../../kernel/events.js';
import { idLowerBound } from '../../kernel/ids.js';
import type { EventQuery } from '../../kernel/ports/bus.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { inSeqBlocks, pageBySeqBlocks, seqBlocks } from '../../kernel/seq-blocks.js';
import { insertRows } from '../../kernel/sql.js';
import { buildEnvelope, partitionOf } from './envelope.js';
import { SUBJECT_INDEX } from './log-layout.schema.js';
import { typeFilter } from './type-filter.js';

/** Raised after new events are visible in commit order (`seq` assigned). */
export const LOG_SEQUENCED = 'keel_log';
/** Raised on PostgreSQL when rows await the sequencer. */
export const LOG_APPENDED = 'keel_log_new';

/** Rows per PostgreSQL INSERT: 9 parameters each, far under the protocol's 65,535. */
const PG_CHUNK = 1000;
const LOG_COLUMNS = [
  'seq',
  'event_id',
  'type',
  'subject',
  'partition_key',
  'partition',
  'correlation_id',
  'time',
  'envelope',
] as const;

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
  const event = JSON.parse(row.envelope) as StoredEvent;
  event.seq = Number(row.seq);
  return event;
}

/** A stored event as the log holds it: the envelope is JSON text without `seq`. */
export interface RawEvent {
  seq: number;
  id: string;
  type: string;
  partition: number;
  envelope: string;
}

/** The JSON of `{ ...envelope, seq }`, built without parsing the envelope. */
export function storedEventJson(e: RawEvent): string {
  return `${e.envelope.slice(0, e.envelope.lastIndexOf('}'))},"seq":${e.seq}}`;
}

interface LogRow {
  event_id: string;
  type: string;
  subject: string;
  partition_key: string;
  partition: number;
  correlation_id: string;
  time: string;
  envelope: string;
}

/**
 * PostgreSQL: lock the partition keys (so two writers of one key become visible in the order they
 * wrote it), then insert unnumbered rows for the sequencer — one statement, one round trip per
 * chunk. Every value is its own parameter of a multi-row VALUES list: PostgreSQL reads that about
 * three times faster than the same rows as text-array parameters (array_in has to unescape every
 * quote of the JSON envelopes) and faster still than a JSON document of rows. Rows get their `id`
 * in list order (`ORDER BY i`).
 *
 * The locks are an uncorrelated sub-select in the WHERE clause, which PostgreSQL evaluates once,
 * before the first row is produced: every key is locked before any row is written.
 */
async function insertPostgres(tx: Tx, rows: readonly LogRow[]): Promise<void> {
  const keys = [...new Set(rows.map((r) => r.partition_key))];
  for (let i = 0; i < rows.length; i += PG_CHUNK) {
    const values = rows
      .slice(i, i + PG_CHUNK)
      .map(
        (r, j) =>
          sql`(${j}::int, ${r.event_id}, ${r.type}, ${r.subject}, ${r.partition_key}, ${r.partition}::int, ${r.correlation_id}, ${r.time}, ${r.envelope})`,
      );
    const lock =
      i === 0
        ? sql`(SELECT count(*) FROM (SELECT pg_advisory_xact_lock(h) FROM (
              SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(${keys}::text[]) AS k ORDER BY h
            ) AS keys) AS locked) >= 0`
        : sql`true`;
    await sql`INSERT INTO keel_event_log
        (event_id, type, subject, partition_key, partition, correlation_id, time, envelope)
      SELECT event_id, type, subject, partition_key, partition, correlation_id, time, envelope
      FROM (VALUES ${sql.join(values)})
        AS r(i, event_id, type, subject, partition_key, partition, correlation_id, time, envelope)
      WHERE ${lock}
      ORDER BY i`.execute(tx);
  }
}

/**
 * SQLite: one writer at a time, so insertion order is commit order and rows are numbered right
 * here, continuing from the highest position.
 */
async function insertSqlite(tx: Tx, rows: readonly LogRow[]): Promise<void> {
  if (rows.length === 1) {
    const r = rows[0]!;
    await sql`INSERT INTO keel_event_log
        (seq, event_id, type, subject, partition_key, partition, correlation_id, time, envelope)
      VALUES ((SELECT COALESCE(MAX(seq), 0) FROM keel_event_log) + 1, ${r.event_id}, ${r.type},
        ${r.subject}, ${r.partition_key}, ${r.partition}, ${r.correlation_id}, ${r.time}, ${r.envelope})`.execute(
      tx,
    );
    return;
  }
  // A batch: the next position once, then multi-row inserts (prepared statement texts reused),
  // each row with its explicit position.
  const { max } = await tx
    .selectFrom('keel_event_log')
    .select((eb) => eb.fn.max('seq').as('max'))
    .executeTakeFirstOrThrow();
  let seq = Number(max ?? 0);
  await insertRows(
    tx,
    'sqlite',
    'keel_event_log',
    LOG_COLUMNS,
    rows.map((r) => [
      ++seq,
      r.event_id,
      r.type,
      r.subject,
      r.partition_key,
      r.partition,
      r.correlation_id,
      r.time,
      r.envelope,
    ]),
  );
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
    const rows = events.map((e): LogRow => {
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
      await insertPostgres(tx, rows);
      store.signal(tx, LOG_APPENDED);
    } else {
      await insertSqlite(tx, rows);
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

  /** Sequenced events of every partition after `afterSeq`. */
  async readAll(afterSeq: number, limit: number): Promise<StoredEvent[]> {
    return (await this.readAllRaw(afterSeq, limit)).map(rowToEvent);
  }

  /**
   * The relay's read: like `readAll`, but the stored JSON is not parsed — the relay forwards it
   * as it is, with what it needs for routing alongside.
   */
  async readAllRaw(afterSeq: number, limit: number): Promise<RawEvent[]> {
    const rows = await this.o.store.db
      .selectFrom('keel_event_log')
      .select(['seq', 'event_id', 'type', 'partition', 'envelope'])
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      id: r.event_id as string,
      type: r.type as string,
      partition: Number(r.partition),
      envelope: r.envelope as string,
    }));
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
    // Event ids begin with their append time, so the id index finds the first events at or after
    // `time`; the lowest position among the first few covers writers whose commits interleaved.
    const r = await this.o.store.db
      .selectFrom((eb) =>
        eb
          .selectFrom('keel_event_log')
          .select('seq')
          .where('event_id', '>=', idLowerBound('evt', new Date(time).getTime()))
          .where('event_id', '<', 'evt`')
          .where('seq', 'is not', null)
          .orderBy('event_id')
          .limit(1000)
          .as('first'),
      )
      .select((eb) => eb.fn.min('seq').as('min'))
      .executeTakeFirst();
    return r?.min != null ? Number(r.min) : (await this.head()) + 1;
  }

  /** The id of the event at a position. */
  async idAt(seq: number): Promise<string | undefined> {
    const r = await this.o.store.db
      .selectFrom('keel_event_log')
      .select('event_id')
      .where('seq', '=', seq)
      .executeTakeFirst();
    return r?.event_id as string | undefined;
  }

  /** The position of an event, if it is in the log and sequenced. */
  async seqOf(eventId: string): Promise<number | undefined> {
    const r = await this.o.store.db
      .selectFrom('keel_event_log')
      .select('seq')
      .where('event_id', '=', eventId)
      .executeTakeFirst();
    return r?.seq == null ? undefined : Number(r.seq);
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
    const { db, dialect } = this.o.store;
    const after = q.afterSeq ?? 0;
    let sel = db
      .selectFrom('keel_event_log')
      .select(['seq', 'envelope'])
      .where('seq', 'is not', null)
      .where('seq', '>', after);
    if (q.correlationId) sel = sel.where('correlation_id', '=', q.correlationId);
    if (q.subject) sel = sel.where('subject', '=', q.subject);
    if (q.type) sel = sel.where('type', '=', q.type);
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const page = (s: typeof sel, want: number) => s.orderBy('seq').limit(want).execute();
    // A subject's trail goes through the subject index, which SQLite keeps in blocks of positions.
    const rows =
      q.subject && !q.correlationId
        ? await pageBySeqBlocks(
            dialect,
            await seqBlocks(db, dialect, SUBJECT_INDEX, after),
            limit,
            (w, want) => page(inSeqBlocks(sel, dialect, SUBJECT_INDEX, w), want),
          )
        : await page(sel, limit);
    return rows.map(rowToEvent);
  }
}

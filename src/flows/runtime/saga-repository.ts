import { type Kysely, sql } from 'kysely';
import type { Dialect, Tx } from '../../kernel/ports/store.js';
import { type SagaRow, type SagaSignalRow, sagaDb } from './saga.schema.js';
import { type HistoryInput, recordFromRow, type SagaRecord } from './saga-record.js';

/** A stored signal as read back. */
export type PendingSignal = Omit<SagaSignalRow, 'seq'> & { seq: number };

/** Where a claim comes from and how long it holds. */
export interface ClaimRequest {
  types: readonly string[];
  limit: number;
  now: string;
  lockedUntil: string;
  runner: string;
  token: string;
}

export interface ClaimedSaga {
  rec: SagaRecord;
  /** The runner whose expired claim this one replaced (it crashed or stalled), if any. */
  previousOwner: string | null;
}

/** The saga tables' SQL, and nothing else: decisions live in the machine, orchestration in the executor. */
export class SagaRepository {
  constructor(private readonly dialect: Dialect) {}

  /** Insert a new saga unless the id exists; true when inserted. */
  async insert(tx: Tx, row: SagaRow): Promise<boolean> {
    const r = await sagaDb(tx)
      .insertInto('keel_sagas')
      .values(row)
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async find(db: Kysely<any>, id: string): Promise<SagaRecord | undefined> {
    const row = await sagaDb(db).selectFrom('keel_sagas').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? recordFromRow(row) : undefined;
  }

  async appendHistory(tx: Tx, sagaId: string, at: string, entries: readonly HistoryInput[]): Promise<void> {
    if (entries.length === 0) return;
    await sagaDb(tx)
      .insertInto('keel_saga_history')
      .values(
        entries.map((e) => ({
          saga_id: sagaId,
          at,
          kind: e.kind,
          step_id: e.stepId ?? null,
          attempt: e.attempt ?? null,
          details: JSON.stringify(e.details ?? {}),
        })),
      )
      .execute();
  }

  /**
   * Claim up to `limit` due sagas of the given types whose previous claim (if any) has expired.
   * On PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent runners take disjoint
   * sets instead of queueing behind each other; SQLite has a single writer, which is enough.
   * The attempt counter is raised here, before the step runs, so that a step that crashes its
   * process every time still runs out of attempts.
   */
  async claim(tx: Tx, req: ClaimRequest): Promise<ClaimedSaga[]> {
    if (req.types.length === 0 || req.limit <= 0) return [];
    const db = sagaDb(tx);
    let candidates = db
      .selectFrom('keel_sagas')
      .select(['id', 'locked_by'])
      .where('wake_at', '<=', req.now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', req.now)]))
      .where('type', 'in', req.types)
      .orderBy('wake_at')
      .limit(req.limit);
    if (this.dialect === 'postgres') candidates = candidates.forUpdate().skipLocked();
    const found = await candidates.execute();
    if (found.length === 0) return [];
    const rows = await db
      .updateTable('keel_sagas')
      .set({
        locked_by: req.runner,
        lock_token: req.token,
        locked_until: req.lockedUntil,
        updated_at: req.now,
        attempt: sql<number>`case when status in ('running', 'compensating') then attempt + 1 else attempt end`,
      })
      .where(
        'id',
        'in',
        found.map((f) => f.id),
      )
      .where('wake_at', '<=', req.now)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', req.now)]))
      .returningAll()
      .execute();
    const previous = new Map(found.map((f) => [f.id, f.locked_by]));
    return rows.map((row) => ({ rec: recordFromRow(row), previousOwner: previous.get(row.id) ?? null }));
  }

  /** Update a saga this runner holds; null when the claim was lost (expired and taken over). */
  async update(tx: Tx, rec: SagaRecord, values: Partial<SagaRow>): Promise<SagaRecord | null> {
    const row = await sagaDb(tx)
      .updateTable('keel_sagas')
      .set(values)
      .where('id', '=', rec.id)
      .where('lock_token', '=', rec.lockToken)
      .returningAll()
      .executeTakeFirst();
    return row ? recordFromRow(row) : null;
  }

  /** Extend a claim (heartbeat) — and, on PostgreSQL, take the row lock. False when it was lost. */
  async extend(tx: Tx, id: string, token: string, lockedUntil: string): Promise<boolean> {
    const r = await sagaDb(tx)
      .updateTable('keel_sagas')
      .set({ locked_until: lockedUntil })
      .where('id', '=', id)
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Give up a claim without changing anything else (shutdown, unexpected errors). */
  async release(tx: Tx, id: string, token: string): Promise<boolean> {
    const r = await sagaDb(tx)
      .updateTable('keel_sagas')
      .set({ locked_by: null, lock_token: null, locked_until: null })
      .where('id', '=', id)
      .where('lock_token', '=', token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The oldest signal of this name not yet consumed by a wait. */
  async pendingSignal(tx: Tx, sagaId: string, name: string): Promise<PendingSignal | undefined> {
    return sagaDb(tx)
      .selectFrom('keel_saga_signals')
      .selectAll()
      .where('saga_id', '=', sagaId)
      .where('name', '=', name)
      .where('consumed_at', 'is', null)
      .orderBy('seq')
      .limit(1)
      .executeTakeFirst();
  }

  async consumeSignal(tx: Tx, seq: number, at: string): Promise<void> {
    await sagaDb(tx)
      .updateTable('keel_saga_signals')
      .set({ consumed_at: at })
      .where('seq', '=', seq)
      .execute();
  }

  /** Record a signal once per (saga, signal id); true when it is new. */
  async insertSignal(tx: Tx, row: Omit<SagaSignalRow, 'seq'>): Promise<boolean> {
    const r = await sagaDb(tx)
      .insertInto('keel_saga_signals')
      .values(row)
      .onConflict((oc) => oc.columns(['saga_id', 'signal_id']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Wake a saga waiting for `name` now. It always writes the row, so that on PostgreSQL it
   * serialises with a runner that is putting the saga to wait in the same instant: whichever
   * commits second sees the other's write (see the executor's commit).
   */
  async wakeWaiter(tx: Tx, sagaId: string, name: string, now: string): Promise<void> {
    await sagaDb(tx)
      .updateTable('keel_sagas')
      .set({
        wake_at: sql<
          string | null
        >`case when status = 'waiting' and waiting_for = ${name} then ${now} else wake_at end`,
        updated_at: now,
      })
      .where('id', '=', sagaId)
      .execute();
  }

  /** The earliest future instant something may become claimable: a timer or an expiring claim. */
  async nextWake(db: Kysely<any>, now: string): Promise<string | null> {
    const d = sagaDb(db);
    const [timer, lease] = await Promise.all([
      d
        .selectFrom('keel_sagas')
        .select((eb) => eb.fn.min('wake_at').as('t'))
        .where('wake_at', '>', now)
        .executeTakeFirst(),
      d
        .selectFrom('keel_sagas')
        .select((eb) => eb.fn.min('locked_until').as('t'))
        .where('locked_until', '>', now)
        .executeTakeFirst(),
    ]);
    const times = [timer?.t, lease?.t].filter((t): t is string => typeof t === 'string');
    return times.length ? times.sort()[0]! : null;
  }
}

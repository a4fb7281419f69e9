import { type Clock, isoNow } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { Page } from '../../kernel/ports/bus.js';
import type { Store } from '../../kernel/ports/store.js';
import { SAGA_WAKE_CHANNEL, sagaDb } from './saga.schema.js';
import {
  SAGA_STATUSES,
  type Saga,
  type SagaDetail,
  type SagaListQuery,
  type SagaStats,
  type SagaStatus,
  type SagaSummary,
} from './saga.types.js';
import { SagaErrors } from './saga-errors.js';
import { historyFromRow, publicSaga, recordFromRow, summaryFromRow } from './saga-record.js';
import type { SagaRepository } from './saga-repository.js';

/**
 * The operator's view of sagas: what `keel saga list|show` and `GET /api/v1/sagas[/:id]` are
 * built on. Reads go to `store.db` (committed data, never blocking writers).
 */
export interface SagaAdmin {
  /** Newest first; `next` is the cursor for the following page. */
  list(query?: SagaListQuery): Promise<Page<SagaSummary>>;
  /** The saga with its whole history, oldest entry first. Throws SAGA_NOT_FOUND. */
  get(id: string): Promise<SagaDetail>;
  /**
   * Resume a `failed` saga's compensation where it stopped (after the cause was fixed), with a
   * fresh attempt budget. Throws SAGA_NOT_FOUND, or SAGA_STATE when the saga is not `failed`.
   */
  retry(id: string, options?: { actor?: string }): Promise<Saga>;
  /** How many sagas are in each status. */
  stats(): Promise<SagaStats>;
}

const SUMMARY_COLUMNS = [
  'id',
  'type',
  'status',
  'step_index',
  'step_id',
  'attempt',
  'waiting_for',
  'wait_until',
  'wake_at',
  'error',
  'correlation_id',
  'locked_by',
  'locked_until',
  'created_at',
  'updated_at',
  'ended_at',
] as const;

export function createSagaAdmin(deps: { store: Store; repo: SagaRepository; clock: Clock }): SagaAdmin {
  const { store, repo, clock } = deps;
  return {
    async list(query = {}) {
      const limit = query.limit ?? 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 500)
        throw KernelErrors.VALIDATION_FAILED.create('limit must be an integer from 1 to 500');
      const statuses = query.status === undefined ? [] : ([] as SagaStatus[]).concat(query.status);
      for (const s of statuses)
        if (!SAGA_STATUSES.includes(s))
          throw KernelErrors.VALIDATION_FAILED.create(`unknown saga status "${s}"`);
      let q = sagaDb(store.db).selectFrom('keel_sagas').select(SUMMARY_COLUMNS);
      if (statuses.length > 0) q = q.where('status', 'in', statuses);
      if (query.type !== undefined) q = q.where('type', '=', query.type);
      if (query.correlationId !== undefined) q = q.where('correlation_id', '=', query.correlationId);
      if (query.after !== undefined) {
        const [createdAt, id] = decodeCursor(query.after);
        q = q.where((eb) =>
          eb.or([
            eb('created_at', '<', createdAt),
            eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const items = rows.slice(0, limit).map(summaryFromRow);
      const last = items.at(-1);
      return rows.length > limit && last ? { items, next: encodeCursor(last.createdAt, last.id) } : { items };
    },

    async get(id) {
      const rec = await repo.find(store.db, id);
      if (!rec) throw KernelErrors.SAGA_NOT_FOUND.create(`no saga "${id}"`);
      const history = await sagaDb(store.db)
        .selectFrom('keel_saga_history')
        .selectAll()
        .where('saga_id', '=', id)
        .orderBy('seq')
        .execute();
      return { ...publicSaga(rec), history: history.map(historyFromRow) };
    },

    async retry(id, options = {}) {
      return store.tx(async (tx) => {
        const rec = await repo.find(tx, id);
        if (!rec) throw KernelErrors.SAGA_NOT_FOUND.create(`no saga "${id}"`);
        if (rec.status !== 'failed')
          throw SagaErrors.STATE.create(`saga "${id}" is ${rec.status}; only a failed saga can be retried`);
        const now = isoNow(clock);
        const row = await sagaDb(tx)
          .updateTable('keel_sagas')
          .set({
            status: 'compensating',
            attempt: 0,
            wake_at: now,
            ended_at: null,
            updated_at: now,
            // Compensations see the failure that started them, not the compensation's own error.
            error: rec.error ? JSON.stringify(rec.error.cause ?? rec.error) : null,
          })
          .where('id', '=', id)
          .where('status', '=', 'failed')
          .returningAll()
          .executeTakeFirstOrThrow();
        await repo.appendHistory(tx, id, now, [
          { kind: 'admin.retry', stepId: rec.stepId, details: { actor: options.actor ?? 'unknown' } },
          { kind: 'status.changed', details: { from: 'failed', to: 'compensating' } },
        ]);
        store.signal(tx, SAGA_WAKE_CHANNEL);
        return publicSaga(recordFromRow(row));
      });
    },

    async stats() {
      const rows = await sagaDb(store.db)
        .selectFrom('keel_sagas')
        .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const out = Object.fromEntries(SAGA_STATUSES.map((s) => [s, 0])) as SagaStats;
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },
  };
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return [v[0], v[1]];
  } catch {
    // fall through: any malformed cursor is the caller's error
  }
  throw KernelErrors.VALIDATION_FAILED.create('invalid cursor');
}

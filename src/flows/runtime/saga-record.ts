import { parseJson, parseObject } from './json.js';
import type { SagaHistoryRow, SagaRow } from './saga.schema.js';
import type {
  Saga,
  SagaError,
  SagaHistoryEntry,
  SagaHistoryKind,
  SagaSummary,
  SignalOutcome,
} from './saga.types.js';

/** A saga as the runner holds it in memory: the public shape plus its claim token. */
export interface SagaRecord extends Saga<unknown, Record<string, unknown>> {
  lockToken: string | null;
}

/** The fields a transition may change. */
export type SagaPatch = Partial<
  Pick<
    SagaRecord,
    | 'status'
    | 'state'
    | 'stepIndex'
    | 'stepId'
    | 'attempt'
    | 'signals'
    | 'waitingFor'
    | 'waitUntil'
    | 'wakeAt'
    | 'error'
    | 'endedAt'
  >
>;

/** A history entry before it is stored (the repository adds saga id, time and seq). */
export interface HistoryInput {
  kind: SagaHistoryKind;
  stepId?: string | null;
  attempt?: number | null;
  details?: Record<string, unknown>;
}

export function summaryFromRow(
  row: Omit<SagaRow, 'input' | 'state' | 'signals' | 'traceparent' | 'lock_token'>,
): SagaSummary {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    stepIndex: Number(row.step_index),
    stepId: row.step_id,
    attempt: Number(row.attempt),
    waitingFor: row.waiting_for,
    waitUntil: row.wait_until,
    wakeAt: row.wake_at,
    error: parseJson(row.error) as SagaError | null,
    correlationId: row.correlation_id,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    endedAt: row.ended_at,
  };
}

export function recordFromRow(row: SagaRow): SagaRecord {
  return {
    ...summaryFromRow(row),
    input: parseJson(row.input),
    state: parseObject(row.state),
    signals: parseObject(row.signals) as Record<string, SignalOutcome>,
    traceparent: row.traceparent,
    lockToken: row.lock_token,
  };
}

/** The public view: no claim token. */
export function publicSaga(rec: SagaRecord): Saga {
  const { lockToken: _token, ...saga } = rec;
  return saga;
}

/** Column values for a patch (JSON fields encoded). */
export function patchToRow(patch: SagaPatch): Partial<SagaRow> {
  const row: Partial<SagaRow> = {};
  if (patch.status !== undefined) row.status = patch.status;
  if (patch.state !== undefined) row.state = JSON.stringify(patch.state);
  if (patch.stepIndex !== undefined) row.step_index = patch.stepIndex;
  if (patch.stepId !== undefined) row.step_id = patch.stepId;
  if (patch.attempt !== undefined) row.attempt = patch.attempt;
  if (patch.signals !== undefined) row.signals = JSON.stringify(patch.signals);
  if (patch.waitingFor !== undefined) row.waiting_for = patch.waitingFor;
  if (patch.waitUntil !== undefined) row.wait_until = patch.waitUntil;
  if (patch.wakeAt !== undefined) row.wake_at = patch.wakeAt;
  if (patch.error !== undefined) row.error = patch.error === null ? null : JSON.stringify(patch.error);
  if (patch.endedAt !== undefined) row.ended_at = patch.endedAt;
  return row;
}

export function historyFromRow(row: {
  seq: number;
  saga_id: string;
  at: string;
  kind: SagaHistoryRow['kind'];
  step_id: string | null;
  attempt: number | null;
  details: string;
}): SagaHistoryEntry {
  return {
    seq: Number(row.seq),
    sagaId: row.saga_id,
    at: row.at,
    kind: row.kind,
    stepId: row.step_id,
    attempt: row.attempt === null ? null : Number(row.attempt),
    details: parseObject(row.details),
  };
}

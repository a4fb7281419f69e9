import { type Clock, isoNow } from '../../kernel/clock.js';
import { currentContext } from '../../kernel/context.js';
import { KernelErrors } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { assertSignalName, type FlowDefinition, toIso } from './flow.js';
import { canonicalJson, isPlainObject } from './json.js';
import { SAGA_WAKE_CHANNEL, type SagaRow } from './saga.schema.js';
import {
  type SignalOptions,
  type SignalResult,
  type StartOptions,
  type StartResult,
  TERMINAL_STATUSES,
} from './saga.types.js';
import { publicSaga } from './saga-record.js';
import type { SagaRepository } from './saga-repository.js';

/** `start` and `signal`: the two writes the rest of Keel makes to sagas. */
export interface CommandDeps {
  store: Store;
  repo: SagaRepository;
  clock: Clock;
}

const SAGA_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;

/**
 * Create a saga, or return the existing one with the same id when type and input match
 * (idempotent by saga id). INSERT … ON CONFLICT DO NOTHING never aborts the caller's transaction,
 * and on PostgreSQL waits for a concurrent insert of the same id, so the read that follows
 * always sees the winner.
 */
export async function startSaga(
  deps: CommandDeps,
  flow: FlowDefinition<any, any>,
  sagaId: string,
  input: unknown,
  options: StartOptions,
): Promise<StartResult> {
  if (typeof sagaId !== 'string' || !SAGA_ID_RE.test(sagaId))
    throw KernelErrors.VALIDATION_FAILED.create(`saga id must match ${SAGA_ID_RE}`);
  let inputJson: string;
  try {
    inputJson = canonicalJson(input);
  } catch (err) {
    throw KernelErrors.VALIDATION_FAILED.create(`saga input is not JSON: ${(err as Error).message}`);
  }
  const initial = flow.initialState ? flow.initialState(JSON.parse(inputJson)) : {};
  if (!isPlainObject(initial))
    throw KernelErrors.VALIDATION_FAILED.create('initialState must return an object');
  const ambient = currentContext();
  const now = isoNow(deps.clock);
  const runAt = options.runAt === undefined ? now : toIso(options.runAt, 'runAt');
  const correlationId = options.correlationId ?? ambient?.correlationId ?? newId('cor');
  const row: SagaRow = {
    id: sagaId,
    type: flow.type,
    status: 'running',
    input: inputJson,
    state: JSON.stringify(initial),
    step_index: 0,
    step_id: flow.steps[0]!.id,
    attempt: 0,
    signals: '{}',
    waiting_for: null,
    wait_until: null,
    wake_at: runAt,
    error: null,
    correlation_id: correlationId,
    traceparent: options.traceparent ?? ambient?.traceparent ?? null,
    locked_by: null,
    lock_token: null,
    locked_until: null,
    created_at: now,
    updated_at: now,
    ended_at: null,
  };
  const work = async (tx: Tx): Promise<StartResult> => {
    const created = await deps.repo.insert(tx, row);
    if (created) {
      const details = { type: flow.type, correlationId, runAt, actor: ambient?.actor ?? null };
      await deps.repo.appendHistory(tx, sagaId, now, [{ kind: 'saga.started', details }]);
      deps.store.signal(tx, SAGA_WAKE_CHANNEL);
    }
    const rec = await deps.repo.find(tx, sagaId);
    if (!rec) throw KernelErrors.INTERNAL.create(`saga "${sagaId}" vanished after insert`);
    if (!created && (rec.type !== flow.type || canonicalJson(rec.input) !== inputJson))
      throw KernelErrors.SAGA_CONFLICT.create(`saga "${sagaId}" exists with a different type or input`, {
        sagaId,
        existingType: rec.type,
      });
    return { saga: publicSaga(rec), created };
  };
  return options.tx ? work(options.tx) : deps.store.tx(work);
}

/**
 * Record a signal for a saga. It is kept until a `waitForSignal` of that name consumes it, so a
 * signal that arrives before the saga waits is not lost; if the saga is waiting for it now, it
 * is woken at once.
 */
export async function signalSaga(
  deps: CommandDeps,
  sagaId: string,
  name: string,
  payload: unknown,
  options: SignalOptions,
): Promise<SignalResult> {
  assertSignalName(name);
  const signalId = options.signalId ?? newId('sig');
  let payloadJson: string;
  try {
    payloadJson = JSON.stringify(payload ?? null);
  } catch (err) {
    throw KernelErrors.VALIDATION_FAILED.create(`signal payload is not JSON: ${(err as Error).message}`);
  }
  const work = async (tx: Tx): Promise<SignalResult> => {
    const now = isoNow(deps.clock);
    const rec = await deps.repo.find(tx, sagaId);
    if (!rec) throw KernelErrors.SAGA_NOT_FOUND.create(`no saga "${sagaId}"`);
    const result = { sagaId, signalId, status: rec.status };
    if (TERMINAL_STATUSES.has(rec.status)) {
      await deps.repo.appendHistory(tx, sagaId, now, [
        { kind: 'signal.ignored', details: { signal: name, signalId } },
      ]);
      return { ...result, accepted: false, duplicate: false };
    }
    const fresh = await deps.repo.insertSignal(tx, {
      saga_id: sagaId,
      signal_id: signalId,
      name,
      payload: payloadJson,
      received_at: now,
      consumed_at: null,
    });
    if (!fresh) return { ...result, accepted: true, duplicate: true };
    await deps.repo.wakeWaiter(tx, sagaId, name, now);
    await deps.repo.appendHistory(tx, sagaId, now, [
      { kind: 'signal.received', details: { signal: name, signalId, waiting: rec.waitingFor === name } },
    ]);
    deps.store.signal(tx, SAGA_WAKE_CHANNEL);
    return { ...result, accepted: true, duplicate: false };
  };
  return options.tx ? work(options.tx) : deps.store.tx(work);
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type Clock, isoNow, systemClock } from '../../kernel/clock.js';
import { describeThrown, KernelErrors } from '../../kernel/errors.js';
import { type Logger, silentLogger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import type { FlowDefinition } from './flow.js';
import { SAGA_WAKE_CHANNEL } from './saga.schema.js';
import {
  DEFAULT_SAGA_CONFIG,
  type SagaRunnerConfig,
  type SignalOptions,
  type SignalResult,
  type StartOptions,
  type StartResult,
} from './saga.types.js';
import { createSagaAdmin, type SagaAdmin } from './saga-admin.js';
import { type CommandDeps, signalSaga, startSaga } from './saga-commands.js';
import { type InFlight, SagaExecutor } from './saga-executor.js';
import { startedEntry } from './saga-machine.js';
import type { HistoryInput, SagaRecord } from './saga-record.js';
import { SagaRepository } from './saga-repository.js';

export interface SagaRunnerOptions {
  store: Store;
  clock?: Clock;
  log?: Logger;
  /** The `saga.*` config (pass `config.saga`); missing keys take their defaults. */
  config?: Partial<SagaRunnerConfig>;
  /** Shown as `lockedBy` and in history; defaults to `<host>:<pid>:<random>`. */
  runnerId?: string;
  /** Source of backoff jitter (tests pass a fixed one). */
  random?: () => number;
}

export interface SagaRunner {
  readonly id: string;
  readonly admin: SagaAdmin;
  /** Make a flow startable and runnable here. Every process running sagas of a type registers it. */
  register<I, S extends object>(flow: FlowDefinition<I, S>): void;
  /** Start a saga; idempotent by id (same type and input → the existing saga, `created: false`). */
  start<I, S extends object>(
    flow: FlowDefinition<I, S>,
    sagaId: string,
    input: I,
    options?: StartOptions,
  ): Promise<StartResult<I, S>>;
  start(type: string, sagaId: string, input: unknown, options?: StartOptions): Promise<StartResult>;
  /** Deliver a named signal (kept until a `waitForSignal` of that name consumes it). */
  signal(sagaId: string, name: string, payload?: unknown, options?: SignalOptions): Promise<SignalResult>;
  /** Execute everything due now, until nothing is; returns how many claims it processed. */
  runDue(): Promise<number>;
  /** Run in the background: woken by starts and signals (in any process), timers and a safety poll. */
  startRunner(): void;
  /** Stop claiming; let in-flight steps finish (up to `timeoutMs`, default 10 s), then hand back the rest. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** The durable saga runner. See docs/sagas.md. */
export function createSagaRunner(options: SagaRunnerOptions): SagaRunner {
  return new Runner(options);
}

class Runner implements SagaRunner {
  readonly id: string;
  readonly admin: SagaAdmin;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly config: SagaRunnerConfig;
  private readonly flows = new Map<string, FlowDefinition<any, any>>();
  private readonly repo: SagaRepository;
  private readonly executor: SagaExecutor;
  private readonly commands: CommandDeps;
  private readonly inflight = new Map<InFlight, Promise<void>>();
  private state: 'idle' | 'running' | 'stopping' = 'idle';
  private claims = 0;
  private wanted = false;
  private pumping: Promise<void> | undefined;
  private cancelTimer: () => void = () => {};
  private unlisten: () => void = () => {};

  constructor(options: SagaRunnerOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.config = { ...DEFAULT_SAGA_CONFIG, ...definedOnly(options.config ?? {}) };
    this.id = options.runnerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.log = (options.log ?? silentLogger).child({ component: 'saga-runner', runner: this.id });
    this.repo = new SagaRepository(this.store.dialect);
    this.commands = { store: this.store, repo: this.repo, clock: this.clock };
    this.admin = createSagaAdmin(this.commands);
    this.executor = new SagaExecutor({
      store: this.store,
      repo: this.repo,
      clock: this.clock,
      log: this.log,
      config: this.config,
      runnerId: this.id,
      flows: this.flows,
      random: options.random ?? Math.random,
      stopping: () => this.state === 'stopping',
    });
  }

  register<I, S extends object>(flow: FlowDefinition<I, S>): void {
    const existing = this.flows.get(flow.type);
    if (existing && existing !== flow) throw new TypeError(`flow "${flow.type}" is already registered`);
    this.flows.set(flow.type, flow as FlowDefinition<any, any>);
    this.kick();
  }

  start(
    flowOrType: FlowDefinition<any, any> | string,
    sagaId: string,
    input: unknown,
    options: StartOptions = {},
  ): Promise<StartResult<any, any>> {
    const type = typeof flowOrType === 'string' ? flowOrType : flowOrType.type;
    const flow = this.flows.get(type);
    if (!flow)
      return Promise.reject(KernelErrors.SAGA_TYPE_UNKNOWN.create(`no flow "${type}" is registered`));
    return startSaga(this.commands, flow, sagaId, input, options);
  }

  signal(
    sagaId: string,
    name: string,
    payload?: unknown,
    options: SignalOptions = {},
  ): Promise<SignalResult> {
    return signalSaga(this.commands, sagaId, name, payload, options);
  }

  async runDue(): Promise<number> {
    let total = 0;
    while (this.state !== 'stopping') {
      const claimed = await this.claim(this.config.concurrency);
      if (claimed.length === 0) break;
      total += claimed.length;
      await Promise.all(claimed.map((rec) => this.launch(rec)));
    }
    return total;
  }

  startRunner(): void {
    if (this.state === 'running') return;
    if (this.state === 'stopping') throw KernelErrors.SHUTTING_DOWN.create('saga runner is stopping');
    this.state = 'running';
    this.unlisten = this.store.listen(SAGA_WAKE_CHANNEL, () => this.kick());
    this.kick();
  }

  async stop(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'stopping') throw KernelErrors.SHUTTING_DOWN.create('saga runner is already stopping');
    this.state = 'stopping';
    this.unlisten();
    this.cancelTimer();
    try {
      await this.pumping;
      // A bound on real waiting, so it uses the system's timers even under a manual test clock.
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled(this.inflight.values()).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), options.timeoutMs ?? 10_000);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        const stuck = [...this.inflight.keys()];
        this.log.warn(
          { sagas: stuck.map((h) => h.sagaId) },
          'steps still running at shutdown; handing them back',
        );
        for (const h of stuck) {
          h.lost = true;
          h.abort.abort(KernelErrors.SHUTTING_DOWN.create());
          await this.executor.release(h);
          this.inflight.delete(h); // its late result is discarded anyway; do not count it as running
        }
      }
    } finally {
      this.state = 'idle';
    }
  }

  /** Claim due sagas and record, in the same transaction, which step each one starts. */
  private claim(limit: number): Promise<SagaRecord[]> {
    const token = `${this.id}#${++this.claims}`;
    return this.store.tx(async (tx) => {
      const now = isoNow(this.clock);
      const lockedUntil = new Date(this.clock.now().getTime() + this.config.leaseMs).toISOString();
      const types = [...this.flows.keys()];
      const claimed = await this.repo.claim(tx, { types, limit, now, lockedUntil, runner: this.id, token });
      for (const { rec, previousOwner } of claimed) {
        const entries: HistoryInput[] = [];
        if (previousOwner)
          entries.push({ kind: 'lease.expired', stepId: rec.stepId, details: { previousOwner } });
        const started = startedEntry(this.flows.get(rec.type)!, rec, this.id);
        if (started) entries.push(started);
        await this.repo.appendHistory(tx, rec.id, now, entries);
      }
      return claimed.map((c) => c.rec);
    });
  }

  private launch(rec: SagaRecord): Promise<void> {
    const h = handleOf(rec);
    const done = this.executor.drive(rec, h).finally(() => {
      this.inflight.delete(h);
      this.kick();
    });
    this.inflight.set(h, done);
    return done;
  }

  private kick(): void {
    if (this.state !== 'running') return;
    this.wanted = true;
    if (!this.pumping) this.pumping = this.pump().finally(() => this.afterPump());
  }

  private afterPump(): void {
    this.pumping = undefined;
    if (this.wanted) this.kick();
  }

  /** Claim while there is room and work; then sleep until the nearest timer (at most pollMs). */
  private async pump(): Promise<void> {
    let delay = this.config.pollMs;
    try {
      while (this.wanted && this.state === 'running') {
        this.wanted = false;
        const room = this.config.concurrency - this.inflight.size;
        if (room <= 0) break; // a finishing saga kicks again
        const claimed = await this.claim(room);
        if (this.state !== 'running') {
          for (const rec of claimed) await this.executor.release(handleOf(rec));
          return;
        }
        for (const rec of claimed) void this.launch(rec);
        if (claimed.length === room) this.wanted = true;
      }
      const now = this.clock.now();
      const next = await this.repo.nextWake(this.store.db, now.toISOString());
      if (next) delay = Math.min(delay, Math.max(1, Date.parse(next) - now.getTime()));
    } catch (err) {
      this.log.warn({ err: describeThrown(err) }, 'saga poll failed; retrying after pollMs');
    }
    if (this.state !== 'running') return;
    this.cancelTimer();
    this.cancelTimer = this.clock.setTimer(() => this.kick(), delay);
  }
}

function handleOf(rec: SagaRecord): InFlight {
  return { sagaId: rec.id, token: rec.lockToken!, abort: new AbortController(), lost: false };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement, sql } from 'kysely';
import type { AppliedMigration, MigrationSet, Store, Tx, TxOptions } from '../../kernel/ports/store.js';
import { createMigrationsTable, runMigrations } from '../store-common/migrator.js';
import { TxGuard } from '../store-common/tx-guard.js';
import { TxScope, withTimeout } from '../store-common/tx-scope.js';

export interface SqliteStoreOptions {
  /** Database file path, or ':memory:' (single connection; for unit tests). */
  file: string;
  busyTimeoutMs?: number;
  /** Most logical transactions folded into one commit. */
  maxGroupSize?: number;
  /** Checkpoint the WAL from a worker thread rather than inside commits (default true). */
  backgroundCheckpoint?: boolean;
}

interface Job {
  fn: (tx: Tx) => Promise<unknown>;
  /** The caller's async context: the body runs in it, not in whichever caller started the drain. */
  context: AsyncResource;
  timeoutMs: number | undefined;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * The embedded Store: SQLite through better-sqlite3, WAL journal, synchronous=FULL.
 *
 * Group commit: SQLite has one writer, and a durable commit costs an fsync. Transactions that
 * arrive while a commit is in progress are queued and then run one after another inside a single
 * SQLite transaction, each within its own SAVEPOINT (so one failing rolls back only itself), and
 * committed with one fsync. Every caller's promise settles only after that commit is durable.
 * Reads go through a second, read-only connection, which WAL lets run beside the writer.
 */
export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly db: Kysely<any>;
  private readonly writer: Kysely<any>;
  private readonly writerDb: Database.Database;
  private readonly readerDb: Database.Database | undefined;
  private readonly scope = new TxScope();
  private readonly maxGroupSize: number;
  private queue: Job[] = [];
  private draining = false;
  private closed = false;
  private readonly emitter = new EventEmitter();
  private watcher: FSWatcher | undefined;
  private watchTimer: NodeJS.Timeout | undefined;
  private lastCounters = new Map<string, number>();
  private checkpointer: Worker | undefined;
  private readonly control: ControlStatements;

  constructor(private readonly options: SqliteStoreOptions) {
    const memory = options.file === ':memory:';
    if (!memory) mkdirSync(dirname(options.file), { recursive: true });
    this.writerDb = new Database(options.file);
    this.writerDb.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!memory) this.writerDb.pragma('journal_mode = WAL');
    this.writerDb.pragma('synchronous = FULL');
    this.writerDb.pragma('foreign_keys = ON');
    // The log's indexes are appended to at several places at once; keep their pages in memory.
    this.writerDb.pragma('cache_size = -65536');
    this.writerDb.exec(
      'CREATE TABLE IF NOT EXISTS keel_signals (channel TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)',
    );
    this.control = prepareControl(this.writerDb);
    this.writer = new Kysely({ dialect: new SqliteDialect({ database: new StatementCache(this.writerDb) }) });
    if (memory) {
      this.db = this.writer;
    } else {
      this.readerDb = new Database(options.file, { readonly: true });
      this.readerDb.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db = new Kysely({ dialect: new SqliteDialect({ database: new StatementCache(this.readerDb) }) });
      if (options.backgroundCheckpoint !== false) {
        // If the worker ends early, the writer goes back to checkpointing at SQLite's default.
        this.checkpointer = startCheckpointer(options.file, () => {
          this.checkpointer = undefined;
          if (!this.closed) this.writerDb.pragma('wal_autocheckpoint = 1000');
        });
        // The writer checkpoints itself only if the background one falls far behind (or is gone).
        if (this.checkpointer) this.writerDb.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
      }
    }
    this.maxGroupSize = options.maxGroupSize ?? 512;
    this.emitter.setMaxListeners(0);
  }

  static async open(options: SqliteStoreOptions): Promise<SqliteStore> {
    const store = new SqliteStore(options);
    await createMigrationsTable(store);
    return store;
  }

  tx<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.scope.assertNotNested();
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        fn,
        context: new AsyncResource('keel-sqlite-tx'),
        timeoutMs: options.timeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      };
      // Urgent work (lease renewals) goes ahead of what is queued: it joins the next group commit.
      if (options.urgent) this.queue.unshift(job);
      else this.queue.push(job);
      if (!this.draining) {
        this.draining = true;
        // Let transactions started in the same tick join this group.
        setImmediate(() => void this.drain());
      }
    });
  }

  afterCommit(tx: Tx, fn: () => void): void {
    this.scope.guardOf(tx).afterCommit.push(fn);
  }

  signal(tx: Tx, channel: string): void {
    this.scope.guardOf(tx).signals.add(channel);
  }

  listen(channel: string, fn: () => void): () => void {
    this.emitter.on(channel, fn);
    this.ensureWatcher();
    return () => this.emitter.off(channel, fn);
  }

  async migrate(sets: readonly MigrationSet[]): Promise<AppliedMigration[]> {
    // SQLite serializes writers itself (BEGIN IMMEDIATE), and each migration checks its own row.
    return runMigrations(this, 'sqlite', sets, (fn) => fn());
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    this.watcher?.close();
    if (this.watchTimer) clearTimeout(this.watchTimer);
    if (this.checkpointer) await stopCheckpointer(this.checkpointer);
    await this.writer.destroy();
    if (this.db !== this.writer) await this.db.destroy();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroupSize);
        await this.commitGroup(group);
        // better-sqlite3 is synchronous, so a busy queue would otherwise keep the event loop in
        // microtasks for as long as writers keep coming: timers (lease renewals, wake-ups) and
        // I/O (requests, readers' signals) get their turn between two groups.
        if (this.queue.length > 0) await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(group: Job[]): Promise<void> {
    const outcomes: { job: Job; guard: TxGuard; ok: boolean; value: unknown }[] = [];
    const channels = new Set<string>();
    try {
      // The statements that frame the group run directly on the writer's connection (which this
      // holds for the whole group): the same connection Kysely uses, without its per-query work.
      const control = this.control;
      await this.writer.connection().execute(async (conn) => {
        control.begin.run();
        try {
          for (const job of group) {
            const guard = new TxGuard();
            const tx = conn.withPlugin(guard);
            control.savepoint.run();
            try {
              const value = await job.context.runInAsyncScope(() =>
                this.scope.run(guard, tx, () => withTimeout(job.fn(tx), job.timeoutMs)),
              );
              guard.close();
              control.release.run();
              for (const channel of guard.signals) channels.add(channel);
              outcomes.push({ job, guard, ok: true, value });
            } catch (err) {
              guard.close();
              control.rollbackTo.run();
              control.release.run();
              outcomes.push({ job, guard, ok: false, value: err });
            }
          }
          // Other processes notice signals by a counter changing: once per commit is enough.
          for (const channel of channels) control.signal.run(channel);
          control.commit.run();
        } catch (err) {
          try {
            if (this.writerDb.inTransaction) control.rollback.run();
          } catch {
            // already rolled back by SQLite itself
          }
          throw err;
        }
      });
    } catch (err) {
      // The group commit itself failed (disk full, I/O error): nothing in it is durable.
      for (const job of group) job.reject(err);
      return;
    }
    for (const o of outcomes) {
      if (!o.ok) {
        o.job.reject(o.value);
        continue;
      }
      for (const fn of o.guard.afterCommit) runHook(fn);
      o.job.resolve(o.value);
    }
    for (const c of channels) this.emitter.emit(c);
  }

  /** Other processes writing the same file raise signals too: watch the WAL and compare counters. */
  private ensureWatcher(): void {
    if (this.watcher || this.options.file === ':memory:') return;
    const dir = dirname(this.options.file);
    const base = basename(this.options.file);
    try {
      this.watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name && !name.startsWith(base)) return;
        if (this.watchTimer) return;
        this.watchTimer = setTimeout(() => {
          this.watchTimer = undefined;
          this.checkForeignSignals();
        }, 5);
      });
    } catch {
      // No inotify: listeners still get in-process signals, and consumers keep their safety poll.
    }
  }

  private checkForeignSignals(): void {
    if (this.closed || !this.readerDb) return;
    try {
      const rows = this.readerDb.prepare('SELECT channel, n FROM keel_signals').all() as {
        channel: string;
        n: number;
      }[];
      for (const { channel, n } of rows) {
        if (this.lastCounters.get(channel) !== n) {
          this.lastCounters.set(channel, n);
          this.emitter.emit(channel);
        }
      }
    } catch {
      // A busy or checkpointing database: the next change (or the safety poll) catches up.
    }
  }
}

interface ControlStatements {
  begin: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
  savepoint: Database.Statement;
  release: Database.Statement;
  rollbackTo: Database.Statement;
  signal: Database.Statement;
}

function prepareControl(db: Database.Database): ControlStatements {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT keel_tx'),
    release: db.prepare('RELEASE keel_tx'),
    rollbackTo: db.prepare('ROLLBACK TO keel_tx'),
    signal: db.prepare(
      'INSERT INTO keel_signals (channel, n) VALUES (?, 1) ON CONFLICT (channel) DO UPDATE SET n = n + 1',
    ),
  };
}

/** SQLite's own default is 1000 pages; the writer only falls back to it well past that. */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/**
 * The worker: every 100 ms, a PASSIVE checkpoint on its own connection (copy what the WAL holds
 * into the database file and fsync it; never blocks the writer or readers). Plain CommonJS, so it
 * runs the same under any loader.
 */
const CHECKPOINT_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 100');
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy or I/O trouble: the next round, or the writer's backstop, catches up
  }
}, 100);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * With synchronous=FULL, SQLite's automatic checkpoint copies the WAL into the database file and
 * fsyncs it inside whichever commit crossed the threshold, on the event loop (better-sqlite3 is
 * synchronous): a stall of many milliseconds every few commits under load. A worker thread with
 * its own connection does it instead. Durability is unchanged: every commit is already durable in
 * the WAL. Returns undefined if a worker cannot be started (the writer then checkpoints as usual).
 */
function startCheckpointer(file: string, onExit: () => void): Worker | undefined {
  try {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(CHECKPOINT_WORKER, { eval: true, workerData: { file, driver } });
    worker.unref();
    worker.on('error', () => {});
    worker.once('exit', onExit);
    return worker;
  } catch {
    return undefined;
  }
}

/** Ask the checkpointer to close its connection and exit; terminate it if it does not. */
async function stopCheckpointer(worker: Worker): Promise<void> {
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.postMessage('close');
  const timer = setTimeout(() => void worker.terminate(), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * Kysely's SQLite driver prepares every query it runs; preparing costs more than running a small
 * statement. This keeps the prepared statements by SQL text (least recently used dropped past
 * `max`). A statement still being iterated (a streaming read) is busy, so a fresh one is prepared
 * for anyone else who needs the same SQL meanwhile.
 */
class StatementCache implements SqliteDatabase {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly max = 256,
  ) {}

  prepare(text: string): SqliteStatement {
    const hit = this.cache.get(text);
    if (hit && !hit.busy) {
      this.cache.delete(text);
      this.cache.set(text, hit);
      return hit;
    }
    const stmt = this.db.prepare(text);
    if (!hit) {
      this.cache.set(text, stmt);
      if (this.cache.size > this.max) this.cache.delete(this.cache.keys().next().value!);
    }
    return stmt;
  }

  close(): void {
    this.cache.clear();
    this.db.close();
  }
}

function runHook(fn: () => void): void {
  try {
    fn();
  } catch {
    // After-commit hooks are wake-ups; one failing must not affect the committed transaction.
  }
}

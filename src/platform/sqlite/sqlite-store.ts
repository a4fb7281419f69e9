import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { type FSWatcher, mkdirSync, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
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

  constructor(private readonly options: SqliteStoreOptions) {
    const memory = options.file === ':memory:';
    if (!memory) mkdirSync(dirname(options.file), { recursive: true });
    this.writerDb = new Database(options.file);
    this.writerDb.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!memory) this.writerDb.pragma('journal_mode = WAL');
    this.writerDb.pragma('synchronous = FULL');
    this.writerDb.pragma('foreign_keys = ON');
    this.writerDb.exec(
      'CREATE TABLE IF NOT EXISTS keel_signals (channel TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)',
    );
    this.writer = new Kysely({ dialect: new SqliteDialect({ database: this.writerDb }) });
    if (memory) {
      this.db = this.writer;
    } else {
      this.readerDb = new Database(options.file, { readonly: true });
      this.readerDb.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      this.db = new Kysely({ dialect: new SqliteDialect({ database: this.readerDb }) });
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
      this.queue.push({
        fn,
        context: new AsyncResource('keel-sqlite-tx'),
        timeoutMs: options.timeoutMs,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
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
    await this.writer.destroy();
    if (this.db !== this.writer) await this.db.destroy();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxGroupSize);
        await this.commitGroup(group);
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitGroup(group: Job[]): Promise<void> {
    const outcomes: { job: Job; guard: TxGuard; ok: boolean; value: unknown }[] = [];
    try {
      await this.writer.connection().execute(async (conn) => {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          for (const job of group) {
            const guard = new TxGuard();
            const tx = conn.withPlugin(guard);
            await sql`SAVEPOINT keel_tx`.execute(conn);
            try {
              const value = await job.context.runInAsyncScope(() =>
                this.scope.run(guard, tx, () => withTimeout(job.fn(tx), job.timeoutMs)),
              );
              guard.close();
              for (const channel of guard.signals) {
                await sql`INSERT INTO keel_signals (channel, n) VALUES (${channel}, 1)
                  ON CONFLICT (channel) DO UPDATE SET n = n + 1`.execute(conn);
              }
              await sql`RELEASE keel_tx`.execute(conn);
              outcomes.push({ job, guard, ok: true, value });
            } catch (err) {
              guard.close();
              await sql`ROLLBACK TO keel_tx`.execute(conn);
              await sql`RELEASE keel_tx`.execute(conn);
              outcomes.push({ job, guard, ok: false, value: err });
            }
          }
          await sql`COMMIT`.execute(conn);
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => {});
          throw err;
        }
      });
    } catch (err) {
      // The group commit itself failed (disk full, I/O error): nothing in it is durable.
      for (const job of group) job.reject(err);
      return;
    }
    const channels = new Set<string>();
    for (const o of outcomes) {
      if (!o.ok) {
        o.job.reject(o.value);
        continue;
      }
      for (const c of o.guard.signals) channels.add(c);
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

function runHook(fn: () => void): void {
  try {
    fn();
  } catch {
    // After-commit hooks are wake-ups; one failing must not affect the committed transaction.
  }
}

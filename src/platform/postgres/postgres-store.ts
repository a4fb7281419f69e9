import { EventEmitter } from 'node:events';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../kernel/ports/logger.js';
import { silentLogger } from '../../kernel/ports/logger.js';
import type { AppliedMigration, MigrationSet, Store, Tx, TxOptions } from '../../kernel/ports/store.js';
import { createMigrationsTable, runMigrations } from '../store-common/migrator.js';
import { TxGuard } from '../store-common/tx-guard.js';
import { TxScope, withTimeout } from '../store-common/tx-scope.js';
import { PreparingPool } from './prepared-pool.js';

// int8 (bigserial positions, counts) as JS numbers: positions stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export interface PostgresStoreOptions {
  url: string;
  poolSize?: number;
  log?: Logger;
  /** Per-statement limit, so a stuck query cannot hold a connection forever. */
  statementTimeoutMs?: number;
}

const MIGRATION_LOCK = 0x6b65656c; // 'keel'

/**
 * The distributed Store: PostgreSQL through `pg`. Transactions are real PostgreSQL transactions
 * (PostgreSQL groups concurrent commits itself). Signals are LISTEN/NOTIFY, delivered on commit.
 */
/** Connections reserved for urgent transactions. */
const URGENT_POOL_SIZE = 2;

/** Least time between two NOTIFYs of one channel while signals keep coming. */
const NOTIFY_SPACING_MS = 5;

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly db: Kysely<any>;
  private readonly pool: pg.Pool;
  /** Connections reserved for urgent transactions (lease renewals), never taken by the rest. */
  private readonly urgentDb: Kysely<any>;
  private readonly scope = new TxScope();
  private readonly emitter = new EventEmitter();
  private listener: pg.Client | undefined;
  private listening = new Set<string>();
  private listenChain: Promise<void> = Promise.resolve();
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private notifier: Promise<pg.Client> | undefined;
  private readonly notifying = new Map<string, { again: boolean }>();
  private readonly notifyRuns = new Set<Promise<void>>();
  private readonly log: Logger;

  private constructor(private readonly options: PostgresStoreOptions) {
    this.log = options.log ?? silentLogger;
    const pool = (max: number, name: string) => {
      const p = new pg.Pool({
        connectionString: options.url,
        max,
        statement_timeout: options.statementTimeoutMs ?? 60_000,
        application_name: name,
        // Keel's statements are short lookups and writes. With statistics missing or stale
        // (autovacuum off, a table just bulk-loaded) PostgreSQL overestimates their cost and
        // JIT-compiles them: 37 ms of compiling for a 5 ms lookup (docs/decisions.md).
        options: '-c jit=off',
      });
      p.on('error', (err) => this.log.warn({ err: err.message }, 'idle postgres connection failed'));
      return p;
    };
    this.pool = pool(options.poolSize ?? 16, 'keel');
    this.urgentDb = new Kysely({
      dialect: new PostgresDialect({ pool: new PreparingPool(pool(URGENT_POOL_SIZE, 'keel-urgent')) }),
    });
    this.db = new Kysely({ dialect: new PostgresDialect({ pool: new PreparingPool(this.pool) }) });
    this.emitter.setMaxListeners(0);
  }

  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.ping();
      // Under the migration lock: two processes starting on a fresh database would otherwise race
      // on CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make atomic.
      await createMigrationsTable({
        tx: <T>(fn: (tx: Tx) => Promise<T>) =>
          store.tx(async (tx) => {
            await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
            return fn(tx);
          }),
      });
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  async tx<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    if (this.closed) throw new Error('store is closed');
    this.scope.assertNotNested();
    const guard = new TxGuard();
    const db = options.urgent ? this.urgentDb : this.db;
    const value = await db.connection().execute(async (conn) => {
      await sql`BEGIN`.execute(conn);
      const tx = conn.withPlugin(guard);
      try {
        const v = await this.scope.run(guard, tx, () => withTimeout(fn(tx), options.timeoutMs));
        guard.close();
        await sql`COMMIT`.execute(conn);
        return v;
      } catch (err) {
        guard.close();
        await sql`ROLLBACK`.execute(conn).catch(() => {});
        throw err;
      }
    });
    for (const fn of guard.afterCommit) {
      try {
        fn();
      } catch {
        // after-commit hooks are wake-ups; never fail a committed transaction
      }
    }
    // Listeners in this process are woken directly; other processes by a NOTIFY sent after the
    // commit. (A NOTIFY inside the transaction would take PostgreSQL's database-wide notify lock
    // at commit and hold it through the WAL flush: every signalling transaction — every append —
    // would commit one at a time, a few hundred per second.)
    for (const channel of guard.signals) {
      this.emitter.emit(channel);
      this.notifyOthers(channel);
    }
    return value;
  }

  /**
   * NOTIFY `channel` on a connection of its own, coalesced: at most one in flight per channel and
   * one more after it (at least `NOTIFY_SPACING_MS` later), however many transactions signalled
   * meanwhile. Signals are wake-ups: if
   * one is lost (connection trouble, a crash right after commit), listeners' safety poll catches up.
   */
  private notifyOthers(channel: string): void {
    const pending = this.notifying.get(channel);
    if (pending) {
      pending.again = true;
      return;
    }
    const state = { again: false };
    this.notifying.set(channel, state);
    const run = (async () => {
      try {
        for (;;) {
          state.again = false;
          const client = await this.notifyClient();
          await client.query('SELECT pg_notify($1, $2)', [channel, '']);
          if (!state.again || this.closed) break;
          // Signals keep coming (a busy writer): gather them for a moment rather than sending a
          // NOTIFY — a round trip and a commit under the notify lock — after every transaction.
          await new Promise((r) => setTimeout(r, NOTIFY_SPACING_MS));
        }
      } catch (err) {
        this.log.debug({ err: (err as Error).message, channel }, 'NOTIFY failed; listeners will poll');
        const c = this.notifier;
        this.notifier = undefined;
        void c?.then((client) => client.end()).catch(() => {});
      } finally {
        this.notifying.delete(channel);
      }
    })();
    this.notifyRuns.add(run);
    void run.finally(() => this.notifyRuns.delete(run));
  }

  private notifyClient(): Promise<pg.Client> {
    if (!this.notifier) {
      const client = new pg.Client({ connectionString: this.options.url, application_name: 'keel-notify' });
      client.on('error', () => {
        if (this.notifier === connected) this.notifier = undefined;
      });
      const connected = client.connect().then(() => client);
      connected.catch(() => {
        if (this.notifier === connected) this.notifier = undefined;
      });
      this.notifier = connected;
    }
    return this.notifier;
  }

  afterCommit(tx: Tx, fn: () => void): void {
    this.scope.guardOf(tx).afterCommit.push(fn);
  }

  signal(tx: Tx, channel: string): void {
    this.scope.guardOf(tx).signals.add(channel);
  }

  listen(channel: string, fn: () => void): () => void {
    this.emitter.on(channel, fn);
    if (!this.listening.has(channel)) {
      this.listening.add(channel);
      // One statement at a time on the listening connection (pg queues them, but deprecates that).
      this.listenChain = this.listenChain.then(async () => {
        const client = await this.ensureListener();
        await client?.query(`LISTEN ${quoteIdent(channel)}`).catch(() => {});
      });
    }
    return () => this.emitter.off(channel, fn);
  }

  async migrate(sets: readonly MigrationSet[]): Promise<AppliedMigration[]> {
    const client = await this.pool.connect();
    const lock = async <T>(fn: () => Promise<T>): Promise<T> => {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    };
    try {
      return await runMigrations(this, 'postgres', sets, lock);
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const l = this.listener;
    this.listener = undefined;
    await l?.end().catch(() => {});
    await Promise.all(this.notifyRuns);
    const n = this.notifier;
    this.notifier = undefined;
    await n?.then((client) => client.end()).catch(() => {});
    await this.db.destroy();
    await this.urgentDb.destroy();
  }

  private listenerPromise: Promise<pg.Client | undefined> | undefined;

  /** One dedicated connection for LISTEN; re-established (and re-LISTENed) if it drops. */
  private ensureListener(): Promise<pg.Client | undefined> {
    if (this.listenerPromise) return this.listenerPromise;
    this.listenerPromise = (async () => {
      if (this.closed) return undefined;
      const client = new pg.Client({ connectionString: this.options.url, application_name: 'keel-listen' });
      client.on('notification', (msg) => this.emitter.emit(msg.channel));
      client.on('error', (err) => {
        this.log.warn({ err: err.message }, 'postgres LISTEN connection lost; reconnecting');
        this.scheduleReconnect();
      });
      try {
        await client.connect();
        for (const channel of this.listening) await client.query(`LISTEN ${quoteIdent(channel)}`);
        this.listener = client;
        // Anything signalled while we were (re)connecting: wake everyone once.
        for (const channel of this.listening) this.emitter.emit(channel);
        return client;
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'postgres LISTEN connection failed; retrying');
        await client.end().catch(() => {});
        this.scheduleReconnect();
        return undefined;
      }
    })();
    return this.listenerPromise;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const old = this.listener;
    this.listener = undefined;
    void old?.end().catch(() => {});
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listenerPromise = undefined;
      void this.ensureListener();
    }, 1000);
    this.reconnectTimer.unref();
  }
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

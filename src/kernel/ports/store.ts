import type { ColumnDataType, Kysely } from 'kysely';

/**
 * The Store port: Kysely over one schema. Domains see only this interface; app.ts picks the
 * adapter (SQLite embedded, PostgreSQL distributed).
 */
export type Dialect = 'sqlite' | 'postgres';

/** A transaction-bound query builder. It refuses to run queries after its transaction ended. */
export type Tx<DB = any> = Kysely<DB>;

export interface TxOptions {
  /** Abort (and roll back) if the function has not finished after this long. */
  timeoutMs?: number;
  /**
   * Small bookkeeping that must not wait behind application writes — lease renewals, whose delay
   * past the lease would hand a partition to another process. Runs on a connection reserved for
   * it (PostgreSQL) or ahead of the transactions already queued (SQLite).
   */
  urgent?: boolean;
}

export interface Store {
  readonly dialect: Dialect;
  /**
   * For reads outside a transaction. Writes belong in `tx`. (On SQLite this is a separate
   * read-only connection: it sees committed data and never waits for writers.)
   */
  readonly db: Kysely<any>;
  /**
   * Run `fn` in a transaction: all of its writes (and the events it appends) commit together or
   * not at all. Resolves only once the commit is durable.
   */
  tx<T>(fn: (tx: Tx) => Promise<T>, options?: TxOptions): Promise<T>;
  /** Call `fn` after the transaction `tx` commits (never if it rolls back). */
  afterCommit(tx: Tx, fn: () => void): void;
  /** Run pending migrations of every set, in order, each in its own transaction; returns what ran. */
  migrate(sets: readonly MigrationSet[]): Promise<AppliedMigration[]>;
  /** Wake-ups across processes: a signal raised in `tx` reaches every listener after commit. */
  signal(tx: Tx, channel: string): void;
  listen(channel: string, fn: () => void): () => void;
  /** Throws if the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface Migration {
  /** Sortable, never renamed: `001_event_log`. */
  id: string;
  up(db: Kysely<any>, dialect: Dialect): Promise<void>;
}

export interface MigrationSet {
  /** Owner of the tables (`kernel`, `pim`, …); table names are prefixed with it. */
  domain: string;
  migrations: readonly Migration[];
}

export interface AppliedMigration {
  domain: string;
  id: string;
}

/** Portable column types for migrations. */
export function columnTypes(dialect: Dialect) {
  return {
    /** Auto-incrementing 64-bit primary key. */
    serial: (dialect === 'postgres' ? 'bigserial' : 'integer') as ColumnDataType,
    bigint: (dialect === 'postgres' ? 'bigint' : 'integer') as ColumnDataType,
    /** JSON documents are stored as text on both engines and parsed by the owning code. */
    json: 'text' as ColumnDataType,
    /** Timestamps are UTC ISO-8601 text of fixed width, so they compare and sort as text. */
    timestamp: 'text' as ColumnDataType,
    bool: 'integer' as ColumnDataType,
  };
}

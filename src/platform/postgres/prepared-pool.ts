import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/** Distinct statements prepared per process at most; later newcomers run unprepared. */
const MAX_PREPARED = 512;
/** Distinct statement texts tracked at most (seen once, not yet prepared). */
const MAX_TRACKED = 4096;
/** Statements whose result columns follow the table's (`select *`, `returning *`, `"t".*`). */
const RESULT_OF_STAR = /(select|returning)\s+\*|\.\*/i;

/**
 * Which SQL texts run as named prepared statements. PostgreSQL parses and plans an unnamed
 * statement on every execution; for the bus's hot statements that costs more server time than
 * executing them (an append transaction of one event: ~640 µs of server CPU unprepared, ~350 µs
 * prepared, on the reference machine). A text is prepared from its second use on, so one-off
 * texts (an `IN` list of unusual length) never accumulate on the connections, and the number of
 * prepared texts is capped. `SELECT *` and `RETURNING *` are never prepared: a prepared statement fails if a
 * migration later changes the table's columns ("cached plan must not change result type").
 */
export class StatementNames {
  private readonly seen = new Map<string, string | null>();
  private prepared = 0;

  nameFor(text: string): string | undefined {
    const known = this.seen.get(text);
    if (known !== undefined) {
      if (known !== null) return known;
      if (this.prepared >= MAX_PREPARED || RESULT_OF_STAR.test(text)) return undefined;
      const name = `keel_${++this.prepared}`;
      this.seen.set(text, name);
      return name;
    }
    if (this.seen.size < MAX_TRACKED) this.seen.set(text, null);
    return undefined;
  }
}

/**
 * A pg pool as Kysely's PostgreSQL dialect sees it, running repeated statements as named prepared
 * statements (node-postgres prepares a name once per connection and then only binds and executes).
 */
export class PreparingPool implements PostgresPool {
  private readonly names = new StatementNames();

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.pool.connect();
    const names = this.names;
    return {
      query: ((sqlOrCursor: string | object, parameters?: ReadonlyArray<unknown>) => {
        if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable);
        const name = names.nameFor(sqlOrCursor);
        const values = parameters ? [...parameters] : [];
        return name ? client.query({ name, text: sqlOrCursor, values }) : client.query(sqlOrCursor, values);
      }) as unknown as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    };
  }

  end(): Promise<void> {
    return this.pool.end();
  }
}

import type { AppliedMigration, Dialect, MigrationSet, Store } from '../../kernel/ports/store.js';

/** The bookkeeping table every store creates before anything else. */
export async function createMigrationsTable(store: Pick<Store, 'tx'>): Promise<void> {
  await store.tx(async (tx) => {
    await tx.schema
      .createTable('keel_migrations')
      .ifNotExists()
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull())
      .addColumn('applied_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('keel_migrations_pk', ['domain', 'id'])
      .execute();
  });
}

/**
 * Apply pending migrations, each in its own transaction together with its bookkeeping row, so a
 * crash leaves every migration either fully applied or not at all. `lock` serializes concurrent
 * migrators (several processes starting at once).
 */
export async function runMigrations(
  store: Pick<Store, 'tx'>,
  dialect: Dialect,
  sets: readonly MigrationSet[],
  lock: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<AppliedMigration[]> {
  const seen = new Set<string>();
  for (const set of sets) {
    if (seen.has(set.domain)) throw new Error(`migration set "${set.domain}" given twice`);
    seen.add(set.domain);
    const ids = set.migrations.map((m) => m.id);
    if (new Set(ids).size !== ids.length) throw new Error(`duplicate migration id in "${set.domain}"`);
  }
  return lock(async () => {
    const applied: AppliedMigration[] = [];
    for (const set of sets) {
      for (const m of set.migrations) {
        const ran = await store.tx(async (tx) => {
          const done = await tx
            .selectFrom('keel_migrations')
            .select('id')
            .where('domain', '=', set.domain)
            .where('id', '=', m.id)
            .executeTakeFirst();
          if (done) return false;
          await m.up(tx, dialect);
          await tx
            .insertInto('keel_migrations')
            .values({ domain: set.domain, id: m.id, applied_at: new Date().toISOString() })
            .execute();
          return true;
        });
        if (ran) applied.push({ domain: set.domain, id: m.id });
      }
    }
    return applied;
  });
}

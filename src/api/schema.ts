import { columnTypes, type MigrationSet } from '../kernel/ports/store.js';

/** The API layer's tables: API keys and stored idempotent responses. */
export const apiMigrations: MigrationSet = {
  domain: 'api',
  migrations: [
    {
      id: '001_api_keys',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('keel_api_keys')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('scopes', t.json, (c) => c.notNull())
          // SHA-256 of the secret; the secret itself is shown once and never stored.
          .addColumn('secret_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('created_by', 'text', (c) => c.notNull())
          .addColumn('last_used_at', t.timestamp)
          .addColumn('revoked_at', t.timestamp)
          .addColumn('expires_at', t.timestamp)
          .execute();
      },
    },
    {
      id: '002_idempotency',
      up: async (db, dialect) => {
        const t = columnTypes(dialect);
        await db.schema
          .createTable('keel_idempotency')
          // Keys are scoped per caller (the API key id), so two clients never collide.
          .addColumn('principal', 'text', (c) => c.notNull())
          .addColumn('idem_key', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull()) // in_progress | completed
          // Identifies the reservation, so a request only ever finishes or releases its own.
          .addColumn('token', 'text', (c) => c.notNull())
          .addColumn('response_status', 'integer')
          .addColumn('response_body', t.json)
          .addColumn('created_at', t.timestamp, (c) => c.notNull())
          .addColumn('locked_until', t.timestamp, (c) => c.notNull())
          .addColumn('expires_at', t.timestamp, (c) => c.notNull())
          .addPrimaryKeyConstraint('keel_idempotency_pk', ['principal', 'idem_key'])
          .execute();
        await db.schema
          .createIndex('keel_idempotency_expires_idx')
          .on('keel_idempotency')
          .column('expires_at')
          .execute();
      },
    },
  ],
};

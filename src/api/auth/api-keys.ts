import type { Clock } from '../../kernel/clock.js';
import { currentContext } from '../../kernel/context.js';
import { newId } from '../../kernel/ids.js';
import type { AuditLog } from '../../kernel/ports/audit.js';
import type { Store } from '../../kernel/ports/store.js';
import { ApiErrors } from '../errors.js';
import { formatKey, generateSecret, hashSecret, parseKey, sameHash } from './key-format.js';
import { parseScopes, type Scope } from './scopes.js';

/** An API key as listed and returned: everything but the secret (and its hash). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
}

export interface CreateApiKeyInput {
  name: string;
  scopes: readonly string[];
  /** After this instant the key no longer authenticates. */
  expiresAt?: string | Date;
}

export interface ApiKeys {
  /** Create a key. `key` is the full secret: shown here once, stored only as a hash. */
  create(input: CreateApiKeyInput): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  /** Throws API_KEY_NOT_FOUND. */
  get(id: string): Promise<ApiKeyRecord>;
  /** Revoke (idempotent: revoking a revoked key returns it unchanged). Throws API_KEY_NOT_FOUND. */
  revoke(id: string): Promise<ApiKeyRecord>;
  /** The key's record if `rawKey` is a valid, unrevoked, unexpired key; otherwise null. */
  verify(rawKey: string): Promise<ApiKeyRecord | null>;
}

interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  created_by: string;
  last_used_at: string | null;
  revoked_at: string | null;
  expires_at: string | null;
}

/** `last_used_at` is written at most this often per key, so authentication stays a read. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_NAME = 100;

export function createApiKeys({
  store,
  clock,
  audit,
}: {
  store: Store;
  clock: Clock;
  audit: AuditLog;
}): ApiKeys {
  const findRow = (id: string) =>
    store.db.selectFrom('keel_api_keys').selectAll().where('id', '=', id).executeTakeFirst() as Promise<
      KeyRow | undefined
    >;

  // The caller's context is read before the transaction starts and passed to the audit entry
  // explicitly, so the entry names the caller whatever async context the store runs the body in.
  const who = () => {
    const ctx = currentContext();
    return { actor: ctx?.actor ?? 'system:unknown', requestId: ctx?.requestId };
  };

  async function touch(row: KeyRow, now: Date): Promise<KeyRow> {
    if (row.last_used_at && now.getTime() - Date.parse(row.last_used_at) < TOUCH_INTERVAL_MS) return row;
    const at = now.toISOString();
    const cutoff = new Date(now.getTime() - TOUCH_INTERVAL_MS).toISOString();
    try {
      await store.tx((tx) =>
        tx
          .updateTable('keel_api_keys')
          .set({ last_used_at: at })
          .where('id', '=', row.id)
          // Conditional, so concurrent requests (or processes) write it once.
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', cutoff)]))
          .execute(),
      );
      return { ...row, last_used_at: at };
    } catch {
      // Bookkeeping only: a failed touch (or a call inside a transaction) must not fail authentication.
      return row;
    }
  }

  return {
    async create(input) {
      const name = typeof input.name === 'string' ? input.name.trim() : '';
      if (name.length === 0 || name.length > MAX_NAME) {
        throw ApiErrors.KEY_INPUT_INVALID.create(`name must be 1..${MAX_NAME} characters`);
      }
      const scopes = parseScopes(input.scopes ?? []);
      const now = clock.now();
      const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt);
      if (expiresAt && (Number.isNaN(expiresAt.getTime()) || expiresAt <= now)) {
        throw ApiErrors.KEY_INPUT_INVALID.create('expiresAt must be a valid instant in the future');
      }
      const { actor, requestId } = who();
      const id = newId('key');
      const secret = generateSecret();
      const row: KeyRow = {
        id,
        name,
        scopes: JSON.stringify(scopes),
        secret_hash: hashSecret(secret),
        created_at: now.toISOString(),
        created_by: actor,
        last_used_at: null,
        revoked_at: null,
        expires_at: expiresAt?.toISOString() ?? null,
      };
      const record = toRecord(row);
      await store.tx(async (tx) => {
        await tx.insertInto('keel_api_keys').values(row).execute();
        await audit.record(tx, {
          actor,
          requestId,
          action: 'keys.create',
          target: `key:${id}`,
          after: record,
        });
      });
      return { key: formatKey(id, secret), record };
    },

    async list() {
      const rows = (await store.db
        .selectFrom('keel_api_keys')
        .selectAll()
        .orderBy('id')
        .execute()) as KeyRow[];
      return rows.map(toRecord);
    },

    async get(id) {
      const row = await findRow(id);
      if (!row) throw ApiErrors.KEY_NOT_FOUND.create(`no API key "${id}"`);
      return toRecord(row);
    },

    async revoke(id) {
      const { actor, requestId } = who();
      return store.tx(async (tx) => {
        const row = (await tx
          .selectFrom('keel_api_keys')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst()) as KeyRow | undefined;
        if (!row) throw ApiErrors.KEY_NOT_FOUND.create(`no API key "${id}"`);
        if (row.revoked_at) return toRecord(row);
        const revoked = { ...row, revoked_at: clock.now().toISOString() };
        await tx
          .updateTable('keel_api_keys')
          .set({ revoked_at: revoked.revoked_at })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          actor,
          requestId,
          action: 'keys.revoke',
          target: `key:${id}`,
          before: toRecord(row),
          after: toRecord(revoked),
        });
        return toRecord(revoked);
      });
    },

    async verify(rawKey) {
      const parsed = typeof rawKey === 'string' ? parseKey(rawKey) : null;
      if (!parsed) return null;
      const row = await findRow(parsed.keyId);
      if (!row || !sameHash(hashSecret(parsed.secret), row.secret_hash)) return null;
      const now = clock.now();
      if (row.revoked_at) return null;
      if (row.expires_at && Date.parse(row.expires_at) <= now.getTime()) return null;
      return toRecord(await touch(row, now));
    },
  };
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scopes: JSON.parse(row.scopes) as Scope[],
    createdAt: row.created_at,
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    expiresAt: row.expires_at,
  };
}

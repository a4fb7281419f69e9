import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock.js';
import { currentContext } from '../../kernel/context.js';
import { defineError } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import { digest } from '../../kernel/json.js';
import type { AuditEntry, AuditInput, AuditLog } from '../../kernel/ports/audit.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import type { AuditRow } from './audit.schema.js';
import { entryHash, GENESIS_HASH, toAuditEntry } from './audit-chain.js';
import { verifyChain } from './audit-verify.js';

export const AuditErrors = {
  INPUT_INVALID: defineError({
    code: 'AUDIT_INPUT_INVALID',
    status: 500,
    title: 'Audit entry is missing its action or target',
  }),
};

export interface AuditLogOptions {
  store: Store;
  clock: Clock;
  /** Entries read per query while verifying (tests make it small to cross page boundaries). */
  verifyPageSize?: number;
}

/** The two-key advisory lock that serializes appends to the chain on PostgreSQL: ('keel', 'audt'). */
const CHAIN_LOCK = [0x6b65656c, 0x61756474] as const;
const MAX_TEXT = 500;
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/**
 * The audit trail over the Store: one table, `keel_audit`, appended inside the writer's transaction
 * and hash-chained (see audit-chain.ts). Only digests of before/after states are kept.
 */
export function createAuditLog({ store, clock, verifyPageSize = 1000 }: AuditLogOptions): AuditLog {
  return {
    async record(tx: Tx, input: AuditInput): Promise<void> {
      for (const field of ['action', 'target'] as const) {
        const v = input[field];
        if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT) {
          throw AuditErrors.INPUT_INVALID.create(
            `audit ${field} must be a string of 1..${MAX_TEXT} characters`,
          );
        }
      }
      const ctx = currentContext();
      await lockChain(store, tx);
      const prev = (await tx
        .selectFrom('keel_audit')
        .select(['seq', 'hash'])
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()) as Pick<AuditRow, 'seq' | 'hash'> | undefined;
      const fields = {
        id: newId('aud'),
        at: clock.now().toISOString(),
        actor: input.actor ?? ctx?.actor ?? 'system:unknown',
        action: input.action,
        target: input.target,
        request_id: input.requestId ?? ctx?.requestId ?? null,
        before_digest: input.before === undefined ? null : digest(input.before),
        after_digest: input.after === undefined ? null : digest(input.after),
        prev_hash: prev?.hash ?? GENESIS_HASH,
      };
      const row: AuditRow = { seq: prev ? Number(prev.seq) + 1 : 1, ...fields, hash: entryHash(fields) };
      await tx.insertInto('keel_audit').values(row).execute();
    },

    async list(query = {}): Promise<AuditEntry[]> {
      const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);
      let q = store.db.selectFrom('keel_audit').selectAll().orderBy('seq').limit(limit);
      if (query.target !== undefined) q = q.where('target', '=', query.target);
      if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
      if (query.action !== undefined) q = q.where('action', '=', query.action);
      if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
      const rows = (await q.execute()) as AuditRow[];
      return rows.map(toAuditEntry);
    },

    verify(options = {}) {
      return verifyChain(store.db, { expectedHead: options.expectedHead, pageSize: verifyPageSize });
    },
  };
}

/**
 * Appends must see the previous entry's hash and add theirs atomically, or two concurrent writers
 * would both link to the same predecessor and fork the chain.
 *
 * PostgreSQL: a transaction-scoped advisory lock, taken before reading the previous hash and held
 * until commit or rollback, makes appends take turns. Under READ COMMITTED (the Store's isolation
 * level) the read that follows the lock takes a fresh snapshot, so it sees the entry the previous
 * holder committed. Holding the lock to commit means every audited write on PostgreSQL serializes
 * on it for the rest of its transaction, so callers should record the audit entry as their last
 * statement. Should two appends ever race anyway, the primary key on `seq` rejects the second.
 *
 * SQLite: nothing to do. There is one writer connection and the store's group commit runs
 * transactions one after another (each in its own savepoint), so a transaction always sees every
 * append committed or released before it, and a rolled-back one leaves no trace for the next.
 */
async function lockChain(store: Store, tx: Tx): Promise<void> {
  if (store.dialect === 'postgres') {
    await sql`select pg_advisory_xact_lock(${CHAIN_LOCK[0]}, ${CHAIN_LOCK[1]})`.execute(tx);
  }
}

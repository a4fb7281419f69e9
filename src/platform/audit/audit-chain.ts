import { canonicalJson, sha256Hex } from '../../kernel/json.js';
import type { AuditEntry } from '../../kernel/ports/audit.js';
import type { AuditRow } from './audit.schema.js';

/** What the first entry links to: a fixed value, so a chain can only start in one place. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The hash of one entry: `sha256(prevHash + canonicalJson(fields))`. `prevHash` is fixed-width hex,
 * so the concatenation is unambiguous.
 *
 * `seq` is deliberately not hashed: it is the entry's position, and the chain itself fixes positions
 * (each entry names its predecessor's hash), so renumbering, swapping or deleting entries breaks a
 * link. Leaving it out lets `verify` tell a reordering (intact entries that no longer link up) from
 * an edit (an entry whose content no longer matches its own hash).
 */
export function entryHash(row: Omit<AuditRow, 'seq' | 'hash'>): string {
  return sha256Hex(
    row.prev_hash +
      canonicalJson({
        id: row.id,
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        requestId: row.request_id,
        beforeDigest: row.before_digest,
        afterDigest: row.after_digest,
      }),
  );
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    requestId: row.request_id,
    beforeDigest: row.before_digest,
    afterDigest: row.after_digest,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

import type { Kysely } from 'kysely';
import type { AuditVerification } from '../../kernel/ports/audit.js';
import type { AuditRow } from './audit.schema.js';
import { entryHash, GENESIS_HASH } from './audit-chain.js';

type Failure = NonNullable<AuditVerification['failure']>;

/**
 * Walk the chain in seq order, one page at a time (memory stays flat however long the trail), and
 * stop at the first entry that breaks it:
 * - `deleted_or_reordered`: the seq is not the next number (an entry is missing), an intact entry
 *   does not link to the entry before it (entries swapped, or deleted and renumbered), or, given
 *   `expectedHead`, that hash is nowhere in the chain (the tail was cut off);
 * - `edited`: an entry's stored hash is not the hash of its own fields (a column was changed);
 * - `bad_link`: the first entry is intact but does not link to the genesis value (the chain was
 *   cut at the front and renumbered, or rows were copied in from another chain).
 * Only the first page is read without a lower bound, so rows with a seq below 1 are seen too.
 */
export async function verifyChain(
  db: Kysely<any>,
  options: { expectedHead?: string; pageSize: number },
): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  let headSeen = options.expectedHead === undefined;
  let lastSeq: number | undefined;

  for (;;) {
    let q = db.selectFrom('keel_audit').selectAll().orderBy('seq').limit(options.pageSize);
    if (lastSeq !== undefined) q = q.where('seq', '>', lastSeq);
    const page = (await q.execute()) as AuditRow[];
    for (const row of page) {
      const seq = Number(row.seq);
      const failure = check(row, seq, expectedSeq, prevHash);
      if (failure) return { ok: false, entries, headHash: null, failure };
      entries++;
      prevHash = row.hash;
      expectedSeq = seq + 1;
      lastSeq = seq;
      if (row.hash === options.expectedHead) headSeen = true;
    }
    if (page.length < options.pageSize) break;
  }

  if (!headSeen) {
    return {
      ok: false,
      entries,
      headHash: null,
      failure: { seq: expectedSeq, reason: 'deleted_or_reordered' },
    };
  }
  return { ok: true, entries, headHash: entries > 0 ? prevHash : null };
}

function check(row: AuditRow, seq: number, expectedSeq: number, prevHash: string): Failure | undefined {
  if (seq !== expectedSeq) return { seq, reason: 'deleted_or_reordered' };
  if (entryHash(row) !== row.hash) return { seq, reason: 'edited' };
  if (row.prev_hash !== prevHash) return { seq, reason: seq === 1 ? 'bad_link' : 'deleted_or_reordered' };
  return undefined;
}

import type { Tx } from './store.js';

/**
 * The audit trail port: every write and admin action, append-only and hash-chained, recorded in
 * the same transaction as the write it describes.
 */
export interface AuditInput {
  /** Defaults to the ambient operation context's actor. */
  actor?: string;
  /** `pim.product.publish`, `keys.create`, `dlq.retry` … */
  action: string;
  /** What was acted on: an id or `kind:id`. */
  target: string;
  /** States before/after; only their digests are kept, never the data. */
  before?: unknown;
  after?: unknown;
  requestId?: string;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  requestId: string | null;
  beforeDigest: string | null;
  afterDigest: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** Hash of the last entry: keep it elsewhere to detect truncation of the tail later. */
  headHash: string | null;
  /** The first entry that breaks the chain, and how. */
  failure?: { seq: number; reason: 'edited' | 'deleted_or_reordered' | 'bad_link' };
}

export interface AuditLog {
  record(tx: Tx, entry: AuditInput): Promise<void>;
  list(query?: {
    target?: string;
    actor?: string;
    action?: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<AuditEntry[]>;
  /** Walk the whole chain; `expectedHead` (from an earlier verify) also detects a truncated tail. */
  verify(options?: { expectedHead?: string }): Promise<AuditVerification>;
}

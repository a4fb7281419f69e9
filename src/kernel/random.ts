import { randomFillSync } from 'node:crypto';

/**
 * Cryptographically random bytes for identifiers (ids, trace ids), drawn from a pool refilled
 * 8 KiB at a time: one call into the system's generator per ~800 draws instead of one per draw
 * (a call costs microseconds, which matter once per event on the hot path).
 * Not for secrets: use crypto.randomBytes for keys and tokens.
 */
const POOL_SIZE = 8192;
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

export function poolRandomBytes(n: number): Buffer {
  if (n > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} bytes at a time`);
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  // A copy: the pool is overwritten on the next refill.
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}

/** Random bytes as lowercase hex (trace and span ids). */
export function poolRandomHex(n: number): string {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.toString('hex', offset, offset + n);
  offset += n;
  return out;
}

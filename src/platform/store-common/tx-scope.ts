import { AsyncLocalStorage } from 'node:async_hooks';
import { defineError } from '../../kernel/errors.js';
import type { Tx } from '../../kernel/ports/store.js';
import type { TxGuard } from './tx-guard.js';

export const StoreErrors = {
  TX_NESTED: defineError({
    code: 'STORE_TX_NESTED',
    status: 500,
    title: 'store.tx called inside another transaction; pass the outer tx down instead',
  }),
  TX_TIMEOUT: defineError({
    code: 'STORE_TX_TIMEOUT',
    status: 503,
    retryable: true,
    title: 'Transaction timed out and was rolled back',
  }),
  UNKNOWN_TX: defineError({
    code: 'STORE_UNKNOWN_TX',
    status: 500,
    title: 'Not a transaction of this store',
  }),
};

/**
 * Tracks the transaction the current async flow is inside, so that a nested `store.tx` (which
 * would deadlock on SQLite and silently run separately on PostgreSQL) fails loudly instead.
 */
export class TxScope {
  private readonly als = new AsyncLocalStorage<TxGuard>();
  private readonly guards = new WeakMap<Tx, TxGuard>();

  assertNotNested(): void {
    if (this.als.getStore()?.isOpen) throw StoreErrors.TX_NESTED.create();
  }

  run<T>(guard: TxGuard, tx: Tx, fn: () => Promise<T>): Promise<T> {
    this.guards.set(tx, guard);
    return this.als.run(guard, fn);
  }

  guardOf(tx: Tx): TxGuard {
    const g = this.guards.get(tx);
    if (!g) throw StoreErrors.UNKNOWN_TX.create();
    return g;
  }
}

/** Race `p` against a timeout; the loser is ignored (the guard stops a late body from writing). */
export function withTimeout<T>(p: Promise<T>, ms: number | undefined): Promise<T> {
  if (!ms) return p;
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(StoreErrors.TX_TIMEOUT.create(`transaction exceeded ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { KernelErrors } from '../../kernel/errors.js';

/**
 * A Kysely plugin bound to one transaction: once the transaction has ended (committed, rolled
 * back, or abandoned after a timeout) any further query through it throws TX_CLOSED instead of
 * silently running outside the transaction.
 */
export class TxGuard implements KyselyPlugin {
  private closed = false;
  /** Wake-up channels raised in this transaction, delivered after commit. */
  readonly signals = new Set<string>();
  readonly afterCommit: (() => void)[] = [];

  close(): void {
    this.closed = true;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.closed) throw KernelErrors.TX_CLOSED.create();
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

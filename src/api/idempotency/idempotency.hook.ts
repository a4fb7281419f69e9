import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import { digest } from '../../kernel/json.js';
import type { Store, Tx } from '../../kernel/ports/store.js';
import { PROBLEM_CONTENT_TYPE } from '../../kernel/problem.js';
import type { IdempotencyStore } from './idempotency.store.js';

/** What an idempotent route's handler sees as `request.idempotency` when the client sent a key. */
export interface IdempotencyHandle {
  readonly key: string;
  /**
   * Store the response in the handler's own transaction, so it is kept exactly when the effects are
   * (a crash can then never leave effects without a stored response). Send the same status and
   * body afterwards. Without this call the response is stored right after it is sent.
   */
  complete(tx: Tx, status: number, body: unknown): Promise<void>;
}

const KEY_RE = /^[\x21-\x7e]{1,255}$/;
/** Statuses a retry may turn into success: the key is released rather than the response stored. */
const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

class Reservation implements IdempotencyHandle {
  storedInTx = false;
  constructor(
    private readonly deps: { store: Store; idem: IdempotencyStore },
    readonly principal: string,
    readonly key: string,
    readonly token: string,
  ) {}

  async complete(tx: Tx, status: number, body: unknown): Promise<void> {
    await this.deps.idem.complete(tx, this.principal, this.key, this.token, status, JSON.stringify(body));
    this.deps.store.afterCommit(tx, () => {
      this.storedInTx = true;
    });
  }
}

/**
 * `Idempotency-Key` on routes with `config.idempotent` (POSTs that create): reserve the key before
 * the handler runs (after authentication and validation), replay a stored response, refuse reuse
 * with a different request (422) or while the first is in flight (409), and store the outcome.
 */
export function registerIdempotency(
  app: FastifyInstance,
  deps: { store: Store; idem: IdempotencyStore },
): void {
  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config.idempotent !== true || request.method !== 'POST') return;
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !KEY_RE.test(header)) {
      throw KernelErrors.VALIDATION_FAILED.create('Idempotency-Key must be 1..255 visible ASCII characters', {
        errors: [{ path: '/headers/idempotency-key', message: 'must be 1..255 visible ASCII characters' }],
      });
    }
    const principal = request.principal?.keyId ?? 'anonymous';
    const requestHash = digest({
      method: request.method,
      url: request.url,
      body: request.body ?? null,
      principal,
    });
    const r = await deps.idem.reserve(principal, header, requestHash);
    switch (r.kind) {
      case 'mismatch':
        throw KernelErrors.IDEMPOTENCY_KEY_REUSED.create(
          `Idempotency-Key "${header}" was used with a different request in the last 24 hours`,
        );
      case 'in_progress':
        throw KernelErrors.IDEMPOTENCY_IN_PROGRESS.create(
          `a request with Idempotency-Key "${header}" is in progress`,
        );
      case 'replay':
        return reply
          .code(r.status)
          .header('idempotent-replayed', 'true')
          .type(r.status >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json; charset=utf-8')
          .send(r.body);
      case 'reserved':
        request.idempotency = new Reservation(deps, principal, header, r.token);
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const h = request.idempotency;
    if (!(h instanceof Reservation) || h.storedInTx) return payload;
    request.idempotency = null;
    try {
      if (typeof payload === 'string' && isFinal(reply.statusCode, payload)) {
        await deps.store.tx((tx) =>
          deps.idem.complete(tx, h.principal, h.key, h.token, reply.statusCode, payload),
        );
      } else {
        await deps.idem.release(h.principal, h.key, h.token);
      }
    } catch (err) {
      // The response goes out regardless; the reservation expires and a retry can take it over.
      request.log.error({ err }, 'could not store the idempotent response');
    }
    return payload;
  });
}

/** Is this the request's final outcome (stored and replayed), or may a retry succeed (key released)? */
function isFinal(status: number, payload: string): boolean {
  if (status >= 500 || RETRYABLE_STATUS.has(status)) return false;
  if (status < 400) return true;
  try {
    return (JSON.parse(payload) as { retryable?: unknown }).retryable !== true;
  } catch {
    return true;
  }
}

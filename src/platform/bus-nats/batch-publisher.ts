import { createInbox, headers, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { KernelErrors } from '../../kernel/errors.js';

export interface OutgoingMessage {
  subject: string;
  data: string;
  /** Becomes `Nats-Msg-Id`: the stream drops a repeat within its duplicate window. */
  msgId: string;
  /**
   * Becomes `Nats-Expected-Last-Msg-Id`: the stream stores the message only if the last message
   * it stored has this id (it checks duplicates first, so a repeat is still acknowledged).
   */
  expectLastMsgId?: string;
  headers: Record<string, string>;
}

/** JetStream's error code for a failed `Nats-Expected-Last-Msg-Id` check. */
export const WRONG_LAST_MSG_ID = 10070;

/** The JetStream error code a publish was refused with, if it was refused by the stream. */
export function jetStreamCode(err: unknown): number | undefined {
  const ext = (err as { extensions?: { jetStreamCode?: unknown } } | undefined)?.extensions;
  return typeof ext?.jetStreamCode === 'number' ? ext.jetStreamCode : undefined;
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Publishes to a JetStream stream and waits for the stream's acknowledgements, a batch at a time,
 * over plain NATS messages: one reply subscription for every publish (replies are
 * `<inbox>.<n>`), instead of a request — with its own subscription entry, timer and error
 * object — per message. The acknowledgement is what the JetStream client waits for too: the
 * stream has stored the message (or recognised it as a duplicate).
 */
export class BatchPublisher {
  private readonly inbox = createInbox();
  private readonly sub: Subscription;
  private readonly pending = new Map<string, Pending>();
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 10_000,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, {
      callback: (err, msg) => {
        if (err) return;
        const token = msg.subject.slice(this.inbox.length + 1);
        const p = this.pending.get(token);
        if (!p) return;
        this.pending.delete(token);
        const failure = streamError(msg.data);
        if (failure) p.reject(failure);
        else p.resolve();
      },
    });
  }

  /** Publish all, in order; resolves when the stream acknowledged every one, rejects on the first failure. */
  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const waits: Promise<void>[] = [];
    const first = this.next;
    try {
      for (const m of messages) {
        const token = String(this.next++);
        const wait = new Promise<void>((resolve, reject) => this.pending.set(token, { resolve, reject }));
        // Handled even if publishing stops half-way (a closed connection throws synchronously) and
        // nobody awaits this batch any more when close() rejects what is still pending.
        wait.catch(() => {});
        waits.push(wait);
        const h = headers();
        h.set('Nats-Msg-Id', m.msgId);
        if (m.expectLastMsgId) h.set('Nats-Expected-Last-Msg-Id', m.expectLastMsgId);
        for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
        this.nc.publish(m.subject, m.data, { headers: h, reply: `${this.inbox}.${token}` });
      }
    } catch (err) {
      // The connection refused a publish: forget this batch's waits; the caller retries the batch.
      for (let i = first; i < this.next; i++) this.pending.delete(String(i));
      throw err;
    }
    const end = this.next;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        for (let i = first; i < end; i++) this.pending.delete(String(i));
        reject(
          KernelErrors.SERVICE_UNAVAILABLE.create(
            `JetStream did not acknowledge within ${this.timeoutMs} ms`,
          ),
        );
      }, this.timeoutMs);
    });
    try {
      await Promise.race([Promise.all(waits), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(KernelErrors.SHUTTING_DOWN.create('publisher closed'));
    this.pending.clear();
  }
}

/** A JetStream publish reply: `{"stream":…,"seq":…}` on success, `{"error":{…}}` otherwise. */
function streamError(data: Uint8Array): Error | undefined {
  if (data.length === 0)
    return KernelErrors.SERVICE_UNAVAILABLE.create('no JetStream stream answered (no responders)');
  let reply: { error?: { code?: number; err_code?: number; description?: string } };
  try {
    reply = JSON.parse(new TextDecoder().decode(data));
  } catch {
    return KernelErrors.SERVICE_UNAVAILABLE.create('unreadable JetStream acknowledgement');
  }
  if (reply.error) {
    return KernelErrors.SERVICE_UNAVAILABLE.create(
      `JetStream refused a message: ${reply.error.description ?? 'unknown'} (${reply.error.err_code ?? reply.error.code ?? '?'})`,
      reply.error.err_code === undefined ? {} : { jetStreamCode: reply.error.err_code },
    );
  }
  return undefined;
}

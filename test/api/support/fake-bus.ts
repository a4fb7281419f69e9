import { Type } from '@sinclair/typebox';
import { KernelErrors } from '../../../src/kernel/errors.js';
import { EventRegistry } from '../../../src/kernel/event-registry.js';
import { defineEvent, type StoredEvent } from '../../../src/kernel/events.js';
import type { BusAdmin, DeadLetter, EventBus, ReplayFrom } from '../../../src/kernel/ports/bus.js';

export const ThingCreated = defineEvent({
  type: 'keel.test.thing.created.v1',
  source: '/keel/test',
  description: 'A test thing was created',
  schema: Type.Object({ name: Type.String() }),
});

function event(seq: number, correlationid: string): StoredEvent {
  return {
    specversion: '1.0',
    id: `evt_${seq}`,
    source: '/keel/test',
    type: ThingCreated.type,
    subject: `thg_${seq}`,
    time: '2026-01-01T00:00:00.000Z',
    datacontenttype: 'application/json',
    dataschema: '/schemas/keel.test.thing.created.v1',
    partitionkey: `thg_${seq}`,
    correlationid,
    data: { name: `thing ${seq}` },
    seq,
  };
}

/**
 * A hand-written stand-in for the EventBus port, for the HTTP admin routes only (unit level): it
 * checks that routes map requests onto the port correctly, not how a bus behaves.
 */
export class FakeBus implements EventBus {
  readonly registry = new EventRegistry().register(ThingCreated);
  reachable = true;
  readonly calls: { method: string; args: unknown[] }[] = [];
  readonly log: StoredEvent[] = [1, 2, 3, 4, 5].map((s) => event(s, s <= 3 ? 'cor_a' : 'cor_b'));
  readonly dead = new Map<string, DeadLetter>(
    ['dlq_1', 'dlq_2', 'dlq_3'].map((id, i) => [
      id,
      {
        id,
        group: i === 2 ? 'erp.stock' : 'oms.orders',
        eventId: `evt_${i + 1}`,
        eventType: ThingCreated.type,
        seq: i + 1,
        event: this.log[i]!,
        status: 'open',
        error: 'Error: boom',
        attempts: [{ attempt: 1, at: '2026-01-01T00:00:01.000Z', error: 'Error: boom' }],
        createdAt: '2026-01-01T00:00:02.000Z',
        updatedAt: '2026-01-01T00:00:02.000Z',
      },
    ]),
  );

  async append(): Promise<never> {
    throw new Error('not used by the HTTP tests');
  }
  subscribe(): void {}
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async ping(): Promise<void> {
    if (!this.reachable) throw new Error('nats: connection refused');
  }

  readonly admin: BusAdmin = {
    groups: async () => [
      { group: 'oms.orders', position: 3, head: 5, lag: 2, openDeadLetters: 2, generation: 1 },
    ],
    deadLetters: async (q = {}) => {
      this.calls.push({ method: 'deadLetters', args: [q] });
      const all = [...this.dead.values()]
        .filter((d) => (!q.group || d.group === q.group) && (!q.status || d.status === q.status))
        .filter((d) => !q.after || d.id > q.after);
      const items = all.slice(0, q.limit ?? 100);
      return items.length < all.length ? { items, next: items.at(-1)!.id } : { items };
    },
    deadLetter: async (id) => {
      const d = this.dead.get(id);
      if (!d) throw KernelErrors.DEAD_LETTER_NOT_FOUND.create(`no dead letter ${id}`);
      return d;
    },
    retryDeadLetter: async (id, actor) => this.resolve(id, actor, 'retry'),
    discardDeadLetter: async (id, actor, reason) => this.resolve(id, actor, 'discard', reason),
    replay: async (group: string, from: ReplayFrom, actor: string) => {
      this.calls.push({ method: 'replay', args: [group, from, actor] });
      if (group !== 'oms.orders') throw KernelErrors.GROUP_UNKNOWN.create(`no group ${group}`);
      return { fromSeq: 'position' in from ? from.position : 1, generation: 2 };
    },
    events: async (q) => {
      this.calls.push({ method: 'events', args: [q] });
      return this.log
        .filter((e) => (!q.correlationId || e.correlationid === q.correlationId) && e.seq > (q.afterSeq ?? 0))
        .slice(0, q.limit ?? 100);
    },
  };

  private resolve(id: string, actor: string, action: 'retry' | 'discard', reason?: string): DeadLetter {
    const d = this.dead.get(id);
    if (!d) throw KernelErrors.DEAD_LETTER_NOT_FOUND.create(`no dead letter ${id}`);
    if (d.status !== 'open') throw KernelErrors.DEAD_LETTER_STATE.create(`dead letter ${id} is ${d.status}`);
    const next: DeadLetter = {
      ...d,
      status: action === 'retry' ? 'retry_requested' : 'discarded',
      resolution: { actor, action, ...(reason ? { reason } : {}), at: '2026-01-01T00:01:00.000Z' },
    };
    this.dead.set(id, next);
    return next;
  }
}

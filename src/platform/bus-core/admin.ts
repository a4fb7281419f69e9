import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { StoredEvent } from '../../kernel/events.js';
import type {
  BusAdmin,
  DeadLetter,
  DeadLetterStatus,
  EventQuery,
  GroupStatus,
  Page,
  ReplayFrom,
} from '../../kernel/ports/bus.js';
import type { Store } from '../../kernel/ports/store.js';
import type { FailureStore } from './dead-letters.js';
import type { EventLog } from './event-log.js';
import { forgetInboxFrom } from './inbox.js';
import { bumpGeneration, CONTROL_SIGNAL } from './positions.js';

/** Operator actions on the bus; store-based, so they work from any process (the CLI included). */
export class BusAdminImpl implements BusAdmin {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly eventLog: EventLog,
    private readonly failures: FailureStore,
  ) {}

  async groups(): Promise<GroupStatus[]> {
    const db = this.store.db;
    const [groups, positions, dead, head] = await Promise.all([
      db.selectFrom('keel_bus_groups').selectAll().execute(),
      db.selectFrom('keel_bus_positions').selectAll().execute(),
      db
        .selectFrom('keel_bus_dead_letters')
        .select(['group_name', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['open', 'retry_requested', 'retrying'])
        .groupBy('group_name')
        .execute(),
      this.eventLog.head(),
    ]);
    return groups
      .filter((g) => !String(g.group_name).startsWith('__'))
      .map((g) => {
        const mine = positions.filter(
          (p) => p.group_name === g.group_name && Number(p.generation) === Number(g.generation),
        );
        const position = mine.length ? Math.min(...mine.map((p) => Number(p.position))) : 0;
        return {
          group: g.group_name as string,
          position,
          head,
          lag: Math.max(0, head - position),
          openDeadLetters: Number(dead.find((d) => d.group_name === g.group_name)?.n ?? 0),
          generation: Number(g.generation),
        };
      })
      .sort((a, b) => a.group.localeCompare(b.group));
  }

  deadLetters(
    query: { group?: string; status?: DeadLetterStatus; limit?: number; after?: string } = {},
  ): Promise<Page<DeadLetter>> {
    return this.failures.list(query);
  }

  deadLetter(id: string): Promise<DeadLetter> {
    return this.failures.get(id);
  }

  retryDeadLetter(id: string, actor: string): Promise<DeadLetter> {
    return this.failures.requestRetry(id, actor);
  }

  discardDeadLetter(id: string, actor: string, reason?: string): Promise<DeadLetter> {
    return this.failures.discard(id, actor, reason);
  }

  async replay(
    group: string,
    from: ReplayFrom,
    _actor: string,
  ): Promise<{ fromSeq: number; generation: number }> {
    const known = await this.store.db
      .selectFrom('keel_bus_groups')
      .select('group_name')
      .where('group_name', '=', group)
      .executeTakeFirst();
    if (!known) throw KernelErrors.GROUP_UNKNOWN.create(`consumer group "${group}" has never run`, { group });
    let fromSeq: number;
    if ('position' in from) {
      if (!Number.isSafeInteger(from.position) || from.position < 1) {
        throw KernelErrors.VALIDATION_FAILED.create('position must be an integer >= 1', {
          errors: [{ path: '/position', message: 'must be an integer >= 1' }],
        });
      }
      fromSeq = from.position;
    } else {
      const t = new Date(from.time);
      if (typeof from.time !== 'string' || Number.isNaN(t.getTime())) {
        throw KernelErrors.VALIDATION_FAILED.create('time must be an ISO-8601 date-time', {
          errors: [{ path: '/time', message: 'must be an ISO-8601 date-time' }],
        });
      }
      fromSeq = await this.eventLog.firstSeqAtOrAfter(t.toISOString());
    }
    const fromTime = (await this.eventLog.timeOf(fromSeq)) ?? this.clock.now().toISOString();
    const generation = await this.store.tx(async (tx) => {
      await forgetInboxFrom(tx, group, fromSeq);
      const g = await bumpGeneration(tx, this.clock, group, fromSeq, fromTime);
      this.store.signal(tx, CONTROL_SIGNAL);
      return g;
    });
    return { fromSeq, generation };
  }

  events(query: EventQuery): Promise<StoredEvent[]> {
    return this.eventLog.query(query);
  }
}

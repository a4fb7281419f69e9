import type { Clock } from '../../kernel/clock.js';
import type { Store } from '../../kernel/ports/store.js';
import { type EventLog, storedEventJson } from '../bus-core/event-log.js';
import type { BatchPublisher } from './batch-publisher.js';
import { subjectFor } from './nats-connection.js';

const RELAY = '__relay';
export const RELAY_BATCH = 1000;

/**
 * The outbox relay: publishes the event log to JetStream in log order, in batches of async
 * publishes, then records how far it got. `Nats-Msg-Id` is the event id, so republishing after a
 * crash (published, but the position not yet saved) is deduplicated by the stream.
 */
export class Relay {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly eventLog: EventLog,
    private readonly publisher: () => BatchPublisher,
    private readonly prefix: string,
  ) {}

  async position(): Promise<number> {
    const row = await this.store.db
      .selectFrom('keel_bus_positions')
      .select('position')
      .where('group_name', '=', RELAY)
      .where('partition', '=', 0)
      .executeTakeFirst();
    return Number(row?.position ?? 0);
  }

  /** Publish the next batch; true if a full batch went out (more may be waiting). */
  async relayOnce(): Promise<boolean> {
    const from = await this.position();
    const events = await this.eventLog.readAllRaw(from, RELAY_BATCH);
    if (events.length === 0) return false;
    await this.publisher().publish(
      events.map((e) => ({
        subject: subjectFor(this.prefix, e.partition, e.type),
        // The stored envelope plus its position: the same JSON as the parsed event re-serialized.
        data: storedEventJson(e),
        msgId: e.id,
        headers: { 'Keel-Seq': String(e.seq), 'Ce-Type': e.type },
      })),
    );
    const to = events.at(-1)!.seq;
    const now = this.clock.now().toISOString();
    await this.store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_positions')
        .values({ group_name: RELAY, partition: 0, position: to, generation: 0, updated_at: now })
        .onConflict((oc) =>
          oc.columns(['group_name', 'partition']).doUpdateSet({ position: to, updated_at: now }),
        )
        .execute();
    });
    return events.length === RELAY_BATCH;
  }
}

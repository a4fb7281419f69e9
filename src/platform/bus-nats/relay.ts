import type { Clock } from '../../kernel/clock.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { type EventLog, type RawEvent, storedEventJson } from '../bus-core/event-log.js';
import {
  type BatchPublisher,
  jetStreamCode,
  type OutgoingMessage,
  WRONG_LAST_MSG_ID,
} from './batch-publisher.js';
import { subjectFor } from './nats-connection.js';

const RELAY = '__relay';
export const RELAY_BATCH = 1000;
/** Batches published and awaiting the stream's acknowledgements at once. */
export const RELAY_PIPELINE = 4;

export interface RelayOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  eventLog: EventLog;
  publisher: () => BatchPublisher;
  subjectPrefix: string;
  /** The `Nats-Msg-Id` of the last message the stream holds (undefined if it holds none). */
  streamTail: () => Promise<string | undefined>;
}

interface InFlight {
  /** Position of the batch's last event. */
  to: number;
  acked: Promise<void>;
  settled: boolean;
}

/**
 * The outbox relay: publishes the event log to JetStream in log order and records how far the
 * stream has acknowledged. `Nats-Msg-Id` is the event id, so republishing after a crash
 * (published, but the position not yet saved) is deduplicated by the stream.
 *
 * Pipelined: while the stream acknowledges one batch, the next is read and published (up to
 * `RELAY_PIPELINE` batches outstanding) — waiting out each batch's acknowledgements before reading
 * the next made the relay the slowest stage of the distributed bus.
 *
 * Order is enforced by the stream, not hoped for: every message carries the id of the event
 * before it as `Nats-Expected-Last-Msg-Id`, so if one message is not stored (a timeout, a
 * refusal), every later one is refused too instead of landing ahead of it. The relay then starts
 * again from its saved position; the stream drops the copies it already has (it checks
 * duplicates before expectations). If the stream's last message is not the one the relay expects
 * (its position fell behind the stream, or the stream lost messages), the relay realigns its
 * position with the stream's last event and goes on from there.
 */
export class Relay {
  private inFlight: InFlight[] = [];
  /** The last position published, while relaying; re-read from the store after a pause. */
  private cursor: number | undefined;
  /** The id of the event at `cursor`; undefined: publish the next message without expectation. */
  private lastId: string | undefined;

  constructor(private readonly o: RelayOptions) {}

  async position(): Promise<number> {
    const row = await this.o.store.db
      .selectFrom('keel_bus_positions')
      .select('position')
      .where('group_name', '=', RELAY)
      .where('partition', '=', 0)
      .executeTakeFirst();
    return Number(row?.position ?? 0);
  }

  /**
   * One step: publish the next batch (waiting for the oldest outstanding one if the pipeline is
   * full) or, with nothing new to publish, wait for the oldest outstanding batch. True while there
   * is more to do right away.
   */
  async relayOnce(): Promise<boolean> {
    try {
      if (this.cursor === undefined) {
        this.cursor = await this.position();
        this.lastId = this.cursor > 0 ? await this.o.eventLog.idAt(this.cursor) : undefined;
      }
      const events = await this.o.eventLog.readAllRaw(this.cursor, RELAY_BATCH);
      if (events.length === 0) {
        if (this.inFlight.length === 0) {
          this.cursor = undefined;
          return false;
        }
        await this.settleOldest();
        return true;
      }
      const acked = this.o.publisher().publish(this.messages(events));
      const batch: InFlight = { to: events.at(-1)!.seq, acked, settled: false };
      acked.then(
        () => {
          batch.settled = true;
        },
        () => {},
      );
      this.inFlight.push(batch);
      this.cursor = batch.to;
      this.lastId = events.at(-1)!.id;
      while (this.inFlight.length > RELAY_PIPELINE) await this.settleOldest();
      return true;
    } catch (err) {
      this.reset();
      if (jetStreamCode(err) === WRONG_LAST_MSG_ID) await this.realign();
      throw err;
    }
  }

  /** Wait for every outstanding batch and save the position (shutdown). */
  async flush(): Promise<void> {
    try {
      while (this.inFlight.length > 0) await this.settleOldest();
    } finally {
      this.reset();
    }
  }

  /** Forget what is outstanding (another process may have relayed meanwhile): start from the store. */
  reset(): void {
    this.inFlight = [];
    this.cursor = undefined;
    this.lastId = undefined;
  }

  private messages(events: readonly RawEvent[]): OutgoingMessage[] {
    let previous = this.lastId;
    return events.map((e) => {
      const m: OutgoingMessage = {
        subject: subjectFor(this.o.subjectPrefix, e.partition, e.type),
        // The stored envelope plus its position: the same JSON as the parsed event re-serialized.
        data: storedEventJson(e),
        msgId: e.id,
        ...(previous ? { expectLastMsgId: previous } : {}),
        // Nothing else: the type is in the subject and the position in the payload, and every
        // header is encoded, stored, delivered and parsed once per event in three processes.
        headers: {},
      };
      previous = e.id;
      return m;
    });
  }

  /**
   * The stream's last message is not the event before the relay's position: move the position to
   * the stream's last event (everything up to it is in the stream, in order, because each message
   * was stored only after its predecessor). The next message goes without expectation: the
   * stream may not know its last id (a restarted server forgets ids older than the duplicate
   * window), and nothing else publishes in between.
   */
  private async realign(): Promise<void> {
    const tailId = await this.o.streamTail();
    const tailSeq = tailId ? await this.o.eventLog.seqOf(tailId) : undefined;
    const saved = await this.position();
    const to = tailSeq ?? saved;
    if (to !== saved) await this.save(to);
    this.o.log.warn(
      { saved, streamTail: tailId ?? null, position: to },
      'relay realigned with the stream: its last message was not the event before the saved position',
    );
    this.cursor = to;
    this.lastId = undefined;
  }

  /** Wait for the oldest batch, take every acknowledged batch behind it, save the position once. */
  private async settleOldest(): Promise<void> {
    const oldest = this.inFlight[0]!;
    await oldest.acked;
    // Reset meanwhile (this process lost and regained the relay): what was in flight is forgotten.
    if (this.inFlight[0] !== oldest) return;
    let done = 1;
    while (done < this.inFlight.length && this.inFlight[done]!.settled) done++;
    const to = this.inFlight[done - 1]!.to;
    this.inFlight.splice(0, done);
    await this.save(to);
  }

  private async save(to: number): Promise<void> {
    const now = this.o.clock.now().toISOString();
    await this.o.store.tx(async (tx) => {
      await tx
        .insertInto('keel_bus_positions')
        .values({ group_name: RELAY, partition: 0, position: to, generation: 0, updated_at: now })
        .onConflict((oc) =>
          oc.columns(['group_name', 'partition']).doUpdateSet({ position: to, updated_at: now }),
        )
        .execute();
    });
  }
}

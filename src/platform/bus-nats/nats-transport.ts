import type { JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../../kernel/clock.js';
import { KernelErrors } from '../../kernel/errors.js';
import type { StoredEvent } from '../../kernel/events.js';
import { typeMatches } from '../../kernel/events.js';
import type { Logger } from '../../kernel/ports/logger.js';
import type { Store } from '../../kernel/ports/store.js';
import { type EventLog, LOG_SEQUENCED } from '../bus-core/event-log.js';
import { loadGroup, loadPosition, PartitionProgress } from '../bus-core/positions.js';
import { Singleton } from '../bus-core/singleton.js';
import type { Delivery, PartitionSource, SourceSpec, Transport } from '../bus-core/transport.js';
import { BatchPublisher } from './batch-publisher.js';
import {
  connectJetStream,
  consumerName,
  type Jet,
  prepareConsumer,
  removeOldGenerations,
  type StreamSettings,
} from './nats-connection.js';
import { Relay } from './relay.js';

export interface NatsTransportOptions extends StreamSettings {
  store: Store;
  clock: Clock;
  log: Logger;
  eventLog: EventLog;
  member: string;
  leaseMs: number;
  pollMs: number;
  /** Deliveries buffered per partition ahead of the handlers. */
  bufferPerPartition: number;
  ackWaitMs?: number;
}

/** Replays start this much before the first replayed event's time (clock skew between hosts). */
const REPLAY_MARGIN_MS = 5000;

/**
 * The distributed transport: a relay (one process at a time) publishes the event log to a
 * JetStream stream; each consumer group partition is a durable pull consumer owned by one
 * process at a time (the engine's partition leases).
 */
export class NatsTransport implements Transport {
  readonly name = 'nats' as const;
  private jet: Jet | undefined;
  private relay: Singleton | undefined;
  private relayWork: Relay | undefined;
  private publisher: BatchPublisher | undefined;

  constructor(private readonly o: NatsTransportOptions) {}

  async start(): Promise<void> {
    this.jet = await connectJetStream(this.o, `keel ${this.o.member}`);
    const publisher = new BatchPublisher(this.jet.nc);
    this.publisher = publisher;
    const relay = new Relay({
      store: this.o.store,
      clock: this.o.clock,
      log: this.o.log,
      eventLog: this.o.eventLog,
      publisher: () => publisher,
      subjectPrefix: this.o.subjectPrefix,
      streamTail: () => this.streamTail(),
    });
    this.relayWork = relay;
    this.relay = new Singleton({
      store: this.o.store,
      clock: this.o.clock,
      log: this.o.log,
      name: '__relay',
      member: this.o.member,
      leaseMs: this.o.leaseMs,
      pollMs: this.o.pollMs,
      wakeOn: [LOG_SEQUENCED],
      work: () => relay.relayOnce(),
      onAcquire: () => relay.reset(),
    });
    await this.relay.start();
  }

  async stop(): Promise<void> {
    await this.relay?.stop();
    // Batches published but not yet acknowledged: record them if they are, so a restart need not
    // publish them again.
    await this.relayWork?.flush().catch(() => {});
    this.publisher?.close();
    const jet = this.jet;
    this.jet = undefined;
    if (jet && !jet.nc.isClosed()) await jet.nc.drain().catch(() => jet.nc.close());
  }

  async ping(): Promise<void> {
    const jet = this.jet;
    if (!jet || jet.nc.isClosed()) throw KernelErrors.SERVICE_UNAVAILABLE.create('NATS is not connected');
    await Promise.race([
      jet.nc.flush(),
      new Promise((_, reject) =>
        setTimeout(
          () => reject(KernelErrors.SERVICE_UNAVAILABLE.create('NATS did not answer within 2 s')),
          2000,
        ).unref(),
      ),
    ]);
  }

  /** The `Nats-Msg-Id` of the stream's last message, if it holds any. */
  private async streamTail(): Promise<string | undefined> {
    const { jsm } = this.connection();
    const { state } = await jsm.streams.info(this.o.stream);
    if (state.messages === 0) return undefined;
    const last = await jsm.streams.getMessage(this.o.stream, { seq: state.last_seq });
    return last?.header.get('Nats-Msg-Id') || undefined;
  }

  connection(): Jet {
    if (!this.jet) throw KernelErrors.SERVICE_UNAVAILABLE.create('NATS transport not started');
    return this.jet;
  }

  async openSource(spec: SourceSpec): Promise<PartitionSource> {
    const { jsm, js } = this.connection();
    const control = await loadGroup(this.o.store, this.o.clock, spec.group);
    const position = await loadPosition(this.o.store, this.o.clock, spec.group, spec.partition, {
      ...control,
      generation: spec.generation,
    });
    const durable = consumerName(spec.group, spec.partition, spec.generation);
    let startTime: string | undefined;
    if (spec.generation > 0 && control.replayFromTime) {
      startTime = new Date(new Date(control.replayFromTime).getTime() - REPLAY_MARGIN_MS).toISOString();
    }
    await prepareConsumer(jsm, {
      stream: this.o.stream,
      durable,
      filterSubject: `${this.o.subjectPrefix}.${spec.partition}.>`,
      ackWaitMs: this.o.ackWaitMs ?? 30_000,
      maxAckPending: Math.max(1000, this.o.bufferPerPartition * 4),
      ...(startTime ? { startTime } : {}),
    });
    await removeOldGenerations(jsm, this.o.stream, spec.group, spec.partition, spec.generation);
    const consumer = await js.consumers.get(this.o.stream, durable);
    const messages = await consumer.consume({ max_messages: this.o.bufferPerPartition });
    return new NatsSource(messages, spec, this.o, position);
  }
}

type Messages = Awaited<ReturnType<Awaited<ReturnType<Jet['js']['consumers']['get']>>['consume']>>;

class NatsSource implements PartitionSource {
  private readonly buffer: { msg: JsMsg; event: StoredEvent }[] = [];
  private readonly outstanding = new Map<number, JsMsg>();
  private readonly progress: PartitionProgress;
  private closed = false;
  private dataWaiter: (() => void) | undefined;
  private spaceWaiter: (() => void) | undefined;
  private readonly pumping: Promise<void>;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly messages: Messages,
    private readonly spec: SourceSpec,
    private readonly o: NatsTransportOptions,
    position: number,
  ) {
    // Status only: JetStream's ack floor is what delivery relies on; a failed save is retried.
    this.progress = new PartitionProgress(o.store, o.clock, spec, position, () => {});
    this.pumping = this.pump();
    // Keep slow (retrying) deliveries from being redelivered, and persist progress for status.
    this.timer = setInterval(() => {
      for (const m of this.outstanding.values()) m.working();
      void this.progress.flush();
    }, 1000);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    try {
      for await (const msg of this.messages) {
        let event: StoredEvent;
        try {
          event = JSON.parse(msg.string()) as StoredEvent;
        } catch {
          this.o.log.error(
            { subject: msg.subject, seq: msg.seq },
            'undecodable message on the event stream; terminated',
          );
          msg.term('undecodable');
          continue;
        }
        if (!this.spec.types.some((t) => typeMatches(t, event.type))) {
          msg.ack();
          continue;
        }
        this.buffer.push({ msg, event });
        this.dataWaiter?.();
        while (this.buffer.length >= this.o.bufferPerPartition && !this.closed) {
          await new Promise<void>((r) => {
            this.spaceWaiter = r;
          });
        }
        if (this.closed) break;
      }
    } catch (err) {
      if (!this.closed)
        this.o.log.warn({ group: this.spec.group, err: (err as Error).message }, 'consume ended');
    }
  }

  async fetch(max: number): Promise<Delivery[]> {
    if (this.buffer.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.o.pollMs);
        const self = this;
        function done() {
          clearTimeout(t);
          self.dataWaiter = undefined;
          resolve();
        }
        this.dataWaiter = done;
      });
    }
    if (this.closed) return [];
    const taken = this.buffer.splice(0, max);
    this.spaceWaiter?.();
    return taken.map(({ msg, event }) => {
      this.outstanding.set(event.seq, msg);
      this.progress.add(event.seq);
      return {
        event,
        partition: this.spec.partition,
        ack: () => {
          msg.ack();
          this.outstanding.delete(event.seq);
          this.progress.done(event.seq);
        },
        working: () => msg.working(),
      };
    });
  }

  wake(): void {
    this.dataWaiter?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.wake();
    this.spaceWaiter?.();
    await this.messages.close().catch(() => {});
    await this.pumping;
    // Fetched or buffered but never finished: hand back now rather than after the ack wait.
    for (const { msg } of this.buffer.splice(0)) msg.nak();
    for (const m of this.outstanding.values()) m.nak();
    this.outstanding.clear();
    await this.progress.flush();
  }
}

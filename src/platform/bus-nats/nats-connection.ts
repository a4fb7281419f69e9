import { createHash } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export interface StreamSettings {
  servers: string[];
  stream: string;
  subjectPrefix: string;
  duplicateWindowMs: number;
  maxAgeDays: number;
}

export interface Jet {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/** Connect (reconnecting forever once connected) and make sure the event stream exists. */
export async function connectJetStream(s: StreamSettings, name: string): Promise<Jet> {
  const nc = await connect({
    servers: s.servers,
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    // Otherwise every request (each JetStream publish) builds Error objects up front just to keep
    // the caller's stack for a failure that almost never comes: a large share of the relay's CPU.
    noAsyncTraces: true,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const wanted = {
      name: s.stream,
      subjects: [`${s.subjectPrefix}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(s.maxAgeDays * 86_400_000),
      duplicate_window: nanos(s.duplicateWindowMs),
      num_replicas: 1,
    };
    const existing = await jsm.streams.info(s.stream).catch(() => undefined);
    if (!existing) await jsm.streams.add(wanted);
    else if (
      existing.config.duplicate_window !== wanted.duplicate_window ||
      existing.config.max_age !== wanted.max_age ||
      !existing.config.subjects?.includes(wanted.subjects[0]!)
    ) {
      await jsm.streams.update(s.stream, { ...existing.config, ...wanted });
    }
    return { nc, js: jetstream(nc), jsm };
  } catch (err) {
    await nc.close();
    throw err;
  }
}

/** `prefix.<partition>.<type>`: one subject space per partition, so one consumer per partition. */
export function subjectFor(prefix: string, partition: number, type: string): string {
  return `${prefix}.${partition}.${type}`;
}

/** Durable consumer names allow [A-Za-z0-9_-]; a short hash keeps distinct group names distinct. */
export function consumerName(group: string, partition: number, generation: number): string {
  const h = createHash('sha256').update(group).digest('hex').slice(0, 8);
  return `keel_${group.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}_${h}_p${partition}_g${generation}`;
}

export interface ConsumerPlan {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
  /** Where a brand-new consumer starts: the whole stream, or (replay) a time. */
  startTime?: string;
}

/**
 * Make the partition's durable consumer ready to be read by a new owner. If a previous owner left
 * messages delivered but unacknowledged, recreate the consumer at its ack floor, so those come
 * again *before* anything after them — otherwise JetStream would redeliver them only after the
 * ack wait, behind newer messages, and per-key order would break.
 */
export async function prepareConsumer(jsm: JetStreamManager, plan: ConsumerPlan): Promise<void> {
  const base = {
    durable_name: plan.durable,
    filter_subject: plan.filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(plan.ackWaitMs),
    max_ack_pending: plan.maxAckPending,
    max_deliver: -1,
    replay_policy: ReplayPolicy.Instant,
  };
  const info = await jsm.consumers.info(plan.stream, plan.durable).catch(() => undefined);
  if (!info) {
    await jsm.consumers.add(plan.stream, {
      ...base,
      ...(plan.startTime
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: plan.startTime }
        : { deliver_policy: DeliverPolicy.All }),
    });
    return;
  }
  if (info.num_ack_pending === 0) return;
  const floor = info.ack_floor.stream_seq;
  await jsm.consumers.delete(plan.stream, plan.durable);
  const start =
    floor > 0
      ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 }
      : info.config.deliver_policy === DeliverPolicy.StartTime && info.config.opt_start_time
        ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: info.config.opt_start_time }
        : { deliver_policy: DeliverPolicy.All };
  await jsm.consumers.add(plan.stream, { ...base, ...start });
}

/** Remove the consumers of earlier generations of a group's partition (after a replay). */
export async function removeOldGenerations(
  jsm: JetStreamManager,
  stream: string,
  group: string,
  partition: number,
  generation: number,
): Promise<void> {
  if (generation === 0) return;
  for (let g = 0; g < generation; g++) {
    await jsm.consumers.delete(stream, consumerName(group, partition, g)).catch(() => false);
  }
}

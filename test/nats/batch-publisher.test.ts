import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchPublisher } from '../../src/platform/bus-nats/batch-publisher.js';
import { connectJetStream, type Jet } from '../../src/platform/bus-nats/nats-connection.js';
import { availableBackends, NATS_URL } from '../support/backends.js';
import { deleteStream, natsNames } from '../support/buses.js';

const withNats = (await availableBackends()).includes('postgres+nats');

describe.runIf(withNats)('JetStream batch publisher', () => {
  const names = natsNames();
  let jet: Jet;
  beforeAll(async () => {
    jet = await connectJetStream(
      { servers: [NATS_URL], ...names, duplicateWindowMs: 60_000, maxAgeDays: 1 },
      'batch-publisher test',
    );
  });
  afterAll(async () => {
    await jet?.nc.close();
    await deleteStream(names.stream);
  });

  const msg = (i: number) => ({
    subject: `${names.subjectPrefix}.0.keel.test.thing.happened.v1`,
    data: JSON.stringify({ i }),
    msgId: `evt_${i}`,
    headers: { 'Keel-Seq': String(i) },
  });

  it('resolves once the stream stored every message, and the stream drops repeated ids', async () => {
    const p = new BatchPublisher(jet.nc);
    await p.publish(Array.from({ length: 200 }, (_, i) => msg(i)));
    await p.publish(Array.from({ length: 50 }, (_, i) => msg(i))); // republished: duplicates
    const info = await (await jetstreamManager(jet.nc)).streams.info(names.stream);
    expect(info.state.messages).toBe(200);
    p.close();
  });

  it('rejects with a clear error when no stream takes the subject, and on a closed connection', async () => {
    const p = new BatchPublisher(jet.nc, 2000);
    await expect(p.publish([{ ...msg(1), subject: 'no.stream.here' }])).rejects.toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
    });
    const nc = await connect({ servers: [NATS_URL] });
    const q = new BatchPublisher(nc);
    await nc.close();
    await expect(q.publish([msg(7)])).rejects.toThrow();
    q.close(); // nothing left pending: no unhandled rejection
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSagaRunner, defineFlow, type SagaRunner } from '../../src/flows/runtime/index.js';
import type { Bus } from '../../src/platform/bus-core/bus.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { createTestBus, TestHappened, waitFor } from '../support/buses.js';
import { type CliResult, envFor, runCli, show } from './run-cli.js';

/**
 * The `keel` admin commands against a live Keel on each backend: the CLI runs as a separate process
 * on the same database as a running test app (and an in-process test bus / saga runner that create
 * real dead letters and sagas). Independent commands run concurrently to keep the spawns cheap.
 */
const backends = await availableBackends();

const FAILING_GROUP = 'cli.failing';

describe.each(backends)('keel CLI admin commands [%s]', (backend) => {
  let t: TestApp;
  let env: Record<string, string>;
  let bus: Bus;
  let sagas: SagaRunner;
  let failing = true;
  const handled: number[] = [];
  const keel = (...args: string[]) => runCli(args, { env });
  const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

  beforeAll(async () => {
    t = await createTestApp(backend);
    env = envFor(t.overrides);
    bus = await createTestBus(backend, t.app.store, {
      settings: { maxAttempts: 1, partitions: t.app.config.bus.partitions }, // same log as the app's bus
      ...(backend === 'postgres+nats'
        ? {
            nats: {
              stream: String(t.overrides['nats.stream']),
              subjectPrefix: String(t.overrides['nats.subjectPrefix']),
            },
          }
        : {}),
    });
    bus.subscribe({
      group: FAILING_GROUP,
      types: [TestHappened.type],
      maxAttempts: 1,
      handle: async (e) => {
        if (failing) throw new Error(`cannot handle ${(e.data as { key: string }).key}`);
        handled.push((e.data as { n: number }).n);
      },
    });
    await bus.start();
    sagas = createSagaRunner({ store: t.app.store, config: { pollMs: 100 } });
  });
  afterAll(async () => {
    await sagas?.stop({ timeoutMs: 1000 }).catch(() => {});
    await bus?.stop().catch(() => {});
    await t?.cleanup();
  });

  it('keys: create prints a working key once, list never shows it, revoke makes it 401', async () => {
    const created = await keel('keys', 'create', '--name', 'x', '--scopes', 'pim:read,oms:write', '--json');
    expectExit(created, 0);
    const { key, record } = created.json();
    expect(key).toMatch(/^keel_sk_key_\w+_\w+$/);
    expect(record).toMatchObject({ name: 'x', scopes: ['oms:write', 'pim:read'], revokedAt: null });
    expect(record.createdBy).toMatch(/^cli:/);
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${t.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }).then((r) => r.status);
    expect(await call('GET', '/api/v1/oms/orders/nope')).toBe(404); // oms:write grants oms:read
    expect(await call('GET', '/api/v1/pim/products/nope')).toBe(404);
    // pim:read does not let a key write product content (the PIM owns it).
    const product = { sku: 'CLI-1', family: 'any', values: {} };
    expect(await call('POST', '/api/v1/pim/products', product)).toBe(403);

    const revoked = await keel('keys', 'revoke', record.id, '--json');
    expectExit(revoked, 0);
    expect(revoked.json()).toMatchObject({ id: record.id, revokedAt: expect.any(String) });
    expect(await call('GET', '/api/v1/oms/orders/nope')).toBe(401);

    // Listing is the same query on every backend: once, on sqlite.
    if (backend !== 'sqlite') return;
    const listed = await keel('keys', 'list', '--json');
    expectExit(listed, 0);
    const secret = key.slice(key.lastIndexOf('_') + 1);
    expect(listed.stdout).not.toContain(secret);
    expect(listed.stdout).not.toContain(key);
    const mine = (listed.json() as any[]).find((k) => k.id === record.id);
    expect(mine).toMatchObject({
      name: 'x',
      scopes: ['oms:write', 'pim:read'],
      revokedAt: expect.any(String),
    });
    expect(mine).not.toHaveProperty('key');
    expect(mine).not.toHaveProperty('secretHash');
  });

  it('dlq: list, show, discard (a second discard conflicts), retry reaching a running consumer', async () => {
    await t.app.store.tx((tx) =>
      bus.append(tx, [
        { type: TestHappened.type, subject: 'cli/1', data: { n: 1, key: 'poison-1' } },
        { type: TestHappened.type, subject: 'cli/2', data: { n: 2, key: 'poison-2' } },
      ]),
    );
    const open = async () => (await bus.admin.deadLetters({ group: FAILING_GROUP, status: 'open' })).items;
    await waitFor(async () => (await open()).length === 2, 15_000, 'two dead letters');
    const [d1, d2] = (await open()).sort((a, b) => a.seq - b.seq);

    const [list, shown] = await Promise.all([
      keel('dlq', 'list', '--json'),
      keel('dlq', 'show', d1!.id, '--json'),
    ]);
    expectExit(list, 0);
    const items = (list.json().items as any[]).filter((d) => d.group === FAILING_GROUP);
    expect(items.map((d) => d.id).sort()).toEqual([d1!.id, d2!.id].sort());
    expect(items.every((d) => d.status === 'open' && d.eventType === TestHappened.type)).toBe(true);
    expectExit(shown, 0);
    expect(shown.json()).toMatchObject({
      id: d1!.id,
      group: FAILING_GROUP,
      status: 'open',
      seq: d1!.seq,
      error: expect.stringContaining('cannot handle poison-1'),
      event: { id: d1!.eventId, type: TestHappened.type, data: { n: 1, key: 'poison-1' } },
      attempts: [{ attempt: 1, error: expect.stringContaining('cannot handle poison-1') }],
    });

    failing = false; // the running consumer now succeeds: a retried dead letter resolves
    const [discarded, retried] = await Promise.all([
      keel('dlq', 'discard', d1!.id, '--reason', 'r', '--json'),
      keel('dlq', 'retry', d2!.id, '--json'),
    ]);
    expectExit(discarded, 0);
    expect(discarded.json()).toMatchObject({
      id: d1!.id,
      status: 'discarded',
      resolution: { action: 'discard', reason: 'r', actor: expect.stringMatching(/^cli:/) },
    });
    expectExit(retried, 0);
    expect(retried.json()).toMatchObject({ id: d2!.id, status: 'retry_requested' });
    await waitFor(async () => (await bus.admin.deadLetter(d2!.id)).status === 'resolved', 15_000, 'resolved');
    expect(handled).toEqual([2]);

    const actions = (await t.app.audit.list({ target: d1!.id })).map((e) => [e.action, e.actor]);
    expect(actions).toEqual([['dlq.discard', expect.stringMatching(/^cli:/)]]);

    // The state check is the same code on every backend: once, on sqlite.
    if (backend !== 'sqlite') return;
    const again = await keel('--json', 'dlq', 'discard', d1!.id, '--reason', 'r');
    expectExit(again, 5);
    expect(again.errorJson()).toMatchObject({ code: 'DEAD_LETTER_STATE', status: 'discarded' });
  });

  it('replay re-delivers a group from a position; groups shows positions and lag', async () => {
    const first = (await bus.admin.events({ type: TestHappened.type, limit: 10 }))[0]!;
    const before = (await bus.admin.groups()).find((g) => g.group === FAILING_GROUP)!;
    const replayed = await keel('replay', FAILING_GROUP, '--from-position', String(first.seq), '--json');
    expectExit(replayed, 0);
    expect(replayed.json()).toEqual({
      group: FAILING_GROUP,
      fromSeq: first.seq,
      generation: before.generation + 1,
    });
    // Both events come again to the running consumer (the discarded one included: a replay is a replay).
    await waitFor(() => handled.length === 3, 15_000, 'replayed events');
    expect(handled.slice(1).sort()).toEqual([1, 2]);

    const groups = await keel('groups', '--json');
    expectExit(groups, 0);
    const list = groups.json() as any[];
    expect(list.map((g) => g.group)).toEqual(expect.arrayContaining([FAILING_GROUP, 'oms.intake']));
    for (const g of list) {
      expect(g).toEqual({
        group: expect.any(String),
        position: expect.any(Number),
        head: expect.any(Number),
        lag: Math.max(0, g.head - g.position),
        openDeadLetters: expect.any(Number),
        generation: expect.any(Number),
      });
    }
    const mine = list.find((g) => g.group === FAILING_GROUP);
    expect(mine).toMatchObject({ generation: before.generation + 1, openDeadLetters: 0 });
    expect(mine.head).toBeGreaterThanOrEqual(first.seq + 1);
  });

  it('saga list and show', async () => {
    const flow = defineFlow<{ n: number }, { doubled?: number }>({
      type: 'cli.trivial',
      steps: [{ id: 'double', run: (ctx) => ({ doubled: ctx.input.n * 2 }) }],
    });
    sagas.register(flow);
    await sagas.start(flow, 'cli-saga-1', { n: 21 }, { correlationId: 'cor_cli_saga' });
    await sagas.runDue();

    const [list, shown] = await Promise.all([
      keel('saga', 'list', '--type', 'cli.trivial', '--json'),
      keel('saga', 'show', 'cli-saga-1', '--json'),
    ]);
    expectExit(list, 0);
    expect(list.json().items).toEqual([
      expect.objectContaining({ id: 'cli-saga-1', type: 'cli.trivial', status: 'completed' }),
    ]);
    expectExit(shown, 0);
    const detail = shown.json();
    expect(detail).toMatchObject({
      id: 'cli-saga-1',
      status: 'completed',
      input: { n: 21 },
      state: { doubled: 42 },
      correlationId: 'cor_cli_saga',
    });
    const kinds = (detail.history as any[]).map((h) => h.kind);
    expect(kinds).toEqual(expect.arrayContaining(['saga.started', 'step.started', 'step.succeeded']));
  });

  it('audit verify passes, list returns entries, and an edited row fails verify with exit 10', async () => {
    const [verified, listed] = await Promise.all([
      keel('audit', 'verify', '--json'),
      keel('audit', 'list', '--json'),
    ]);
    expectExit(verified, 0);
    const v = verified.json();
    expect(v).toMatchObject({ ok: true, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(v.failure).toBeUndefined();
    expectExit(listed, 0);
    const entries = listed.json() as any[];
    expect(entries.length).toBe(v.entries);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(['dlq.discard', 'dlq.retry', 'bus.replay']),
    );

    // Detecting the edit is the same code on every backend: once, on sqlite.
    if (backend !== 'sqlite') return;
    const victim = entries.find((e) => e.action === 'dlq.retry')!;
    await t.app.store.tx((tx) =>
      sql`UPDATE keel_audit SET action = ${'dlq.discard'} WHERE seq = ${victim.seq}`.execute(tx),
    );
    const broken = await keel('audit', 'verify', '--json');
    expectExit(broken, 10);
    expect(broken.json()).toMatchObject({ ok: false, failure: { seq: victim.seq, reason: 'edited' } });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableBackends } from '../support/backends.js';
import { createHarness, type Harness } from './support/harness.js';
import { Gate, testPlugin } from './support/test-plugin.js';

const backends = await availableBackends();

describe.each(backends)('Idempotency-Key [%s]', (backend) => {
  let h: Harness;
  let key: string;
  const state: { gate?: Gate; failAfterComplete?: boolean } = {};
  const post = (idem: string | undefined, payload: unknown, url = '/api/v1/test/things', k = key) =>
    h.call({
      method: 'POST',
      url,
      key: k,
      payload: payload as object,
      headers: idem ? { 'idempotency-key': idem } : {},
    });
  const count = async (name: string) =>
    (await h.ts.store.db.selectFrom('test_things').selectAll().where('name', '=', name).execute()).length;

  beforeAll(async () => {
    h = await createHarness(backend, { plugins: [testPlugin(state)] });
    key = await h.keyWith('oms:write');
  });
  afterAll(async () => h?.close());

  it('replays the stored response for the same request, without running the handler again', async () => {
    const first = await post('k-1', { name: 'replayed', qty: 1 });
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await post('k-1', { qty: 1, name: 'replayed' }); // same JSON, other key order
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(await count('replayed')).toBe(1);
  });

  it('422 IDEMPOTENCY_KEY_REUSED for the same key with a different body', async () => {
    await post('k-2', { name: 'reused', qty: 1 });
    const res = await post('k-2', { name: 'reused', qty: 2 });
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count('reused')).toBe(1);
  });

  it('scopes keys per API key: another caller may use the same key string', async () => {
    const other = await h.keyWith('oms:write');
    await post('k-shared', { name: 'shared', qty: 1 });
    const res = await post('k-shared', { name: 'shared', qty: 1 }, '/api/v1/test/things', other);
    expect(res.statusCode).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('shared')).toBe(2);
  });

  it('409 IDEMPOTENCY_IN_PROGRESS for a concurrent duplicate; stored after it is sent without a tx', async () => {
    state.gate = new Gate();
    const first = post('k-3', { name: 'slow', qty: 1 }, '/api/v1/test/slow-things');
    while (!state.gate.entered) await new Promise((r) => setTimeout(r, 5));
    const dup = await post('k-3', { name: 'slow', qty: 1 }, '/api/v1/test/slow-things');
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'IDEMPOTENCY_IN_PROGRESS', retryable: true });
    state.gate.open();
    expect((await first).statusCode).toBe(201);
    state.gate = undefined;
    const replay = await post('k-3', { name: 'slow', qty: 1 }, '/api/v1/test/slow-things');
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual((await first).json());
    expect(await count('slow')).toBe(1);
  });

  it('releases the key when the handler fails, so a retry runs (the rolled-back response is not kept)', async () => {
    state.failAfterComplete = true;
    const failed = await post('k-4', { name: 'retried', qty: 1 });
    expect(failed.statusCode).toBe(500);
    state.failAfterComplete = false;
    const retried = await post('k-4', { name: 'retried', qty: 1 });
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await count('retried')).toBe(1);
  });

  it('stores a final client error from the handler and replays it', async () => {
    const rejected = await post('k-7', { name: 'reject', qty: 1 });
    expect(rejected.statusCode).toBe(400);
    const again = await post('k-7', { name: 'reject', qty: 1 });
    expect(again.statusCode).toBe(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(again.json()).toEqual(rejected.json());
  });

  it('does not reserve the key for a request that fails validation', async () => {
    const bad = await post('k-5', { name: '', qty: 1 });
    expect(bad.statusCode).toBe(400);
    // Validation runs before the key is reserved: nothing stored, the same key works with a good body.
    const good = await post('k-5', { name: 'after-400', qty: 1 });
    expect(good.statusCode).toBe(201);
  });

  it('behaves normally without the header, and rejects a malformed key', async () => {
    expect((await post(undefined, { name: 'plain', qty: 1 })).statusCode).toBe(201);
    expect((await post(undefined, { name: 'plain', qty: 1 })).statusCode).toBe(201);
    expect(await count('plain')).toBe(2);
    const res = await post('x'.repeat(300), { name: 'bad-key', qty: 1 });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('forgets a key after 24 hours', async () => {
    await post('k-6', { name: 'expiring', qty: 1 });
    h.clock.advance(24 * 3600_000 + 1);
    const res = await post('k-6', { name: 'expiring', qty: 2 });
    expect(res.statusCode).toBe(201);
    expect(await count('expiring')).toBe(2);
  });

  it('keeps no secret in the idempotency table', async () => {
    const rows = JSON.stringify(await h.ts.store.db.selectFrom('keel_idempotency').selectAll().execute());
    expect(rows).not.toContain(key);
  });
});

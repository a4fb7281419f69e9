import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { availableBackends } from '../../../test/support/backends.js';
import { createTestStore, type TestStore } from '../../../test/support/stores.js';
import { ManualClock } from '../../kernel/clock.js';
import { runWithContext } from '../../kernel/context.js';
import { digest } from '../../kernel/json.js';
import type { AuditLog } from '../../kernel/ports/audit.js';
import type { Store } from '../../kernel/ports/store.js';
import { auditMigrations } from './audit.schema.js';
import { GENESIS_HASH } from './audit-chain.js';
import { createAuditLog } from './audit-log.js';

const backends = await availableBackends();

describe.each(backends)('audit log [%s]', (backend) => {
  let ts: TestStore;
  let store: Store;
  let audit: AuditLog;
  const clock = new ManualClock('2026-03-01T12:00:00.000Z');

  beforeAll(async () => {
    ts = await createTestStore(backend);
    store = ts.store;
    await store.migrate([auditMigrations]);
    // A small page size, so verify crosses page boundaries in every test.
    audit = createAuditLog({ store, clock, verifyPageSize: 4 });
  });
  afterAll(async () => ts?.cleanup());
  beforeEach(async () => {
    await store.tx((tx) => tx.deleteFrom('keel_audit').execute());
  });

  const exec = (query: ReturnType<typeof sql>) => store.tx((tx) => query.execute(tx));

  async function recordMany(n: number): Promise<void> {
    for (let i = 1; i <= n; i++) {
      await store.tx((tx) => audit.record(tx, { action: 'test.write', target: `thing:${i}`, after: { i } }));
    }
  }

  it('records entries chained from the genesis value and verifies them', async () => {
    await recordMany(10);
    const entries = await audit.list({ limit: 1000 });
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(entries[0]!.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prevHash).toBe(entries[i - 1]!.hash);
    const v = await audit.verify();
    expect(v).toEqual({ ok: true, entries: 10, headHash: entries[9]!.hash });
  });

  it('verifies an empty trail', async () => {
    expect(await audit.verify()).toEqual({ ok: true, entries: 0, headHash: null });
  });

  it('keeps only digests of the before/after states, never the data', async () => {
    const secret = { email: 'ada@example.com', card: '4242424242424242' };
    await store.tx((tx) =>
      audit.record(tx, {
        actor: 'key:key_abc',
        requestId: 'req_42',
        action: 'crm.customer.update',
        target: 'cus_1',
        before: secret,
        after: null,
      }),
    );
    await store.tx((tx) => audit.record(tx, { actor: 'cli:ops', action: 'keys.create', target: 'key:k1' }));
    const [a, b] = await audit.list();
    expect(a).toMatchObject({
      actor: 'key:key_abc',
      requestId: 'req_42',
      beforeDigest: digest(secret),
      afterDigest: digest(null),
      at: '2026-03-01T12:00:00.000Z',
    });
    expect(a!.id).toMatch(/^aud_/);
    expect(b).toMatchObject({ actor: 'cli:ops', requestId: null, beforeDigest: null, afterDigest: null });
    const raw = JSON.stringify(await store.db.selectFrom('keel_audit').selectAll().execute());
    expect(raw).not.toContain('ada@example.com');
    expect(raw).not.toContain('4242424242424242');
  });

  it('defaults actor and request id to the ambient operation context of the caller', async () => {
    // Two transactions started from different contexts in the same tick (one commit group on SQLite).
    await Promise.all([
      runWithContext({ correlationId: 'cor_1', actor: 'key:key_a', requestId: 'req_a' }, () =>
        store.tx((tx) => audit.record(tx, { action: 'test.ctx', target: 'a' })),
      ),
      runWithContext({ correlationId: 'cor_2', actor: 'key:key_b', requestId: 'req_b' }, () =>
        store.tx((tx) => audit.record(tx, { action: 'test.ctx', target: 'b' })),
      ),
    ]);
    await store.tx((tx) => audit.record(tx, { action: 'test.ctx', target: 'none' }));
    const byTarget = Object.fromEntries((await audit.list()).map((e) => [e.target, e]));
    expect(byTarget.a).toMatchObject({ actor: 'key:key_a', requestId: 'req_a' });
    expect(byTarget.b).toMatchObject({ actor: 'key:key_b', requestId: 'req_b' });
    expect(byTarget.none).toMatchObject({ actor: 'system:unknown', requestId: null });
  });

  it('rejects an entry without action or target', async () => {
    await expect(store.tx((tx) => audit.record(tx, { action: '', target: 'x' }))).rejects.toMatchObject({
      code: 'AUDIT_INPUT_INVALID',
    });
  });

  it('detects an edited entry', async () => {
    await recordMany(6);
    await exec(sql`update keel_audit set actor = 'key:someone_else' where seq = 5`);
    expect(await audit.verify()).toEqual({
      ok: false,
      entries: 4,
      headHash: null,
      failure: { seq: 5, reason: 'edited' },
    });
  });

  it('detects a deleted entry', async () => {
    await recordMany(6);
    await exec(sql`delete from keel_audit where seq = 3`);
    expect((await audit.verify()).failure).toEqual({ seq: 4, reason: 'deleted_or_reordered' });
  });

  it('detects a deleted entry even when later entries were renumbered', async () => {
    await recordMany(6);
    await exec(sql`delete from keel_audit where seq = 3`);
    for (const seq of [4, 5, 6]) await exec(sql`update keel_audit set seq = ${seq - 1} where seq = ${seq}`);
    expect((await audit.verify()).failure).toEqual({ seq: 3, reason: 'deleted_or_reordered' });
  });

  it('detects two entries swapped', async () => {
    await recordMany(6);
    await exec(sql`update keel_audit set seq = -1 where seq = 2`);
    await exec(sql`update keel_audit set seq = 2 where seq = 3`);
    await exec(sql`update keel_audit set seq = 3 where seq = -1`);
    expect((await audit.verify()).failure).toEqual({ seq: 2, reason: 'deleted_or_reordered' });
  });

  it('detects a chain that does not start at the genesis value', async () => {
    await recordMany(4);
    await exec(sql`delete from keel_audit where seq = 1`);
    for (const seq of [2, 3, 4]) await exec(sql`update keel_audit set seq = ${seq - 1} where seq = ${seq}`);
    expect((await audit.verify()).failure).toEqual({ seq: 1, reason: 'bad_link' });
  });

  it('detects a truncated tail given an earlier head, and accepts a chain that grew', async () => {
    await recordMany(5);
    const { headHash } = await audit.verify();
    await recordMany(3);
    expect(await audit.verify({ expectedHead: headHash! })).toMatchObject({ ok: true, entries: 8 });
    await exec(sql`delete from keel_audit where seq > 4`);
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 4 }); // undetectable without a head
    expect(await audit.verify({ expectedHead: headHash! })).toEqual({
      ok: false,
      entries: 4,
      headHash: null,
      failure: { seq: 5, reason: 'deleted_or_reordered' },
    });
  });

  it('keeps one valid chain under 50 concurrent transactions', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.tx(async (tx) => {
          await tx.selectFrom('keel_audit').select('seq').limit(1).execute();
          await audit.record(tx, { action: 'test.concurrent', target: `t:${i}` });
        }),
      ),
    );
    const v = await audit.verify();
    expect(v).toMatchObject({ ok: true, entries: 50 });
    const targets = (await audit.list({ limit: 1000 })).map((e) => e.target).sort();
    expect(new Set(targets).size).toBe(50);
  });

  it('leaves no entry when the transaction rolls back, and the chain stays intact', async () => {
    await recordMany(2);
    await expect(
      store.tx(async (tx) => {
        await audit.record(tx, { action: 'test.write', target: 'doomed' });
        throw new Error('write failed');
      }),
    ).rejects.toThrow('write failed');
    await recordMany(1);
    const entries = await audit.list();
    expect(entries.map((e) => e.target)).toEqual(['thing:1', 'thing:2', 'thing:1']);
    expect(await audit.verify()).toMatchObject({ ok: true, entries: 3 });
  });

  it('lists with filters and afterSeq pagination', async () => {
    await recordMany(5);
    await store.tx((tx) => audit.record(tx, { actor: 'cli:ops', action: 'keys.revoke', target: 'thing:2' }));
    expect((await audit.list({ target: 'thing:2' })).map((e) => e.seq)).toEqual([2, 6]);
    expect((await audit.list({ actor: 'cli:ops' })).map((e) => e.seq)).toEqual([6]);
    expect((await audit.list({ action: 'keys.revoke' })).map((e) => e.seq)).toEqual([6]);
    expect((await audit.list({ afterSeq: 2, limit: 2 })).map((e) => e.seq)).toEqual([3, 4]);
    expect((await audit.list({ afterSeq: 4, limit: 2 })).map((e) => e.seq)).toEqual([5, 6]);
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/kernel/ports/store.js';
import type { Bus } from '../../src/platform/bus-core/bus.js';
import { SUBJECT_INDEX } from '../../src/platform/bus-core/log-layout.schema.js';
import { availableBackends } from '../support/backends.js';
import { createTestBus, TestHappened } from '../support/buses.js';
import { createTestStore, type TestStore } from '../support/stores.js';

/**
 * On SQLite the event log's subject index is cut into blocks of positions (004_subject_blocks).
 * A subject's trail spread over several blocks must be found whole, in log order, and paged by
 * position across blocks, without other subjects' events.
 */
const backends = await availableBackends();
const BLOCK = SUBJECT_INDEX.size;

describe.runIf(backends.includes('sqlite'))('event log: subject trails across index blocks [sqlite]', () => {
  let ts: TestStore;
  let store: Store;
  let bus: Bus;
  /** The positions of subject `trail`'s events after they were spread over blocks 0, 2, 5 and 7. */
  const spread: number[] = [];

  beforeAll(async () => {
    ts = await createTestStore('sqlite');
    store = ts.store;
    bus = await createTestBus('sqlite', store);
    // Four events of `trail` among others, one commit each.
    for (let i = 0; i < 4; i++)
      await store.tx((tx) =>
        bus.append(tx, [
          TestHappened.input(`other-${i}`, { n: i, key: 'x' }),
          TestHappened.input('trail', { n: i, key: 'trail' }),
          TestHappened.input(`other-${i}b`, { n: i, key: 'y' }),
        ]),
      );
    // Move them (from the last, so positions stay unique) into far blocks, as a long log would hold them.
    const rows = await store.db
      .selectFrom('keel_event_log')
      .select(['seq', 'subject'])
      .orderBy('seq', 'desc')
      .execute();
    const blocks = [7, 5, 2, 0];
    let k = 0;
    await store.tx(async (tx) => {
      for (const r of rows) {
        const to = Number(r.seq) + (r.subject === 'trail' ? blocks[k++]! : 7) * BLOCK;
        await tx.updateTable('keel_event_log').set({ seq: to }).where('seq', '=', r.seq).execute();
        if (r.subject === 'trail') spread.unshift(to);
      }
    });
  });
  afterAll(async () => {
    await bus?.stop();
    await ts?.cleanup();
  });

  it('keeps the subject index in blocks of positions, and a trail read uses it', async () => {
    const indexes = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master
      where type = 'index' and tbl_name = 'keel_event_log' and sql is not null`.execute(store.db);
    const names = indexes.rows.map((r) => r.name);
    expect(names).toContain('keel_event_log_subj_block');
    expect(names).not.toContain('keel_event_log_subj');
    const plan = await sql<{ detail: string }>`explain query plan
      select seq from keel_event_log where subject = 'trail' and seq / ${sql.lit(BLOCK)} in (0, 1, 2) and seq > 0
      order by seq limit 10`.execute(store.db);
    expect(plan.rows.map((r) => r.detail).join(' ')).toMatch(
      /USING (COVERING )?INDEX keel_event_log_subj_block/,
    );
  });

  it('finds the whole trail in log order, and only it', async () => {
    expect(spread.map((s) => Math.floor(s / BLOCK))).toEqual([0, 2, 5, 7]);
    const trail = await bus.admin.events({ subject: 'trail' });
    expect(trail.map((e) => e.seq)).toEqual(spread);
    expect(trail.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3]);
    expect(trail.every((e) => e.subject === 'trail')).toBe(true);
    expect(await bus.admin.events({ subject: 'nobody' })).toEqual([]);
  });

  it('pages a trail by position across blocks', async () => {
    const seen: number[] = [];
    let after = 0;
    for (;;) {
      const page = await bus.admin.events({ subject: 'trail', afterSeq: after, limit: 1 });
      if (page.length === 0) break;
      expect(page).toHaveLength(1);
      seen.push(page[0]!.seq);
      after = page[0]!.seq;
    }
    expect(seen).toEqual(spread);
    const lastTwo = await bus.admin.events({ subject: 'trail', afterSeq: spread[1], limit: 5 });
    expect(lastTwo.map((e) => e.seq)).toEqual(spread.slice(2));
  });

  it('combines the subject with a type and with a correlation id', async () => {
    const typed = await bus.admin.events({ subject: 'trail', type: TestHappened.type, limit: 2 });
    expect(typed.map((e) => e.seq)).toEqual(spread.slice(0, 2));
    expect(await bus.admin.events({ subject: 'trail', type: 'keel.test.none.v1' })).toEqual([]);
    const first = (await bus.admin.events({ subject: 'trail', limit: 1 }))[0]!;
    const correlated = await bus.admin.events({ subject: 'trail', correlationId: first.correlationid });
    expect(correlated.map((e) => e.seq)).toContain(first.seq);
    expect(correlated.every((e) => e.subject === 'trail')).toBe(true);
  });
});

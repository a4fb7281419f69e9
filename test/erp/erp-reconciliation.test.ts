import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp, ReportLine } from '../../src/domains/erp/index.js';
import type { StoredEvent } from '../../src/kernel/events.js';
import { InventoryEventTypes, type InventoryLevelChangedData } from '../../src/model/inventory.js';
import { envFor, runCli, show } from '../cli/run-cli.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { seedLocations } from '../support/erp-fixture.js';

const backends = await availableBackends();
const OPENED = 'keel.erp.reconciliation.exception.opened.v1';
const COMPLETED = 'keel.erp.reconciliation.completed.v1';

describe.each(backends)('ERP inventory reconciliation [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    t.api(method, `/api/v1/erp${path}`, body, headers);
  const report = (source: string, lines: ReportLine[], extra: Record<string, unknown> = {}) =>
    api('POST', '/reconciliation/runs', { source, lines, ...extra });
  const rows = async (table: string) =>
    Number(
      (
        await t.app.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );
  const levelEvents = (sku: string, afterSeq = 0) =>
    t.app.bus.admin.events({
      type: InventoryEventTypes.levelChanged,
      subject: sku,
      afterSeq,
      limit: 1000,
    }) as Promise<StoredEvent<InventoryLevelChangedData>[]>;
  /** The SKU's latest published level event, once nothing is waiting to be published. */
  const publishedHead = async (sku: string) => {
    await waitFor(
      async () => (await erp.publisher.pending()) === 0 && (await levelEvents(sku)).length > 0,
      30_000,
      `the level events of ${sku}`,
    );
    return (await levelEvents(sku)).at(-1)!.seq;
  };

  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1', 'WH2']);
    await erp.atp.putChannel('web', { locations: ['WH1', 'WH2'] });
    const receipt = (sku: string, location: string, quantity: number) => ({
      type: 'receipt' as const,
      reference: `rec:${sku}:${location}`,
      sku,
      location,
      quantity,
    });
    await erp.ledger.post([
      receipt('TEE-1', 'WH1', 10),
      receipt('MUG-1', 'WH1', 5),
      receipt('CAP-1', 'WH1', 3),
      receipt('HAT-1', 'WH1', 4),
      receipt('BAG-1', 'WH2', 6),
      receipt('SOCK-1', 'WH1', 8),
    ]);
  });
  afterAll(async () => t?.cleanup());

  it('a report that matches the ERP: accuracy 1, every line matched', async () => {
    const res = await report('shop-a', [
      { sku: 'TEE-1', location: 'WH1', quantity: 10 },
      { sku: 'MUG-1', location: 'WH1', quantity: 5 },
      // Never moved at WH2: the ERP's truth there is 0.
      { sku: 'TEE-1', location: 'WH2', quantity: 0 },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      source: 'shop-a',
      measure: 'available',
      lines: 3,
      matched: 3,
      healed: 0,
      exceptions: 0,
      accuracy: 1,
      unitError: 0,
    });
    const run = await api('GET', `/reconciliation/runs/${res.body.id}`);
    expect(run.body.differences.map((d: any) => [d.sku, d.location, d.expected, d.outcome])).toEqual([
      ['TEE-1', 'WH1', 10, 'matched'],
      ['MUG-1', 'WH1', 5, 'matched'],
      ['TEE-1', 'WH2', 0, 'matched'],
    ]);
    const page = await api('GET', `/reconciliation/runs/${res.body.id}?limit=2`);
    expect(page.body.differences).toHaveLength(2);
    const rest = await api('GET', `/reconciliation/runs/${res.body.id}?limit=2&after=${page.body.next}`);
    expect(rest.body.differences.map((d: any) => d.n)).toEqual([2]);
    expect(rest.body.next).toBeUndefined();
  });

  it('heals drift: the SKU is re-published with the ERP truth', async () => {
    const head = await publishedHead('CAP-1');
    const res = await report('shop-heal', [
      { sku: 'CAP-1', location: 'WH1', quantity: 7 },
      { sku: 'TEE-1', location: 'WH1', quantity: 10 },
    ]);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      lines: 2,
      matched: 1,
      healed: 1,
      exceptions: 0,
      accuracy: 0.5,
      unitError: 4,
    });
    const drifted = await api('GET', `/reconciliation/runs/${res.body.id}?outcome=healed`);
    expect(drifted.body.differences).toEqual([
      {
        n: 0,
        sku: 'CAP-1',
        location: 'WH1',
        channel: null,
        reported: 7,
        expected: 3,
        delta: 4,
        outcome: 'healed',
        streak: 1,
      },
    ]);
    // Only the reconciliation marked CAP-1 after its receipt was published: a new event is its doing.
    await waitFor(async () => (await levelEvents('CAP-1', head)).length > 0, 30_000, 're-published CAP-1');
    const [event] = await levelEvents('CAP-1', head);
    expect(event!.data.levels.find((l) => l.location === 'WH1')).toMatchObject({ available: 3, onHand: 3 });
    const completed = await t.app.bus.admin.events({ type: COMPLETED, subject: res.body.id, limit: 10 });
    expect(completed.map((e) => e.data)).toEqual([
      expect.objectContaining({ runId: res.body.id, source: 'shop-heal', accuracy: 0.5, healed: 1 }),
    ]);
  });

  it('compares ATP per channel and re-publishes the channel ATP of a drifted SKU', async () => {
    const head = await publishedHead('BAG-1');
    const res = await report('marketplace', [
      { sku: 'TEE-1', channel: 'web', quantity: 10 },
      { sku: 'BAG-1', channel: 'web', quantity: 1 },
    ]);
    expect(res.body).toMatchObject({ measure: 'atp', matched: 1, healed: 1, unitError: 5 });
    const run = await api('GET', `/reconciliation/runs/${res.body.id}`);
    expect(run.body.differences[1]).toMatchObject({
      sku: 'BAG-1',
      location: null,
      channel: 'web',
      expected: 6,
    });
    await waitFor(async () => (await levelEvents('BAG-1', head)).length > 0, 30_000, 're-published BAG-1');
    const [event] = await levelEvents('BAG-1', head);
    expect(event!.data.atp).toEqual([{ channel: 'web', atp: 6 }]);
  });

  it('repeated drift becomes one exception, updated rather than duplicated, with one event', async () => {
    const drift = () => report('shop-b', [{ sku: 'HAT-1', location: 'WH1', quantity: 9 }]);
    const first = await drift();
    expect(first.body).toMatchObject({ healed: 1, exceptions: 0, opened: 0 });
    const second = await drift();
    expect(second.body).toMatchObject({ healed: 0, exceptions: 1, opened: 1 });
    const third = await drift();
    expect(third.body).toMatchObject({ healed: 0, exceptions: 1, opened: 0 });

    const list = await api('GET', '/reconciliation/exceptions?source=shop-b&sku=HAT-1');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({
      source: 'shop-b',
      measure: 'available',
      sku: 'HAT-1',
      location: 'WH1',
      status: 'open',
      reported: 9,
      expected: 4,
      delta: 5,
      streak: 3,
      occurrences: 2,
      firstRun: second.body.id,
      lastRun: third.body.id,
      closed: null,
    });
    const stored = await t.app.store.db
      .selectFrom('erp_reconciliation_exceptions')
      .select('id')
      .where('source', '=', 'shop-b')
      .execute();
    expect(stored).toHaveLength(1);
    const opened = (await t.app.bus.admin.events({ type: OPENED, limit: 1000 })).filter(
      (e) => (e.data as { source: string }).source === 'shop-b',
    );
    expect(opened.map((e) => e.data)).toEqual([
      expect.objectContaining({
        exceptionId: list.body.items[0].id,
        sku: 'HAT-1',
        location: 'WH1',
        channel: null,
        reported: 9,
        expected: 4,
        streak: 2,
        runId: second.body.id,
      }),
    ]);
  });

  it('concurrent reports of one source still keep one open exception per line', async () => {
    const lines = [{ sku: 'HAT-1', location: 'WH2', quantity: 3 }];
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => report('shop-race', lines, { exceptionAfterRuns: 1 })),
    );
    expect(runs.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(runs.reduce((n, r) => n + r.body.opened, 0)).toBe(1);
    const [ex, ...more] = (await api('GET', '/reconciliation/exceptions?source=shop-race')).body.items;
    expect(more).toEqual([]);
    expect(ex).toMatchObject({ status: 'open', occurrences: 5, streak: 5, expected: 0, delta: 3 });
  });

  it('an operator resolves or ignores an exception (who, when, why); drift afterwards is healed first', async () => {
    const [open] = (await api('GET', '/reconciliation/exceptions?source=shop-b&status=open')).body.items;
    const resolved = await api('POST', `/reconciliation/exceptions/${open.id}/resolve`, {
      reason: 'mapping fixed',
    });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      status: 'resolved',
      closed: { reason: 'mapping fixed', run: null },
    });
    expect(resolved.body.closed.by).toMatch(/^key:/);
    const again = await api('POST', `/reconciliation/exceptions/${open.id}/ignore`, { reason: 'twice' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    expect(again.body).toMatchObject({ code: 'ERP_RECONCILIATION_EXCEPTION_NOT_OPEN', status: 409 });

    const drift = () => report('shop-b', [{ sku: 'HAT-1', location: 'WH1', quantity: 9 }]);
    expect((await drift()).body).toMatchObject({ healed: 1, exceptions: 0 });
    expect((await drift()).body).toMatchObject({ exceptions: 1, opened: 1 });
    const [reopened] = (await api('GET', '/reconciliation/exceptions?source=shop-b&status=open')).body.items;
    expect(reopened.id).not.toBe(open.id);
    const ignored = await api('POST', `/reconciliation/exceptions/${reopened.id}/ignore`, {
      reason: 'marketplace buffers stock',
    });
    expect(ignored.body).toMatchObject({
      status: 'ignored',
      closed: { reason: 'marketplace buffers stock' },
    });
    const all = await api('GET', '/reconciliation/exceptions?source=shop-b');
    expect(all.body.items.map((e: any) => e.status)).toEqual(['ignored', 'resolved']);
    expect(
      (await api('POST', '/reconciliation/exceptions/rcx_nope/resolve', { reason: 'x' })).body.code,
    ).toBe('ERP_RECONCILIATION_EXCEPTION_NOT_FOUND');
  });

  it('an ignored difference is accepted while it stays the same: not healed, not escalated; another drift is', async () => {
    const line = (quantity: number) => [{ sku: 'SOCK-1', location: 'WH1', quantity }];
    const run = (quantity: number) => report('shop-buffer', line(quantity));
    const outcomes = async (id: string) =>
      (await api('GET', `/reconciliation/runs/${id}`)).body.differences.map((d: any) => [
        d.outcome,
        d.streak,
      ]);
    expect((await run(6)).body).toMatchObject({ healed: 1 });
    expect((await run(6)).body).toMatchObject({ exceptions: 1, opened: 1 });
    const [open] = (await api('GET', '/reconciliation/exceptions?source=shop-buffer&status=open')).body.items;
    expect(open.delta).toBe(-2);
    await api('POST', `/reconciliation/exceptions/${open.id}/ignore`, {
      reason: 'we hold back 2 on purpose',
    });

    // The same difference again (the marketplace still holds back 2): accepted, nothing done.
    // Events are counted by their row in the log, which exists once the publisher's transaction
    // commits (the bus's `seq` comes later on PostgreSQL, from the sequencer).
    const idle = () =>
      waitFor(async () => (await erp.publisher.pending()) === 0, 30_000, 'an idle publisher');
    const sockEvents = (afterId: number) =>
      t.app.store.db
        .selectFrom('keel_event_log')
        .select('id')
        .where('type', '=', InventoryEventTypes.levelChanged)
        .where('subject', '=', 'SOCK-1')
        .where('id', '>', afterId)
        .execute();
    await idle();
    const mark = Number(
      (
        await t.app.store.db
          .selectFrom('keel_event_log')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirst()
      )?.id ?? 0,
    );
    for (let i = 0; i < 3; i++) {
      const res = await run(6);
      expect(res.body).toMatchObject({
        lines: 1,
        matched: 1,
        healed: 0,
        exceptions: 0,
        opened: 0,
        accuracy: 1,
        unitError: 2,
      });
      expect(await outcomes(res.body.id)).toEqual([['accepted', 0]]);
    }
    // Nothing was marked for re-publishing: once the publisher is idle, no new SOCK-1 event.
    await idle();
    expect(await sockEvents(mark)).toEqual([]);
    expect(
      (await api('GET', '/reconciliation/exceptions?source=shop-buffer&status=open')).body.items,
    ).toEqual([]);

    // A different difference is drift again: healed first, then a new exception.
    const healed = await run(5);
    expect(healed.body).toMatchObject({ healed: 1, matched: 0 });
    expect(await outcomes(healed.body.id)).toEqual([['healed', 1]]);
    expect((await run(5)).body).toMatchObject({ exceptions: 1, opened: 1 });
    // While that newer exception is open, the old accepted difference is not accepted any more.
    const back = await run(6);
    expect(back.body).toMatchObject({ exceptions: 1, opened: 0, matched: 0 });
    // Another source reporting the same difference was never accepted: its own drift.
    expect((await report('shop-other', line(6))).body).toMatchObject({ healed: 1 });
  });

  it('partial reports escalate too: the streak counts the reports of the line, not of the source', async () => {
    const mug = [{ sku: 'MUG-1', location: 'WH1', quantity: 9 }];
    const tee = [{ sku: 'TEE-1', location: 'WH1', quantity: 10 }];
    expect((await report('shop-partial', mug)).body).toMatchObject({ healed: 1 });
    // Today's partial report is about another line; the MUG-1 line keeps its streak.
    expect((await report('shop-partial', tee)).body).toMatchObject({ matched: 1 });
    const third = await report('shop-partial', mug);
    expect(third.body).toMatchObject({ exceptions: 1, opened: 1, healed: 0 });
    const run = await api('GET', `/reconciliation/runs/${third.body.id}`);
    expect(run.body.differences.map((d: any) => [d.sku, d.outcome, d.streak])).toEqual([
      ['MUG-1', 'exception', 2],
    ]);
    // A match ends the streak: the next drift is healed first again.
    expect(
      (await report('shop-partial', [{ sku: 'MUG-1', location: 'WH1', quantity: 5 }])).body,
    ).toMatchObject({
      matched: 1,
      autoResolved: 1,
    });
    expect((await report('shop-partial', tee)).body).toMatchObject({ matched: 1 });
    expect((await report('shop-partial', mug)).body).toMatchObject({ healed: 1, exceptions: 0 });
  });

  it('a later matching report resolves the open exception of that line', async () => {
    const bad = await report('shop-c', [{ sku: 'MUG-1', location: 'WH1', quantity: 0 }], {
      exceptionAfterRuns: 1,
    });
    expect(bad.body).toMatchObject({ exceptions: 1, opened: 1, healed: 0, exceptionAfterRuns: 1 });
    const good = await report('shop-c', [{ sku: 'MUG-1', location: 'WH1', quantity: 5 }]);
    expect(good.body).toMatchObject({ matched: 1, autoResolved: 1, accuracy: 1 });
    const [ex] = (await api('GET', '/reconciliation/exceptions?source=shop-c')).body.items;
    expect(ex).toMatchObject({
      status: 'resolved',
      closed: {
        by: 'system:erp/reconciliation',
        run: good.body.id,
        reason: `matched in run ${good.body.id}`,
      },
    });
    // Accuracy now: the latest run of every source, summed by lines.
    const acc = await api('GET', '/reconciliation/accuracy');
    expect(acc.status).toBe(200);
    const shopC = acc.body.sources.find((s: any) => s.source === 'shop-c');
    expect(shopC).toMatchObject({ runId: good.body.id, accuracy: 1, lines: 1 });
    const latest = acc.body.sources;
    const lines = latest.reduce((s: number, x: any) => s + x.lines, 0);
    const matched = latest.reduce((s: number, x: any) => s + x.matched, 0);
    expect(acc.body.overall).toMatchObject({
      sources: latest.length,
      lines,
      matched,
      accuracy: matched / lines,
    });
    expect(acc.body.overall.accuracy).toBeLessThan(1);
  });

  it('refuses bad reports with problem+json and stable codes, writing nothing', async () => {
    const tables = [
      'erp_reconciliation_runs',
      'erp_reconciliation_differences',
      'erp_reconciliation_exceptions',
    ];
    const before = await Promise.all(tables.map(rows));
    const codes = (res: { body: any }) =>
      res.body.errors.map((e: { field: string; code: string }) => [e.field, e.code]);

    const quantities = await report('shop-x', [
      { sku: 'TEE-1', location: 'WH1', quantity: -1 },
      { sku: 'MUG-1', location: 'WH1', quantity: 2.5 },
    ]);
    expect(quantities.status).toBe(422);
    expect(quantities.headers.get('content-type')).toContain('application/problem+json');
    expect(quantities.body.code).toBe('ERP_RECONCILIATION_REPORT_INVALID');
    expect(codes(quantities)).toEqual([
      ['lines[0].quantity', 'QUANTITY_INVALID'],
      ['lines[1].quantity', 'QUANTITY_INVALID'],
    ]);

    const unknown = await report('shop-x', [
      { sku: 'TEE-1', location: 'WH1', quantity: 1 },
      { sku: 'NOPE-1', location: 'WH1', quantity: 1 },
      { sku: 'TEE-1', location: 'WH9', quantity: 1 },
    ]);
    expect(unknown.status).toBe(422);
    expect(codes(unknown)).toEqual([
      ['lines[1].sku', 'SKU_UNKNOWN'],
      ['lines[2].location', 'LOCATION_UNKNOWN'],
    ]);
    const channel = await report('shop-x', [{ sku: 'TEE-1', channel: 'nowhere', quantity: 1 }]);
    expect(codes(channel)).toEqual([['lines[0].channel', 'CHANNEL_UNKNOWN']]);
    const mixed = await report('shop-x', [
      { sku: 'TEE-1', location: 'WH1', quantity: 1 },
      { sku: 'TEE-1', channel: 'web', quantity: 1 },
    ]);
    expect(codes(mixed)).toEqual([['lines[1].channel', 'MEASURE_MIXED']]);
    const empty = await report('shop-x', []);
    expect(empty.status).toBe(400);
    expect(empty.body.code).toBe('VALIDATION_FAILED');

    expect(await Promise.all(tables.map(rows))).toEqual(before);
    expect((await api('GET', '/reconciliation/runs?source=shop-x')).body.items).toEqual([]);
  });

  it('checks scopes: erp:read reads, only erp:write submits', async () => {
    const { key: reader } = await t.app.keys.create({ name: 'reader', scopes: ['erp:read'] });
    const asReader = { authorization: `Bearer ${reader}` };
    expect((await api('GET', '/reconciliation/runs', undefined, asReader)).status).toBe(200);
    const refused = await api(
      'POST',
      '/reconciliation/runs',
      { source: 'shop-r', lines: [{ sku: 'TEE-1', location: 'WH1', quantity: 10 }] },
      asReader,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('OWNERSHIP_VIOLATION');
    expect((await api('GET', '/reconciliation/runs?source=shop-r')).body.items).toEqual([]);
  });

  it('documents the routes in OpenAPI, the report schema with it', async () => {
    const doc = (await t.api('GET', '/openapi.json')).body;
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/erp/reconciliation'));
    expect(paths.sort()).toEqual([
      '/api/v1/erp/reconciliation/accuracy',
      '/api/v1/erp/reconciliation/exceptions',
      '/api/v1/erp/reconciliation/exceptions/{id}',
      '/api/v1/erp/reconciliation/exceptions/{id}/ignore',
      '/api/v1/erp/reconciliation/exceptions/{id}/resolve',
      '/api/v1/erp/reconciliation/runs',
      '/api/v1/erp/reconciliation/runs/{id}',
    ]);
    const post = doc.paths['/api/v1/erp/reconciliation/runs'].post;
    expect(JSON.stringify(post.requestBody)).toContain('exceptionAfterRuns');
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '422']));
  });

  it('an identical resubmission with the same Idempotency-Key replays the run instead of reconciling again', async () => {
    const body = { source: 'shop-idem', lines: [{ sku: 'SOCK-1', location: 'WH1', quantity: 2 }] };
    const headers = { 'idempotency-key': 'recon-1' };
    const first = await api('POST', '/reconciliation/runs', body, headers);
    expect(first.status).toBe(201);
    expect(first.body.healed).toBe(1);
    const second = await api('POST', '/reconciliation/runs', body, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const runs = await api('GET', '/reconciliation/runs?source=shop-idem');
    expect(runs.body.items.map((r: any) => r.id)).toEqual([first.body.id]);
    // Without the key, the same report is a new run: its line drifts a second time and escalates.
    const third = await api('POST', '/reconciliation/runs', body);
    expect(third.body).toMatchObject({ exceptions: 1, opened: 1 });
    const list = await api('GET', '/reconciliation/runs?source=shop-idem&limit=1');
    expect(list.body.items.map((r: any) => r.id)).toEqual([third.body.id]);
    expect(
      (await api('GET', `/reconciliation/runs?source=shop-idem&limit=1&after=${list.body.next}`)).body.items,
    ).toHaveLength(1);
  });

  it('keel erp reconcile and keel erp exceptions work from a JSONL file, with --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-recon-'));
    try {
      const env = envFor(t.overrides);
      const file = join(dir, 'report.jsonl');
      writeFileSync(
        file,
        [
          '{"sku":"TEE-1","location":"WH1","quantity":10}',
          '{"sku":"SOCK-1","location":"WH1","quantity":1}',
        ].join('\n'),
      );
      const args = ['--json', 'erp', 'reconcile', file, '--source', 'cli-feed', '--exception-after', '1'];
      const r = await runCli(args, { env });
      expect(r.code, show(r)).toBe(0);
      expect(r.json()).toMatchObject({
        source: 'cli-feed',
        lines: 2,
        matched: 1,
        exceptions: 1,
        accuracy: 0.5,
      });
      const human = await runCli(['erp', 'reconcile', file, '--source', 'cli-feed'], { env });
      expect(human.stdout).toMatch(/accuracy:\s+50\.00 %/);
      const list = await runCli(['--json', 'erp', 'exceptions', '--source', 'cli-feed'], { env });
      expect(list.code, show(list)).toBe(0);
      expect(list.json().map((e: any) => [e.sku, e.location, e.delta, e.occurrences])).toEqual([
        ['SOCK-1', 'WH1', -7, 2],
      ]);
      const bad = await runCli(
        ['--json', 'erp', 'reconcile', file, '--source', 'cli-feed', '--exception-after', 'x'],
        { env },
      );
      expect(bad.code).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each(backends)('ERP reconciliation defaults from the configuration [%s]', (backend) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(backend, {
      'erp.reconciliationToleranceUnits': 2,
      'erp.reconciliationExceptionAfterRuns': 1,
    });
    const erp = t.app.domains.erp;
    await seedLocations(erp, ['WH1']);
    await erp.ledger.post([
      { type: 'receipt', reference: 'rec:cfg', sku: 'CFG-1', location: 'WH1', quantity: 10 },
    ]);
  });
  afterAll(async () => t?.cleanup());

  it('matches within the configured tolerance and escalates at the configured run', async () => {
    const report = (quantity: number, extra: Record<string, unknown> = {}) =>
      t.api('POST', '/api/v1/erp/reconciliation/runs', {
        source: 'cfg-shop',
        lines: [{ sku: 'CFG-1', location: 'WH1', quantity }],
        ...extra,
      });
    expect((await report(12)).body).toMatchObject({ matched: 1, exceptions: 0, accuracy: 1 });
    // Beyond 2 units: an exception at the first drifting run, not healed first.
    expect((await report(13)).body).toMatchObject({ matched: 0, healed: 0, exceptions: 1 });
    // A report's own policy still overrides the configuration.
    expect((await report(13, { tolerance: { units: 5 } })).body).toMatchObject({ matched: 1, exceptions: 0 });
  });
});

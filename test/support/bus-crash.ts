/**
 * Helpers of the bus crash tests: keys spread over partitions, the effect rows written by
 * test/fixtures/bus-child.ts handlers, the exactly-once / key-order check, and child processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import type { Store } from '../../src/kernel/ports/store.js';
import { partitionOf } from '../../src/platform/bus-core/envelope.js';
import type { ChildConfig, EventSpec } from '../fixtures/bus-child.js';
import { waitFor } from './buses.js';

/** `perPartition` distinct keys hashing to each partition, so every partition has work. */
export function keysOverPartitions(run: string, perPartition: number, partitions = 4): string[] {
  const buckets: string[][] = Array.from({ length: partitions }, () => []);
  for (let i = 0; buckets.some((b) => b.length < perPartition); i++) {
    const key = `${run}-k${i}`;
    const b = buckets[partitionOf(key, partitions)]!;
    if (b.length < perPartition) b.push(key);
  }
  return buckets.flat();
}

/** `perKey` events for each key, interleaved across keys (as concurrent writers would). */
export function interleaved(keys: readonly string[], perKey: number): EventSpec[] {
  const out: EventSpec[] = [];
  for (let n = 0; n < perKey; n++) for (const key of keys) out.push({ key, n });
  return out;
}

export interface EffectRow {
  id: number;
  event_id: string;
  key: string;
  n: number;
  pid: number;
  attempt: number;
}

export async function effectRows(store: Store, run: string): Promise<EffectRow[]> {
  const rows = await store.db
    .selectFrom('test_bus_effects')
    .select(['id', 'event_id', 'key', 'n', 'pid', 'attempt'])
    .where('run', '=', run)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), n: Number(r.n), pid: Number(r.pid) }) as EffectRow);
}

/** The run's committed events, from the log: id, key, n, and whether the sequencer numbered it. */
export async function loggedEvents(store: Store, run: string) {
  const rows = await store.db
    .selectFrom('keel_event_log')
    .select(['event_id', 'seq', 'partition', 'envelope'])
    .where('subject', 'like', `${run}-%`)
    .orderBy('id')
    .execute();
  return rows.map((r) => {
    const d = JSON.parse(r.envelope as string).data as { key: string; n: number };
    return {
      id: r.event_id as string,
      seq: r.seq == null ? null : Number(r.seq),
      partition: Number(r.partition),
      key: d.key,
      n: d.n,
    };
  });
}

/**
 * Every committed event of the run (and only those) has exactly one effect, the committed events
 * are exactly `expected`, and each key's effects were written in order 0, 1, 2, …
 */
export async function expectExactlyOnceInOrder(store: Store, run: string, expected: readonly EventSpec[]) {
  const logged = await loggedEvents(store, run);
  const rows = await effectRows(store, run);
  const spec = (e: EventSpec) => `${e.key}#${e.n}`;
  expect(logged.map(spec).sort()).toEqual(expected.map(spec).sort());
  const count = new Map<string, number>();
  for (const r of rows) count.set(r.event_id, (count.get(r.event_id) ?? 0) + 1);
  const duplicated = [...count].filter(([, c]) => c > 1).map(([id]) => id);
  const missing = logged.filter((e) => !count.has(e.id)).map((e) => spec(e));
  const unknown = rows.filter((r) => !logged.some((e) => e.id === r.event_id));
  expect({ duplicated, missing, unknown }).toEqual({ duplicated: [], missing: [], unknown: [] });
  const perKey = new Map<string, number[]>();
  for (const r of rows) perKey.set(r.key, [...(perKey.get(r.key) ?? []), r.n]);
  for (const [key, ns] of perKey) {
    expect({ key, ns }).toEqual({ key, ns: Array.from({ length: ns.length }, (_, i) => i) });
  }
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** How it ended; `stderr` is included when it was not killed, to show why. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr?: string }>;
  waitFor(event: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Start `test/fixtures/bus-child.ts` with `cfg`; its JSON-line reports can be awaited. */
export function spawnBusChild(cfg: ChildConfig): Child {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/fixtures/bus-child.ts', JSON.stringify(cfg)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const reports: Record<string, unknown>[] = [];
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += d;
  });
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      reports.push(JSON.parse(line));
    } catch {
      // not one of ours
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr?: string }>(
    (resolve) =>
      proc.once('exit', (code, signal) =>
        resolve(signal === 'SIGKILL' ? { code, signal } : { code, signal, stderr: stderr.slice(-2000) }),
      ),
  );
  let dead = false;
  void exited.then(() => {
    dead = true;
  });
  return {
    proc,
    pid: proc.pid!,
    exited,
    waitFor: async (event, timeoutMs = 20_000) => {
      await waitFor(
        () => dead || reports.some((r) => r.event === event),
        timeoutMs,
        `child ${cfg.mode} to report "${event}"`,
      );
      const r = reports.find((x) => x.event === event);
      if (!r) throw new Error(`child exited before reporting "${event}": ${stderr.slice(-2000)}`);
      return r;
    },
  };
}

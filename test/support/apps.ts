import { createApp, type KeelApp } from '../../src/app.js';
import { resolveConfig } from '../../src/kernel/config.js';
import { silentLogger } from '../../src/kernel/ports/logger.js';
import { type Backend, createPgDatabase, tempDir } from './backends.js';
import { deleteStream, natsNames } from './buses.js';

export interface TestApp {
  app: KeelApp;
  url: string;
  /** An API key with every scope. */
  key: string;
  /** Config overrides that reach the same database/stream (for a second process or the CLI). */
  overrides: Record<string, unknown>;
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  cleanup(): Promise<void>;
}

/** A whole Keel on one backend, listening on a free port, with fresh storage. */
export async function createTestApp(backend: Backend, extra: Record<string, unknown> = {}): Promise<TestApp> {
  const tmp = tempDir();
  const overrides: Record<string, unknown> = {
    backend,
    dataDir: tmp.dir,
    port: 0,
    logLevel: 'silent',
    'bus.leaseMs': 1000,
    'bus.pollMs': 200,
    ...extra,
  };
  let dropDb: (() => Promise<void>) | undefined;
  let stream: string | undefined;
  if (backend !== 'sqlite') {
    const db = await createPgDatabase();
    overrides['postgres.url'] = db.url;
    dropDb = db.drop;
  }
  if (backend === 'postgres+nats') {
    const names = natsNames();
    stream = names.stream;
    overrides['nats.stream'] = names.stream;
    overrides['nats.subjectPrefix'] = names.subjectPrefix;
  }
  const { config } = resolveConfig({ overrides });
  const app = await createApp({ config, log: silentLogger });
  const url = await app.start();
  const { key } = await app.keys.create({ name: 'test', scopes: ['*'] });
  const api: TestApp['api'] = async (method, path, body, headers = {}) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    app,
    url,
    key,
    overrides,
    api,
    cleanup: async () => {
      await app.stop().catch(() => {});
      if (dropDb) await dropDb();
      if (stream) await deleteStream(stream);
      tmp.remove();
    },
  };
}

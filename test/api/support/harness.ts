import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { type ApiKeys, createApiKeys } from '../../../src/api/auth/api-keys.js';
import type { Scope } from '../../../src/api/auth/scopes.js';
import type { ApiPlugin } from '../../../src/api/plugin.js';
import { apiMigrations } from '../../../src/api/schema.js';
import { createServer, type ServerDeps } from '../../../src/api/server.js';
import { ManualClock } from '../../../src/kernel/clock.js';
import { resolveConfig } from '../../../src/kernel/config.js';
import type { AuditLog } from '../../../src/kernel/ports/audit.js';
import { createLogger } from '../../../src/observability/logger.js';
import { auditMigrations, createAuditLog } from '../../../src/platform/audit/index.js';
import type { Backend } from '../../support/backends.js';
import { createTestStore, type TestStore } from '../../support/stores.js';
import { testMigrations } from './test-plugin.js';

export interface Harness {
  app: FastifyInstance;
  ts: TestStore;
  audit: AuditLog;
  keys: ApiKeys;
  clock: ManualClock;
  /** Parsed log lines written by the server. */
  logs: Record<string, any>[];
  /** A key with `scopes`. */
  keyWith(...scopes: Scope[]): Promise<string>;
  /** `app.inject` with `key` sent as a bearer token. */
  call(opts: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createHarness(
  backend: Backend,
  options: { plugins?: ApiPlugin[]; deps?: Partial<ServerDeps>; overrides?: Record<string, unknown> } = {},
): Promise<Harness> {
  const ts = await createTestStore(backend);
  await ts.store.migrate([auditMigrations, apiMigrations, testMigrations]);
  const clock = new ManualClock(new Date());
  const audit = createAuditLog({ store: ts.store, clock });
  const keys = createApiKeys({ store: ts.store, clock, audit });
  const logs: Record<string, any>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const { config } = resolveConfig({ overrides: { 'api.bodyLimitBytes': 4096, ...options.overrides } });
  const app = await createServer({
    config,
    store: ts.store,
    audit,
    keys,
    clock,
    log: createLogger({ level: 'debug', destination }),
    plugins: options.plugins,
    ...options.deps,
  });
  return {
    app,
    ts,
    audit,
    keys,
    clock,
    logs,
    keyWith: async (...scopes) => (await keys.create({ name: `test ${scopes.join(' ')}`, scopes })).key,
    call: ({ key, ...opts }) =>
      app.inject({
        ...opts,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...opts.headers },
      }),
    close: async () => {
      await app.close();
      await ts.cleanup();
    },
  };
}

import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { LevelWithSilent } from 'pino';
import { sagaAdminPlugin } from './api/admin-sagas.http.js';
import { type ApiKeys, apiMigrations, closeServer, createApiKeys, createServer } from './api/index.js';
import { createChannels } from './domains/channels/index.js';
import { createErp } from './domains/erp/index.js';
import { createOms } from './domains/oms/index.js';
import { createPim } from './domains/pim/index.js';
import { createSagaRunner, type SagaRunner, sagaMigrations } from './flows/runtime/index.js';
import { type Clock, systemClock } from './kernel/clock.js';
import type { Config } from './kernel/config.js';
import { EventRegistry } from './kernel/event-registry.js';
import type { AuditLog } from './kernel/ports/audit.js';
import type { Logger } from './kernel/ports/logger.js';
import type { DomainDeps, DomainModule } from './kernel/ports/module.js';
import type { AppliedMigration, MigrationSet, Store } from './kernel/ports/store.js';
import { busMetrics } from './observability/bus-metrics.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { auditMigrations, createAuditLog } from './platform/audit/index.js';
import { createDiskBlobStore } from './platform/blob-disk/index.js';
import { Bus } from './platform/bus-core/bus.js';
import { busMigrations } from './platform/bus-core/bus.schema.js';
import { EmbeddedTransport } from './platform/bus-embedded/embedded-transport.js';
import { NatsTransport } from './platform/bus-nats/nats-transport.js';
import { ensureDatabase } from './platform/postgres/ensure-database.js';
import { PostgresStore } from './platform/postgres/postgres-store.js';
import { SqliteStore } from './platform/sqlite/sqlite-store.js';

export const VERSION = '0.1.0';

export interface AppOptions {
  config: Readonly<Config>;
  log?: Logger;
  clock?: Clock;
}

export interface KeelApp {
  readonly config: Readonly<Config>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly bus: Bus;
  readonly registry: EventRegistry;
  readonly audit: AuditLog;
  readonly keys: ApiKeys;
  readonly sagas: SagaRunner;
  readonly metrics: Metrics;
  readonly server: FastifyInstance;
  readonly domains: {
    pim: ReturnType<typeof createPim>;
    channels: ReturnType<typeof createChannels>;
    oms: ReturnType<typeof createOms>;
    erp: ReturnType<typeof createErp>;
  };
  /** Apply pending migrations of every module. */
  migrate(): Promise<AppliedMigration[]>;
  /** Migrate, start consumers, flows and the HTTP server; resolves with the listening URL. */
  start(): Promise<string>;
  /** Graceful: stop taking requests, drain the bus and the flows, close the database. */
  stop(): Promise<void>;
}

/** The SQLite file for a config: `sqlite.file` relative to `dataDir`. */
export function sqliteFile(config: Readonly<Config>): string {
  return resolve(config.dataDir, config.sqlite.file);
}

async function openStore(config: Readonly<Config>, log: Logger): Promise<Store> {
  if (config.backend === 'sqlite') {
    return SqliteStore.open({ file: sqliteFile(config), busyTimeoutMs: config.sqlite.busyTimeoutMs });
  }
  if (await ensureDatabase(config.postgres.url)) log.info('created the PostgreSQL database');
  return PostgresStore.open({ url: config.postgres.url, poolSize: config.postgres.poolSize, log });
}

/**
 * The composition root, and the only place that chooses adapters:
 * config → adapters → domains → flows → connectors → API.
 */
export async function createApp(options: AppOptions): Promise<KeelApp> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel as LevelWithSilent });
  const store = await openStore(config, log);
  try {
    const registry = new EventRegistry();
    const metrics = createMetrics();
    let admin: Bus['admin'] | undefined;
    const bus = new Bus({
      store,
      registry,
      clock,
      log: log.child({ component: 'bus' }),
      settings: { ...config.bus, shutdownTimeoutMs: config.shutdownTimeoutMs },
      observer: busMetrics(metrics, () => admin!),
      transport: (eventLog) =>
        config.backend === 'postgres+nats'
          ? new NatsTransport({
              store,
              clock,
              log: log.child({ component: 'nats' }),
              eventLog,
              member: `${process.pid}`,
              servers: [...config.nats.servers],
              stream: config.nats.stream,
              subjectPrefix: config.nats.subjectPrefix,
              duplicateWindowMs: config.nats.duplicateWindowMs,
              maxAgeDays: config.nats.maxAgeDays,
              leaseMs: config.bus.leaseMs,
              pollMs: config.bus.pollMs,
              bufferPerPartition: Math.max(
                config.bus.batchSize,
                Math.ceil(config.bus.maxInFlight / config.bus.partitions),
              ),
            })
          : new EmbeddedTransport({ store, clock, log, eventLog, pollMs: config.bus.pollMs }),
    });
    admin = bus.admin;
    const audit = createAuditLog({ store, clock });
    const keys = createApiKeys({ store, clock, audit });
    const sagas = createSagaRunner({
      store,
      clock,
      log: log.child({ component: 'sagas' }),
      config: {
        ...config.saga,
        stepTimeoutMs: config.saga.stepTimeoutMs === 0 ? undefined : config.saga.stepTimeoutMs,
      },
    });

    const blobs = await createDiskBlobStore({ root: resolve(config.dataDir, config.assets.dir) });
    const deps: DomainDeps = { store, bus, clock, log, audit, blobs };
    const domains = {
      pim: createPim(deps, { maxAssetBytes: config.assets.maxBytes }),
      channels: createChannels(deps),
      oms: createOms(deps),
      erp: createErp(deps, { ...config.erp, maxEventBytes: config.bus.maxEventBytes }),
    };
    const modules: DomainModule[] = Object.values(domains);
    const background = modules.flatMap((m) => m.background ?? []);
    for (const m of modules) {
      registry.register(...m.events);
      for (const s of m.subscriptions) bus.subscribe(s);
    }
    const migrations: MigrationSet[] = [
      busMigrations,
      auditMigrations,
      apiMigrations,
      sagaMigrations,
      ...modules.map((m) => m.migrations),
    ];

    const server = await createServer({
      config,
      store,
      bus,
      audit,
      keys,
      log,
      metrics,
      clock,
      version: VERSION,
      plugins: [...modules.flatMap((m) => (m.http ? [m.http] : [])), sagaAdminPlugin(sagas.admin)],
    });

    let started = false;
    const app: KeelApp = {
      config,
      log,
      clock,
      store,
      bus,
      registry,
      audit,
      keys,
      sagas,
      metrics,
      server,
      domains,
      migrate: () => store.migrate(migrations),
      async start() {
        const applied = await app.migrate();
        if (applied.length > 0)
          log.info({ applied: applied.map((m) => `${m.domain}/${m.id}`) }, 'migrations applied');
        await bus.start();
        sagas.startRunner();
        for (const task of background) task.start();
        started = true;
        return server.listen({ host: config.host, port: config.port });
      },
      async stop() {
        if (started) {
          const { timedOut } = await closeServer(server, config.shutdownTimeoutMs);
          if (timedOut) log.warn('requests still running at the shutdown deadline were cut');
          // Background tasks write through the store and the bus: they stop first.
          await Promise.all(background.map((task) => task.stop()));
          await sagas.stop({ timeoutMs: config.shutdownTimeoutMs });
          await bus.stop();
        } else {
          await server.close();
        }
        await store.close();
      },
    };
    return app;
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
}

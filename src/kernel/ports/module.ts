import type { Clock } from '../clock.js';
import type { EventDefinition } from '../events.js';
import type { AuditLog } from './audit.js';
import type { BlobStore } from './blob.js';
import type { EventBus, Subscription } from './bus.js';
import type { HttpPlugin } from './http.js';
import type { Logger } from './logger.js';
import type { MigrationSet, Store } from './store.js';

/** What app.ts hands every domain factory (`createOms(deps)`): ports only, never adapters. */
export interface DomainDeps {
  store: Store;
  bus: EventBus;
  clock: Clock;
  log: Logger;
  audit: AuditLog;
  /** Content-addressed file storage (asset files). */
  blobs: BlobStore;
}

/**
 * Work a module does on its own while the app runs (publishers, sweeps, pollers): app.ts starts it
 * after the bus and stops it before the bus and the store, so it never runs without them.
 */
export interface BackgroundTask {
  /** For logs: `erp.level-publisher`. */
  name: string;
  /** Begin (returns at once; the work runs on timers). Starting a started task does nothing. */
  start(): void;
  /** Stop scheduling, let a run in progress finish, then resolve. */
  stop(): Promise<void>;
}

/** What a domain gives back to app.ts to be wired: its tables, events, consumers and routes. */
export interface DomainModule {
  name: string;
  migrations: MigrationSet;
  events: readonly EventDefinition[];
  subscriptions: readonly Subscription[];
  http?: HttpPlugin;
  background?: readonly BackgroundTask[];
}

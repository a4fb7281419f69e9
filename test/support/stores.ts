import { join } from 'node:path';
import type { Store } from '../../src/kernel/ports/store.js';
import { PostgresStore } from '../../src/platform/postgres/postgres-store.js';
import { SqliteStore } from '../../src/platform/sqlite/sqlite-store.js';
import { type Backend, createPgDatabase, tempDir } from './backends.js';

export interface TestStore {
  store: Store;
  /** How another process reaches the same database. */
  location: { backend: Backend; sqliteFile?: string; pgUrl?: string };
  /** Open another connection to the same database (as a second process would). */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** A fresh, empty store for one backend (a temp SQLite file, or a new PostgreSQL database). */
export async function createTestStore(backend: Backend): Promise<TestStore> {
  const opened: Store[] = [];
  if (backend === 'sqlite') {
    const tmp = tempDir();
    const file = join(tmp.dir, 'keel.db');
    const open = async () => {
      const s = await SqliteStore.open({ file });
      opened.push(s);
      return s;
    };
    const store = await open();
    return {
      store,
      location: { backend, sqliteFile: file },
      reopen: open,
      cleanup: async () => {
        for (const s of opened) await s.close().catch(() => {});
        tmp.remove();
      },
    };
  }
  const dbi = await createPgDatabase();
  const open = async () => {
    const s = await PostgresStore.open({ url: dbi.url, poolSize: 8 });
    opened.push(s);
    return s;
  };
  const store = await open();
  return {
    store,
    location: { backend, pgUrl: dbi.url },
    reopen: open,
    cleanup: async () => {
      for (const s of opened) await s.close().catch(() => {});
      await dbi.drop();
    },
  };
}

import { userInfo } from 'node:os';
import { createApp, type KeelApp } from '../app.js';
import { runWithContext } from '../kernel/context.js';
import { newId } from '../kernel/ids.js';
import { silentLogger } from '../kernel/ports/logger.js';
import { loadConfig } from './config-loader.js';

export interface GlobalOptions {
  config?: string;
  json?: boolean;
  backend?: string;
  dataDir?: string;
}

export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

export function configFrom(g: GlobalOptions, extra: Record<string, unknown> = {}) {
  return loadConfig({
    configPath: g.config,
    overrides: { backend: g.backend, dataDir: g.dataDir, ...extra },
  });
}

/**
 * Open Keel for an admin command (no server, no consumers), run `fn` as the CLI's actor so audit
 * entries say who did it, and close everything.
 */
export async function withApp<T>(g: GlobalOptions, fn: (app: KeelApp) => Promise<T>): Promise<T> {
  const { config } = configFrom(g);
  const app = await createApp({ config, log: silentLogger });
  try {
    await app.migrate();
    return await runWithContext({ correlationId: newId('cor'), actor: cliActor() }, () => fn(app));
  } finally {
    await app.stop();
  }
}

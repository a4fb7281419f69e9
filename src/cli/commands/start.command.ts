import type { Command } from 'commander';
import { createApp } from '../../app.js';
import { runWithContext } from '../../kernel/context.js';
import { newId } from '../../kernel/ids.js';
import { configFrom, type GlobalOptions } from '../with-app.js';

/** `keel start`: run Keel (API, consumers, flows) until SIGINT/SIGTERM, then shut down gracefully. */
export function registerStart(program: Command, globals: () => GlobalOptions): void {
  program
    .command('start')
    .description('Run Keel: migrate, then serve the API and run the consumers and flows')
    .option('--port <port>', 'HTTP port (KEEL_PORT)')
    .option('--host <host>', 'HTTP listen address (KEEL_HOST)')
    .action(async (opts: { port?: string; host?: string }) => {
      const g = globals();
      const { config, file } = configFrom(g, {
        // A non-numeric port is passed through as text so the config error shows what was typed.
        port: opts.port === undefined ? undefined : /^\d+$/.test(opts.port) ? Number(opts.port) : opts.port,
        host: opts.host,
      });
      const app = await createApp({ config });
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) {
          app.log.warn('second signal: exiting now');
          process.exit(130);
        }
        stopping = true;
        app.log.info({ signal }, 'shutting down gracefully');
        await app.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      const url = await app.start();
      const bootstrap = await runWithContext(
        { correlationId: newId('cor'), actor: 'system:bootstrap' },
        async () => {
          if ((await app.keys.list()).length > 0) return undefined;
          return app.keys.create({ name: 'bootstrap admin', scopes: ['*'] });
        },
      );
      const lines = [
        '',
        `  Keel ${config.backend === 'sqlite' ? `(embedded: ${config.dataDir})` : `(${config.backend})`} is running`,
        `  API       ${url}/api/v1   (OpenAPI: ${url}/openapi.json, docs: ${url}/docs)`,
        `  Health    ${url}/healthz   ${url}/readyz   metrics: ${url}/metrics`,
        file ? `  Config    ${file}` : '  Config    defaults + KEEL_* environment (no keel.config.json)',
      ];
      if (bootstrap) {
        lines.push(
          '',
          '  No API keys existed, so one admin key was created. It is shown only this once:',
          `    ${bootstrap.key}`,
          `  Try:  curl -H "Authorization: Bearer ${bootstrap.key.slice(0, 12)}…" ${url}/api/v1/channels`,
        );
      }
      lines.push('', '  Ctrl-C stops gracefully.', '');
      process.stderr.write(`${lines.join('\n')}\n`);
    });
}

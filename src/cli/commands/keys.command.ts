import type { Command } from 'commander';
import { parseScopes } from '../../api/index.js';
import { createOutput, table } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';

export function registerKeys(program: Command, globals: () => GlobalOptions): void {
  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .description('Create an API key; the key is printed once and stored only hashed')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scopes <list>', 'comma-separated, e.g. pim:read,oms:write (admin, * for all)')
    .option('--expires-at <iso>', 'expiry (ISO-8601)')
    .action(async (o: { name: string; scopes: string; expiresAt?: string }) => {
      const out = createOutput(!!globals().json);
      const scopes = parseScopes(
        o.scopes
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
      const created = await withApp(globals(), (app) =>
        app.keys.create({ name: o.name, scopes, ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}) }),
      );
      out.result(created, (c) =>
        [
          `key ${c.record.id} (${c.record.scopes.join(',')})`,
          '',
          `  ${c.key}`,
          '',
          'Store it now: it is not shown again.',
        ].join('\n'),
      );
    });
  keys
    .command('list')
    .description('API keys (never their secrets)')
    .action(async () => {
      const out = createOutput(!!globals().json);
      const list = await withApp(globals(), (app) => app.keys.list());
      out.result(list, (l) =>
        table(l, ['id', 'name', 'scopes', 'createdAt', 'lastUsedAt', 'expiresAt', 'revokedAt']),
      );
    });
  keys
    .command('revoke <id>')
    .description('Revoke an API key at once')
    .action(async (id: string) => {
      const out = createOutput(!!globals().json);
      const r = await withApp(globals(), (app) => app.keys.revoke(id));
      out.result(r, (x) => `${x.id} revoked at ${x.revokedAt}`);
    });
}

import type { Command } from 'commander';
import { createApp } from '../../app.js';
import { silentLogger } from '../../kernel/ports/logger.js';
import { createOutput, table } from '../output.js';
import { configFrom, type GlobalOptions } from '../with-app.js';

export function registerMigrate(program: Command, globals: () => GlobalOptions): void {
  program
    .command('migrate')
    .description('Apply pending database migrations of every module, then exit')
    .action(async () => {
      const g = globals();
      const out = createOutput(!!g.json);
      const { config } = configFrom(g);
      const app = await createApp({ config, log: silentLogger });
      try {
        const applied = await app.migrate();
        out.result({ applied }, (r) =>
          r.applied.length ? `applied:\n${table(r.applied, ['domain', 'id'])}` : 'database is up to date',
        );
      } finally {
        await app.stop();
      }
    });
}

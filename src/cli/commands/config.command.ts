import type { Command } from 'commander';
import { describeConfig, redactConfig } from '../../kernel/config.js';
import { createOutput, table } from '../output.js';
import { configFrom, type GlobalOptions } from '../with-app.js';

export function registerConfig(program: Command, globals: () => GlobalOptions): void {
  const config = program.command('config').description('Configuration');
  config
    .command('print')
    .description('The effective configuration and where each value came from (secrets redacted)')
    .action(async () => {
      const out = createOutput(!!globals().json);
      const { config: c, sources, file } = configFrom(globals());
      const redacted = redactConfig(c);
      const rows = describeConfig().map((k) => ({
        key: k.key,
        value: k.key.split('.').reduce<any>((o, p) => o?.[p], redacted),
        source: sources[k.key],
        env: k.env,
      }));
      out.result({ config: redacted, sources, file: file ?? null }, () =>
        [file ? `file: ${file}` : 'file: (none)', table(rows, ['key', 'value', 'source', 'env'])].join('\n'),
      );
    });
  config
    .command('keys')
    .description('Every configuration key: environment variable, default, expected form')
    .action(async () => {
      const out = createOutput(!!globals().json);
      const keys = describeConfig();
      out.result(keys, (k) => table(k, ['key', 'env', 'default', 'expected']));
    });
}

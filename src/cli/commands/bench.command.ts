import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KernelErrors } from '../../kernel/errors.js';

/** `keel bench …`: the benchmark suite (bench/, run with tsx from a source checkout). */
export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('Run benchmark scenarios (same as `npm run bench -- …`; needs a source checkout)')
    .allowUnknownOption(true)
    .argument('[args...]', 'scenario names and flags (--quick, --json, --help)')
    .action((args: string[]) => {
      const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
      const runner = join(root, 'bench', 'run.ts');
      if (!existsSync(runner)) {
        throw KernelErrors.NOT_FOUND.create(
          'the benchmark suite is not in this installation (bench/ ships with the source)',
        );
      }
      const r = spawnSync(process.execPath, ['--import', 'tsx', runner, ...args], {
        cwd: root,
        stdio: 'inherit',
      });
      process.exitCode = r.status ?? 1;
    });
}

import { Command, CommanderError } from 'commander';
import { VERSION } from '../app.js';
import { DomainError, describeThrown } from '../kernel/errors.js';
import { registerAudit } from './commands/audit.command.js';
import { registerBench } from './commands/bench.command.js';
import { registerConfig } from './commands/config.command.js';
import { registerDlq } from './commands/dlq.command.js';
import { registerErp } from './commands/erp.command.js';
import { registerKeys } from './commands/keys.command.js';
import { registerMigrate } from './commands/migrate.command.js';
import { registerPim } from './commands/pim.command.js';
import { registerReplay } from './commands/replay.command.js';
import { registerSaga } from './commands/saga.command.js';
import { registerStart } from './commands/start.command.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import type { GlobalOptions } from './with-app.js';

export function buildProgram(): Command {
  const program = new Command('keel')
    .description('Keel: the commerce backbone (PIM, ERP, OMS, CRM, channels, integration hub)')
    .version(VERSION)
    .option('-c, --config <file>', 'config file (default ./keel.config.json, or KEEL_CONFIG)')
    .option('--backend <backend>', 'sqlite | postgres | postgres+nats (KEEL_BACKEND)')
    .option('--data-dir <dir>', 'data directory of the embedded backend (KEEL_DATA_DIR)')
    .option('--json', 'machine-readable output')
    .showHelpAfterError()
    .exitOverride();
  const globals = () => program.opts<GlobalOptions>();
  registerStart(program, globals);
  registerMigrate(program, globals);
  registerDlq(program, globals);
  registerReplay(program, globals);
  registerSaga(program, globals);
  registerAudit(program, globals);
  registerKeys(program, globals);
  registerPim(program, globals);
  registerErp(program, globals);
  registerConfig(program, globals);
  registerBench(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/** Commands that keep the process running after their action resolves (servers). */
const LONG_RUNNING = new Set(['start']);

/** Run the CLI; resolves with the exit code and whether the process must stay up (never throws). */
export async function main(argv: string[]): Promise<{ code: number; keepRunning: boolean }> {
  const program = buildProgram();
  let ran = '';
  program.hook('preAction', (_program, action) => {
    ran = action.name();
  });
  const code = await run(program, argv);
  return { code, keepRunning: code === ExitCode.OK && LONG_RUNNING.has(ran) };
}

async function run(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version end here too, with code 0; commander already printed what it had to.
      return err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    const json = program.opts<GlobalOptions>().json;
    const code = exitCodeFor(err);
    if (json) {
      const e =
        err instanceof DomainError
          ? { code: err.code, message: err.message, ...err.extensions }
          : { code: 'INTERNAL', message: describeThrown(err) };
      process.stderr.write(`${JSON.stringify({ error: e })}\n`);
    } else if (err instanceof DomainError) {
      process.stderr.write(`keel: ${err.message} (${err.code})\n`);
    } else {
      process.stderr.write(`keel: ${describeThrown(err)}\n`);
    }
    return code;
  }
}

const invokedDirectly = process.argv[1] && /(?:^|[/\\])(keel(\.js)?|main\.[jt]s)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv).then(({ code, keepRunning }) => {
    if (!keepRunning) process.exit(code);
  });
}

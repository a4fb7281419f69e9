import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { intOption } from '../options.js';
import { createOutput, table } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';

export function registerAudit(program: Command, globals: () => GlobalOptions): void {
  const audit = program.command('audit').description('The hash-chained audit trail');
  audit
    .command('verify')
    .description(`Walk the chain; exit ${ExitCode.AUDIT_BROKEN} if an entry was edited, deleted or reordered`)
    .option('--expected-head <hash>', 'a head hash from an earlier verify: also detects a truncated tail')
    .action(async (o: { expectedHead?: string }) => {
      const out = createOutput(!!globals().json);
      const v = await withApp(globals(), (app) =>
        app.audit.verify(o.expectedHead ? { expectedHead: o.expectedHead } : {}),
      );
      out.result(v, (x) =>
        x.ok
          ? `ok: ${x.entries} entries, chain intact. head ${x.headHash ?? '(empty)'}`
          : `BROKEN at entry ${x.failure.seq}: ${x.failure.reason} (${x.entries} entries checked)`,
      );
      if (!v.ok) process.exitCode = ExitCode.AUDIT_BROKEN;
    });
  audit
    .command('list')
    .description('Audit entries, oldest first')
    .option('--target <id>', 'only this target')
    .option('--actor <actor>', 'only this actor')
    .option('--action <action>', 'only this action')
    .option('--after-seq <n>', 'entries after this sequence number', '0')
    .option('--limit <n>', 'page size', '100')
    .action(
      async (o: { target?: string; actor?: string; action?: string; afterSeq: string; limit: string }) => {
        const out = createOutput(!!globals().json);
        const afterSeq = intOption('--after-seq', o.afterSeq, 0);
        const limit = intOption('--limit', o.limit, 1, 1000);
        const entries = await withApp(globals(), (app) =>
          app.audit.list({
            ...(o.target ? { target: o.target } : {}),
            ...(o.actor ? { actor: o.actor } : {}),
            ...(o.action ? { action: o.action } : {}),
            afterSeq,
            limit,
          }),
        );
        out.result(entries, (e) => table(e, ['seq', 'at', 'actor', 'action', 'target', 'requestId']));
      },
    );
}

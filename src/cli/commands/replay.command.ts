import type { Command } from 'commander';
import { KernelErrors } from '../../kernel/errors.js';
import { createOutput, table } from '../output.js';
import { cliActor, type GlobalOptions, withApp } from '../with-app.js';

export function registerReplay(program: Command, globals: () => GlobalOptions): void {
  program
    .command('replay <group>')
    .description('Deliver every event from a log position or a time to a consumer group again')
    .option('--from-position <seq>', 'first log position to replay (see `keel groups`)')
    .option('--from-time <iso>', 'first event time to replay (ISO-8601)')
    .action(async (group: string, o: { fromPosition?: string; fromTime?: string }) => {
      const out = createOutput(!!globals().json);
      if ((o.fromPosition === undefined) === (o.fromTime === undefined)) {
        throw KernelErrors.VALIDATION_FAILED.create('give exactly one of --from-position or --from-time');
      }
      const from =
        o.fromPosition !== undefined
          ? { position: /^\d+$/.test(o.fromPosition) ? Number(o.fromPosition) : Number.NaN }
          : { time: o.fromTime! };
      const r = await withApp(globals(), async (app) => {
        const result = await app.bus.admin.replay(group, from, cliActor());
        await app.store.tx((tx) =>
          app.audit.record(tx, { action: 'bus.replay', target: group, after: { ...from, ...result } }),
        );
        return result;
      });
      out.result(
        { group, ...r },
        (x) => `${group}: replaying from position ${x.fromSeq} (generation ${x.generation})`,
      );
    });
  program
    .command('groups')
    .description('Consumer groups: position, lag behind the log head, open dead letters')
    .action(async () => {
      const out = createOutput(!!globals().json);
      const groups = await withApp(globals(), (app) => app.bus.admin.groups());
      out.result(groups, (g) =>
        table(g, ['group', 'position', 'head', 'lag', 'openDeadLetters', 'generation']),
      );
    });
}

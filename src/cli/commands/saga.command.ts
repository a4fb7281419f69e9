import type { Command } from 'commander';
import type { SagaStatus } from '../../flows/runtime/index.js';
import { intOption } from '../options.js';
import { block, createOutput, table } from '../output.js';
import { cliActor, type GlobalOptions, withApp } from '../with-app.js';

export function registerSaga(program: Command, globals: () => GlobalOptions): void {
  const saga = program.command('saga').description('Durable flows (sagas)');
  saga
    .command('list')
    .description('Sagas, newest first')
    .option(
      '--status <status>',
      'running | sleeping | waiting | compensating | completed | compensated | failed',
    )
    .option('--type <type>', 'flow type')
    .option('--limit <n>', 'page size', '50')
    .option('--after <cursor>', 'next page')
    .action(async (o: { status?: string; type?: string; limit: string; after?: string }) => {
      const out = createOutput(!!globals().json);
      const page = await withApp(globals(), (app) =>
        app.sagas.admin.list({
          ...(o.status ? { status: o.status as SagaStatus } : {}),
          ...(o.type ? { type: o.type } : {}),
          limit: intOption('--limit', o.limit, 1, 500),
          ...(o.after ? { after: o.after } : {}),
        }),
      );
      out.result(page, (p) =>
        [
          table(p.items, ['id', 'type', 'status', 'stepId', 'updatedAt']),
          p.next ? `next: --after ${p.next}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  saga
    .command('show <id>')
    .description('A saga with its state and full history')
    .action(async (id: string) => {
      const out = createOutput(!!globals().json);
      const detail = await withApp(globals(), (app) => app.sagas.admin.get(id));
      out.result(detail, (d) => {
        const { history, ...rest } = d;
        return [
          block(rest),
          '',
          'history:',
          table(history, ['at', 'kind', 'stepId', 'attempt', 'details']),
        ].join('\n');
      });
    });
  saga
    .command('retry <id>')
    .description("Resume a failed saga's compensation with a fresh attempt budget")
    .action(async (id: string) => {
      const out = createOutput(!!globals().json);
      const s = await withApp(globals(), async (app) => {
        const r = await app.sagas.admin.retry(id, { actor: cliActor() });
        await app.store.tx((tx) => app.audit.record(tx, { action: 'sagas.retry', target: id }));
        return r;
      });
      out.result(s, (x) => `${x.id}: ${x.status}`);
    });
}

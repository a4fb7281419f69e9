import type { Command } from 'commander';
import type { DeadLetter, DeadLetterStatus } from '../../kernel/ports/bus.js';
import { choiceOption, intOption } from '../options.js';
import { block, createOutput, table } from '../output.js';

const DEAD_LETTER_STATUSES: DeadLetterStatus[] = [
  'open',
  'retry_requested',
  'retrying',
  'resolved',
  'discarded',
];

import { cliActor, type GlobalOptions, withApp } from '../with-app.js';

const summary = (d: DeadLetter) => ({
  id: d.id,
  group: d.group,
  status: d.status,
  type: d.eventType,
  seq: d.seq,
  attempts: d.attempts.length,
  error: d.error.length > 60 ? `${d.error.slice(0, 57)}…` : d.error,
  created: d.createdAt,
});

export function registerDlq(program: Command, globals: () => GlobalOptions): void {
  const dlq = program.command('dlq').description('Dead letters: events a consumer group could not handle');
  dlq
    .command('list')
    .description('List dead letters')
    .option('--group <group>', 'only this consumer group')
    .option('--status <status>', 'open | retry_requested | retrying | resolved | discarded')
    .option('--limit <n>', 'page size', '50')
    .option('--after <id>', 'the next page after this id')
    .action(async (o: { group?: string; status?: string; limit: string; after?: string }) => {
      const out = createOutput(!!globals().json);
      const limit = intOption('--limit', o.limit, 1, 500);
      const status = o.status
        ? choiceOption<DeadLetterStatus>('--status', o.status, DEAD_LETTER_STATUSES)
        : undefined;
      const page = await withApp(globals(), (app) =>
        app.bus.admin.deadLetters({
          ...(o.group ? { group: o.group } : {}),
          ...(status ? { status } : {}),
          limit,
          ...(o.after ? { after: o.after } : {}),
        }),
      );
      out.result(page, (p) =>
        [
          table(p.items.map(summary), ['id', 'group', 'status', 'type', 'seq', 'attempts', 'error']),
          p.next ? `next: --after ${p.next}` : '',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    });
  dlq
    .command('show <id>')
    .description('One dead letter with its event and attempt history')
    .action(async (id: string) => {
      const out = createOutput(!!globals().json);
      const d = await withApp(globals(), (app) => app.bus.admin.deadLetter(id));
      out.result(d, (x: DeadLetter) =>
        [
          block({ ...summary(x), error: x.error, eventId: x.eventId, resolution: x.resolution ?? null }),
          '',
          'attempts:',
          table(x.attempts as unknown as Record<string, unknown>[], ['attempt', 'at', 'code', 'error']),
          '',
          'event:',
          JSON.stringify(x.event, null, 2),
        ].join('\n'),
      );
    });
  dlq
    .command('retry <id>')
    .description("Deliver the event to its group again (the group's consumers pick it up)")
    .action(async (id: string) => {
      const out = createOutput(!!globals().json);
      const d = await withApp(globals(), async (app) => {
        const r = await app.bus.admin.retryDeadLetter(id, cliActor());
        await app.store.tx((tx) => app.audit.record(tx, { action: 'dlq.retry', target: id }));
        return r;
      });
      out.result(
        d,
        (x: DeadLetter) => `${x.id}: ${x.status} (a running consumer of ${x.group} will retry it)`,
      );
    });
  dlq
    .command('discard <id>')
    .description('Give up on a dead letter, with a reason for the record')
    .option('--reason <text>', 'why it is discarded')
    .action(async (id: string, o: { reason?: string }) => {
      const out = createOutput(!!globals().json);
      const d = await withApp(globals(), async (app) => {
        const r = await app.bus.admin.discardDeadLetter(id, cliActor(), o.reason);
        await app.store.tx((tx) => app.audit.record(tx, { action: 'dlq.discard', target: id }));
        return r;
      });
      out.result(d, (x: DeadLetter) => `${x.id}: ${x.status}`);
    });
}

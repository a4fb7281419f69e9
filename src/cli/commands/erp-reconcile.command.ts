import type { Command } from 'commander';
import type { ExceptionStatus, ReportInput, ReportLine } from '../../domains/erp/index.js';
import { KernelErrors } from '../../kernel/errors.js';
import { block, createOutput, table } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';

/**
 * `keel erp reconcile <file> --source <id>`: reconcile what a channel or connector reports against
 * the ERP, from a file (a JSON array of lines, `{ "lines": […] }`, or JSONL); `keel erp exceptions`
 * lists what reconciliation could not heal, and `resolve-exception` / `ignore-exception` close one.
 * The healing marks SKUs for the level publisher, which the running server drains.
 * See docs/erp-reconciliation.md.
 */

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw KernelErrors.VALIDATION_FAILED.create(`${name} must be a whole number`);
  return n;
};

const percent = (share: number) => `${(share * 100).toFixed(2)} %`;

export function registerErpReconcile(
  erp: Command,
  globals: () => GlobalOptions,
  readJson: (file: string) => unknown,
): void {
  const out = () => createOutput(!!globals().json);

  erp
    .command('reconcile <file>')
    .description(
      "Reconcile a channel's or connector's report ({ sku, location | channel, quantity } lines, JSON or JSONL) against the ERP",
    )
    .requiredOption('--source <id>', 'the channel or connector that reported')
    .option('--tolerance <units>', 'units a line may be off and still match (default 0)', int('--tolerance'))
    .option(
      '--tolerance-bp <basisPoints>',
      'or this share of the ERP quantity, in basis points',
      int('--tolerance-bp'),
    )
    .option(
      '--exception-after <runs>',
      'consecutive drifting runs that open an exception (default 2)',
      int('--exception-after'),
    )
    .action(
      async (
        file: string,
        o: { source: string; tolerance?: number; toleranceBp?: number; exceptionAfter?: number },
      ) => {
        const data = readJson(file);
        const lines = (
          Array.isArray(data) ? data : ((data as { lines?: unknown }).lines ?? [data])
        ) as ReportLine[];
        const input: ReportInput = {
          source: o.source,
          lines,
          ...(o.tolerance !== undefined || o.toleranceBp !== undefined
            ? {
                tolerance: {
                  ...(o.tolerance !== undefined ? { units: o.tolerance } : {}),
                  ...(o.toleranceBp !== undefined ? { basisPoints: o.toleranceBp } : {}),
                },
              }
            : {}),
          ...(o.exceptionAfter !== undefined ? { exceptionAfterRuns: o.exceptionAfter } : {}),
        };
        const run = await withApp(globals(), (app) => app.domains.erp.reconciliation.submit(input));
        out().result(run, (r: typeof run) =>
          block({
            run: r.id,
            source: r.source,
            measure: r.measure,
            lines: r.lines,
            accuracy: percent(r.accuracy),
            matched: r.matched,
            healed: r.healed,
            exceptions: r.exceptions,
            opened: r.opened,
            autoResolved: r.autoResolved,
            unitError: r.unitError,
          }),
        );
      },
    );

  erp
    .command('exceptions')
    .description('Reconciliation exceptions: drift that re-publishing did not heal (open ones by default)')
    .option('--status <status>', 'open, resolved or ignored', 'open')
    .option('--source <id>', 'one source only')
    .option('--sku <sku>', 'one SKU only')
    .option('--limit <n>', 'at most this many (1–200, default 50)', int('--limit'))
    .action(async (o: { status: string; source?: string; sku?: string; limit?: number }) => {
      if (!['open', 'resolved', 'ignored'].includes(o.status))
        throw KernelErrors.VALIDATION_FAILED.create('--status must be open, resolved or ignored');
      const page = await withApp(globals(), (app) =>
        app.domains.erp.reconciliation.listExceptions({
          status: o.status as ExceptionStatus,
          ...(o.source ? { source: o.source } : {}),
          ...(o.sku ? { sku: o.sku } : {}),
          ...(o.limit !== undefined ? { limit: o.limit } : {}),
        }),
      );
      out().result(page.items, (items: typeof page.items) =>
        table(
          items.map((e) => ({ ...e, target: e.location ?? e.channel })),
          [
            'id',
            'source',
            'sku',
            'target',
            'reported',
            'expected',
            'delta',
            'occurrences',
            'status',
            'updatedAt',
          ],
        ),
      );
    });

  for (const kind of ['resolve', 'ignore'] as const)
    erp
      .command(`${kind}-exception <id>`)
      .description(
        kind === 'resolve'
          ? 'Resolve an open reconciliation exception (the cause was fixed)'
          : 'Ignore an open reconciliation exception (the difference is accepted)',
      )
      .requiredOption('--reason <text>', 'why (recorded with who and when)')
      .action(async (id: string, o: { reason: string }) => {
        const ex = await withApp(globals(), (app) => app.domains.erp.reconciliation[kind](id, o.reason));
        out().result(ex, (e: typeof ex) => block({ id: e.id, status: e.status, ...e.closed }));
      });
}

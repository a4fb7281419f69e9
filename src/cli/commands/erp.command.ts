import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KernelErrors } from '../../kernel/errors.js';
import { ExitCode } from '../exit-codes.js';
import { block, createOutput, table } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';
import { registerErpReconcile } from './erp-reconcile.command.js';
import { registerErpReplenishment } from './erp-replenishment.command.js';

/**
 * `keel erp …`: the ERP from a terminal — post movements from a file, read levels, check the
 * ledger and the journal, the trial balance, close periods, quote tax, print invoices. Every
 * command has `--json` output for scripts.
 */

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw KernelErrors.NOT_FOUND.create(`cannot read ${file}`);
  }
  try {
    // JSONL (one movement per line) or one JSON document.
    if (/\.(jsonl|ndjson)$/i.test(file))
      return text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
    return JSON.parse(text);
  } catch (e) {
    throw KernelErrors.VALIDATION_FAILED.create(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function registerErp(program: Command, globals: () => GlobalOptions): void {
  const erp = program
    .command('erp')
    .description('Inventory and finance: movements, levels, journal, tax, invoices');
  const out = () => createOutput(!!globals().json);

  erp
    .command('post <file>')
    .description('Post inventory movements from a JSON array or JSONL file (atomically: all or none)')
    .action(async (file: string) => {
      const data = readJson(file);
      const movements = Array.isArray(data) ? data : [data];
      const results = await withApp(globals(), (app) => app.domains.erp.ledger.post(movements));
      out().result(
        {
          posted: results.filter((r) => !r.duplicate).length,
          repeats: results.filter((r) => r.duplicate).length,
        },
        (r) => block(r),
      );
    });

  erp
    .command('levels <sku>')
    .description('Levels of a SKU per location')
    .option('--location <code>', 'one location only')
    .action(async (sku: string, o: { location?: string }) => {
      const page = await withApp(globals(), (app) =>
        app.domains.erp.ledger.levels({ sku, ...(o.location ? { location: o.location } : {}) }),
      );
      out().result(page.items, (items) =>
        table(items, ['location', 'onHand', 'available', 'reserved', 'allocated', 'inbound', 'safetyStock']),
      );
    });

  erp
    .command('verify')
    .description(
      `Check levels against the ledger and the journal's balances; exit ${ExitCode.CONFLICT} on drift`,
    )
    .action(async () => {
      const report = await withApp(globals(), async (app) => ({
        ledger: await app.domains.erp.ledger.verify(),
        journal: await app.domains.erp.journal.verify(),
      }));
      const ok =
        report.ledger.ok && report.journal.unbalanced.length === 0 && report.journal.drift.length === 0;
      out().result({ ok, ...report }, (r) =>
        block({
          ok,
          levels: r.ledger.levels,
          levelDrift: r.ledger.drift.length,
          unbalancedMovements: r.ledger.unbalanced.length,
          journalEntries: r.journal.entries,
          unbalancedEntries: r.journal.unbalanced.length,
          balanceDrift: r.journal.drift.length,
        }),
      );
      if (!ok) process.exitCode = ExitCode.CONFLICT;
    });

  erp
    .command('trial-balance')
    .description('The trial balance per currency')
    .option('--through <period>', 'YYYY-MM (default: everything)')
    .option('--currency <code>', 'one currency only')
    .action(async (o: { through?: string; currency?: string }) => {
      const tbs = await withApp(globals(), (app) => app.domains.erp.journal.trialBalance(o));
      out().result(tbs, (list) =>
        list.length === 0
          ? '(no postings)'
          : list
              .map(
                (tb: (typeof tbs)[number]) =>
                  `${tb.currency}${tb.through ? ` through ${tb.through}` : ''} — ${tb.balanced ? 'balanced' : 'NOT BALANCED'}\n${table(
                    tb.rows as unknown as Record<string, unknown>[],
                    ['account', 'name', 'debit', 'credit', 'balance'],
                  )}`,
              )
              .join('\n\n'),
      );
    });

  const period = erp.command('period').description('Accounting periods');
  period
    .command('close <period>')
    .description('Close a period (YYYY-MM) and every earlier one against postings')
    .option('--note <text>', 'why, for the audit trail')
    .action(async (p: string, o: { note?: string }) => {
      const closed = await withApp(globals(), (app) => app.domains.erp.periods.close(p, o.note));
      out().result(closed, (rows) =>
        rows.length === 0 ? `${p} was already closed` : table(rows, ['period', 'status', 'closedBy']),
      );
    });
  period
    .command('reopen <period>')
    .description('Reopen the latest closed period')
    .requiredOption('--reason <text>', 'why (audited)')
    .action(async (p: string, o: { reason: string }) => {
      const row = await withApp(globals(), (app) => app.domains.erp.periods.reopen(p, o.reason));
      out().result(row, (r) => block(r));
    });

  erp
    .command('tax-quote <ruleSet> <document>')
    .description('Tax for a document (a JSON file) under a rule set, explained line by line')
    .action(async (ruleSet: string, file: string) => {
      const doc = readJson(file);
      const result = await withApp(globals(), (app) => app.domains.erp.tax.quote(ruleSet, doc as never));
      out().result(result, (r) =>
        [
          table(
            r.lines.map((l: (typeof result)['lines'][number]) => ({ ...l, reason: l.explanation.reason })),
            ['lineId', 'jurisdiction', 'treatment', 'rate', 'net', 'tax', 'gross', 'reason'],
          ),
          block(r.totals),
          ...r.notes,
        ].join('\n'),
      );
    });

  erp
    .command('invoice <id>')
    .description('Print an issued invoice or credit note to a file')
    .option('--pdf <file>', 'write the PDF here')
    .option('--html <file>', 'write the HTML here')
    .action(async (id: string, o: { pdf?: string; html?: string }) => {
      if (!o.pdf && !o.html)
        throw KernelErrors.VALIDATION_FAILED.create('give --pdf <file> and/or --html <file>');
      const inv = await withApp(globals(), async (app) => {
        const invoices = app.domains.erp.invoices;
        const found = await invoices.get(id);
        if (o.pdf) writeFileSync(o.pdf, await invoices.pdf(id));
        if (o.html) writeFileSync(o.html, await invoices.html(id));
        return found;
      });
      out().result({ id, number: inv.number, pdf: o.pdf ?? null, html: o.html ?? null }, (r) => block(r));
    });
  registerErpReplenishment(erp, globals);
  registerErpReconcile(erp, globals, readJson);
}

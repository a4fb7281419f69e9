import type { Command } from 'commander';
import { block, createOutput, table } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';

/**
 * `keel erp replenishment …`: run replenishment from a terminal — suggested purchase orders (and
 * optionally their drafts) and the forecast backtest. Policies are set over REST
 * (`PUT /api/v1/erp/replenishment/policies/{sku}/{location}`); see docs/erp-replenishment.md.
 */

interface ScopeOptions {
  sku?: string;
  location?: string;
  supplier?: string;
  asOf?: string;
  historyDays?: string;
}

const scopeOf = (o: ScopeOptions) => ({
  ...(o.sku ? { sku: o.sku } : {}),
  ...(o.location ? { location: o.location } : {}),
  ...(o.supplier ? { supplier: o.supplier } : {}),
  ...(o.asOf ? { asOf: o.asOf } : {}),
  ...(o.historyDays ? { historyDays: Number(o.historyDays) } : {}),
});

const withScope = (c: Command) =>
  c
    .option('--sku <sku>', 'one SKU only')
    .option('--location <code>', 'one location only')
    .option('--supplier <code>', "one supplier's policies only")
    .option('--as-of <instant>', 'planning instant, ISO-8601 (default now)')
    .option('--history-days <n>', 'days of shipment history (default 364)');

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '' : Number(n.toFixed(2)));

export function registerErpReplenishment(erp: Command, globals: () => GlobalOptions): void {
  const rep = erp
    .command('replenishment')
    .description('Replenishment: suggested purchase orders, forecast backtest');
  const out = () => createOutput(!!globals().json);

  withScope(rep.command('suggest'))
    .description('Suggested purchase orders per supplier × location, with why (--json for explanations)')
    .option('--create-drafts', 'create them as draft purchase orders (idempotent per --run)')
    .option('--run <reference>', 'planning run reference (default RP-YYYYMMDD)')
    .action(async (o: ScopeOptions & { createDrafts?: boolean; run?: string }) => {
      const result = await withApp(globals(), (app) =>
        app.domains.erp.replenishment.suggest({
          ...scopeOf(o),
          ...(o.createDrafts ? { createDrafts: true } : {}),
          ...(o.run ? { runReference: o.run } : {}),
        }),
      );
      out().result(result, (r: typeof result) => {
        const rows = r.purchaseOrders.flatMap((g) =>
          g.lines.map((l) => ({
            supplier: g.supplier ?? '(none)',
            location: g.location,
            sku: l.sku,
            quantity: l.quantity,
            draft: g.draft ? `${g.draft.number}${g.draft.created ? '' : ' (existing)'}` : '',
            why: (l.explanation as { summary?: string }).summary ?? '',
          })),
        );
        const skipped = r.skipped.map((s) => `skipped ${s.sku} @ ${s.location}: ${s.code} ${s.detail}`);
        return [
          rows.length === 0
            ? 'No orders suggested.'
            : table(rows, ['supplier', 'location', 'sku', 'quantity', 'draft', 'why']),
          ...skipped,
        ].join('\n');
      });
    });

  withScope(rep.command('backtest'))
    .description('Forecast accuracy per SKU × location (rolling origin): MAPE, sMAPE, MAE, RMSE, bias')
    .option('--horizon <n>', 'periods forecast from each origin (default 7)')
    .option('--origins <n>', 'rolling origins (default 12)')
    .action(async (o: ScopeOptions & { horizon?: string; origins?: string }) => {
      const result = await withApp(globals(), (app) =>
        app.domains.erp.replenishment.backtest({
          ...scopeOf(o),
          ...(o.horizon ? { horizon: Number(o.horizon) } : {}),
          ...(o.origins ? { origins: Number(o.origins) } : {}),
        }),
      );
      out().result(result, (r: typeof result) =>
        [
          table(
            r.items.map((i) => ({
              sku: i.sku,
              location: i.location,
              model: i.model.name,
              mapePct: fmt(i.mapePct),
              naiveMapePct: fmt(i.naive?.mapePct),
              mae: fmt(i.mae),
              rmse: fmt(i.rmse),
              bias: fmt(i.bias),
            })),
            ['sku', 'location', 'model', 'mapePct', 'naiveMapePct', 'mae', 'rmse', 'bias'],
          ),
          block({
            overallMapePct: fmt(r.overall.mapePct),
            overallMae: fmt(r.overall.mae),
            points: r.overall.points,
          }),
          ...r.skipped.map((s) => `skipped ${s.sku} @ ${s.location}: ${s.code} ${s.detail}`),
        ].join('\n'),
      );
    });
}

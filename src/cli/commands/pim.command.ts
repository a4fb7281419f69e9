import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { KernelErrors } from '../../kernel/errors.js';
import { block, createOutput } from '../output.js';
import { type GlobalOptions, withApp } from '../with-app.js';

type Format = 'csv' | 'jsonl';

function formatOf(file: string, given?: string): Format {
  const f =
    given ??
    (file.toLowerCase().endsWith('.jsonl') || file.toLowerCase().endsWith('.ndjson') ? 'jsonl' : 'csv');
  if (f !== 'csv' && f !== 'jsonl')
    throw KernelErrors.VALIDATION_FAILED.create(`--format must be csv or jsonl, not "${f}"`);
  return f;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000)
    throw KernelErrors.VALIDATION_FAILED.create(`${name} must be 1..100000`);
  return n;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    throw KernelErrors.NOT_FOUND.create(`cannot read ${file}`);
  }
}

/** `keel pim import|export|feed`: the PIM's bulk paths, streamed, with progress for people. */
export function registerPim(program: Command, globals: () => GlobalOptions): void {
  const pim = program.command('pim').description('Product information: bulk import, export, feeds');

  pim
    .command('import <file>')
    .description('Import products from CSV or JSONL; bad rows are reported and written to a rejects file')
    .option('--format <format>', 'csv or jsonl (default: from the file extension)')
    .option('--rejects <file>', 'where rejected rows go (default: <file>.rejects.<ext>)')
    .option('--batch <rows>', 'rows per transaction', '1000')
    .action(async (file: string, o: { format?: string; rejects?: string; batch?: string }) => {
      const out = createOutput(!!globals().json);
      const format = formatOf(file, o.format);
      const batchSize = positiveInt(o.batch, '--batch', 1000);
      const total = fileSize(file);
      const rejectsPath = o.rejects ?? `${file}.rejects.${format}`;
      const bar =
        !out.json && process.stderr.isTTY
          ? new cliProgress.SingleBar(
              {
                format:
                  'import [{bar}] {percentage}% | {rows} rows | {rejected} rejected | {eta_formatted} left',
                stream: process.stderr,
              },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
      let read = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          read += chunk.length;
          cb(null, chunk);
        },
      });
      bar?.start(total, 0, { rows: 0, rejected: 0 });
      const rejects = createWriteStream(rejectsPath);
      // The rejects file is kept only when it holds rejected rows.
      let keepRejects = false;
      try {
        const report = await withApp(globals(), (app) =>
          app.domains.pim.imports.importProducts(createReadStream(file).pipe(counter), {
            format,
            batchSize,
            rejects,
            onProgress: (r) => bar?.update(read, { rows: r.rows, rejected: r.rejected }),
          }),
        );
        bar?.update(total, { rows: report.rows, rejected: report.rejected });
        bar?.stop();
        out.result({ ...report, rejectsFile: report.rejected > 0 ? rejectsPath : null }, (r) =>
          [
            block({
              rows: r.rows,
              created: r.created,
              updated: r.updated,
              unchanged: r.unchanged,
              rejected: r.rejected,
              seconds: (r.durationMs / 1000).toFixed(1),
              rejects: r.rejectsFile ?? '-',
            }),
            ...r.problems.slice(0, 20).map((p: any) => `  line ${p.line} ${p.field} ${p.code}: ${p.message}`),
          ].join('\n'),
        );
        keepRejects = report.rejected > 0;
        if (keepRejects) process.exitCode = 7;
      } finally {
        bar?.stop();
        rejects.end();
        await finished(rejects).catch(() => {});
        if (!keepRejects) rmSync(rejectsPath, { force: true });
      }
    });

  pim
    .command('export <file>')
    .description('Export products as CSV or JSONL (re-importing the file changes nothing)')
    .option('--format <format>', 'csv or jsonl (default: from the file extension)')
    .option('--family <code>', 'only this family')
    .action(async (file: string, o: { format?: string; family?: string }) => {
      const out = createOutput(!!globals().json);
      const format = formatOf(file, o.format);
      const result = await withApp(globals(), (app) =>
        app.domains.pim.exports.exportProducts(file, { format, filter: { family: o.family } }),
      );
      out.result({ file, format, ...result }, (r) => `${r.rows} products written to ${r.file}`);
    });

  pim
    .command('feed <file>')
    .description("Export a channel's published products as a Google Merchant Center feed (RSS 2.0)")
    .requiredOption('--channel <code>', 'the channel')
    .requiredOption('--locale <locale>', 'the locale, e.g. en_US')
    .requiredOption('--link <url>', "the shop's home page")
    .option('--currency <code>', "the feed's currency (default: the channel's first)")
    .action(async (file: string, o: { channel: string; locale: string; link: string; currency?: string }) => {
      const out = createOutput(!!globals().json);
      const result = await withApp(globals(), (app) => app.domains.pim.exports.exportGoogleFeed(file, o));
      out.result({ file, ...result }, (r) =>
        [
          `${r.written} items written to ${r.file}, ${r.rejected} left out as invalid`,
          ...r.invalid
            .slice(0, 20)
            .map((i: any) => `  ${i.id}: ${i.errors.map((e: any) => `${e.field} ${e.code}`).join(', ')}`),
        ].join('\n'),
      );
    });
}

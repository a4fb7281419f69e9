import { PassThrough, type Readable, type Writable } from 'node:stream';
import { newId } from '../../kernel/ids.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { loadSnapshot } from './catalog.repo.js';
import type { FieldError, ProductInput } from './catalog.types.js';
import { PimErrors } from './errors.js';
import { csvLine } from './export.writer.js';
import { type ColumnPlan, decodeRow, parseHeader } from './import.codec.js';
import { FileFormatError, readCsvRecords, readJsonlRecords } from './import.reader.js';
import { author } from './product.service.js';
import type { ProductStore, WriteResult } from './product.store.js';
import { validateProduct } from './product.validate.js';

/**
 * Bulk import of products from CSV or JSONL, streamed: rows are decoded, validated and written in
 * batches (one transaction each) through the same write path as the API. A bad row is reported
 * (line, column, code, message) and copied to the rejects file; the rest of the file goes on. An
 * unchanged row makes no version and no event, so re-importing a file is harmless.
 */

export type ImportFormat = 'csv' | 'jsonl';

export interface ImportProblem extends FieldError {
  /** 1-based line of the row in the file. */
  line: number;
  sku?: string;
}

export interface ImportReport {
  id: string;
  format: ImportFormat;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  /** The first problems (all of them are in the rejects file). */
  problems: ImportProblem[];
  problemsTruncated: boolean;
  durationMs: number;
}

export interface ImportOptions {
  format: ImportFormat;
  /** Where rejected rows go, in the input's format, each followed by its problems (CSV: `_errors` column). */
  rejects?: Writable;
  /** Rows per transaction. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (report: Readonly<ImportReport>) => void;
  /** Keep at most this many problems in the report. */
  maxProblems?: number;
}

interface Pending {
  line: number;
  input: ProductInput;
  raw: unknown;
}

const DEFAULT_BATCH = 1000;

function writeLine(out: Writable | undefined, line: string): Promise<void> | void {
  if (!out) return;
  if (!out.write(line)) return new Promise((resolve) => out.once('drain', resolve));
}

export function createImportService(deps: DomainDeps, writer: ProductStore) {
  const { store, clock, audit, blobs } = deps;

  const service = {
    async importProducts(source: Readable, options: ImportOptions): Promise<ImportReport> {
      await assertOwnership(deps, 'pim', 'products:import', ['products']);
      const started = Date.now();
      const report: ImportReport = {
        id: newId('imp'),
        format: options.format,
        rows: 0,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        problems: [],
        problemsTruncated: false,
        durationMs: 0,
      };
      const maxProblems = options.maxProblems ?? 1000;
      const batchSize = options.batchSize ?? DEFAULT_BATCH;
      const actor = author();
      let header: string[] | undefined;

      const reject = async (line: number, raw: unknown, errors: FieldError[], sku?: string) => {
        report.rejected++;
        for (const e of errors) {
          if (report.problems.length < maxProblems) report.problems.push({ line, sku, ...e });
          else report.problemsTruncated = true;
        }
        const summary = errors.map((e) => `${e.field}: ${e.code}: ${e.message}`).join(' | ');
        if (options.format === 'csv') {
          const rec = raw as Record<string, string> | undefined;
          await writeLine(options.rejects, csvLine([...(header ?? []).map((h) => rec?.[h] ?? ''), summary]));
        } else {
          await writeLine(options.rejects, `${JSON.stringify({ line, record: raw ?? null, errors })}\n`);
        }
      };

      let batch: Pending[] = [];
      // A SKU twice in one file is a mistake in the file, whichever batch each copy lands in.
      const seenSkus = new Set<string>();
      const enqueue = async (p: Pending) => {
        if (seenSkus.has(p.input.sku)) {
          await reject(
            p.line,
            p.raw,
            [
              {
                field: 'sku',
                code: 'SKU_DUPLICATE',
                message: `SKU "${p.input.sku}" appears earlier in the file`,
              },
            ],
            p.input.sku,
          );
          return;
        }
        seenSkus.add(p.input.sku);
        batch.push(p);
        if (batch.length >= batchSize) await flush();
      };
      const flush = async () => {
        if (batch.length === 0) return;
        const items = batch;
        batch = [];
        const results: WriteResult[] = await store.tx(async (tx) => {
          const snap = await loadSnapshot(tx);
          return writer.write(
            tx,
            snap,
            items.map((p) => validateProduct(p.input, snap)),
            { mode: 'upsert', author: actor, reason: 'import', now: clock.now().toISOString() },
          );
        });
        for (const [i, r] of results.entries()) {
          if (r.ok) report[r.change]++;
          else await reject(items[i]!.line, items[i]!.raw, r.errors, r.sku);
        }
        report.durationMs = Date.now() - started;
        options.onProgress?.(report);
      };

      try {
        if (options.format === 'csv') {
          const snap = await loadSnapshot(store.db);
          let plan: ColumnPlan | undefined;
          // The header is checked before the first row: a wrong one stops the file with nothing written.
          const onHeader = (columns: string[]) => {
            const parsed = parseHeader(columns, snap);
            if (!parsed.ok)
              throw PimErrors.IMPORT_FILE_INVALID.create(
                `the header is invalid: ${parsed.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
                { errors: parsed.errors, line: 1 },
              );
            header = columns;
            plan = parsed.plan;
          };
          for await (const row of readCsvRecords(source, { onHeader })) {
            if (report.rows === 0) await writeLine(options.rejects, csvLine([...(header ?? []), '_errors']));
            report.rows++;
            if ('errors' in row) {
              await reject(row.line, undefined, row.errors);
              continue;
            }
            const record = row.record;
            const decoded = decodeRow(plan!, record);
            if ('errors' in decoded) await reject(row.line, record, decoded.errors, record.sku);
            else await enqueue({ line: row.line, input: decoded.input, raw: record });
          }
        } else {
          for await (const row of readJsonlRecords(source)) {
            report.rows++;
            if ('errors' in row) {
              await reject(row.line, undefined, row.errors);
              continue;
            }
            const rec = row.record as Partial<ProductInput>;
            await enqueue({
              line: row.line,
              raw: rec,
              input: {
                sku: String(rec.sku ?? ''),
                family: String(rec.family ?? ''),
                parent: rec.parent ?? null,
                categories: Array.isArray(rec.categories) ? rec.categories : [],
                values: (rec.values ?? {}) as ProductInput['values'],
              },
            });
          }
        }
        await flush();
      } catch (e) {
        if (e instanceof FileFormatError)
          throw PimErrors.IMPORT_FILE_INVALID.create(`line ${e.line}: ${e.message}`, {
            errors: [{ field: 'file', code: e.code, message: e.message, line: e.line }],
            line: e.line,
            report: { ...report, durationMs: Date.now() - started },
          });
        throw e;
      }
      report.durationMs = Date.now() - started;
      await store.tx((tx) =>
        audit.record(tx, {
          action: 'pim.import',
          target: `import:${report.id}`,
          after: { ...report, problems: report.problems.length },
        }),
      );
      return report;
    },

    /**
     * Import, keeping the rejects file in the blob store (for callers without a file system: the
     * API). The report names it: `rejectsKey`, readable with `rejectsFile(key)`.
     */
    async importKeepingRejects(
      source: Readable,
      options: Omit<ImportOptions, 'rejects'>,
    ): Promise<ImportReport & { rejectsKey: string | null }> {
      const rejects = new PassThrough();
      const stored = blobs.put(rejects);
      let report: ImportReport;
      try {
        report = await service.importProducts(source, { ...options, rejects });
      } finally {
        rejects.end();
      }
      const blob = await stored;
      return { ...report, rejectsKey: report.rejected > 0 ? blob.key : null };
    },

    rejectsFile(key: string): Promise<Readable> {
      return blobs.get(key);
    },
  };
  return service;
}

export type ImportService = ReturnType<typeof createImportService>;

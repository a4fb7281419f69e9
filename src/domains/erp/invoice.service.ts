import { newId } from '../../kernel/ids.js';
import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { InvoiceIssued } from './events.js';
import { includesTax, invoiceDocumentOf, issueContent, netSplit, taxDocumentOf } from './invoice.build.js';
import { assertValidInvoiceDocument } from './invoice.document.js';
import { InvoiceErrors, referenceConflict } from './invoice.errors.js';
import { renderInvoiceHtml } from './invoice.render.html.js';
import { renderInvoicePdf } from './invoice.render.pdf.js';
import type { ErpInvoiceRow, ErpInvoiceSeriesRow } from './invoice.schema.js';
import {
  type CreditInput,
  CreditInputSchema,
  type Invoice,
  type InvoiceInput,
  InvoiceInputSchema,
  type SeriesInput,
  SeriesInputSchema,
} from './invoice.types.js';
import type { JournalWriter } from './journal.service.js';
import { returnEntry, saleEntry } from './journal.templates.js';
import { actor, type ErpDeps } from './ledger.service.js';
import type { TaxService } from './tax.service.js';

/**
 * Issuing invoices and credit notes: tax from the rule set in force, a gap-free number from the
 * series, the sale (or return) booked in the journal and `invoice.issued` emitted — all in one
 * transaction, so a failure anywhere (a closed period, a tax error) leaves no number used and
 * nothing half-issued. Issued documents are immutable; they are corrected by credit notes.
 */

const checkSeries = inputValidator(SeriesInputSchema, 'series');
const checkInvoice = inputValidator(InvoiceInputSchema, 'invoice');
const checkCredit = inputValidator(CreditInputSchema, 'credit note');
/** Quantities have up to 6 decimals: compare them as integers of millionths. */
const micro = (q: number) => Math.round(q * 1e6);

export function toInvoice(r: ErpInvoiceRow): Invoice {
  const document = JSON.parse(r.document) as Invoice['document'];
  return {
    id: r.id,
    kind: r.kind as Invoice['kind'],
    number: r.number,
    series: r.series,
    reference: r.reference,
    issueDate: r.issue_date,
    currency: r.currency,
    totals: { net: Number(r.net), tax: Number(r.tax), gross: Number(r.gross) },
    pricesIncludeTax: document.pricesIncludeTax === true,
    credits: r.credits,
    taxRuleSet: { id: r.tax_rule_set, version: r.tax_rule_version },
    journalEntry: r.journal_entry,
    issuedAt: r.issued_at,
    actor: r.actor,
    document,
  };
}

export function createInvoiceService(deps: ErpDeps, tax: TaxService, journal: JournalWriter) {
  const { store, clock, audit, bus } = deps;

  async function byId(tx: Tx, id: string): Promise<ErpInvoiceRow> {
    const row = (await tx.selectFrom('erp_invoices').selectAll().where('id', '=', id).executeTakeFirst()) as
      | ErpInvoiceRow
      | undefined;
    if (!row) throw InvoiceErrors.NOT_FOUND.create(`no invoice ${id}`);
    return row;
  }

  /** The next number of a series, taken in the issuing transaction (rolled back with it). */
  async function nextNumber(
    tx: Tx,
    code: string,
  ): Promise<{ series: ErpInvoiceSeriesRow; sequence: number; number: string }> {
    const series = (await tx
      .updateTable('erp_invoice_series')
      .set((eb) => ({ next_number: eb('next_number', '+', 1) }))
      .where('code', '=', code)
      .returningAll()
      .executeTakeFirst()) as ErpInvoiceSeriesRow | undefined;
    if (!series) throw InvoiceErrors.SERIES_NOT_FOUND.create(`no invoice series "${code}"`);
    const sequence = Number(series.next_number) - 1;
    return {
      series,
      sequence,
      number: `${series.prefix}${String(sequence).padStart(Number(series.padding), '0')}`,
    };
  }

  /**
   * The credit note already issued under `c.reference`, if it is the same request: for this
   * invoice, the same reason, shipping choice and, when lines were named, the same quantities.
   * Another request under that reference is a conflict.
   */
  async function priorCredit(tx: Tx, original: ErpInvoiceRow, c: CreditInput): Promise<Invoice | undefined> {
    const prior = (await tx
      .selectFrom('erp_invoices')
      .selectAll()
      .where('kind', '=', 'credit_note')
      .where('reference', '=', c.reference)
      .executeTakeFirst()) as ErpInvoiceRow | undefined;
    if (!prior) return undefined;
    const note = JSON.parse(prior.request) as InvoiceInput;
    const quantities = (ls: readonly { sku: string; quantity: number }[]) => {
      const m = new Map<string, number>();
      for (const l of ls) m.set(l.sku, (m.get(l.sku) ?? 0) + micro(l.quantity));
      return JSON.stringify([...m].sort(([a], [b]) => a.localeCompare(b)));
    };
    const same =
      prior.credits === original.id &&
      (note.notes ?? []).includes(`Credit note for invoice ${original.number}: ${c.reason}`) &&
      (c.lines === undefined || quantities(c.lines) === quantities(note.lines)) &&
      (c.shipping === undefined || c.shipping === (note.shipping !== undefined)) &&
      (c.issueDate === undefined || c.issueDate === prior.issue_date);
    if (same) return toInvoice(prior);
    const basis = includesTax(note);
    throw referenceConflict('credit_note', c.reference, prior.number, { was: basis, now: basis });
  }

  /** Issue one document in `tx`: the shared path of invoices and credit notes. */
  async function issueIn(
    tx: Tx,
    kind: Invoice['kind'],
    input: InvoiceInput,
    opts: {
      reference: string;
      issueDate: string;
      taxDate: string;
      ruleVersion?: string;
      credits?: ErpInvoiceRow;
    },
  ): Promise<Invoice> {
    const hash = digest(issueContent(kind, input, opts.credits?.id ?? null));
    const prior = (await tx
      .selectFrom('erp_invoices')
      .selectAll()
      .where('kind', '=', kind)
      .where('reference', '=', opts.reference)
      .executeTakeFirst()) as ErpInvoiceRow | undefined;
    if (prior) {
      if (prior.content_hash === hash) return toInvoice(prior);
      const basis = { was: includesTax(JSON.parse(prior.request) as InvoiceInput), now: includesTax(input) };
      throw referenceConflict(kind, opts.reference, prior.number, basis);
    }
    const id = newId(kind === 'invoice' ? 'inv' : 'crn');
    const result = await tax.quote(
      input.taxRuleSet,
      taxDocumentOf(input, opts.taxDate, id),
      opts.ruleVersion,
    );
    const { series, sequence, number } = await nextNumber(tx, input.series);
    const document = invoiceDocumentOf(
      {
        kind,
        series: series.code,
        number,
        issueDate: opts.issueDate,
        seller: JSON.parse(series.seller),
        ...(opts.credits
          ? { referencedInvoice: { number: opts.credits.number, issueDate: opts.credits.issue_date } }
          : {}),
      },
      input,
      result,
    );
    assertValidInvoiceDocument(document);
    const split = netSplit(result);
    const fact = {
      date: opts.issueDate,
      currency: input.currency,
      net: split.goods,
      shipping: split.shipping,
      tax: result.totals.tax,
    };
    const [entry] = await journal.postInTx(tx, [
      {
        input:
          kind === 'invoice'
            ? saleEntry({ ...fact, invoice: number })
            : returnEntry({ ...fact, creditNote: number }),
      },
    ]);
    const now = clock.now().toISOString();
    const row: ErpInvoiceRow = {
      id,
      kind,
      series: series.code,
      number,
      sequence,
      reference: opts.reference,
      issue_date: opts.issueDate,
      currency: input.currency,
      net: result.totals.net,
      tax: result.totals.tax,
      gross: result.totals.gross,
      credits: opts.credits?.id ?? null,
      tax_rule_set: result.ruleSet.id,
      tax_rule_version: result.ruleSet.version,
      document: JSON.stringify(document),
      tax_result: JSON.stringify(result),
      request: JSON.stringify(input),
      content_hash: hash,
      journal_entry: entry!.id,
      actor: actor(),
      issued_at: now,
    };
    await tx.insertInto('erp_invoices').values(row).execute();
    await bus.append(tx, [
      InvoiceIssued.input(id, {
        invoiceId: id,
        kind,
        number,
        reference: opts.reference,
        issueDate: opts.issueDate,
        currency: input.currency,
        net: row.net,
        tax: row.tax,
        gross: row.gross,
        credits: row.credits,
        pricesIncludeTax: document.pricesIncludeTax === true,
      }),
    ]);
    await audit.record(tx, {
      action: `erp.${kind}.issued`,
      target: `invoice:${number}`,
      after: { id, gross: row.gross },
    });
    return toInvoice(row);
  }

  /** What of an invoice is not yet credited: quantity per SKU, and whether shipping is. */
  async function remaining(tx: Tx, original: ErpInvoiceRow) {
    const req = JSON.parse(original.request) as InvoiceInput;
    const left = new Map<string, number>();
    for (const l of req.lines) left.set(l.sku, (left.get(l.sku) ?? 0) + micro(l.quantity));
    let shippingLeft = (req.shipping?.amount ?? 0) > 0;
    const notes = await tx
      .selectFrom('erp_invoices')
      .select('request')
      .where('credits', '=', original.id)
      .execute();
    for (const n of notes) {
      const credited = JSON.parse(n.request as string) as InvoiceInput;
      for (const l of credited.lines) left.set(l.sku, (left.get(l.sku) ?? 0) - micro(l.quantity));
      if ((credited.shipping?.amount ?? 0) > 0) shippingLeft = false;
    }
    return { req, left, shippingLeft };
  }

  const get = async (id: string): Promise<Invoice> => toInvoice(await byId(store.db, id));

  return {
    async putSeries(input: SeriesInput) {
      const s = checkSeries(input);
      await assertOwnership(deps, 'erp', `invoice-series:${s.code}`, ['prefix', 'seller']);
      return store.tx(async (tx) => {
        const now = clock.now().toISOString();
        const before = (await tx
          .selectFrom('erp_invoice_series')
          .selectAll()
          .where('code', '=', s.code)
          .executeTakeFirst()) as ErpInvoiceSeriesRow | undefined;
        const fields = {
          prefix: s.prefix,
          padding: s.padding ?? 6,
          seller: JSON.stringify(s.seller),
          updated_at: now,
        };
        // The counter is never reset through the API: that would reissue numbers.
        if (before)
          await tx.updateTable('erp_invoice_series').set(fields).where('code', '=', s.code).execute();
        else
          await tx
            .insertInto('erp_invoice_series')
            .values({ code: s.code, next_number: 1, created_at: now, ...fields })
            .execute();
        await audit.record(tx, {
          action: 'erp.invoice_series.put',
          target: `invoice-series:${s.code}`,
          after: s,
        });
        return { ...s, padding: fields.padding, nextNumber: Number(before?.next_number ?? 1) };
      });
    },

    async listSeries() {
      const rows = (await store.db
        .selectFrom('erp_invoice_series')
        .selectAll()
        .orderBy('code')
        .execute()) as ErpInvoiceSeriesRow[];
      return rows.map((r) => ({
        code: r.code,
        prefix: r.prefix,
        padding: Number(r.padding),
        seller: JSON.parse(r.seller),
        nextNumber: Number(r.next_number),
      }));
    },

    /** Issue an invoice (idempotent by `reference`). */
    async issue(input: InvoiceInput): Promise<Invoice> {
      const i = checkInvoice(input);
      await assertOwnership(deps, 'erp', `invoice:${i.reference}`, ['invoices']);
      const issueDate = i.issueDate ?? clock.now().toISOString().slice(0, 10);
      return store.tx((tx) =>
        issueIn(tx, 'invoice', i, { reference: i.reference, issueDate, taxDate: i.supplyDate ?? issueDate }),
      );
    },

    /**
     * Credit (part of) an invoice: taxed as the invoice was (same rule set version, same tax point),
     * never more than is left uncredited.
     */
    async credit(invoiceId: string, input: CreditInput): Promise<Invoice> {
      const c = checkCredit(input);
      await assertOwnership(deps, 'erp', `invoice:${invoiceId}`, ['credit_notes']);
      return store.tx(async (tx) => {
        const original = await byId(tx, invoiceId);
        if (original.kind !== 'invoice')
          throw InvoiceErrors.NOT_CREDITABLE.create(
            `${original.number} is a credit note; credit the invoice`,
          );
        // A retry of a credit that went through: before anything is measured against what is left
        // (which that credit already used up), the stored note is the answer.
        const repeat = await priorCredit(tx, original, c);
        if (repeat) return repeat;
        const { req, left, shippingLeft } = await remaining(tx, original);
        const wanted = new Map<string, number>();
        if (c.lines) for (const l of c.lines) wanted.set(l.sku, (wanted.get(l.sku) ?? 0) + micro(l.quantity));
        else for (const [sku, q] of left) if (q > 0) wanted.set(sku, q);
        const problems = [...wanted].flatMap(([sku, q]) => {
          const avail = left.get(sku);
          if (avail === undefined)
            return [
              { field: 'lines', code: 'SKU_NOT_INVOICED', message: `${sku} is not on ${original.number}` },
            ];
          return q > avail
            ? [
                {
                  field: 'lines',
                  code: 'OVER_CREDIT',
                  message: `${sku}: ${q / 1e6} asked, ${Math.max(avail, 0) / 1e6} left to credit`,
                },
              ]
            : [];
        });
        const creditShipping = c.shipping ?? !c.lines;
        if (wanted.size === 0 && !(creditShipping && shippingLeft))
          problems.push({
            field: 'lines',
            code: 'NOTHING_TO_CREDIT',
            message: `${original.number} is fully credited`,
          });
        if (problems.length > 0)
          throw InvoiceErrors.OVER_CREDIT.create(problems.map((p) => p.message).join('; '), {
            errors: problems,
          });
        // Each SKU's credited quantity is taken from its invoice lines in order, discounts pro rata.
        const lines: InvoiceInput['lines'] = [];
        for (const l of req.lines) {
          const q = Math.min(wanted.get(l.sku) ?? 0, micro(l.quantity));
          if (q <= 0) continue;
          wanted.set(l.sku, (wanted.get(l.sku) ?? 0) - q);
          const share = q / micro(l.quantity);
          lines.push({
            ...l,
            quantity: q / 1e6,
            ...(l.discount ? { discount: Math.round(l.discount * share) } : {}),
          });
        }
        const issueDate = c.issueDate ?? clock.now().toISOString().slice(0, 10);
        const note: InvoiceInput = {
          ...req,
          reference: c.reference,
          issueDate,
          lines,
          notes: [`Credit note for invoice ${original.number}: ${c.reason}`],
        };
        if (!(creditShipping && shippingLeft)) delete note.shipping;
        delete note.dueDays;
        if (lines.length === 0) {
          // Shipping alone is not credited yet: a credit note needs at least one goods line.
          throw InvoiceErrors.OVER_CREDIT.create('crediting shipping alone needs at least one line too', {
            errors: [
              {
                field: 'lines',
                code: 'NOTHING_TO_CREDIT',
                message: 'name a line to credit with the shipping',
              },
            ],
          });
        }
        return issueIn(tx, 'credit_note', note, {
          reference: c.reference,
          issueDate,
          taxDate: req.supplyDate ?? original.issue_date,
          ruleVersion: original.tax_rule_version,
          credits: original,
        });
      });
    },

    get,

    async list(
      q: {
        reference?: string;
        kind?: Invoice['kind'];
        credits?: string;
        after?: string;
        limit?: number;
      } = {},
    ) {
      const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
      let query = store.db
        .selectFrom('erp_invoices')
        .selectAll()
        .orderBy('id')
        .limit(limit + 1);
      if (q.reference) query = query.where('reference', '=', q.reference);
      if (q.kind) query = query.where('kind', '=', q.kind);
      if (q.credits) query = query.where('credits', '=', q.credits);
      if (q.after) query = query.where('id', '>', q.after);
      const rows = (await query.execute()) as ErpInvoiceRow[];
      const items = rows.slice(0, limit).map(toInvoice);
      return rows.length > limit ? { items, next: items[items.length - 1]!.id } : { items };
    },

    async html(id: string): Promise<string> {
      return renderInvoiceHtml((await get(id)).document);
    },

    async pdf(id: string): Promise<Buffer> {
      return renderInvoicePdf((await get(id)).document);
    },
  };
}

export type InvoiceService = ReturnType<typeof createInvoiceService>;

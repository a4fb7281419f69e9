import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { InvoiceService } from './invoice.service.js';
import {
  type CreditInput,
  CreditInputSchema,
  type InvoiceInput,
  InvoiceInputSchema,
  SeriesInputSchema,
} from './invoice.types.js';
import { Page } from './ledger.schemas.js';

/** Invoice series, invoices and credit notes, and their printable documents (HTML, PDF). */

const tags = ['erp'];
const InvoiceSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')]),
  number: Type.String(),
  series: Type.String(),
  reference: Type.String(),
  issueDate: Type.String(),
  currency: Type.String(),
  totals: Type.Object({ net: Type.Integer(), tax: Type.Integer(), gross: Type.Integer() }),
  pricesIncludeTax: Type.Boolean(),
  credits: Type.Union([Type.String(), Type.Null()]),
  taxRuleSet: Type.Object({ id: Type.String(), version: Type.String() }),
  journalEntry: Type.String(),
  issuedAt: Type.String(),
  actor: Type.String(),
  document: Type.Any(),
});
const SeriesSchema = Type.Composite([
  Type.Omit(SeriesInputSchema, ['padding']),
  Type.Object({ padding: Type.Integer(), nextNumber: Type.Integer() }),
]);
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });
const ListQuery = Type.Object({
  reference: Type.Optional(Type.String({ maxLength: 200 })),
  kind: Type.Optional(Type.Union([Type.Literal('invoice'), Type.Literal('credit_note')])),
  credits: Type.Optional(Type.String({ maxLength: 64 })),
  after: Type.Optional(Type.String({ maxLength: 64 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

export function registerInvoiceRoutes(app: FastifyInstance, h: HttpHelpers, invoices: InvoiceService): void {
  const read = h.requireScopes('erp:read');

  app.get(
    '/invoice-series',
    {
      config: read,
      schema: {
        summary: 'Invoice number series',
        tags,
        response: { 200: Type.Object({ items: Type.Array(SeriesSchema) }) },
      },
    },
    async () => ({ items: await invoices.listSeries() }),
  );
  app.put<{ Params: { code: string }; Body: Omit<Static<typeof SeriesInputSchema>, 'code'> }>(
    '/invoice-series/:code',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary:
          'Create or change a series (prefix, padding, the issuing legal entity); its counter never resets',
        tags,
        params: Type.Object({ code: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$' }) }),
        body: Type.Omit(SeriesInputSchema, ['code']),
        response: { 200: SeriesSchema, ...h.problems(403) },
      },
    },
    async (req) => invoices.putSeries({ ...req.body, code: req.params.code }),
  );
  app.post<{ Body: InvoiceInput }>(
    '/invoices',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary: 'Issue an invoice: taxed, numbered without gaps, booked in the journal',
        description:
          'Idempotent by `reference` (the same content returns the stored invoice; other content is ' +
          '409 ERP_INVOICE_REFERENCE_CONFLICT, with PRICES_INCLUDE_TAX_CHANGED when only the price ' +
          'basis differs). `pricesIncludeTax: true` bills gross prices (tax extracted); the default is ' +
          'net prices. Tax errors (ERP_TAX_…) and a closed period ' +
          '(409 ERP_PERIOD_CLOSED) issue nothing and use no number.',
        tags,
        body: InvoiceInputSchema,
        response: { 201: InvoiceSchema, ...h.problems(400, 403, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await invoices.issue(req.body)),
  );
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/invoices',
    {
      config: read,
      schema: {
        summary: 'Invoices and credit notes (cursor pagination)',
        tags,
        querystring: ListQuery,
        response: { 200: Page(InvoiceSchema) },
      },
    },
    async (req) => invoices.list(req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/invoices/:id',
    {
      config: read,
      schema: {
        summary: 'An invoice or credit note',
        tags,
        params: IdParams,
        response: { 200: InvoiceSchema, ...h.problems(404) },
      },
    },
    async (req) => invoices.get(req.params.id),
  );
  app.post<{ Params: { id: string }; Body: CreditInput }>(
    '/invoices/:id/credit-notes',
    {
      config: h.ownedWrite('erp', { idempotent: true }),
      schema: {
        summary:
          'Credit (part of) an invoice with a credit note, taxed as the invoice was on the same price basis (net or gross)',
        description: '409 ERP_INVOICE_OVER_CREDIT lists lines asked beyond what is left to credit.',
        tags,
        params: IdParams,
        body: CreditInputSchema,
        response: { 201: InvoiceSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await invoices.credit(req.params.id, req.body)),
  );
  app.get<{ Params: { id: string } }>(
    '/invoices/:id/html',
    {
      config: read,
      schema: {
        summary: 'The invoice as a printable HTML document',
        tags,
        params: IdParams,
        produces: ['text/html'],
      },
    },
    async (req, reply) => reply.type('text/html; charset=utf-8').send(await invoices.html(req.params.id)),
  );
  app.get<{ Params: { id: string } }>(
    '/invoices/:id/pdf',
    {
      config: read,
      schema: { summary: 'The invoice as a PDF', tags, params: IdParams, produces: ['application/pdf'] },
    },
    async (req, reply) => {
      const inv = await invoices.get(req.params.id);
      return reply
        .type('application/pdf')
        .header(
          'content-disposition',
          `inline; filename="${inv.number.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf"`,
        )
        .send(await invoices.pdf(req.params.id));
    },
  );
}

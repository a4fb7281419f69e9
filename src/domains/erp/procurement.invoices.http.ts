import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { Page } from './ledger.schemas.js';
import { SUPPLIER_INVOICE_STATES } from './procurement.booking.js';
import {
  AfterQuery,
  CodeParam,
  IdParams,
  LimitQuery,
  PayablesSchema,
  StoredSupplierInvoiceSchema,
  type SupplierInvoiceDecision,
  SupplierInvoiceDecisionSchema,
  type SupplierInvoiceInput,
  SupplierInvoiceInputSchema,
} from './procurement.schemas.js';
import type { ProcurementService } from './procurement.service.js';

/**
 * Supplier invoices over REST: booking with the three-way match, release or rejection of a held
 * one, and the open payables. Registered by procurement.http.ts (same prefix, same rules: reads
 * need `erp:read`; writes are `ownedWrite('erp')`).
 */

const tags = ['erp'];
const InvoiceListQuery = Type.Object({
  poNumber: Type.Optional(CodeParam),
  supplier: Type.Optional(CodeParam),
  status: Type.Optional(
    Type.Union([
      Type.Literal('matched'),
      Type.Literal('matched_within_tolerance'),
      Type.Literal('exception'),
    ]),
  ),
  /** booked, held (awaiting review) or rejected. */
  state: Type.Optional(Type.Union(SUPPLIER_INVOICE_STATES.map((s) => Type.Literal(s)))),
  after: AfterQuery,
  limit: LimitQuery,
});
const PayablesQuery = Type.Object({
  supplier: Type.Optional(CodeParam),
  currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
});

export function registerSupplierInvoiceRoutes(
  app: FastifyInstance,
  h: HttpHelpers,
  procurement: ProcurementService,
): void {
  const read = h.requireScopes('erp:read');
  const write = h.ownedWrite('erp');
  const create = h.ownedWrite('erp', { idempotent: true });

  // ── Supplier invoices
  app.post<{ Body: SupplierInvoiceInput }>(
    '/supplier-invoices',
    {
      config: create,
      schema: {
        summary: 'Book a supplier invoice with its three-way match (PO, receipts, invoice)',
        description:
          'The result is stored: matched, matched_within_tolerance or exception, with discrepancies and ' +
          'amounts. A match (within tolerance) is booked in the same transaction (Dr GRNI at PO cost, ' +
          'Dr/Cr price variance, Dr input tax / Cr payables; `journalEntry`); an exception is held ' +
          'unbooked until released. 409 ERP_SUPPLIER_INVOICE_DUPLICATE for a number the supplier billed ' +
          'before; 409 ERP_PERIOD_CLOSED when the invoice date is in a closed period (nothing stored).',
        tags,
        body: SupplierInvoiceInputSchema,
        response: { 201: StoredSupplierInvoiceSchema, ...h.problems(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await procurement.createSupplierInvoice(req.body)),
  );
  app.get<{ Querystring: Static<typeof InvoiceListQuery> }>(
    '/supplier-invoices',
    {
      config: read,
      schema: {
        summary: 'Supplier invoices (cursor pagination)',
        tags,
        querystring: InvoiceListQuery,
        response: { 200: Page(StoredSupplierInvoiceSchema) },
      },
    },
    async (req) => procurement.listSupplierInvoices(req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/supplier-invoices/:id',
    {
      config: read,
      schema: {
        summary: 'A supplier invoice and its match',
        tags,
        params: IdParams,
        response: { 200: StoredSupplierInvoiceSchema, ...h.problems(404) },
      },
    },
    async (req) => procurement.getSupplierInvoice(req.params.id),
  );
  for (const kind of ['release', 'reject'] as const)
    app.post<{ Params: { id: string }; Body: SupplierInvoiceDecision }>(
      `/supplier-invoices/:id/${kind}`,
      {
        config: write,
        schema: {
          summary:
            kind === 'release'
              ? 'Release a held supplier invoice after review: it is booked (GRNI, price variance, input tax / payables)'
              : 'Reject a held supplier invoice after review: nothing is booked',
          description:
            'Body `{ "reason": "…" }`; who, when and why are recorded. 409 ERP_SUPPLIER_INVOICE_NOT_HELD ' +
            'unless the invoice is held (`state` says where it is)' +
            (kind === 'release' ? '; 409 ERP_PERIOD_CLOSED when today is in a closed period.' : '.'),
          tags,
          params: IdParams,
          body: SupplierInvoiceDecisionSchema,
          response: { 200: StoredSupplierInvoiceSchema, ...h.problems(400, 403, 404, 409) },
        },
      },
      async (req) =>
        kind === 'release'
          ? procurement.releaseSupplierInvoice(req.params.id, req.body)
          : procurement.rejectSupplierInvoice(req.params.id, req.body),
    );

  // ── Payables
  app.get<{ Querystring: Static<typeof PayablesQuery> }>(
    '/payables',
    {
      config: read,
      schema: {
        summary: 'Open payables: booked supplier invoice totals per supplier and currency',
        description: 'Payments are not recorded yet, so every booked invoice is open.',
        tags,
        querystring: PayablesQuery,
        response: { 200: PayablesSchema },
      },
    },
    async (req) => procurement.payables(req.query),
  );
}

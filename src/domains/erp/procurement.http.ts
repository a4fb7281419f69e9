import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { Page } from './ledger.schemas.js';
import { expectedVersion, IfMatchHeaders } from './price.http.js';
import { registerSupplierInvoiceRoutes } from './procurement.invoices.http.js';
import {
  AfterQuery,
  type AsnInput,
  AsnInputSchema,
  AsnSchema,
  CodeParam,
  IdParams,
  LimitQuery,
  type PoCommandBodySchema,
  type PurchaseOrderInput,
  PurchaseOrderInputSchema,
  PurchaseOrderSchema,
  type ReceiptInput,
  ReceiptInputSchema,
  StoredReceiptSchema,
  type SupplierInput,
  SupplierInputSchema,
  SupplierSchema,
} from './procurement.schemas.js';
import type { ProcurementService } from './procurement.service.js';
import { PO_STATUSES } from './procurement.types.js';
import type { PoView } from './procurement.views.js';

/**
 * Procurement over REST: suppliers, purchase orders and their commands (and the draft edit, with
 * ETag / If-Match as for price lists), receipts, advance ship notices; supplier invoices and
 * payables are in procurement.invoices.http.ts. Reads need `erp:read`; writes are `ownedWrite('erp')`.
 */

const tags = ['erp'];
const CodeParams = Type.Object({ code: CodeParam });
const NumberParams = Type.Object({ number: CodeParam });
const PoListQuery = Type.Object({
  supplier: Type.Optional(CodeParam),
  status: Type.Optional(Type.Union(PO_STATUSES.map((s) => Type.Literal(s)))),
  after: AfterQuery,
  limit: LimitQuery,
});
const AsnListQuery = Type.Object({
  poNumber: Type.Optional(CodeParam),
  after: AfterQuery,
  limit: LimitQuery,
});

/** A PO with its version as the ETag, for `If-Match` on the edit. */
function sendPo(reply: FastifyReply, po: PoView): FastifyReply {
  return reply.header('etag', `"${po.version}"`).send(po);
}

export function registerProcurementRoutes(
  app: FastifyInstance,
  h: HttpHelpers,
  procurement: ProcurementService,
): void {
  const read = h.requireScopes('erp:read');
  const write = h.ownedWrite('erp');
  const create = h.ownedWrite('erp', { idempotent: true });

  // ── Suppliers
  app.get<{ Querystring: { after?: string; limit?: number } }>(
    '/suppliers',
    {
      config: read,
      schema: {
        summary: 'Suppliers (cursor pagination)',
        tags,
        querystring: Type.Object({ after: AfterQuery, limit: LimitQuery }),
        response: { 200: Page(SupplierSchema) },
      },
    },
    async (req) => procurement.listSuppliers(req.query),
  );
  app.post<{ Body: SupplierInput }>(
    '/suppliers',
    {
      config: create,
      schema: {
        summary: 'Create a supplier (terms, per-SKU MOQ and pack sizes, tolerances)',
        description:
          '409 ERP_SUPPLIER_EXISTS when the code is taken; 422 ERP_SUPPLIER_INVALID lists every problem.',
        tags,
        body: SupplierInputSchema,
        response: { 201: SupplierSchema, ...h.problems(400, 403, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await procurement.createSupplier(req.body)),
  );
  app.get<{ Params: { code: string } }>(
    '/suppliers/:code',
    {
      config: read,
      schema: {
        summary: 'A supplier',
        tags,
        params: CodeParams,
        response: { 200: SupplierSchema, ...h.problems(404) },
      },
    },
    async (req) => procurement.getSupplier(req.params.code),
  );
  app.put<{ Params: { code: string }; Body: Omit<SupplierInput, 'code'> }>(
    '/suppliers/:code',
    {
      config: write,
      schema: {
        summary: 'Create or replace a supplier',
        tags,
        params: CodeParams,
        body: Type.Omit(SupplierInputSchema, ['code']),
        response: { 200: SupplierSchema, ...h.problems(400, 403, 422) },
      },
    },
    async (req) => procurement.putSupplier({ ...req.body, code: req.params.code }),
  );
  app.delete<{ Params: { code: string } }>(
    '/suppliers/:code',
    {
      config: write,
      schema: {
        summary: 'Delete a supplier no purchase order refers to',
        description: '409 ERP_SUPPLIER_IN_USE when purchase orders refer to it.',
        tags,
        params: CodeParams,
        response: { 204: Type.Null(), ...h.problems(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await procurement.deleteSupplier(req.params.code);
      return reply.code(204).send();
    },
  );

  // ── Purchase orders
  app.get<{ Querystring: Static<typeof PoListQuery> }>(
    '/purchase-orders',
    {
      config: read,
      schema: {
        summary: 'Purchase orders with received quantities derived from their receipts',
        tags,
        querystring: PoListQuery,
        response: { 200: Page(PurchaseOrderSchema) },
      },
    },
    async (req) => procurement.listPurchaseOrders(req.query),
  );
  app.post<{ Body: PurchaseOrderInput }>(
    '/purchase-orders',
    {
      config: create,
      schema: {
        summary: 'Create a purchase order (draft)',
        description:
          'Idempotent by `number`: the same content returns the stored PO; other content is 409 ERP_PO_EXISTS.',
        tags,
        body: PurchaseOrderInputSchema,
        response: { 201: PurchaseOrderSchema, ...h.problems(400, 403, 404, 409) },
      },
    },
    async (req, reply) => reply.code(201).send(await procurement.createPurchaseOrder(req.body)),
  );
  app.get<{ Params: { number: string } }>(
    '/purchase-orders/:number',
    {
      config: read,
      schema: {
        summary: 'A purchase order',
        tags,
        params: NumberParams,
        response: { 200: PurchaseOrderSchema, ...h.problems(404) },
      },
    },
    async (req, reply) => sendPo(reply, await procurement.getPurchaseOrder(req.params.number)),
  );
  app.put<{
    Params: { number: string };
    Body: Omit<PurchaseOrderInput, 'number'>;
    Headers: { 'if-match'?: string };
  }>(
    '/purchase-orders/:number',
    {
      config: write,
      schema: {
        summary: 'Edit a draft purchase order (replaced whole)',
        description:
          'Only a draft: 409 ERP_PO_NOT_EDITABLE once sent (nothing is written). `If-Match` with the ETag ' +
          'of the version the edit is based on refuses (409 ERP_PO_VERSION_CONFLICT) overwriting a newer ' +
          'one. The same content again makes no new version.',
        tags,
        params: NumberParams,
        headers: IfMatchHeaders,
        body: Type.Omit(PurchaseOrderInputSchema, ['number']),
        response: { 200: PurchaseOrderSchema, ...h.problems(400, 403, 404, 409) },
      },
    },
    async (req, reply) =>
      sendPo(
        reply,
        await procurement.editPurchaseOrder(req.params.number, req.body, {
          expectedVersion: expectedVersion(req.headers['if-match']),
        }),
      ),
  );
  app.post<{ Params: { number: string } }>(
    '/purchase-orders/:number/send',
    {
      config: write,
      schema: {
        summary: 'Send a draft: validated against the supplier terms; ordered units become inbound',
        description:
          '422 ERP_PO_INVALID lists every problem; 409 ERP_PO_TRANSITION_INVALID when not a draft.',
        tags,
        params: NumberParams,
        response: { 200: PurchaseOrderSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req) => procurement.send(req.params.number),
  );
  // The body `{ reason? }` is optional, so it is not declared as a schema (Fastify would require
  // one); the lifecycle checks the reason (400 ERP_PO_COMMAND_INVALID).
  for (const kind of ['cancel', 'close'] as const)
    app.post<{ Params: { number: string }; Body: Static<typeof PoCommandBodySchema> | undefined }>(
      `/purchase-orders/:number/${kind}`,
      {
        config: write,
        schema: {
          summary:
            kind === 'cancel'
              ? 'Cancel a draft or sent purchase order; its inbound is released'
              : 'Close a (partially) received purchase order; closing short needs a reason and releases the rest',
          tags,
          description: 'Optional JSON body `{ "reason": "…" }` (1–500 characters).',
          params: NumberParams,
          response: { 200: PurchaseOrderSchema, ...h.problems(403, 404, 409, 422) },
        },
      },
      async (req) => procurement[kind](req.params.number, { reason: req.body?.reason }),
    );

  // ── Receipts
  app.post<{ Params: { number: string }; Body: ReceiptInput }>(
    '/purchase-orders/:number/receipts',
    {
      config: create,
      schema: {
        summary: 'Receive goods against a purchase order (optionally an ASN)',
        description:
          'Posts receipt movements at the ship-to location and the journal entry (inventory / GRNI) at PO ' +
          'cost in one transaction. Idempotent by receipt id. 409 ERP_PO_OVER_RECEIPT lists the lines ' +
          'beyond tolerance; 422 ERP_PO_SKU_NOT_ON_ORDER, ERP_PO_RECEIPT_INVALID; nothing is written then.',
        tags,
        params: NumberParams,
        body: ReceiptInputSchema,
        response: { 201: StoredReceiptSchema, ...h.problems(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await procurement.receive(req.params.number, req.body)),
  );
  app.get<{ Params: { number: string } }>(
    '/purchase-orders/:number/receipts',
    {
      config: read,
      schema: {
        summary: "A purchase order's receipts, in the order applied (with ASN discrepancy reports)",
        tags,
        params: NumberParams,
        response: { 200: Type.Object({ items: Type.Array(StoredReceiptSchema) }), ...h.problems(404) },
      },
    },
    async (req) => ({ items: await procurement.listReceipts(req.params.number) }),
  );

  // ── Advance ship notices
  app.post<{ Body: AsnInput }>(
    '/asns',
    {
      config: create,
      schema: {
        summary: 'Record an advance ship notice for a purchase order',
        tags,
        body: AsnInputSchema,
        response: { 201: AsnSchema, ...h.problems(400, 403, 404, 409, 422) },
      },
    },
    async (req, reply) => reply.code(201).send(await procurement.createAsn(req.body)),
  );
  app.get<{ Querystring: Static<typeof AsnListQuery> }>(
    '/asns',
    {
      config: read,
      schema: {
        summary: 'Advance ship notices',
        tags,
        querystring: AsnListQuery,
        response: { 200: Page(AsnSchema) },
      },
    },
    async (req) => procurement.listAsns(req.query),
  );
  app.get<{ Params: { id: string } }>(
    '/asns/:id',
    {
      config: read,
      schema: {
        summary: 'An advance ship notice',
        tags,
        params: IdParams,
        response: { 200: AsnSchema, ...h.problems(404) },
      },
    },
    async (req) => procurement.getAsn(req.params.id),
  );

  registerSupplierInvoiceRoutes(app, h, procurement);
}

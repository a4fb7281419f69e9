import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import type { TaxService } from './tax.service.js';
import type { TaxDocument, TaxRuleSet } from './tax.types.js';

/**
 * Tax rule sets (versioned) and quotes. Bodies are checked by the engine's own validation, which
 * lists every problem with its path (a JSON schema here would report them less precisely).
 */

const tags = ['erp'];
const Version = Type.Object({
  id: Type.String(),
  version: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  actor: Type.String(),
});
const Stored = Type.Composite([Version, Type.Object({ ruleSet: Type.Any() })]);
const IdParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,63}$' }) });

export function registerTaxRoutes(app: FastifyInstance, h: HttpHelpers, tax: TaxService): void {
  const read = h.requireScopes('erp:read');

  app.get(
    '/tax/rule-sets',
    {
      config: read,
      schema: {
        summary: 'Tax rule sets: the version in force of each',
        tags,
        response: { 200: Type.Object({ items: Type.Array(Version) }) },
      },
    },
    async () => ({ items: await tax.list() }),
  );
  app.get<{ Params: { id: string }; Querystring: { version?: string } }>(
    '/tax/rule-sets/:id',
    {
      config: read,
      schema: {
        summary: 'A tax rule set (the version in force, or `?version=`)',
        tags,
        params: IdParams,
        querystring: Type.Object({ version: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Stored, ...h.problems(404) },
      },
    },
    async (req) => tax.get(req.params.id, req.query.version),
  );
  app.get<{ Params: { id: string } }>(
    '/tax/rule-sets/:id/versions',
    {
      config: read,
      schema: {
        summary: 'Every stored version of a tax rule set, oldest first',
        tags,
        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(Version) }), ...h.problems(404) },
      },
    },
    async (req) => ({ items: await tax.versions(req.params.id) }),
  );
  app.put<{ Params: { id: string }; Body: TaxRuleSet }>(
    '/tax/rule-sets/:id',
    {
      config: h.ownedWrite('erp'),
      schema: {
        summary: 'Store a new version of a tax rule set (in force from now)',
        description:
          '422 ERP_TAX_RULESET_INVALID lists every problem (`field` is a path such as ' +
          '`jurisdictions[3].rules[0].rate`); 409 ERP_TAX_RULESET_VERSION_EXISTS when the version is ' +
          "stored with other content. The body's `id` must equal the path's (400 otherwise).",
        tags,
        params: IdParams,
        body: Type.Object({ id: Type.String(), version: Type.String() }, { additionalProperties: true }),
        response: { 200: Stored, ...h.problems(400, 403, 409, 422) },
      },
    },
    async (req) => {
      if (req.body.id !== req.params.id)
        throw KernelErrors.VALIDATION_FAILED.create(`body id "${req.body.id}" differs from the path's`, {
          errors: [{ path: '/body/id', message: 'must equal the id in the path' }],
        });
      return tax.put(req.body);
    },
  );
  app.post<{ Body: { ruleSet: string; version?: string; document: TaxDocument } }>(
    '/tax/quote',
    {
      config: read,
      schema: {
        summary: 'Tax for a document, explained line by line (no effects)',
        description:
          'Errors name the field at fault in `field`: ERP_TAX_DOCUMENT_INVALID, ' +
          'ERP_TAX_JURISDICTION_UNKNOWN, ERP_TAX_CLASS_UNKNOWN, ERP_TAX_RULE_NOT_FOUND, ' +
          'ERP_TAX_VAT_ID_MISSING, ERP_TAX_EXEMPTION_MISSING …',
        tags,
        body: Type.Object(
          {
            ruleSet: Type.String(),
            version: Type.Optional(Type.String()),
            document: Type.Object({}, { additionalProperties: true }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Any(), ...h.problems(404, 422) },
      },
    },
    async (req) => tax.quote(req.body.ruleSet, req.body.document, req.body.version),
  );
}

import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import { PimErrors } from './errors.js';
import {
  ActionParams,
  BulkTransitionBody,
  BulkTransitionSchema,
  IdParams,
  TransitionBody,
  TransitionResultSchema,
} from './pim.schemas.js';
import type { PimServices } from './pim.services.js';
import type { TransitionResult, WorkflowAction } from './workflow.service.js';

/**
 * Workflow transitions, for one product or thousands. Routes need only `pim:read`: the service
 * decides by role (editor `pim:write`: submit/reopen; reviewer `pim:review`: approve/reject;
 * publisher `pim:publish`: publish/retire) and answers 403 PIM_ROLE_REQUIRED, so the role rules
 * live in one place for the API, the CLI and flows.
 */

const tags = ['pim'];

const ROLES =
  'Roles: submit/reopen need `pim:write`, approve/reject `pim:review`, publish/retire `pim:publish` ' +
  '(403 PIM_ROLE_REQUIRED otherwise). A rejection needs a comment.';

/**
 * One product's failed transition as the error a single-product request answers with. The codes
 * are the ones the service puts in a result's `errors`; anything else (a listing the channel's
 * rules cannot render) makes the product unpublishable as it stands.
 */
function failure(result: TransitionResult, action: string) {
  const errors = result.errors ?? [];
  const detail = errors.map((e) => e.message).join('; ') || `cannot ${action} product ${result.id}`;
  const extensions = { id: result.id, status: result.status, errors, skipped: result.skipped };
  const codes = new Set(errors.map((e) => e.code));
  for (const spec of [
    PimErrors.PRODUCT_NOT_FOUND,
    PimErrors.TRANSITION_INVALID,
    PimErrors.PRODUCT_INCOMPLETE,
  ])
    if (codes.has(spec.code)) return spec.create(detail, extensions);
  return PimErrors.RULES_INVALID.create(
    `the channel rules cannot render product ${result.id}: ${detail}`,
    extensions,
  );
}

export function registerWorkflowRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  const { workflow } = pim;

  app.post<{ Params: { id: string }; Body: Static<typeof TransitionBody> }>(
    '/products/:id/transitions',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: 'Move a product through the workflow',
        description:
          `${ROLES} 409 PIM_TRANSITION_INVALID when the product's status does not allow the action; ` +
          'publish answers 422 PIM_PRODUCT_INCOMPLETE (with `errors` and `skipped`) when the product is ' +
          'complete for no requested channel × locale.',
        tags,
        params: IdParams,
        body: TransitionBody,
        response: { 200: TransitionResultSchema, ...h.problems(403, 404, 409, 422) },
      },
    },
    async (req) => {
      const { action, ...options } = req.body;
      const [result] = await workflow.transition(action as WorkflowAction, [req.params.id], options);
      if (!result?.ok) throw failure(result ?? { id: req.params.id, ok: false }, action);
      return result;
    },
  );

  app.post<{ Params: { action: string }; Body: Static<typeof BulkTransitionBody> }>(
    '/workflow/:action',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: 'Apply a workflow action to many products',
        description:
          `${ROLES} Each product succeeds or fails alone: \`results\` has one entry per id (in request ` +
          'order, duplicates once), with `errors` for those that failed.',
        tags,
        params: ActionParams,
        body: BulkTransitionBody,
        response: { 200: BulkTransitionSchema, ...h.problems(403, 404, 409) },
      },
    },
    async (req) => {
      const { ids, ...options } = req.body;
      const results = await workflow.transition(req.params.action as WorkflowAction, ids, options);
      const succeeded = results.filter((r) => r.ok).length;
      return { results, succeeded, failed: results.length - succeeded };
    },
  );
}

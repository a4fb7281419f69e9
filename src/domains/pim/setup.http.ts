import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../../kernel/errors.js';
import type { HttpHelpers } from '../../kernel/ports/http.js';
import {
  AttributeInput,
  CategoryInput,
  ChannelInput,
  FamilyInput,
  ProductModelInput,
} from './catalog.schemas.js';
import {
  AttributeSchema,
  bodyWithPathCode,
  CategorySchema,
  ChannelRulesSchema,
  ChannelSchema,
  CodeParams,
  FamilySchema,
  Items,
  ModelSchema,
} from './pim.schemas.js';
import type { PimServices } from './pim.services.js';
import { SyndicationRulesInput } from './syndication.rules.js';

/**
 * The catalog setup (channels, attributes, families, categories), product models and per-channel
 * syndication rules. Definitions are addressed by code: `PUT /…/:code` creates or replaces, and
 * the body need not repeat the code. Writes are `ownedWrite('pim')`: the services refuse and audit
 * callers without `pim:write`.
 */

const tags = ['pim'];
type CodeReq<B = unknown> = { Params: { code: string }; Body: B };

/** The definition to store: the body with the path's code (a different code in the body is a 400). */
function withCode<B extends { code?: string }>(code: string, body: B): B & { code: string } {
  if (body.code !== undefined && body.code !== code)
    throw KernelErrors.VALIDATION_FAILED.create(
      `body code "${body.code}" differs from the path's "${code}"`,
      {
        errors: [{ path: '/body/code', message: 'must equal the code in the path' }],
      },
    );
  return { ...body, code };
}

interface Definition<I extends TSchema> {
  /** Path segment: `channels`, `attributes` … */
  path: string;
  /** For summaries: `channel`, `attribute` … */
  noun: string;
  input: I & { properties: { code: TSchema } };
  output: TSchema;
  list(): Promise<unknown[]>;
  get(code: string): Promise<unknown>;
  put(input: Static<I>): Promise<unknown>;
  /** Problems a PUT can answer beyond validation and ownership. */
  putProblems: number[];
}

/** GET list, GET one, PUT one: the same three routes for every kind of definition. */
function definitionRoutes<I extends TSchema>(app: FastifyInstance, h: HttpHelpers, d: Definition<I>): void {
  app.get(
    `/${d.path}`,
    {
      config: h.requireScopes('pim:read'),
      schema: { summary: `All ${d.noun} definitions`, tags, response: { 200: Items(d.output) } },
    },
    async () => ({ items: await d.list() }),
  );
  app.get<CodeReq>(
    `/${d.path}/:code`,
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: `One ${d.noun}`,
        tags,
        params: CodeParams,
        response: { 200: d.output, ...h.problems(404) },
      },
    },
    async (req) => d.get(req.params.code),
  );
  app.put<CodeReq<Static<I> & { code?: string }>>(
    `/${d.path}/:code`,
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: `Create or replace a ${d.noun}`,
        description: `Writing needs \`pim:write\` (403 OWNERSHIP_VIOLATION otherwise, audited).`,
        tags,
        params: CodeParams,
        body: bodyWithPathCode(d.input as any),
        response: { 200: d.output, ...h.problems(403, ...d.putProblems) },
      },
    },
    async (req) => d.put(withCode(req.params.code, req.body as { code?: string }) as Static<I>),
  );
}

export function registerSetupRoutes(app: FastifyInstance, h: HttpHelpers, pim: PimServices): void {
  const { setup, models, rules } = pim;
  definitionRoutes(app, h, {
    path: 'channels',
    noun: 'channel',
    input: ChannelInput,
    output: ChannelSchema,
    list: () => setup.listChannels(),
    get: (code) => setup.getChannel(code),
    put: (input) => setup.putChannel(input),
    putProblems: [404, 422],
  });
  definitionRoutes(app, h, {
    path: 'attributes',
    noun: 'attribute',
    input: AttributeInput,
    output: AttributeSchema,
    list: () => setup.listAttributes(),
    get: (code) => setup.getAttribute(code),
    put: (input) => setup.putAttribute(input),
    putProblems: [422],
  });
  definitionRoutes(app, h, {
    path: 'families',
    noun: 'family',
    input: FamilyInput,
    output: FamilySchema,
    list: () => setup.listFamilies(),
    get: (code) => setup.getFamily(code),
    put: (input) => setup.putFamily(input),
    putProblems: [422],
  });
  definitionRoutes(app, h, {
    path: 'models',
    noun: 'product model',
    input: ProductModelInput,
    output: ModelSchema,
    list: () => models.list(),
    get: (code) => models.get(code),
    put: (input) => models.put(input),
    putProblems: [422],
  });

  // Categories form a tree read whole (ordered by path), so there is no single-category GET.
  app.get(
    '/categories',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        summary: 'The category tree, parents before children',
        tags,
        response: { 200: Items(CategorySchema) },
      },
    },
    async () => ({ items: await setup.listCategories() }),
  );
  app.put<CodeReq<Omit<CategoryInput, 'code'> & { code?: string }>>(
    '/categories/:code',
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: 'Create or move a category (moving re-roots its subtree)',
        tags,
        params: CodeParams,
        body: bodyWithPathCode(CategoryInput),
        response: { 200: CategorySchema, ...h.problems(403, 404, 422) },
      },
    },
    async (req) => setup.putCategory(withCode(req.params.code, req.body)),
  );
  app.delete<CodeReq>(
    '/categories/:code',
    {
      config: h.ownedWrite('pim'),
      schema: {
        summary: 'Delete a category without sub-categories or products',
        tags,
        params: CodeParams,
        response: { 204: Type.Null(), ...h.problems(403, 404, 409) },
      },
    },
    async (req, reply) => {
      await setup.deleteCategory(req.params.code);
      return reply.code(204).send();
    },
  );

  app.get<CodeReq>(
    '/channels/:code/rules',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        tags,
        params: CodeParams,
        summary: "The channel's current syndication rules (version 0: the implicit default)",
        response: { 200: ChannelRulesSchema, ...h.problems(404) },
      },
    },
    async (req) => rules.current(req.params.code),
  );
  app.put<CodeReq<SyndicationRulesInput>>(
    '/channels/:code/rules',
    {
      config: h.ownedWrite('pim'),
      schema: {
        tags,
        params: CodeParams,
        summary: "Store a new version of the channel's syndication rules",
        body: SyndicationRulesInput,
        response: { 200: ChannelRulesSchema, ...h.problems(403, 404, 422) },
      },
    },
    async (req) => rules.put(req.params.code, req.body),
  );
  app.get<CodeReq>(
    '/channels/:code/rules/history',
    {
      config: h.requireScopes('pim:read'),
      schema: {
        tags,
        params: CodeParams,
        summary: "Every version of the channel's syndication rules, newest first",
        response: { 200: Items(ChannelRulesSchema), ...h.problems(404) },
      },
    },
    async (req) => {
      await setup.getChannel(req.params.code);
      return { items: await rules.history(req.params.code) };
    },
  );
}

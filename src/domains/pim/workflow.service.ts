import { KernelErrors } from '../../kernel/errors.js';
import type { EventInput } from '../../kernel/events.js';
import { newId } from '../../kernel/ids.js';
import { assertOwnership, hasRole, mayWrite } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import { loadSnapshot } from './catalog.repo.js';
import type { CatalogSnapshot, FieldError, ProductValues } from './catalog.types.js';
import { effectiveValues } from './completeness.js';
import { PimErrors } from './errors.js';
import { ProductPublished, ProductRetired } from './events.js';
import { renderListing } from './listing.render.js';
import { author } from './product.service.js';
import type { RulesCache } from './rules.service.js';
import type { PimProductRow } from './schema.js';
import { chunked } from './sql.js';

/**
 * The approval workflow: draft → in review → approved → published → retired, each step gated by
 * a role and recorded (who, when, comment). Publishing renders each listing with the channel's
 * rules and emits it; a product reaches a channel × locale only when approved and complete there.
 */

export const WORKFLOW_ACTIONS = {
  submit: { from: ['draft'], to: 'in_review', role: 'editor' },
  approve: { from: ['in_review'], to: 'approved', role: 'reviewer' },
  reject: { from: ['in_review'], to: 'draft', role: 'reviewer' },
  publish: { from: ['approved', 'published'], to: 'published', role: 'publisher' },
  retire: { from: ['published'], to: 'retired', role: 'publisher' },
  reopen: { from: ['retired'], to: 'draft', role: 'editor' },
} as const;
export type WorkflowAction = keyof typeof WORKFLOW_ACTIONS;
export const STATUSES = ['draft', 'in_review', 'approved', 'published', 'retired'] as const;

const ROLE_CHECK = {
  editor: () => mayWrite('pim'),
  reviewer: () => hasRole('pim:review'),
  publisher: () => hasRole('pim:publish'),
} as const;
const ROLE_SCOPE = { editor: 'pim:write', reviewer: 'pim:review', publisher: 'pim:publish' } as const;

const BATCH = 500;

export interface TransitionOptions {
  comment?: string;
  /** publish/retire: only these channels (default: every channel). */
  channels?: string[];
}

export interface TransitionResult {
  id: string;
  ok: boolean;
  status?: string;
  /** publish: the channel × locale pairs now live, and those skipped as incomplete. */
  published?: { channel: string; locale: string }[];
  skipped?: { channel: string; locale: string; missing: string[] }[];
  errors?: FieldError[];
}

export function createWorkflowService(deps: DomainDeps, rulesCache: RulesCache) {
  const { store, bus, clock, audit } = deps;

  async function modelValues(tx: Tx, rows: PimProductRow[]): Promise<Map<string, ProductValues>> {
    const out = new Map<string, ProductValues>();
    const codes = [...new Set(rows.map((r) => r.parent).filter((p): p is string => !!p))];
    for (const part of chunked(codes, 500)) {
      const ms = await tx
        .selectFrom('pim_models')
        .select(['code', 'values'])
        .where('code', 'in', part)
        .execute();
      for (const m of ms) out.set(m.code as string, JSON.parse(m.values as string));
    }
    return out;
  }

  async function completenessOf(tx: Tx, ids: string[]) {
    const out = new Map<string, Map<string, { ratio: number; missing: string[] }>>();
    for (const part of chunked(ids, 500)) {
      const rows = await tx
        .selectFrom('pim_completeness')
        .selectAll()
        .where('product_id', 'in', part)
        .execute();
      for (const r of rows) {
        const m = out.get(r.product_id as string) ?? new Map();
        m.set(`${r.channel}|${r.locale}`, {
          ratio: Number(r.ratio),
          missing: JSON.parse(r.missing as string),
        });
        out.set(r.product_id as string, m);
      }
    }
    return out;
  }

  /** Render and store the listings of approved products; events for every listing published. */
  async function publishRows(
    tx: Tx,
    snap: CatalogSnapshot,
    rows: PimProductRow[],
    opts: TransitionOptions,
    now: string,
  ) {
    const channels = opts.channels ?? [...snap.channels.keys()];
    const models = await modelValues(tx, rows);
    const complete = await completenessOf(
      tx,
      rows.map((r) => r.id),
    );
    const rules = new Map<string, Awaited<ReturnType<RulesCache['current']>>>();
    for (const c of channels) rules.set(c, await rulesCache.current(tx, snap, c));
    const results = new Map<string, TransitionResult>();
    const listings: Record<string, unknown>[] = [];
    const events: EventInput[] = [];
    for (const row of rows) {
      const result: TransitionResult = {
        id: row.id,
        ok: true,
        status: 'published',
        published: [],
        skipped: [],
      };
      const values = effectiveValues(row.parent ? models.get(row.parent) : undefined, JSON.parse(row.values));
      const product = {
        sku: row.sku,
        family: row.family,
        parent: row.parent,
        categories: JSON.parse(row.categories),
        values,
      };
      for (const c of channels) {
        const channel = snap.channels.get(c)!;
        const { version: rulesVersion, rules: compiled } = rules.get(c)!;
        for (const locale of channel.locales) {
          const state = complete.get(row.id)?.get(`${c}|${locale}`);
          if (!state || state.ratio < 100) {
            result.skipped!.push({ channel: c, locale, missing: state?.missing ?? [] });
            continue;
          }
          const rendered = await renderListing(snap, channel, locale, compiled, product);
          if (!rendered.ok) {
            result.ok = false;
            result.errors = [...(result.errors ?? []), ...rendered.errors];
            continue;
          }
          const { title, prices, content } = rendered.listing;
          result.published!.push({ channel: c, locale });
          listings.push({
            product_id: row.id,
            channel: c,
            locale,
            sku: row.sku,
            status: 'published',
            product_version: Number(row.version),
            rules_version: rulesVersion,
            payload: JSON.stringify(content),
            published_at: now,
          });
          events.push(
            ProductPublished.input(
              row.id,
              {
                productId: row.id,
                sku: row.sku,
                channel: c,
                locale,
                version: Number(row.version),
                rulesVersion,
                family: row.family,
                parent: row.parent,
                title,
                prices,
                content,
              },
              { aggregateVersion: Number(row.version) },
            ),
          );
        }
      }
      if (result.ok && result.published!.length === 0) {
        result.ok = false;
        result.errors = [
          {
            field: 'completeness',
            code: PimErrors.PRODUCT_INCOMPLETE.code,
            message: 'not complete for any requested channel and locale',
          },
        ];
      }
      if (!result.ok) {
        // Nothing of a failed product goes out: drop its listings and events from this batch.
        for (let i = listings.length - 1; i >= 0; i--)
          if (listings[i]!.product_id === row.id) listings.splice(i, 1);
        for (let i = events.length - 1; i >= 0; i--) if (events[i]!.subject === row.id) events.splice(i, 1);
        result.published = [];
      }
      results.set(row.id, result);
    }
    for (const part of chunked(listings, 400))
      await tx
        .insertInto('pim_listings')
        .values(part)
        .onConflict((oc) =>
          oc.columns(['channel', 'locale', 'product_id']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            product_version: eb.ref('excluded.product_version'),
            rules_version: eb.ref('excluded.rules_version'),
            payload: eb.ref('excluded.payload'),
            published_at: eb.ref('excluded.published_at'),
          })),
        )
        .execute();
    await bus.append(tx, events);
    return results;
  }

  async function retireRows(tx: Tx, rows: PimProductRow[], opts: TransitionOptions) {
    const results = new Map<string, TransitionResult>();
    const events: EventInput[] = [];
    for (const part of chunked(rows, 500)) {
      let q = tx
        .selectFrom('pim_listings')
        .select(['product_id', 'channel', 'locale', 'sku', 'product_version'])
        .where(
          'product_id',
          'in',
          part.map((r) => r.id),
        )
        .where('status', '=', 'published');
      if (opts.channels) q = q.where('channel', 'in', opts.channels);
      const listings = await q.execute();
      for (const l of listings)
        events.push(
          ProductRetired.input(l.product_id as string, {
            productId: l.product_id as string,
            sku: l.sku as string,
            channel: l.channel as string,
            locale: l.locale as string,
            version: Number(l.product_version),
          }),
        );
      let u = tx
        .updateTable('pim_listings')
        .set({ status: 'retired' })
        .where(
          'product_id',
          'in',
          part.map((r) => r.id),
        );
      if (opts.channels) u = u.where('channel', 'in', opts.channels);
      await u.execute();
    }
    await bus.append(tx, events);
    for (const r of rows) results.set(r.id, { id: r.id, ok: true, status: 'retired' });
    return results;
  }

  return {
    /** Apply a workflow action to products (thousands at a time); each product succeeds or fails alone. */
    async transition(
      action: WorkflowAction,
      ids: readonly string[],
      opts: TransitionOptions = {},
    ): Promise<TransitionResult[]> {
      const spec = WORKFLOW_ACTIONS[action];
      if (!spec) throw PimErrors.TRANSITION_INVALID.create(`unknown workflow action "${action}"`);
      if (!ROLE_CHECK[spec.role]())
        throw PimErrors.ROLE_REQUIRED.create(
          `"${action}" needs the ${spec.role} role (scope ${ROLE_SCOPE[spec.role]})`,
          {
            action,
            role: spec.role,
            scope: ROLE_SCOPE[spec.role],
          },
        );
      if (action === 'reject' && !opts.comment?.trim())
        throw KernelErrors.VALIDATION_FAILED.create('a rejection needs a comment saying what to change', {
          errors: [{ field: 'comment', code: 'COMMENT_REQUIRED', message: 'say what to change' }],
        });
      const actor = author();
      const out: TransitionResult[] = [];
      for (const part of chunked([...new Set(ids)], BATCH)) {
        const results = await store.tx(async (tx) => {
          const snap = await loadSnapshot(tx);
          for (const c of opts.channels ?? [])
            if (!snap.channels.has(c))
              throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${c}" does not exist`, { channel: c });
          const rows = (await tx
            .selectFrom('pim_products')
            .selectAll()
            .where('id', 'in', part)
            .execute()) as PimProductRow[];
          const byId = new Map(rows.map((r) => [r.id, r]));
          const eligible = rows.filter((r) => (spec.from as readonly string[]).includes(r.status));
          const now = clock.now().toISOString();
          const done =
            action === 'publish'
              ? await publishRows(tx, snap, eligible, opts, now)
              : action === 'retire'
                ? await retireRows(tx, eligible, opts)
                : new Map(
                    eligible.map((r) => [r.id, { id: r.id, ok: true, status: spec.to } as TransitionResult]),
                  );
          const log: Record<string, unknown>[] = [];
          const moved: string[] = [];
          const results = part.map((id): TransitionResult => {
            const row = byId.get(id);
            if (!row)
              return {
                id,
                ok: false,
                errors: [
                  { field: 'id', code: PimErrors.PRODUCT_NOT_FOUND.code, message: `no product ${id}` },
                ],
              };
            const r = done.get(id);
            if (!r)
              return {
                id,
                ok: false,
                status: row.status,
                errors: [
                  {
                    field: 'status',
                    code: PimErrors.TRANSITION_INVALID.code,
                    message: `cannot ${action} a product that is ${row.status}`,
                  },
                ],
              };
            if (r.ok) {
              moved.push(id);
              log.push({
                id: newId('wfl'),
                product_id: id,
                action,
                from_status: row.status,
                to_status: spec.to,
                actor,
                comment: opts.comment ?? null,
                at: now,
              });
            }
            return r;
          });
          for (const ids2 of chunked(moved, 500))
            await tx.updateTable('pim_products').set({ status: spec.to }).where('id', 'in', ids2).execute();
          for (const rowsPart of chunked(log, 500))
            await tx.insertInto('pim_workflow_log').values(rowsPart).execute();
          if (opts.comment && moved.length > 0)
            for (const rowsPart of chunked(moved, 500))
              await tx
                .insertInto('pim_comments')
                .values(
                  rowsPart.map((id) => ({
                    id: newId('cmt'),
                    product_id: id,
                    author: actor,
                    body: opts.comment!,
                    at: now,
                  })),
                )
                .execute();
          if (moved.length > 0)
            await audit.record(tx, {
              action: `pim.workflow.${action}`,
              target: moved.length === 1 ? moved[0]! : `products:${moved.length}`,
              after: { ids: moved, to: spec.to },
            });
          return results;
        });
        out.push(...results);
      }
      return out;
    },

    async history(productId: string) {
      const rows = await store.db
        .selectFrom('pim_workflow_log')
        .selectAll()
        .where('product_id', '=', productId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        action: r.action as string,
        from: r.from_status as string,
        to: r.to_status as string,
        actor: r.actor as string,
        comment: (r.comment as string | null) ?? null,
        at: r.at as string,
      }));
    },

    /** Editors, reviewers and publishers discuss a product; anyone else is refused and audited. */
    async comment(productId: string, body: string) {
      if (!hasRole('pim:review') && !hasRole('pim:publish'))
        await assertOwnership(deps, 'pim', `product:${productId}`, ['comments']);
      const text = body.trim();
      if (text.length === 0 || text.length > 10_000)
        throw PimErrors.DEFINITION_INVALID.create('a comment has 1 to 10,000 characters');
      return store.tx(async (tx) => {
        const exists = await tx
          .selectFrom('pim_products')
          .select('id')
          .where('id', '=', productId)
          .executeTakeFirst();
        if (!exists) throw PimErrors.PRODUCT_NOT_FOUND.create(`product ${productId} does not exist`);
        const row = {
          id: newId('cmt'),
          product_id: productId,
          author: author(),
          body: text,
          at: clock.now().toISOString(),
        };
        await tx.insertInto('pim_comments').values(row).execute();
        return { id: row.id, author: row.author, body: row.body, at: row.at };
      });
    },

    async comments(productId: string) {
      const rows = await store.db
        .selectFrom('pim_comments')
        .selectAll()
        .where('product_id', '=', productId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id as string,
        author: r.author as string,
        body: r.body as string,
        at: r.at as string,
      }));
    },

    async listings(productId: string) {
      const rows = await store.db
        .selectFrom('pim_listings')
        .selectAll()
        .where('product_id', '=', productId)
        .orderBy('channel')
        .orderBy('locale')
        .execute();
      return rows.map((r) => ({
        channel: r.channel as string,
        locale: r.locale as string,
        status: r.status as string,
        productVersion: Number(r.product_version),
        rulesVersion: Number(r.rules_version),
        content: JSON.parse(r.payload as string),
        publishedAt: r.published_at as string,
      }));
    },
  };
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;

import type { EventInput } from '../../kernel/events.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import { chunked, insertRows, selectByKeys } from '../../kernel/sql.js';
import type { CatalogSnapshot } from './catalog.types.js';
import { effectiveValues } from './completeness.js';
import { PimErrors } from './errors.js';
import { ProductPublished, ProductRetired } from './events.js';
import { renderListing } from './listing.render.js';
import { loadModels } from './product.lookups.js';
import type { RulesCache } from './rules.service.js';
import type { PimProductRow } from './schema.js';
import type { TransitionOptions, TransitionResult } from './workflow.types.js';

/**
 * What publishing and retiring do to listings: render each channel × locale where a product is
 * complete with the channel's current rules, store the listing and emit it; or withdraw listings.
 * The workflow service decides who may and when; this decides what goes out.
 */
const LISTING_COLUMNS = [
  'product_id',
  'channel',
  'locale',
  'sku',
  'status',
  'product_version',
  'rules_version',
  'payload',
  'published_at',
] as const;
const LISTING_UPSERT = `on conflict ("channel", "locale", "product_id") do update set ${LISTING_COLUMNS.slice(
  4,
)
  .map((c) => `"${c}" = excluded."${c}"`)
  .join(', ')}`;

export function createPublisher(deps: DomainDeps, rulesCache: RulesCache) {
  const { bus } = deps;

  async function completenessOf(tx: Tx, ids: string[]) {
    const out = new Map<string, Map<string, { ratio: number; missing: string[] }>>();
    const rows = await selectByKeys<Record<string, string>>(
      tx,
      deps.store.dialect,
      'pim_completeness',
      ['product_id'],
      ids.map((id) => [id]),
      ['product_id', 'channel', 'locale', 'ratio', 'missing'],
    );
    for (const r of rows) {
      const m = out.get(r.product_id!) ?? new Map();
      m.set(`${r.channel}|${r.locale}`, { ratio: Number(r.ratio), missing: JSON.parse(r.missing!) });
      out.set(r.product_id!, m);
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
    const models = await loadModels(tx, deps.store.dialect, [
      ...new Set(rows.map((r) => r.parent).filter((p): p is string => !!p)),
    ]);
    const complete = await completenessOf(
      tx,
      rows.map((r) => r.id),
    );
    const rules = new Map<string, Awaited<ReturnType<RulesCache['current']>>>();
    for (const c of channels) rules.set(c, await rulesCache.current(tx, snap, c));
    const results = new Map<string, TransitionResult>();
    const listings: unknown[][] = [];
    const events: EventInput[] = [];
    for (const row of rows) {
      // Gathered per product: a product that fails sends nothing, whatever it rendered before.
      const mine: unknown[][] = [];
      const myEvents: EventInput[] = [];
      const result: TransitionResult = {
        id: row.id,
        ok: true,
        status: 'published',
        published: [],
        skipped: [],
      };
      const values = effectiveValues(
        row.parent ? models.get(row.parent)?.values : undefined,
        JSON.parse(row.values),
      );
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
          mine.push([
            row.id,
            c,
            locale,
            row.sku,
            'published',
            Number(row.version),
            rulesVersion,
            JSON.stringify(content),
            now,
          ]);
          myEvents.push(
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
      if (result.ok) {
        listings.push(...mine);
        events.push(...myEvents);
      } else {
        result.published = [];
      }
      results.set(row.id, result);
    }
    await insertRows(tx, deps.store.dialect, 'pim_listings', LISTING_COLUMNS, listings, LISTING_UPSERT);
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

  return { publishRows, retireRows };
}

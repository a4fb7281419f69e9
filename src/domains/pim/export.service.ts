import type { Kysely } from 'kysely';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { loadSnapshot } from './catalog.repo.js';
import { PimErrors } from './errors.js';
import { csvLine, LineWriter } from './export.writer.js';
import { type GoogleFeedItem, writeGoogleFeed } from './feed.google.js';
import { encodeRow, headerFor, parseHeader } from './import.codec.js';
import type { PimProductRow } from './schema.js';

/**
 * Streaming exports: products as CSV/JSONL (the import's own formats, so an export re-imports as
 * a no-op), and a channel's published listings as a Google Merchant Center feed. Rows are read
 * in id order, a page at a time, so memory stays flat whatever the catalog size.
 */

const PAGE = 2000;

export interface ExportFilter {
  family?: string;
}

async function* pages<T extends { id?: string; product_id?: string }>(
  fetch: (after: string) => Promise<T[]>,
  key: (row: T) => string,
): AsyncGenerator<T[]> {
  let after = '';
  for (;;) {
    const rows = await fetch(after);
    if (rows.length === 0) return;
    yield rows;
    after = key(rows[rows.length - 1]!);
  }
}

function productPages(db: Kysely<any>, filter: ExportFilter) {
  return pages<PimProductRow>(
    (after) => {
      let q = db
        .selectFrom('pim_products')
        .select(['id', 'sku', 'family', 'parent', 'categories', 'values'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE);
      if (filter.family) q = q.where('family', '=', filter.family);
      return q.execute() as Promise<PimProductRow[]>;
    },
    (r) => r.id,
  );
}

export interface FeedOptions {
  channel: string;
  locale: string;
  /** The feed's currency (default: the channel's first). */
  currency?: string;
  title?: string;
  /** The shop's home page (the feed's channel link). */
  link: string;
  description?: string;
}

/** A listing's rendered content → the feed's fields. Rules name their outputs after Google's attributes. */
function toFeedItem(
  sku: string,
  content: Record<string, unknown>,
  currency: string,
  parent: string | null,
): GoogleFeedItem {
  const str = (v: unknown) =>
    typeof v === 'string' ? v : v === undefined || v === null ? undefined : String(v);
  const priceOf = (v: unknown) => {
    if (Array.isArray(v))
      return (v as { amount: number; currency: string }[]).find((p) => p.currency === currency);
    if (v && typeof v === 'object') return v as { amount: number; currency: string };
    return undefined;
  };
  return {
    id: str(content.id) ?? sku,
    title: str(content.title) ?? '',
    description: str(content.description) ?? '',
    link: str(content.link) ?? '',
    imageLink: str(content.image_link) ?? '',
    additionalImageLinks: Array.isArray(content.additional_image_links)
      ? content.additional_image_links.map(String)
      : undefined,
    availability: (str(content.availability) ?? 'in_stock') as GoogleFeedItem['availability'],
    price: priceOf(content.price) ?? { amount: -1, currency },
    salePrice: priceOf(content.sale_price),
    condition: str(content.condition) as GoogleFeedItem['condition'],
    brand: str(content.brand),
    gtin: str(content.gtin),
    mpn: str(content.mpn),
    itemGroupId: str(content.item_group_id) ?? parent ?? undefined,
    color: str(content.color),
    size: str(content.size),
    gender: str(content.gender),
    ageGroup: str(content.age_group),
    material: str(content.material),
    pattern: str(content.pattern),
    googleProductCategory: str(content.google_product_category),
    productType: str(content.product_type),
  };
}

export function createExportService(deps: DomainDeps) {
  const { store } = deps;
  const service = {
    /** Products as CSV (the flat import layout) or JSONL (one ProductInput per line). */
    async exportProducts(
      target: string | NodeJS.WritableStream,
      options: { format: 'csv' | 'jsonl'; filter?: ExportFilter },
    ): Promise<{ rows: number }> {
      const snap = await loadSnapshot(store.db);
      const out = new LineWriter(target);
      let rows = 0;
      try {
        const header = headerFor(snap);
        const plan = parseHeader(header, snap);
        if (!plan.ok)
          throw PimErrors.DEFINITION_INVALID.create('the catalog setup yields no valid export header');
        if (options.format === 'csv') await out.write(csvLine(header));
        for await (const page of productPages(store.db, options.filter ?? {})) {
          for (const r of page) {
            const input = {
              sku: r.sku,
              family: r.family,
              parent: r.parent,
              categories: JSON.parse(r.categories),
              values: JSON.parse(r.values),
            };
            await out.write(
              options.format === 'csv' ? csvLine(encodeRow(plan.plan, input)) : `${JSON.stringify(input)}\n`,
            );
            rows++;
          }
        }
        await out.close();
      } catch (e) {
        await out.abort();
        throw e;
      }
      return { rows };
    },

    /** Check a feed's channel, locale and currency (throws what exportGoogleFeed would). */
    async feedTarget(options: FeedOptions) {
      const snap = await loadSnapshot(store.db);
      const channel = snap.channels.get(options.channel);
      if (!channel) throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${options.channel}" does not exist`);
      if (!channel.locales.includes(options.locale))
        throw PimErrors.DEFINITION_INVALID.create(
          `channel "${channel.code}" has no locale "${options.locale}"`,
        );
      const currency = options.currency ?? channel.currencies[0];
      if (!currency || !channel.currencies.includes(currency))
        throw PimErrors.DEFINITION_INVALID.create(
          `channel "${channel.code}" does not sell in ${options.currency ?? 'any currency'}`,
        );
      return { channel, currency };
    },

    /** The channel's published listings in one locale as a Google Merchant Center feed. */
    async exportGoogleFeed(target: string | NodeJS.WritableStream, options: FeedOptions) {
      const { channel, currency } = await service.feedTarget(options);
      const listingPages = pages<{ product_id: string; sku: string; payload: string; parent: string | null }>(
        (after) =>
          store.db
            .selectFrom('pim_listings as l')
            .innerJoin('pim_products as p', 'p.id', 'l.product_id')
            .select(['l.product_id', 'l.sku', 'l.payload', 'p.parent'])
            .where('l.channel', '=', channel.code)
            .where('l.locale', '=', options.locale)
            .where('l.status', '=', 'published')
            .where('l.product_id', '>', after)
            .orderBy('l.product_id')
            .limit(PAGE)
            .execute() as Promise<
            { product_id: string; sku: string; payload: string; parent: string | null }[]
          >,
        (r) => r.product_id,
      );
      async function* items(): AsyncGenerator<GoogleFeedItem> {
        for await (const page of listingPages)
          for (const r of page) yield toFeedItem(r.sku, JSON.parse(r.payload), currency!, r.parent);
      }
      const invalid: { id: string; errors: { field: string; code: string; message: string }[] }[] = [];
      const result = await writeGoogleFeed(
        items(),
        {
          title: options.title ?? `${channel.code} (${options.locale})`,
          link: options.link,
          description: options.description ?? `Products published to ${channel.code}`,
        },
        target,
        {
          onInvalid: (item, errors) => {
            if (invalid.length < 1000) invalid.push({ id: item.id, errors });
          },
        },
      );
      return { ...result, invalid };
    },
  };
  return service;
}

export type ExportService = ReturnType<typeof createExportService>;

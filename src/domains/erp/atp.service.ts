import type { Kysely } from 'kysely';
import { assertOwnership } from '../../kernel/ownership.js';
import { insertRows } from '../../kernel/sql.js';
import { ErpErrors, type FieldError } from './errors.js';
import type { ErpDeps } from './ledger.service.js';
import { isLocationCode } from './ledger.validate.js';
import { markLocationsDirty } from './level.marks.js';

/**
 * Available-to-promise per channel. A channel sells from a set of locations (`erp_channel_sources`)
 * and counts supplier inbound expected within its horizon. Per location:
 *
 *   atp = max(0, on_hand − reserved − allocated − picked − safety_stock + inbound due by the horizon)
 *       = max(0, available − safety_stock + inbound due)
 *
 * and the channel's ATP for a SKU is the sum over its active locations. Clamping per location keeps
 * one backordered or over-buffered location from hiding stock that another one has.
 */

export const CHANNEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';
const CHANNEL_RE = new RegExp(CHANNEL_PATTERN);
const DAY_MS = 86_400_000;

export interface ChannelSources {
  channel: string;
  /** Location codes the channel sells from (inactive ones are listed but not counted). */
  locations: string[];
  /** Inbound expected up to this many days ahead counts towards ATP (0: only what is overdue). */
  inboundHorizonDays: number;
  updatedAt: string;
}

export interface LocationAtp {
  location: string;
  available: number;
  safetyStock: number;
  /** Expected by the horizon. */
  inbound: number;
  atp: number;
}

export interface SkuAtp {
  sku: string;
  atp: number;
  locations: LocationAtp[];
}

/** One location's contribution (see the module comment). */
export function locationAtp(available: number, safetyStock: number, inboundDue: number): number {
  return Math.max(0, available - safetyStock + inboundDue);
}

export const horizonEnd = (now: Date, days: number) => new Date(now.getTime() + days * DAY_MS).toISOString();

/** Configured channels with their active source locations (one small query). */
export async function loadChannels(
  db: Kysely<any>,
  channel?: string,
): Promise<Map<string, { active: string[]; sources: ChannelSources }>> {
  let q = db.selectFrom('erp_channels').selectAll();
  if (channel !== undefined) q = q.where('channel', '=', channel);
  let s = db
    .selectFrom('erp_channel_sources as s')
    .leftJoin('erp_locations as l', 'l.code', 's.location')
    .select(['s.channel', 's.location', 'l.status']);
  if (channel !== undefined) s = s.where('s.channel', '=', channel);
  // Independent reads at once: on PostgreSQL each is a round trip on its own pooled connection.
  const [channels, sources] = await Promise.all([
    q.orderBy('channel').execute(),
    s.orderBy('s.location').execute(),
  ]);
  const out = new Map<string, { active: string[]; sources: ChannelSources }>();
  for (const c of channels)
    out.set(c.channel, {
      active: [],
      sources: {
        channel: c.channel,
        locations: [],
        inboundHorizonDays: Number(c.inbound_horizon_days),
        updatedAt: c.updated_at,
      },
    });
  for (const r of sources) {
    const c = out.get(r.channel);
    if (!c) continue;
    c.sources.locations.push(r.location);
    if (r.status === 'active') c.active.push(r.location);
  }
  return out;
}

export function createAtpService(deps: ErpDeps) {
  const { store, clock, audit } = deps;

  return {
    /** Where a channel sells from. Replaces the channel's sources; every SKU there is republished. */
    async putChannel(
      channel: string,
      input: { locations: string[]; inboundHorizonDays?: number },
    ): Promise<ChannelSources> {
      await assertOwnership(deps, 'erp', `channel:${channel}`, ['locations', 'inboundHorizonDays']);
      const errors: FieldError[] = [];
      if (!CHANNEL_RE.test(channel))
        errors.push({ field: 'channel', code: 'CHANNEL_INVALID', message: `must match ${CHANNEL_PATTERN}` });
      const horizon = input.inboundHorizonDays ?? 0;
      if (!Number.isInteger(horizon) || horizon < 0 || horizon > 3650)
        errors.push({
          field: 'inboundHorizonDays',
          code: 'HORIZON_INVALID',
          message: 'whole days, 0 to 3650',
        });
      const locations = [...new Set(input.locations)];
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        const known = new Set(
          locations.length === 0
            ? []
            : (
                await tx.selectFrom('erp_locations').select('code').where('code', 'in', locations).execute()
              ).map((r) => r.code),
        );
        locations.forEach((l, i) => {
          if (!isLocationCode(l) || !known.has(l))
            errors.push({
              field: `locations[${i}]`,
              code: 'LOCATION_UNKNOWN',
              message: `no location "${l}"`,
            });
        });
        if (errors.length > 0)
          throw ErpErrors.SETTINGS_INVALID.create(errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
            errors,
          });
        const before = (
          await tx
            .selectFrom('erp_channel_sources')
            .select('location')
            .where('channel', '=', channel)
            .execute()
        ).map((r) => r.location as string);
        await tx.deleteFrom('erp_channel_sources').where('channel', '=', channel).execute();
        await insertRows(
          tx,
          store.dialect,
          'erp_channel_sources',
          ['channel', 'location'],
          locations.map((l) => [channel, l]),
        );
        await insertRows(
          tx,
          store.dialect,
          'erp_channels',
          ['channel', 'inbound_horizon_days', 'updated_at'],
          [[channel, horizon, now]],
          'on conflict ("channel") do update set "inbound_horizon_days" = excluded."inbound_horizon_days", "updated_at" = excluded."updated_at"',
        );
        await markLocationsDirty(tx, store.dialect, [...new Set([...before, ...locations])]);
        const sources = {
          channel,
          locations: [...locations].sort(),
          inboundHorizonDays: horizon,
          updatedAt: now,
        };
        await audit.record(tx, {
          action: 'erp.channel.sources.put',
          target: `channel:${channel}`,
          before,
          after: sources,
        });
        return sources;
      });
    },

    async channel(channel: string): Promise<ChannelSources> {
      const c = (await loadChannels(store.db, channel)).get(channel);
      if (!c)
        throw ErpErrors.CHANNEL_NOT_FOUND.create(`no stock sources configured for channel "${channel}"`, {
          channel,
        });
      return c.sources;
    },

    async channels(): Promise<ChannelSources[]> {
      return [...(await loadChannels(store.db)).values()].map((c) => c.sources);
    },

    /**
     * ATP of some SKUs on a channel: indexed reads, two at a time (the channel and its sources;
     * then the levels by SKU × location and the inbound due by SKU × location × ETA).
     * `horizonDays` overrides the channel's.
     */
    async atp(q: {
      channel: string;
      skus: readonly string[];
      horizonDays?: number;
    }): Promise<{ channel: string; horizonEnd: string; items: SkuAtp[] }> {
      const c = (await loadChannels(store.db, q.channel)).get(q.channel);
      if (!c)
        throw ErpErrors.CHANNEL_NOT_FOUND.create(`no stock sources configured for channel "${q.channel}"`, {
          channel: q.channel,
        });
      const end = horizonEnd(clock.now(), q.horizonDays ?? c.sources.inboundHorizonDays);
      const skus = [...new Set(q.skus)];
      const locs = c.active;
      const none = locs.length === 0 || skus.length === 0;
      // The levels and the inbound due are read at once (two round trips' latency on PostgreSQL
      // become one). Each sees the ledger as of its own moment, as two reads one after the other did.
      const [levels, inbound] = await Promise.all([
        none
          ? []
          : store.db
              .selectFrom('erp_levels')
              .select(['sku', 'location', 'available', 'safety_stock'])
              .where('sku', 'in', skus)
              .where('location', 'in', locs)
              .execute(),
        none
          ? []
          : store.db
              .selectFrom('erp_inbound')
              .select(['sku', 'location', (eb) => eb.fn.sum('remaining').as('due')])
              .where('sku', 'in', skus)
              .where('location', 'in', locs)
              .where('eta', '<=', end)
              .where('remaining', '>', 0)
              .groupBy(['sku', 'location'])
              .execute(),
      ]);
      const due = new Map(inbound.map((r) => [`${r.sku}\u0000${r.location}`, Number(r.due)]));
      const bySku = new Map<string, LocationAtp[]>(skus.map((s) => [s, []]));
      const seen = new Set<string>();
      for (const r of levels) {
        const key = `${r.sku}\u0000${r.location}`;
        seen.add(key);
        const inb = due.get(key) ?? 0;
        const available = Number(r.available);
        const safetyStock = Number(r.safety_stock);
        bySku.get(r.sku)!.push({
          location: r.location,
          available,
          safetyStock,
          inbound: inb,
          atp: locationAtp(available, safetyStock, inb),
        });
      }
      // Inbound at a location where the SKU has no level row yet cannot happen (expecting inbound
      // creates the row), but count it if it ever does rather than lose it.
      for (const [key, inb] of due) {
        if (seen.has(key)) continue;
        const [sku, location] = key.split('\u0000') as [string, string];
        bySku.get(sku)!.push({ location, available: 0, safetyStock: 0, inbound: inb, atp: inb });
      }
      const items = [...bySku].map(([sku, locations]) => ({
        sku,
        atp: locations.reduce((s, l) => s + l.atp, 0),
        locations: locations.sort((a, b) => a.location.localeCompare(b.location)),
      }));
      return { channel: q.channel, horizonEnd: end, items };
    },
  };
}

export type AtpService = ReturnType<typeof createAtpService>;

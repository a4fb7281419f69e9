import { newId } from '../../kernel/ids.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { ErpErrors } from './errors.js';
import type { ErpDeps } from './ledger.service.js';
import { markLocationsDirty } from './level.marks.js';
import { LocationInputSchema } from './location.schemas.js';
import { type LocationInput, validateLocation } from './location.validate.js';
import type { ErpLocationRow } from './schema.js';

/** Locations: create, read, list, replace, delete (only while nothing refers to them). */

const checkInput = inputValidator(LocationInputSchema, 'location');

export interface Location
  extends Required<Omit<LocationInput, 'status' | 'address' | 'coordinates' | 'orderCutoff'>> {
  id: string;
  status: 'active' | 'inactive';
  address: LocationInput['address'] | null;
  coordinates: { lat: number; lon: number } | null;
  orderCutoff: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export function toLocation(r: ErpLocationRow): Location {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    type: r.type as Location['type'],
    status: r.status as Location['status'],
    address: r.address ? JSON.parse(r.address) : null,
    coordinates:
      r.latitude === null || r.longitude === null
        ? null
        : { lat: Number(r.latitude), lon: Number(r.longitude) },
    capabilities: JSON.parse(r.capabilities),
    timezone: r.timezone,
    calendar: JSON.parse(r.calendar),
    holidays: JSON.parse(r.holidays),
    orderCutoff: r.order_cutoff,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toRow(
  input: LocationInput,
  id: string,
  version: number,
  createdAt: string,
  now: string,
): ErpLocationRow {
  return {
    id,
    code: input.code,
    name: input.name.trim(),
    type: input.type,
    status: input.status ?? 'active',
    address: input.address ? JSON.stringify(input.address) : null,
    latitude: input.coordinates?.lat ?? null,
    longitude: input.coordinates?.lon ?? null,
    capabilities: JSON.stringify(input.capabilities ?? []),
    timezone: input.timezone ?? 'UTC',
    calendar: JSON.stringify(input.calendar ?? {}),
    holidays: JSON.stringify([...(input.holidays ?? [])].sort((a, b) => a.date.localeCompare(b.date))),
    order_cutoff: input.orderCutoff ?? null,
    version,
    created_at: createdAt,
    updated_at: now,
  };
}

export function createLocationService(deps: ErpDeps) {
  const { store, clock, audit } = deps;

  function checked(raw: LocationInput): LocationInput {
    const input = checkInput(raw) as LocationInput;
    const errors = validateLocation(input);
    if (errors.length > 0)
      throw ErpErrors.LOCATION_INVALID.create(errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
        errors,
      });
    return input;
  }

  async function rowOf(db: Tx, code: string): Promise<ErpLocationRow> {
    const row = await db.selectFrom('erp_locations').selectAll().where('code', '=', code).executeTakeFirst();
    if (!row) throw ErpErrors.LOCATION_NOT_FOUND.create(`no location "${code}"`, { code });
    return row as ErpLocationRow;
  }

  return {
    /** Create a location. 422 ERP_LOCATION_INVALID lists every problem; 409 ERP_LOCATION_EXISTS. */
    async create(raw: LocationInput): Promise<Location> {
      await assertOwnership(deps, 'erp', `location:${raw.code}`, Object.keys(raw));
      const input = checked(raw);
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        if (
          await tx
            .selectFrom('erp_locations')
            .select('code')
            .where('code', '=', input.code)
            .executeTakeFirst()
        )
          throw ErpErrors.LOCATION_EXISTS.create(`location "${input.code}" exists`, { code: input.code });
        const row = toRow(input, newId('loc'), 1, now, now);
        await tx.insertInto('erp_locations').values(row).execute();
        await audit.record(tx, { action: 'erp.location.create', target: row.id, after: toLocation(row) });
        return toLocation(row);
      });
    },

    async get(code: string): Promise<Location> {
      return toLocation(await rowOf(store.db, code));
    },

    async list(q: { type?: string; status?: string; after?: string; limit?: number } = {}) {
      const limit = q.limit ?? 100;
      let sel = store.db.selectFrom('erp_locations').selectAll();
      if (q.type) sel = sel.where('type', '=', q.type);
      if (q.status) sel = sel.where('status', '=', q.status);
      if (q.after) sel = sel.where('code', '>', q.after);
      const rows = (await sel
        .orderBy('code')
        .limit(limit + 1)
        .execute()) as ErpLocationRow[];
      const items = rows.slice(0, limit).map(toLocation);
      return rows.length > limit ? { items, next: items.at(-1)!.code } : { items };
    },

    /** Replace a location's description (the code stays). Activating or deactivating changes ATP. */
    async replace(code: string, raw: Omit<LocationInput, 'code'>): Promise<Location> {
      await assertOwnership(deps, 'erp', `location:${code}`, Object.keys(raw));
      const input = checked({ ...raw, code });
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        const before = await rowOf(tx, code);
        const row = toRow(input, before.id, Number(before.version) + 1, before.created_at, now);
        const { id: _id, code: _code, created_at: _c, ...changes } = row;
        await tx.updateTable('erp_locations').set(changes).where('id', '=', before.id).execute();
        if (before.status !== row.status) await markLocationsDirty(tx, store.dialect, [code]);
        await audit.record(tx, {
          action: 'erp.location.replace',
          target: row.id,
          before: toLocation(before),
          after: toLocation(row),
        });
        return toLocation(row);
      });
    },

    /**
     * Delete a location no stock ever touched and no channel sells from; otherwise 409
     * ERP_LOCATION_IN_USE (the ledger's history refers to it: deactivate it instead).
     */
    async remove(code: string): Promise<void> {
      await assertOwnership(deps, 'erp', `location:${code}`, ['code']);
      await store.tx(async (tx) => {
        const before = await rowOf(tx, code);
        const level = await tx
          .selectFrom('erp_levels')
          .select('sku')
          .where('location', '=', code)
          .limit(1)
          .executeTakeFirst();
        const source = await tx
          .selectFrom('erp_channel_sources')
          .select('channel')
          .where('location', '=', code)
          .limit(1)
          .executeTakeFirst();
        if (level || source)
          throw ErpErrors.LOCATION_IN_USE.create(
            level
              ? `location "${code}" has stock history (SKU ${level.sku})`
              : `channel "${source!.channel}" sells from "${code}"`,
            { code },
          );
        await tx.deleteFrom('erp_locations').where('id', '=', before.id).execute();
        await audit.record(tx, {
          action: 'erp.location.delete',
          target: before.id,
          before: toLocation(before),
        });
      });
    },
  };
}

export type LocationService = ReturnType<typeof createLocationService>;

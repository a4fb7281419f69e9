import { Type } from '@sinclair/typebox';
import { currentContext } from '../../kernel/context.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import { pageBySeqBlocks } from '../../kernel/seq-blocks.js';
import { chunked, insertRows, isUniqueViolation } from '../../kernel/sql.js';
import { inputValidator } from '../../kernel/validate.js';
import { ErpErrors } from './errors.js';
import { inSkuBlocks, selectIn, skuBlocks, toLevel, withEntries } from './ledger.read.js';
import { MAX_BATCH, MovementInputSchema, StockSettingInputSchema } from './ledger.schemas.js';
import type { Level, Movement, MovementInput, MovementType, PostResult } from './ledger.types.js';
import { type VerifyReport, verifyLevels } from './ledger.verify.js';
import type { createLedgerWriter } from './ledger.writer.js';
import { markSkusDirty } from './level.marks.js';
import type { ErpLevelRow, ErpMovementRow } from './schema.js';

/** Inventory commands and queries over the ledger; every write goes through the ledger writer. */

export type ErpDeps = Omit<DomainDeps, 'blobs'>;
type Writer = ReturnType<typeof createLedgerWriter>;

const checkBatch = inputValidator(Type.Array(MovementInputSchema, { maxItems: MAX_BATCH }), 'movements');
const checkSettings = inputValidator(
  Type.Array(StockSettingInputSchema, { maxItems: MAX_BATCH }),
  'settings',
);

export interface StockSetting {
  sku: string;
  location: string;
  safetyStock: number;
  allowBackorder: boolean;
}

export interface Page<T> {
  items: T[];
  next?: string;
}

/** The actor recorded on movements. */
export const actor = () => currentContext()?.actor ?? 'system:erp';

/**
 * A batch may lose a race for a new reference to a concurrent writer of another SKU (PostgreSQL:
 * a unique violation rolls the batch back). Run again, it finds the winner's movement and answers
 * as for any repeat (duplicate or conflict).
 */
export async function retryingRace<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 3 || !isUniqueViolation(err)) throw err;
    }
  }
}

export function createLedgerService(deps: ErpDeps, writer: Writer) {
  const { store, clock } = deps;
  const dialect = store.dialect;

  return {
    /**
     * Post movements, atomically: all are written, or none (the error lists every refused one).
     * A reference posted before with the same content is a no-op returning the original
     * (`duplicate: true`); with other content the batch is refused (ERP_REFERENCE_CONFLICT).
     */
    async post(movements: readonly MovementInput[]): Promise<PostResult[]> {
      const input = checkBatch(movements) as MovementInput[];
      await assertOwnership(deps, 'erp', 'inventory', ['movements']);
      return retryingRace(() =>
        store.tx((tx) => writer.post(tx, input, { now: clock.now().toISOString(), actor: actor() })),
      );
    },

    /** One movement: the batch path with a batch of one. */
    async postOne(movement: MovementInput): Promise<PostResult> {
      return (await this.post([movement]))[0]!;
    },

    /** Movements in ledger order, filtered; `next` is the position to continue after. */
    async movements(
      q: {
        sku?: string;
        location?: string;
        type?: MovementType;
        reference?: string;
        after?: string;
        limit?: number;
      } = {},
    ): Promise<Page<Movement>> {
      const limit = q.limit ?? 100;
      let sel = store.db.selectFrom('erp_movements').selectAll();
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.location) sel = sel.where('location', '=', q.location);
      if (q.type) sel = sel.where('type', '=', q.type);
      if (q.reference) sel = sel.where('reference', '=', q.reference);
      if (q.after) sel = sel.where('seq', '>', Number(q.after));
      const page = (s: typeof sel, want: number) =>
        s.orderBy('seq').limit(want).execute() as Promise<ErpMovementRow[]>;
      const rows = q.sku
        ? await pageBySeqBlocks(
            store.dialect,
            await skuBlocks(store.db, store.dialect, Number(q.after ?? 0)),
            limit + 1,
            (w, want) => page(inSkuBlocks(sel, store.dialect, w, 'seq'), want),
          )
        : await page(sel, limit + 1);
      const items = await withEntries(store.db, rows.slice(0, limit));
      return rows.length > limit ? { items, next: String(items.at(-1)!.seq) } : { items };
    },

    /**
     * Levels: of a SKU at every location, of a location for every SKU (by SKU, paged), or one
     * SKU × location. A SKU × location that never moved reads as zeros (if the location exists).
     */
    async levels(q: {
      sku?: string;
      location?: string;
      after?: string;
      limit?: number;
    }): Promise<Page<Level>> {
      const limit = q.limit ?? 100;
      let sel = store.db.selectFrom('erp_levels').selectAll();
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.location) sel = sel.where('location', '=', q.location);
      const key = q.sku && !q.location ? 'location' : 'sku';
      if (q.after) sel = sel.where(key, '>', q.after);
      if (
        q.location &&
        !(await store.db
          .selectFrom('erp_locations')
          .select('code')
          .where('code', '=', q.location)
          .executeTakeFirst())
      )
        throw ErpErrors.LOCATION_NOT_FOUND.create(`no location "${q.location}"`);
      const rows = (await sel
        .orderBy(key)
        .limit(limit + 1)
        .execute()) as ErpLevelRow[];
      const items = rows.slice(0, limit).map(toLevel);
      if (items.length === 0 && q.sku && q.location) items.push(zeroLevel(q.sku, q.location));
      return rows.length > limit
        ? { items, next: key === 'sku' ? items.at(-1)!.sku : items.at(-1)!.location }
        : { items };
    },

    /**
     * Safety stock and backorders per SKU × location (settings, not balances: no posting). Locations
     * must exist; SKUs are registered. ATP changes, so the SKUs' levels are published again.
     */
    async putSettings(settings: readonly StockSetting[]): Promise<Level[]> {
      const input = checkSettings(settings) as StockSetting[];
      await assertOwnership(deps, 'erp', 'inventory', ['safetyStock', 'allowBackorder']);
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        const known = new Set(
          (
            await selectIn<{ code: string }>(
              tx,
              dialect,
              'erp_locations',
              'code',
              input.map((s) => s.location),
            )
          ).map((l) => l.code),
        );
        const errors = input.flatMap((s, i) =>
          known.has(s.location)
            ? []
            : [
                {
                  field: `items[${i}].location`,
                  code: 'LOCATION_UNKNOWN',
                  message: `no location "${s.location}"`,
                },
              ],
        );
        if (errors.length > 0)
          throw ErpErrors.SETTINGS_INVALID.create(errors.map((e) => e.message).join('; '), { errors });
        const cols = [
          'sku',
          'location',
          'available',
          'reserved',
          'allocated',
          'picked',
          'inbound',
          'in_transit',
          'on_hand',
        ];
        await insertRows(
          tx,
          dialect,
          'erp_levels',
          [...cols, 'safety_stock', 'allow_backorder', 'last_seq', 'updated_at'],
          input.map((s) => [
            s.sku,
            s.location,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            s.safetyStock,
            s.allowBackorder ? 1 : 0,
            0,
            now,
          ]),
          'on conflict ("sku", "location") do update set "safety_stock" = excluded."safety_stock", "allow_backorder" = excluded."allow_backorder", "updated_at" = excluded."updated_at"',
        );
        await insertRows(
          tx,
          dialect,
          'erp_items',
          ['sku', 'registered_by', 'created_at'],
          [...new Set(input.map((s) => s.sku))].map((s) => [s, 'settings', now]),
          'on conflict ("sku") do nothing',
        );
        await markSkusDirty(
          tx,
          dialect,
          input.map((s) => s.sku),
        );
        const rows: ErpLevelRow[] = [];
        for (const part of chunked(input))
          rows.push(
            ...((await tx
              .selectFrom('erp_levels')
              .selectAll()
              .where((eb) =>
                eb.or(part.map((s) => eb.and([eb('sku', '=', s.sku), eb('location', '=', s.location)]))),
              )
              .execute()) as ErpLevelRow[]),
          );
        await deps.audit.record(tx, { action: 'erp.settings.put', target: 'inventory', after: input });
        return rows.map(toLevel);
      });
    },

    /** Register SKUs explicitly (so movements other than receipts, counts and adjustments accept them). */
    async registerItems(skus: readonly string[]): Promise<{ registered: number }> {
      await assertOwnership(deps, 'erp', 'inventory', ['items']);
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        const before = (await selectIn<{ sku: string }>(tx, dialect, 'erp_items', 'sku', skus)).length;
        const unique = [...new Set(skus)];
        await insertRows(
          tx,
          dialect,
          'erp_items',
          ['sku', 'registered_by', 'created_at'],
          unique.map((s) => [s, 'explicit', now]),
          'on conflict ("sku") do nothing',
        );
        return { registered: unique.length - before };
      });
    },

    async item(sku: string): Promise<{ sku: string; registeredBy: string; createdAt: string }> {
      const r = await store.db.selectFrom('erp_items').selectAll().where('sku', '=', sku).executeTakeFirst();
      if (!r) throw ErpErrors.ITEM_NOT_FOUND.create(`the ERP does not know SKU "${sku}"`);
      return { sku: r.sku, registeredBy: r.registered_by, createdAt: r.created_at };
    },

    /** Recompute balances from the postings and report any drift (see ledger.verify.ts). */
    async verify(q: { sku?: string } = {}): Promise<VerifyReport> {
      return verifyLevels(store.db, dialect, clock.now().toISOString(), q.sku);
    },
  };
}

function zeroLevel(sku: string, location: string): Level {
  return {
    sku,
    location,
    onHand: 0,
    available: 0,
    reserved: 0,
    allocated: 0,
    picked: 0,
    inbound: 0,
    inTransit: 0,
    safetyStock: 0,
    allowBackorder: false,
    lastSeq: 0,
    updatedAt: new Date(0).toISOString(),
  };
}

export type LedgerService = ReturnType<typeof createLedgerService>;

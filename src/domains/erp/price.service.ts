import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import type { FieldError } from './errors.js';
import { actor, type ErpDeps } from './ledger.service.js';
import { isoInstant } from './ledger.validate.js';
import { PriceErrors } from './price.errors.js';
import { PriceListChanged, priceListChange } from './price.events.js';
import { indexPriceLists, type PriceIndex, resolvePrice, resolvePrices } from './price.resolve.js';
import { type ErpPriceListRow, PRICE_REVISION_ID } from './price.schema.js';
import type {
  CandidateExplanation,
  PriceContext,
  PriceLine,
  PriceList,
  PriceMiss,
  PriceQuery,
  PriceResolution,
} from './price.types.js';
import { validatePriceList, validatePriceLists } from './price.validate.js';

/**
 * Price lists as stored data, and resolution against them. Writes validate the list and the whole
 * set it joins (every problem at once, nothing written otherwise), take an optional expected
 * version (optimistic concurrency), bump the shared revision and are audited in one transaction.
 * Reads resolve against an in-memory PriceIndex rebuilt only when the revision moved (see
 * price.schema.ts for why).
 */

export interface StoredPriceList {
  code: string;
  /** 1 when created, +1 per change; an identical PUT makes no new version. */
  version: number;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  list: PriceList;
}

export type PriceListSummary = Omit<StoredPriceList, 'list'> &
  Omit<PriceList, 'entries' | 'code'> & { entryCount: number };

export interface PriceWriteOptions {
  /** The version the change is based on: 409 ERP_PRICE_LIST_VERSION_CONFLICT unless it is current. */
  expectedVersion?: number;
}

/** A resolution request; `at` defaults to now (the clock port). */
export type PriceRequest = Omit<PriceContext, 'at'> & { at?: string };

export interface PriceBatch {
  /** The instant resolved at. */
  at: string;
  /** The price-list revision the answer is based on. */
  revision: number;
  /** In request order: a price or a miss with its explanation. */
  lines: (PriceResolution | PriceMiss)[];
}

/** Set-level problems of other lists that a change can cause (their own problems are theirs). */
const SET_CODES = new Set([
  'PARENT_UNKNOWN',
  'PARENT_CURRENCY_MISMATCH',
  'INHERITANCE_CYCLE',
  'CODE_DUPLICATE',
]);

const num = (v: unknown) => Number(v);

/** The list as stored: known fields only, absent (not null) optionals, in a stable field order. */
function normalize(l: PriceList): PriceList {
  const out: PriceList = {
    code: l.code,
    name: l.name,
    currency: l.currency,
    channels: [...l.channels],
    priority: l.priority,
    pricesIncludeTax: l.pricesIncludeTax,
    entries: [],
  };
  if (l.customerGroup != null) out.customerGroup = l.customerGroup;
  if (l.validFrom != null) out.validFrom = l.validFrom;
  if (l.validTo != null) out.validTo = l.validTo;
  if (l.parent != null) out.parent = { code: l.parent.code, adjustmentPercent: l.parent.adjustmentPercent };
  out.entries = l.entries.map((e) => {
    const entry: PriceList['entries'][number] = { sku: e.sku, unitPrice: e.unitPrice };
    if (e.minQuantity != null) entry.minQuantity = e.minQuantity;
    if (e.breaks != null)
      entry.breaks = e.breaks.map((b) => ({ minQuantity: b.minQuantity, unitPrice: b.unitPrice }));
    if (e.effectiveFrom != null) entry.effectiveFrom = e.effectiveFrom;
    if (e.effectiveTo != null) entry.effectiveTo = e.effectiveTo;
    return entry;
  });
  return out;
}

const meta = (r: ErpPriceListRow) => ({
  code: r.code,
  version: num(r.version),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});
const toStored = (r: ErpPriceListRow): StoredPriceList => ({ ...meta(r), list: JSON.parse(r.body) });

function toSummary(r: ErpPriceListRow): PriceListSummary {
  const s: PriceListSummary = {
    ...meta(r),
    name: r.name,
    currency: r.currency,
    channels: JSON.parse(r.channels),
    priority: num(r.priority),
    pricesIncludeTax: Boolean(num(r.prices_include_tax)),
    entryCount: num(r.entry_count),
  };
  if (r.customer_group !== null) s.customerGroup = r.customer_group;
  if (r.valid_from !== null) s.validFrom = r.valid_from;
  if (r.valid_to !== null) s.validTo = r.valid_to;
  if (r.parent_code !== null) s.parent = { code: r.parent_code, adjustmentPercent: num(r.parent_adjustment) };
  return s;
}

function toRow(l: PriceList, hash: string, version: number, createdAt: string, now: string): ErpPriceListRow {
  return {
    code: l.code,
    name: l.name,
    currency: l.currency,
    channels: JSON.stringify(l.channels),
    customer_group: l.customerGroup ?? null,
    priority: l.priority,
    prices_include_tax: l.pricesIncludeTax ? 1 : 0,
    valid_from: l.validFrom ?? null,
    valid_to: l.validTo ?? null,
    parent_code: l.parent?.code ?? null,
    parent_adjustment: l.parent?.adjustmentPercent ?? null,
    entry_count: l.entries.length,
    body: JSON.stringify(l),
    content_hash: hash,
    version,
    created_at: createdAt,
    updated_at: now,
    updated_by: actor(),
  };
}

function invalid(errors: FieldError[]) {
  const shown = errors
    .slice(0, 5)
    .map((e) => `${e.field}: ${e.message}`)
    .join('; ');
  return PriceErrors.LIST_INVALID.create(`${errors.length} problem(s): ${shown}`, { errors });
}

function checkVersion(code: string, expected: number | undefined, current: number | undefined): void {
  if (expected === undefined || expected === (current ?? 0)) return;
  throw PriceErrors.VERSION_CONFLICT.create(
    current === undefined
      ? `price list "${code}" does not exist (expected version ${expected})`
      : `price list "${code}" is at version ${current}, not ${expected}`,
    { code, expectedVersion: expected, currentVersion: current ?? null },
  );
}

export function createPriceService(deps: ErpDeps) {
  const { store, clock, audit } = deps;
  let cache: { revision: number; index: PriceIndex } | undefined;
  let building: { revision: number; promise: Promise<{ revision: number; index: PriceIndex }> } | undefined;

  /** `price-list.changed` in the writer's transaction: projections learn of it with the commit. */
  async function announce(
    tx: Tx,
    before: PriceList | undefined,
    after: PriceList | undefined,
    version: number,
  ) {
    const list = (after ?? before)!;
    const { skus, allSkus, channels } = priceListChange(before, after);
    const children = await tx
      .selectFrom('erp_price_lists')
      .select('code')
      .where('parent_code', '=', list.code)
      .orderBy('code')
      .execute();
    await deps.bus.append(tx, [
      PriceListChanged.input(list.code, {
        code: list.code,
        change: !before ? 'created' : !after ? 'deleted' : 'replaced',
        version,
        currency: list.currency,
        channels,
        customerGroup: list.customerGroup ?? null,
        skus,
        allSkus,
        inheritedBy: children.map((c) => c.code as string),
      }),
    ]);
  }

  async function readRevision(db: Tx): Promise<number> {
    const r = await db
      .selectFrom('erp_price_revision')
      .select('revision')
      .where('id', '=', PRICE_REVISION_ID)
      .executeTakeFirstOrThrow();
    return num(r.revision);
  }

  /**
   * Bump the revision first thing in a write: the row lock (PostgreSQL) serializes price-list
   * writers until commit, so set-wide checks read a set no one else is changing.
   */
  async function bumpRevision(tx: Tx, now: string): Promise<void> {
    await tx
      .updateTable('erp_price_revision')
      .set((eb) => ({ revision: eb('revision', '+', 1), updated_at: now }))
      .where('id', '=', PRICE_REVISION_ID)
      .execute();
  }

  async function rowOf(db: Tx, code: string): Promise<ErpPriceListRow | undefined> {
    return (await db.selectFrom('erp_price_lists').selectAll().where('code', '=', code).executeTakeFirst()) as
      | ErpPriceListRow
      | undefined;
  }

  async function allLists(db: Tx): Promise<PriceList[]> {
    const rows = await db.selectFrom('erp_price_lists').select('body').orderBy('code').execute();
    return rows.map((r) => JSON.parse(r.body as string) as PriceList);
  }

  /**
   * The index of the current lists. The revision is read before the lists, so an index is never
   * older than its tag (a write between the two reads makes it newer, and the next call rebuilds
   * once more). Concurrent calls that find the cache stale share one rebuild.
   */
  async function currentIndex(): Promise<{ revision: number; index: PriceIndex }> {
    const revision = await readRevision(store.db);
    if (cache && cache.revision >= revision) return cache;
    if (building && building.revision >= revision) return building.promise;
    const promise = (async () => {
      const built = { revision, index: indexPriceLists(await allLists(store.db)) };
      if (!cache || cache.revision < revision) cache = built;
      return built;
    })();
    building = { revision, promise };
    try {
      return await promise;
    } finally {
      if (building?.promise === promise) building = undefined;
    }
  }

  /** Problems of `list` joining the stored set (replacing its namesake), fields relative to the list. */
  function problemsOf(list: PriceList, stored: PriceList[]): FieldError[] {
    const own = validatePriceList(list);
    const others = stored.filter((l) => l.code !== list.code);
    const set = [...others, list];
    const self = `[${others.length}].`;
    const problems = [...own];
    for (const e of validatePriceLists(set)) {
      if (e.field.startsWith(self)) {
        // The list's own problems came from validatePriceList already.
        if (SET_CODES.has(e.code)) problems.push({ ...e, field: e.field.slice(self.length) });
        continue;
      }
      if (!SET_CODES.has(e.code)) continue;
      const m = /^\[(\d+)\]\.(.*)$/.exec(e.field);
      const other = m ? others[Number(m[1])] : undefined;
      problems.push({ ...e, field: other ? `lists.${other.code}.${m![2]}` : e.field });
    }
    return problems;
  }

  return {
    /** Every list, without its entries (`entryCount` says how many), by code; and the revision. */
    async list(): Promise<{ items: PriceListSummary[]; revision: number }> {
      const revision = await readRevision(store.db);
      const rows = (await store.db
        .selectFrom('erp_price_lists')
        .select([
          'code',
          'name',
          'currency',
          'channels',
          'customer_group',
          'priority',
          'prices_include_tax',
          'valid_from',
          'valid_to',
          'parent_code',
          'parent_adjustment',
          'entry_count',
          'version',
          'created_at',
          'updated_at',
          'updated_by',
        ])
        .orderBy('code')
        .execute()) as ErpPriceListRow[];
      return { items: rows.map(toSummary), revision };
    },

    async get(code: string): Promise<StoredPriceList> {
      const r = await rowOf(store.db, code);
      if (!r) throw PriceErrors.LIST_NOT_FOUND.create(`no price list "${code}"`, { code });
      return toStored(r);
    },

    /**
     * Create or replace a list by its code. 422 ERP_PRICE_LIST_INVALID lists every problem of the
     * list and of the set it would make (unknown parent, parent in another currency, a cycle —
     * including problems it would cause in lists inheriting from it, as `lists.<code>.…`); 409
     * ERP_PRICE_LIST_VERSION_CONFLICT when `expectedVersion` is not the stored version (0: must
     * not exist yet). The same content again is a no-op returning the stored version.
     */
    async put(input: PriceList, options: PriceWriteOptions = {}): Promise<StoredPriceList> {
      const code = typeof input?.code === 'string' ? input.code : '';
      await assertOwnership(deps, 'erp', `price-list:${code}`, ['prices']);
      const own = validatePriceList(input);
      if (own.length > 0) {
        // Set problems too, so that one answer lists everything (read outside a transaction).
        const isList = typeof input === 'object' && input !== null && !Array.isArray(input);
        throw invalid(isList ? problemsOf(input, await allLists(store.db)) : own);
      }
      const list = normalize(input);
      const hash = digest(list);
      const now = clock.now().toISOString();
      return store.tx(async (tx) => {
        const same = await rowOf(tx, list.code);
        if (same && same.content_hash === hash) {
          // Nothing changes: no new version, no revision bump (caches stay warm).
          checkVersion(list.code, options.expectedVersion, num(same.version));
          return toStored(same);
        }
        await bumpRevision(tx, now);
        // Read again under the lock (read committed: this sees every earlier writer's commit).
        const before = await rowOf(tx, list.code);
        const current = before ? num(before.version) : undefined;
        checkVersion(list.code, options.expectedVersion, current);
        const problems = problemsOf(list, await allLists(tx));
        if (problems.length > 0) throw invalid(problems);
        const row = toRow(list, hash, (current ?? 0) + 1, before?.created_at ?? now, now);
        if (before) {
          const { code: _code, created_at: _created, ...changes } = row;
          await tx.updateTable('erp_price_lists').set(changes).where('code', '=', list.code).execute();
        } else await tx.insertInto('erp_price_lists').values(row).execute();
        await announce(tx, before ? JSON.parse(before.body) : undefined, list, (current ?? 0) + 1);
        await audit.record(tx, {
          action: before ? 'erp.price_list.replaced' : 'erp.price_list.created',
          target: `price-list:${list.code}`,
          before: before ? JSON.parse(before.body) : undefined,
          after: list,
        });
        return toStored(row);
      });
    },

    /**
     * Delete a list. 409 ERP_PRICE_LIST_IN_USE while another list inherits from it (`children`
     * names them); 404 when there is none; `expectedVersion` as for put.
     */
    async delete(code: string, options: PriceWriteOptions = {}): Promise<void> {
      await assertOwnership(deps, 'erp', `price-list:${code}`, ['prices']);
      const now = clock.now().toISOString();
      await store.tx(async (tx) => {
        await bumpRevision(tx, now);
        const before = await rowOf(tx, code);
        if (!before) throw PriceErrors.LIST_NOT_FOUND.create(`no price list "${code}"`, { code });
        checkVersion(code, options.expectedVersion, num(before.version));
        const children = (
          await tx
            .selectFrom('erp_price_lists')
            .select('code')
            .where('parent_code', '=', code)
            .orderBy('code')
            .execute()
        ).map((r) => r.code as string);
        if (children.length > 0)
          throw PriceErrors.LIST_IN_USE.create(
            `${children.map((c) => `"${c}"`).join(', ')} inherit(s) from "${code}"; re-parent or delete them first`,
            { code, children },
          );
        await tx.deleteFrom('erp_price_lists').where('code', '=', code).execute();
        await announce(tx, JSON.parse(before.body), undefined, num(before.version));
        await audit.record(tx, {
          action: 'erp.price_list.deleted',
          target: `price-list:${code}`,
          before: JSON.parse(before.body),
        });
      });
    },

    /**
     * The price of one line (explained). 404 ERP_PRICE_NOT_FOUND with the explanation when no
     * list prices it; 422 ERP_PRICE_QUERY_INVALID for a malformed query.
     */
    async resolve(
      query: Omit<PriceQuery, 'at'> & { at?: string },
    ): Promise<PriceResolution & { explanation: CandidateExplanation[] }> {
      const { index } = await currentIndex();
      return resolvePrice(index, { ...query, at: query.at ?? clock.now().toISOString() });
    },

    /** Many lines of one context (a cart, an order): each a price or an explained miss. */
    async resolveMany(
      context: PriceRequest,
      lines: readonly PriceLine[],
      options: { explain?: boolean } = {},
    ): Promise<PriceBatch> {
      const { revision, index } = await currentIndex();
      const at = context.at ?? clock.now().toISOString();
      const out = resolvePrices(index, { ...context, at }, lines, options);
      return { at: isoInstant(at) ?? at, revision, lines: out };
    },
  };
}

export type PriceService = ReturnType<typeof createPriceService>;

import { Type } from '@sinclair/typebox';
import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import type { ErpDeps } from './ledger.service.js';
import { ProcurementErrors } from './procurement.errors.js';
import type { ProcurementService } from './procurement.service.js';
import { limitOf } from './procurement.store.js';
import { ReplenishmentStoreErrors } from './replenishment.errors.js';
import { draftNumber, groupBySupplier, utcDay } from './replenishment.plan.js';
import { computeBacktest, computeSuggestions, type SuggestedLine } from './replenishment.run.js';
import type { ErpReplenishmentPolicyRow } from './replenishment.schema.js';
import {
  type BacktestRequest,
  BacktestRequestSchema,
  LocationSchema,
  type ReplenishmentPolicy,
  type ReplenishmentPolicyInput,
  ReplenishmentPolicyInputSchema,
  SkuSchema,
  type SuggestionRequest,
  SuggestionRequestSchema,
} from './replenishment.schemas.js';
import { type PolicyProblem, validatePolicy } from './replenishment.validate.js';

/**
 * Replenishment, stored: a policy per SKU × location (how to reorder, from whom, on what terms),
 * suggestion runs that turn policies, stock positions and shipment history into suggested purchase
 * orders (optionally created as drafts through procurement), and backtests of the forecasts behind
 * them. The arithmetic is pure (replenishment.suggest.ts, forecast.*); this file stores policies and
 * composes the run (replenishment.run.ts).
 */

const checkPolicy = inputValidator(ReplenishmentPolicyInputSchema, 'replenishment policy');
const checkSuggestion = inputValidator(SuggestionRequestSchema, 'suggestion request');
const checkBacktest = inputValidator(BacktestRequestSchema, 'backtest request');
const checkKey = inputValidator(Type.Object({ sku: SkuSchema, location: LocationSchema }), 'policy key');

/** `after` of the policy list: the last row's SKU and location, joined by a character neither takes. */
const CURSOR_SEP = '~';

function toPolicy(r: ErpReplenishmentPolicyRow): ReplenishmentPolicy {
  return {
    ...(JSON.parse(r.document) as ReplenishmentPolicyInput),
    sku: r.sku,
    location: r.location,
    version: Number(r.version),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function createReplenishmentService(deps: ErpDeps, procurement: ProcurementService) {
  const { store, audit, clock } = deps;
  const now = () => clock.now();
  const target = (sku: string, location: string) => `replenishment-policy:${sku}@${location}`;

  async function row(tx: Tx, sku: string, location: string) {
    return (await tx
      .selectFrom('erp_replenishment_policies')
      .selectAll()
      .where('sku', '=', sku)
      .where('location', '=', location)
      .executeTakeFirst()) as ErpReplenishmentPolicyRow | undefined;
  }

  async function rowOrThrow(tx: Tx, sku: string, location: string) {
    const r = await row(tx, sku, location);
    if (!r)
      throw ReplenishmentStoreErrors.POLICY_NOT_FOUND.create(
        `no replenishment policy for ${sku} at ${location}`,
      );
    return r;
  }

  /** What only the store can judge: the SKU, location and supplier exist. */
  async function referenceProblems(tx: Tx, sku: string, location: string, p: ReplenishmentPolicyInput) {
    const problems: PolicyProblem[] = [];
    const item = await tx.selectFrom('erp_items').select('sku').where('sku', '=', sku).executeTakeFirst();
    if (!item) problems.push({ field: 'sku', code: 'SKU_UNKNOWN', message: `the ERP knows no SKU "${sku}"` });
    const loc = await tx
      .selectFrom('erp_locations')
      .select('code')
      .where('code', '=', location)
      .executeTakeFirst();
    if (!loc)
      problems.push({ field: 'location', code: 'LOCATION_UNKNOWN', message: `no location "${location}"` });
    if (p.supplier !== undefined) {
      const sup = await tx
        .selectFrom('erp_suppliers')
        .select('code')
        .where('code', '=', p.supplier)
        .executeTakeFirst();
      if (!sup)
        problems.push({
          field: 'supplier',
          code: 'SUPPLIER_UNKNOWN',
          message: `no supplier "${p.supplier}"`,
        });
    }
    return problems;
  }

  return {
    /**
     * Create or replace the policy of a SKU × location. Every problem is reported at once (422
     * ERP_REPLENISHMENT_POLICY_INVALID) and nothing is written. `ifMatch` (the version read) makes the
     * replacement conditional: another version is 412.
     */
    async putPolicy(
      sku: string,
      location: string,
      input: ReplenishmentPolicyInput,
      o: { ifMatch?: number } = {},
    ): Promise<ReplenishmentPolicy> {
      checkKey({ sku, location });
      const p = checkPolicy(input);
      const own = validatePolicy(p);
      await assertOwnership(deps, 'erp', target(sku, location), ['replenishment_policies']);
      return store.tx(async (tx) => {
        const problems = [...(await referenceProblems(tx, sku, location, p)), ...own];
        if (problems.length > 0)
          throw ReplenishmentStoreErrors.POLICY_INVALID.create(
            problems.map((e) => `${e.field}: ${e.message}`).join('; '),
            { errors: problems },
          );
        const before = await row(tx, sku, location);
        if (o.ifMatch !== undefined && Number(before?.version ?? 0) !== o.ifMatch)
          throw ReplenishmentStoreErrors.POLICY_VERSION_MISMATCH.create(
            `policy version is ${before?.version ?? 'none'}, not ${o.ifMatch}`,
            { version: before ? Number(before.version) : null },
          );
        const at = now().toISOString();
        const fields = {
          kind: p.kind,
          supplier: p.supplier ?? null,
          document: JSON.stringify(p),
          updated_at: at,
        };
        if (before)
          await tx
            .updateTable('erp_replenishment_policies')
            .set({ ...fields, version: Number(before.version) + 1 })
            .where('sku', '=', sku)
            .where('location', '=', location)
            .execute();
        else
          await tx
            .insertInto('erp_replenishment_policies')
            .values({ sku, location, ...fields, version: 1, created_at: at })
            .execute();
        await audit.record(tx, {
          action: before ? 'erp.replenishment_policy.updated' : 'erp.replenishment_policy.created',
          target: target(sku, location),
          ...(before ? { before: JSON.parse(before.document) } : {}),
          after: p,
        });
        return toPolicy((await row(tx, sku, location))!);
      });
    },

    async getPolicy(sku: string, location: string): Promise<ReplenishmentPolicy> {
      return toPolicy(await rowOrThrow(store.db, sku, location));
    },

    /** Policies in (sku, location) order; `next` is the cursor to pass as `after`. */
    async listPolicies(
      q: {
        sku?: string;
        location?: string;
        supplier?: string;
        kind?: string;
        after?: string;
        limit?: number;
      } = {},
    ) {
      const limit = limitOf(q.limit);
      let sel = store.db
        .selectFrom('erp_replenishment_policies')
        .selectAll()
        .orderBy('sku')
        .orderBy('location')
        .limit(limit + 1);
      if (q.sku) sel = sel.where('sku', '=', q.sku);
      if (q.location) sel = sel.where('location', '=', q.location);
      if (q.supplier) sel = sel.where('supplier', '=', q.supplier);
      if (q.kind) sel = sel.where('kind', '=', q.kind);
      if (q.after) {
        const [sku, location = ''] = q.after.split(CURSOR_SEP);
        sel = sel.where((eb) =>
          eb.or([eb('sku', '>', sku!), eb.and([eb('sku', '=', sku!), eb('location', '>', location)])]),
        );
      }
      const rows = (await sel.execute()) as ErpReplenishmentPolicyRow[];
      const items = rows.slice(0, limit).map(toPolicy);
      const last = items.at(-1);
      return rows.length > limit && last
        ? { items, next: `${last.sku}${CURSOR_SEP}${last.location}` }
        : { items };
    },

    async deletePolicy(sku: string, location: string): Promise<void> {
      await assertOwnership(deps, 'erp', target(sku, location), ['replenishment_policies']);
      await store.tx(async (tx) => {
        const before = await rowOrThrow(tx, sku, location);
        await tx
          .deleteFrom('erp_replenishment_policies')
          .where('sku', '=', sku)
          .where('location', '=', location)
          .execute();
        await audit.record(tx, {
          action: 'erp.replenishment_policy.deleted',
          target: target(sku, location),
          before: JSON.parse(before.document),
        });
      });
    },

    /**
     * Suggested purchase orders for the policies in scope, one per supplier × location, each line
     * with its explanation. `createDrafts` creates them as draft POs through procurement, numbered
     * from the run reference: a repeat of the run finds them and creates nothing.
     */
    async suggest(request: SuggestionRequest = {}) {
      const req = checkSuggestion(request);
      const run = await computeSuggestions(store.db, store.dialect, req, now);
      const { runReference } = run;
      const ordering = run.lines.filter((l) => l.quantity > 0);
      const covered = req.includeCovered ? run.lines.filter((l) => l.quantity === 0) : [];
      const groups = groupBySupplier(ordering);
      if (req.createDrafts)
        await assertOwnership(deps, 'erp', 'purchase-order:replenishment', ['purchase_orders']);
      const purchaseOrders = [];
      for (const g of groups) {
        const draft =
          req.createDrafts && g.supplier ? await createDraft(runReference, run.asOfMs, g) : undefined;
        purchaseOrders.push({ ...g, ...(draft ? { draft } : {}) });
      }
      return {
        asOf: run.asOf,
        runReference,
        historyDays: run.historyDays,
        purchaseOrders,
        covered,
        skipped: run.skipped,
      };
    },

    /** Forecast accuracy per SKU × location in scope (rolling origin), and pooled over all of them. */
    backtest: async (o: BacktestRequest = {}) =>
      computeBacktest(store.db, store.dialect, checkBacktest(o), now),
  };

  /** A draft PO of one group, unless the run made it before (then the stored one is reported). */
  async function createDraft(
    run: string,
    asOfMs: number,
    g: { supplier: string | null; location: string; lines: SuggestedLine[] },
  ) {
    const number = draftNumber(run, g.supplier!, g.location, digest);
    const existing = await procurement.getPurchaseOrder(number).catch((err: unknown) => {
      if (ProcurementErrors.PO_NOT_FOUND.is(err)) return undefined;
      throw err;
    });
    if (existing) return { number, status: existing.status, created: false };
    const po = await procurement.createPurchaseOrder({
      number,
      supplier: g.supplier!,
      shipTo: g.location,
      orderDate: utcDay(asOfMs),
      lines: g.lines.map((l, i) => ({
        lineNo: i + 1,
        sku: l.sku,
        quantityOrdered: l.quantity,
        unitCost: l.unitCost,
        expectedDate: l.expectedDate,
      })),
    });
    return { number, status: po.status, created: true };
  }
}

export type ReplenishmentService = ReturnType<typeof createReplenishmentService>;

import { digest } from '../../kernel/json.js';
import { assertOwnership } from '../../kernel/ownership.js';
import { actor, type ErpDeps } from './ledger.service.js';
import { createTaxEngine, type TaxEngine } from './tax.engine.js';
import { TaxErrors } from './tax.errors.js';
import type { ErpTaxRuleSetRow } from './tax.schema.js';
import type { TaxDocument, TaxResult, TaxRuleSet } from './tax.types.js';
import { validateRuleSet } from './tax.validate.js';

/**
 * Tax rule sets as stored data, and quotes against them. A version, once stored, never changes (an
 * issued invoice points at it); a new version of a rule set is a new row and is in force from
 * then on. Compiled engines are cached per id and version: a quote is a pure calculation.
 */

export interface RuleSetVersion {
  id: string;
  version: string;
  name: string;
  createdAt: string;
  actor: string;
}

export interface StoredRuleSet extends RuleSetVersion {
  ruleSet: TaxRuleSet;
}

const toVersion = (r: ErpTaxRuleSetRow): RuleSetVersion => ({
  id: r.id,
  version: r.version,
  name: r.name,
  createdAt: r.created_at,
  actor: r.actor,
});
const toStored = (r: ErpTaxRuleSetRow): StoredRuleSet => ({ ...toVersion(r), ruleSet: JSON.parse(r.body) });
const VERSION_COLUMNS = ['seq', 'id', 'version', 'name', 'created_at', 'actor'] as const;

export function createTaxService(deps: ErpDeps) {
  const { store, clock, audit } = deps;
  const engines = new Map<string, TaxEngine>();

  async function row(id: string, version?: string): Promise<ErpTaxRuleSetRow> {
    let q = store.db.selectFrom('erp_tax_rule_sets').selectAll().where('id', '=', id);
    q = version ? q.where('version', '=', version) : q.orderBy('seq', 'desc').limit(1);
    const r = (await q.executeTakeFirst()) as ErpTaxRuleSetRow | undefined;
    if (!r)
      throw TaxErrors.RULESET_NOT_FOUND.create(
        version ? `no tax rule set "${id}" version "${version}"` : `no tax rule set "${id}"`,
      );
    return r;
  }

  function engineOf(r: ErpTaxRuleSetRow): TaxEngine {
    const key = `${r.id}\u0000${r.version}`;
    let engine = engines.get(key);
    if (!engine) {
      engine = createTaxEngine(JSON.parse(r.body));
      engines.set(key, engine);
    }
    return engine;
  }

  return {
    /** The version in force of every rule set. */
    async list(): Promise<RuleSetVersion[]> {
      const rows = (await store.db
        .selectFrom('erp_tax_rule_sets')
        .select(VERSION_COLUMNS)
        .orderBy('id')
        .orderBy('seq')
        .execute()) as ErpTaxRuleSetRow[];
      // Rows come oldest first, so the map keeps each id's latest.
      return [...new Map(rows.map((r) => [r.id, toVersion(r)])).values()];
    },

    async versions(id: string): Promise<RuleSetVersion[]> {
      const rows = (await store.db
        .selectFrom('erp_tax_rule_sets')
        .select(VERSION_COLUMNS)
        .where('id', '=', id)
        .orderBy('seq')
        .execute()) as ErpTaxRuleSetRow[];
      if (rows.length === 0) throw TaxErrors.RULESET_NOT_FOUND.create(`no tax rule set "${id}"`);
      return rows.map(toVersion);
    },

    async get(id: string, version?: string): Promise<StoredRuleSet> {
      return toStored(await row(id, version));
    },

    /**
     * Store a rule set as a new version in force. Every problem is listed at once (422
     * ERP_TAX_RULESET_INVALID); the same id and version again with the same content is a no-op,
     * with other content a 409 (a stored version is never rewritten).
     */
    async put(ruleSet: TaxRuleSet): Promise<StoredRuleSet> {
      const problems = validateRuleSet(ruleSet);
      if (problems.length > 0)
        throw TaxErrors.RULESET_INVALID.create(
          `${problems.length} problem(s): ${problems
            .slice(0, 5)
            .map((p) => `${p.field}: ${p.message}`)
            .join('; ')}`,
          { errors: problems },
        );
      await assertOwnership(deps, 'erp', `tax:${ruleSet.id}`, ['rules']);
      const hash = digest(ruleSet);
      return store.tx(async (tx) => {
        const same = (await tx
          .selectFrom('erp_tax_rule_sets')
          .selectAll()
          .where('id', '=', ruleSet.id)
          .where('version', '=', ruleSet.version)
          .executeTakeFirst()) as ErpTaxRuleSetRow | undefined;
        if (same) {
          if (same.content_hash === hash) return toStored(same);
          throw TaxErrors.RULESET_VERSION_EXISTS.create(
            `"${ruleSet.id}" version "${ruleSet.version}" is stored with other content; give the change a new version`,
          );
        }
        const r = {
          id: ruleSet.id,
          version: ruleSet.version,
          name: ruleSet.name,
          body: JSON.stringify(ruleSet),
          content_hash: hash,
          actor: actor(),
          created_at: clock.now().toISOString(),
        };
        await tx.insertInto('erp_tax_rule_sets').values(r).execute();
        await audit.record(tx, {
          action: 'erp.tax.rule_set.stored',
          target: `tax:${ruleSet.id}@${ruleSet.version}`,
          after: ruleSet,
        });
        return toStored({ ...r, seq: 0 });
      });
    },

    /** Tax for a document under a rule set (the version in force unless one is named). No effects. */
    async quote(ruleSetId: string, document: TaxDocument, version?: string): Promise<TaxResult> {
      return engineOf(await row(ruleSetId, version)).calculate(document);
    },
  };
}

export type TaxService = ReturnType<typeof createTaxService>;

import { isCalendarDate } from '../../kernel/dates.js';
import { TaxErrors } from './tax.errors.js';
import { parseRatePercent, type Rate } from './tax.rounding.js';
import type {
  RuleTreatment,
  TaxClassDef,
  TaxJurisdiction,
  TaxRule,
  TaxRuleSet,
  TaxRuleSetProblem,
} from './tax.types.js';

/**
 * Validation of a rule set as untrusted JSON (it will arrive from storage and HTTP), and its compiled
 * form: indexes and parsed rates, built once per rule set rather than once per document.
 */

export const COUNTRY_RE = /^[A-Z]{2}$/;
/** ISO 3166-2: country, hyphen, 1–3 alphanumerics. */
export const REGION_RE = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;

const REGIMES = ['vat', 'sales_tax'];
const LEVELS = ['line', 'document'];
const MODES = ['half_up', 'half_even'];
const SOURCINGS = ['origin', 'destination'];
const TREATMENTS = ['taxable', 'zero_rated', 'exempt'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';

/** Every problem of a rule set at once, `[]` when it can be used. Never throws. */
export function validateRuleSet(input: unknown): TaxRuleSetProblem[] {
  const out: TaxRuleSetProblem[] = [];
  const p = (field: string, code: string, message: string) => out.push({ field, code, message });
  if (!isObj(input)) {
    p('', 'RULESET_NOT_OBJECT', 'a rule set must be a JSON object');
    return out;
  }
  for (const k of ['id', 'version', 'name'])
    if (!isText(input[k])) p(k, 'FIELD_REQUIRED', `${k} must be a non-empty string`);
  const regime = input.regime;
  if (!REGIMES.includes(regime as string)) p('regime', 'REGIME_INVALID', `regime must be one of ${REGIMES}`);

  const territory = new Set<string>();
  const terr = input.territory;
  if (!isObj(terr) || !Array.isArray(terr.countries) || terr.countries.length === 0) {
    p('territory.countries', 'FIELD_REQUIRED', 'territory.countries must list at least one country');
  } else {
    terr.countries.forEach((c, i) => {
      if (typeof c === 'string' && COUNTRY_RE.test(c)) territory.add(c);
      else
        p(`territory.countries[${i}]`, 'COUNTRY_INVALID', `${JSON.stringify(c)} is not ISO 3166-1 alpha-2`);
    });
    if (terr.excludedRegions !== undefined) {
      if (!Array.isArray(terr.excludedRegions))
        p('territory.excludedRegions', 'FIELD_INVALID', 'must be an array of ISO 3166-2 codes');
      else
        terr.excludedRegions.forEach((r, i) => {
          if (typeof r !== 'string' || !REGION_RE.test(r))
            p(`territory.excludedRegions[${i}]`, 'REGION_INVALID', `${JSON.stringify(r)} is not ISO 3166-2`);
        });
    }
  }

  const classes = checkClasses(input.taxClasses, p);
  const codes = checkJurisdictions(input.jurisdictions, regime, territory, classes, p);
  checkSeller(input.seller, regime, territory, codes, p);
  if (input.notes !== undefined) {
    if (!isObj(input.notes)) p('notes', 'FIELD_INVALID', 'notes must be an object of strings');
    else
      for (const [k, v] of Object.entries(input.notes))
        if (typeof v !== 'string') p(`notes.${k}`, 'FIELD_INVALID', 'must be a string');
  }
  return out;
}

type Report = (field: string, code: string, message: string) => void;

function checkClasses(input: unknown, p: Report): Set<string> {
  const ids = new Set<string>();
  if (!Array.isArray(input) || input.length === 0) {
    p('taxClasses', 'FIELD_REQUIRED', 'taxClasses must list at least one class');
    return ids;
  }
  const fallbacks = new Map<string, string>();
  for (const [i, c] of input.entries()) {
    if (!isObj(c) || !isText(c.id)) {
      p(`taxClasses[${i}].id`, 'FIELD_REQUIRED', 'a class needs an id');
      continue;
    }
    if (ids.has(c.id)) p(`taxClasses[${i}].id`, 'TAX_CLASS_DUPLICATE', `class "${c.id}" is defined twice`);
    ids.add(c.id);
    if (c.fallback !== undefined) fallbacks.set(c.id, c.fallback as string);
  }
  for (const [i, c] of input.entries()) {
    if (!isObj(c) || c.fallback === undefined) continue;
    if (!ids.has(c.fallback as string))
      p(
        `taxClasses[${i}].fallback`,
        'TAX_CLASS_UNKNOWN',
        `fallback ${JSON.stringify(c.fallback)} is not a class`,
      );
  }
  for (const start of fallbacks.keys()) {
    const seen = new Set([start]);
    for (let at = fallbacks.get(start); at !== undefined; at = fallbacks.get(at)) {
      if (seen.has(at)) {
        p('taxClasses', 'TAX_CLASS_FALLBACK_CYCLE', `fallbacks of "${start}" loop back to "${at}"`);
        break;
      }
      seen.add(at);
    }
  }
  return ids;
}

function checkJurisdictions(
  input: unknown,
  regime: unknown,
  territory: Set<string>,
  classes: Set<string>,
  p: Report,
): Set<string> {
  const codes = new Set<string>();
  if (!Array.isArray(input) || input.length === 0) {
    p('jurisdictions', 'FIELD_REQUIRED', 'jurisdictions must list at least one jurisdiction');
    return codes;
  }
  const ruleIds = new Set<string>();
  for (const [ji, j] of input.entries()) {
    const at = `jurisdictions[${ji}]`;
    if (!isObj(j)) {
      p(at, 'FIELD_INVALID', 'a jurisdiction must be an object');
      continue;
    }
    const code = j.code;
    const re = regime === 'sales_tax' ? REGION_RE : COUNTRY_RE;
    if (typeof code !== 'string' || !re.test(code)) {
      const want =
        regime === 'sales_tax' ? 'an ISO 3166-2 subdivision (US-CA)' : 'an ISO 3166-1 country (DE)';
      p(`${at}.code`, 'JURISDICTION_CODE_INVALID', `${JSON.stringify(code)} must be ${want}`);
    } else {
      if (codes.has(code)) p(`${at}.code`, 'JURISDICTION_DUPLICATE', `jurisdiction ${code} is defined twice`);
      codes.add(code);
      if (territory.size > 0 && !territory.has(code.slice(0, 2)))
        p(`${at}.code`, 'JURISDICTION_OUTSIDE_TERRITORY', `${code} is not in the rule set's territory`);
    }
    if (!isText(j.name)) p(`${at}.name`, 'FIELD_REQUIRED', 'name must be a non-empty string');
    const r = j.rounding;
    if (!isObj(r) || !LEVELS.includes(r.level as string) || !MODES.includes(r.mode as string))
      p(`${at}.rounding`, 'ROUNDING_INVALID', `rounding needs level (${LEVELS}) and mode (${MODES})`);
    if (j.sourcing !== undefined && (regime !== 'sales_tax' || !SOURCINGS.includes(j.sourcing as string)))
      p(`${at}.sourcing`, 'SOURCING_INVALID', `sourcing is ${SOURCINGS} and only for sales tax`);
    const s = j.shipping;
    if (!isObj(s) || typeof s.taxable !== 'boolean')
      p(`${at}.shipping`, 'SHIPPING_INVALID', 'shipping needs taxable: boolean');
    else if (s.taxable && !classes.has(s.taxClass as string))
      p(`${at}.shipping.taxClass`, 'TAX_CLASS_UNKNOWN', 'taxable shipping needs a known taxClass');
    if (!Array.isArray(j.rules)) {
      p(`${at}.rules`, 'FIELD_REQUIRED', 'rules must be an array');
      continue;
    }
    const ranges: { i: number; id: string; cls: string; from: string; to: string | undefined }[] = [];
    for (const [ri, rule] of j.rules.entries()) {
      const rat = `${at}.rules[${ri}]`;
      if (!isObj(rule)) {
        p(rat, 'FIELD_INVALID', 'a rule must be an object');
        continue;
      }
      const ok = checkRule(rule, rat, classes, ruleIds, p);
      if (ok) ranges.push({ i: ri, id: rule.id as string, cls: rule.taxClass as string, ...ok });
    }
    for (let a = 0; a < ranges.length; a++)
      for (let b = a + 1; b < ranges.length; b++) {
        const x = ranges[a]!;
        const y = ranges[b]!;
        if (x.cls !== y.cls) continue;
        if ((x.to === undefined || y.from < x.to) && (y.to === undefined || x.from < y.to))
          p(
            `${at}.rules[${y.i}]`,
            'RULE_OVERLAP',
            `rules "${x.id}" and "${y.id}" both apply to class "${x.cls}" in ${String(code)} from ${[x.from, y.from].sort()[1]}`,
          );
      }
  }
  return codes;
}

/** Checks one rule; returns its date range when the range is usable for the overlap check. */
function checkRule(
  rule: Obj,
  at: string,
  classes: Set<string>,
  ruleIds: Set<string>,
  p: Report,
): { from: string; to: string | undefined } | undefined {
  if (!isText(rule.id)) p(`${at}.id`, 'FIELD_REQUIRED', 'a rule needs an id');
  else if (ruleIds.has(rule.id)) p(`${at}.id`, 'RULE_ID_DUPLICATE', `rule id "${rule.id}" is used twice`);
  else ruleIds.add(rule.id);
  if (!classes.has(rule.taxClass as string))
    p(
      `${at}.taxClass`,
      'TAX_CLASS_UNKNOWN',
      `${JSON.stringify(rule.taxClass)} is not a class of the rule set`,
    );
  const rate = parseRatePercent(rule.rate);
  if (!rate)
    p(
      `${at}.rate`,
      'RATE_MALFORMED',
      `${JSON.stringify(rule.rate)} is not a percent string from "0" to "100"`,
    );
  const treatment = rule.treatment ?? 'taxable';
  if (!TREATMENTS.includes(treatment as string))
    p(`${at}.treatment`, 'TREATMENT_INVALID', `treatment must be one of ${TREATMENTS}`);
  else if (rate && treatment !== 'taxable' && rate.num !== 0n)
    p(`${at}.rate`, 'RATE_TREATMENT_MISMATCH', `a ${String(treatment)} rule must have rate "0"`);
  if (rule.note !== undefined && typeof rule.note !== 'string')
    p(`${at}.note`, 'FIELD_INVALID', 'must be a string');
  const fromOk = isCalendarDate(rule.validFrom);
  if (!fromOk) p(`${at}.validFrom`, 'DATE_INVALID', 'validFrom must be YYYY-MM-DD');
  const toOk = rule.validTo === undefined || isCalendarDate(rule.validTo);
  if (!toOk) p(`${at}.validTo`, 'DATE_INVALID', 'validTo must be YYYY-MM-DD or absent');
  if (!fromOk || !toOk) return undefined;
  const to = rule.validTo as string | undefined;
  if (to !== undefined && to <= (rule.validFrom as string)) {
    p(`${at}.validTo`, 'DATE_RANGE_INVALID', 'validTo (exclusive) must be after validFrom');
    return undefined;
  }
  return classes.has(rule.taxClass as string) ? { from: rule.validFrom as string, to } : undefined;
}

function checkSeller(input: unknown, regime: unknown, territory: Set<string>, codes: Set<string>, p: Report) {
  if (!isObj(input) || !isObj(input.address))
    return p('seller.address', 'FIELD_REQUIRED', 'seller needs an address');
  const a = input.address;
  if (typeof a.country !== 'string' || !COUNTRY_RE.test(a.country))
    p('seller.address.country', 'COUNTRY_INVALID', 'must be ISO 3166-1 alpha-2');
  else if (territory.size > 0 && !territory.has(a.country))
    p('seller.address.country', 'SELLER_OUTSIDE_TERRITORY', `${a.country} is not in the territory`);
  if (a.region !== undefined && (typeof a.region !== 'string' || !REGION_RE.test(a.region)))
    p('seller.address.region', 'REGION_INVALID', 'must be ISO 3166-2');
  if (input.vatId !== undefined && !isText(input.vatId))
    p('seller.vatId', 'FIELD_INVALID', 'must be a string');
  if (input.belowOssThreshold !== undefined && typeof input.belowOssThreshold !== 'boolean')
    p('seller.belowOssThreshold', 'FIELD_INVALID', 'must be a boolean');
  if (input.nexus === undefined) return;
  if (!Array.isArray(input.nexus) || regime !== 'sales_tax')
    return p('seller.nexus', 'FIELD_INVALID', 'nexus is an array of jurisdiction codes, for sales tax only');
  input.nexus.forEach((n, i) => {
    if (!codes.has(n as string))
      p(`seller.nexus[${i}]`, 'NEXUS_UNKNOWN', `${JSON.stringify(n)} is not a jurisdiction of the rule set`);
  });
}

// ---------------------------------------------------------------------------------------------

export interface CompiledRule {
  rule: TaxRule;
  rate: Rate;
  treatment: RuleTreatment;
}

export interface CompiledJurisdiction {
  def: TaxJurisdiction;
  rulesByClass: Map<string, CompiledRule[]>;
}

export interface CompiledRuleSet {
  def: TaxRuleSet;
  classes: Map<string, TaxClassDef>;
  jurisdictions: Map<string, CompiledJurisdiction>;
  territory: Set<string>;
  excludedRegions: Set<string>;
  nexus: Set<string>;
}

/** Validate and index a rule set; throws ERP_TAX_RULESET_INVALID listing every problem. */
export function compileRuleSet(ruleSet: TaxRuleSet): CompiledRuleSet {
  const errors = validateRuleSet(ruleSet);
  if (errors.length > 0)
    throw TaxErrors.RULESET_INVALID.create(
      `${errors.length} problem(s): ${errors
        .slice(0, 5)
        .map((e) => `${e.field} ${e.message}`)
        .join('; ')}`,
      { errors },
    );
  // A private copy: a caller mutating its object later cannot change a compiled engine.
  const def = structuredClone(ruleSet);
  const jurisdictions = new Map<string, CompiledJurisdiction>();
  for (const j of def.jurisdictions) {
    const rulesByClass = new Map<string, CompiledRule[]>();
    for (const rule of j.rules) {
      const list = rulesByClass.get(rule.taxClass) ?? [];
      list.push({ rule, rate: parseRatePercent(rule.rate)!, treatment: rule.treatment ?? 'taxable' });
      rulesByClass.set(rule.taxClass, list);
    }
    jurisdictions.set(j.code, { def: j, rulesByClass });
  }
  return {
    def,
    classes: new Map(def.taxClasses.map((c) => [c.id, c])),
    jurisdictions,
    territory: new Set(def.territory.countries),
    excludedRegions: new Set(def.territory.excludedRegions ?? []),
    nexus: new Set(def.seller.nexus ?? []),
  };
}

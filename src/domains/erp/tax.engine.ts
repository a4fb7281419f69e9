import { type PreparedDocument, type PreparedLine, prepareDocument } from './tax.document.js';
import { TaxErrors } from './tax.errors.js';
import { allocateLargestRemainder, convertMinor, type Rate, roundDiv, ZERO_RATE } from './tax.rounding.js';
import { exemptionApplies, jurisdictionOf, type Supply, salesTaxSupply, vatSupply } from './tax.supply.js';
import type {
  TaxBreakdownEntry,
  TaxDocument,
  TaxExplanation,
  TaxLineResult,
  TaxReporting,
  TaxResult,
  TaxRoundingRule,
  TaxRuleSet,
  TaxTreatment,
} from './tax.types.js';
import {
  type CompiledJurisdiction,
  type CompiledRule,
  type CompiledRuleSet,
  compileRuleSet,
} from './tax.validate.js';

/**
 * The tax calculation: pure, storage-free, deterministic (same rule set and document → same result,
 * key order included). Steps: check the document, decide the place of supply once per document,
 * pick one rule per line (class fallback, effective dates), then compute tax per rate group with
 * exact integer arithmetic and round where the jurisdiction says.
 */

export interface TaxEngine {
  readonly ruleSet: { id: string; version: string };
  calculate(doc: TaxDocument): TaxResult;
}

/** Validate and index the rule set once (throws ERP_TAX_RULESET_INVALID); calculate many documents. */
export function createTaxEngine(ruleSet: TaxRuleSet): TaxEngine {
  const compiled = compileRuleSet(ruleSet);
  return {
    ruleSet: { id: compiled.def.id, version: compiled.def.version },
    calculate: (doc) => calculate(compiled, doc),
  };
}

/** One-off calculation; prefer `createTaxEngine` for many documents against one rule set. */
export function calculateTax(ruleSet: TaxRuleSet, doc: TaxDocument): TaxResult {
  return calculate(compileRuleSet(ruleSet), doc);
}

interface Decision {
  jurisdiction: string;
  treatment: TaxTreatment;
  rate: Rate;
  rule?: CompiledRule;
  taxClass: string;
  classPath: string[];
  matchedClass?: string;
  rounding: TaxRoundingRule;
  reason: string;
}

const DEFAULT_ROUNDING: TaxRoundingRule = { level: 'document', mode: 'half_up' };
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function roundingFor(p: PreparedDocument, j: CompiledJurisdiction | undefined): TaxRoundingRule {
  return { ...(j?.def.rounding ?? DEFAULT_ROUNDING), ...p.rounding };
}

/** The rule of `cls` (or its fallbacks) in force on `date`; fallback only where the class has no rules. */
function findRule(c: CompiledRuleSet, j: CompiledJurisdiction, cls: string, date: string) {
  const classPath: string[] = [];
  for (let at: string | undefined = cls; at !== undefined; at = c.classes.get(at)?.fallback) {
    classPath.push(at);
    const rules = j.rulesByClass.get(at);
    if (!rules) continue;
    const rule = rules.find((r) => r.rule.validFrom <= date && (!r.rule.validTo || date < r.rule.validTo));
    if (!rule)
      throw TaxErrors.RULE_NOT_FOUND.create(
        `${j.def.code} has rules for class "${at}" but none in force on ${date}`,
        {
          jurisdiction: j.def.code,
          taxClass: at,
          date,
        },
      );
    return { rule, classPath, matchedClass: at };
  }
  throw TaxErrors.RULE_NOT_FOUND.create(`${j.def.code} has no rule for class "${cls}" or its fallbacks`, {
    jurisdiction: j.def.code,
    taxClass: cls,
    date,
  });
}

function decide(c: CompiledRuleSet, p: PreparedDocument, s: Supply, line: PreparedLine): Decision {
  const j = s.forced ? c.jurisdictions.get(s.jurisdiction) : jurisdictionOf(c, s.jurisdiction, s.place);
  const rounding = roundingFor(p, j);
  const shippingClass = line.taxClass ?? j?.def.shipping.taxClass;
  const taxClass = line.taxClass ?? shippingClass ?? 'shipping';
  const none = (treatment: TaxTreatment, reason: string): Decision => ({
    jurisdiction: s.jurisdiction,
    treatment,
    rate: ZERO_RATE,
    taxClass,
    classPath: [taxClass],
    rounding,
    reason,
  });
  if (s.forced) return none(s.forced, s.reason);
  if (exemptionApplies(p, s.jurisdiction))
    return none('customer_exempt', `customer exemption certificate valid in ${s.jurisdiction}; ${s.reason}`);
  if (line.kind === 'shipping' && (!j!.def.shipping.taxable || shippingClass === undefined))
    return none('not_taxable', `${s.jurisdiction} does not tax separately stated shipping; ${s.reason}`);
  const { rule, classPath, matchedClass } = findRule(c, j!, taxClass, p.doc.date);
  const via = matchedClass === taxClass ? '' : ` (no rule for "${taxClass}", fell back to "${matchedClass}")`;
  const span = `${rule.rule.validFrom}..${rule.rule.validTo ?? 'open'}`;
  return {
    jurisdiction: s.jurisdiction,
    treatment: rule.treatment,
    rate: rule.rate,
    rule,
    taxClass,
    classPath,
    matchedClass,
    rounding,
    reason: `rule ${rule.rule.id}: class "${matchedClass}"${via} at ${rule.rate.percent}% in ${s.jurisdiction}, in force ${span} on ${p.doc.date}; ${s.reason}`,
  };
}

interface Group {
  key: string;
  decision: Decision;
  members: number[];
  ruleIds: string[];
}

/** Tax of each line, in minor units, exactly as the group's rounding rule says. */
function computeTaxes(p: PreparedDocument, groups: Group[]): bigint[] {
  const taxes = p.lines.map(() => 0n);
  const inclusive = p.doc.pricesIncludeTax;
  for (const g of groups) {
    const { rate, rounding } = g.decision;
    if (rate.num === 0n) continue;
    // Exclusive: tax = base·r. Inclusive: the base is gross, tax = gross·r/(1+r), net = gross − tax.
    const den = inclusive ? rate.den + rate.num : rate.den;
    const nums = g.members.map((i) => p.lines[i]!.base * rate.num);
    const parts =
      rounding.level === 'line'
        ? nums.map((n) => roundDiv(n, den, rounding.mode))
        : allocateLargestRemainder(
            nums,
            den,
            roundDiv(
              nums.reduce((a, b) => a + b, 0n),
              den,
              rounding.mode,
            ),
          );
    g.members.forEach((i, k) => {
      taxes[i] = parts[k]!;
    });
  }
  return taxes;
}

function safe(n: bigint, what: string): number {
  if (n > MAX_SAFE) throw TaxErrors.AMOUNT_INVALID.create(`${what} exceeds the largest safe integer`);
  return Number(n);
}

function fill(template: string, vars: Record<string, string | undefined>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m);
}

function calculate(c: CompiledRuleSet, input: TaxDocument): TaxResult {
  const p = prepareDocument(c, input);
  const supply = c.def.regime === 'vat' ? vatSupply(c, p) : salesTaxSupply(c, p);
  const decisions = p.lines.map((line) => decide(c, p, supply, line));

  const groups = new Map<string, Group>();
  decisions.forEach((d, i) => {
    const key = `${d.jurisdiction}|${d.treatment}|${d.rate.percent}|${d.rounding.level}|${d.rounding.mode}`;
    const g = groups.get(key) ?? { key, decision: d, members: [], ruleIds: [] };
    g.members.push(i);
    if (d.rule && !g.ruleIds.includes(d.rule.rule.id)) g.ruleIds.push(d.rule.rule.id);
    groups.set(key, g);
  });
  const taxes = computeTaxes(p, [...groups.values()]);

  const inclusive = p.doc.pricesIncludeTax;
  const origin = p.origin.region ?? p.origin.country;
  const destination = p.destination.region ?? p.destination.country;
  const lines: TaxLineResult[] = p.lines.map((line, i) => {
    const d = decisions[i]!;
    const tax = taxes[i]!;
    const net = inclusive ? line.base - tax : line.base;
    const explanation: TaxExplanation = {
      placeOfSupply: supply.place,
      classPath: d.classPath,
      ...(d.matchedClass ? { matchedClass: d.matchedClass } : {}),
      ...(d.rule
        ? {
            rule: {
              id: d.rule.rule.id,
              validFrom: d.rule.rule.validFrom,
              ...(d.rule.rule.validTo ? { validTo: d.rule.rule.validTo } : {}),
            },
          }
        : {}),
      inputs: {
        taxClass: d.taxClass,
        date: p.doc.date,
        customerType: p.customer.type,
        origin,
        destination,
        pricesIncludeTax: inclusive,
      },
      reason: d.reason,
    };
    return {
      lineId: line.lineId,
      kind: line.kind,
      taxClass: d.taxClass,
      jurisdiction: d.jurisdiction,
      treatment: d.treatment,
      ruleId: d.rule?.rule.id ?? null,
      rate: d.rate.percent,
      net: safe(net, 'net'),
      tax: safe(tax, 'tax'),
      gross: safe(net + tax, 'gross'),
      explanation,
    };
  });

  const breakdown: TaxBreakdownEntry[] = [...groups.values()].map((g) => {
    const sum = (f: (l: TaxLineResult) => number) => g.members.reduce((a, i) => a + BigInt(f(lines[i]!)), 0n);
    return {
      jurisdiction: g.decision.jurisdiction,
      treatment: g.decision.treatment,
      rate: g.decision.rate.percent,
      ruleIds: g.ruleIds,
      rounding: g.decision.rounding,
      net: safe(
        sum((l) => l.net),
        'net',
      ),
      tax: safe(
        sum((l) => l.tax),
        'tax',
      ),
      gross: safe(
        sum((l) => l.gross),
        'gross',
      ),
    };
  });
  const total = (f: (b: TaxBreakdownEntry) => number) =>
    safe(
      breakdown.reduce((a, b) => a + BigInt(f(b)), 0n),
      'total',
    );
  const totals = { net: total((b) => b.net), tax: total((b) => b.tax), gross: total((b) => b.gross) };

  const exemption = p.customer.type === 'exempt' ? p.customer.exemption : undefined;
  const applied = decisions.some((d) => d.treatment === 'customer_exempt');
  const notes = collectNotes(c, p, supply, decisions, applied);

  return {
    ...(p.doc.id !== undefined ? { documentId: p.doc.id } : {}),
    ruleSet: { id: c.def.id, version: c.def.version },
    date: p.doc.date,
    currency: p.doc.currency,
    pricesIncludeTax: inclusive,
    placeOfSupply: supply.place,
    lines,
    breakdown,
    totals,
    reverseCharge: supply.place === 'reverse_charge',
    ...(exemption
      ? { exemption: { certificateId: exemption.certificateId, reason: exemption.reason, applied } }
      : {}),
    notes,
    ...(p.reporting ? { reporting: report(p, breakdown) } : {}),
  };
}

function collectNotes(
  c: CompiledRuleSet,
  p: PreparedDocument,
  s: Supply,
  decisions: Decision[],
  exemptionApplied: boolean,
): string[] {
  const notes: string[] = [];
  const t = c.def.notes ?? {};
  const vars = {
    customerVatId: s.customerVatId,
    sellerVatId: c.def.seller.vatId,
    jurisdiction: s.jurisdiction,
    certificateId: p.customer.exemption?.certificateId,
    reason: p.customer.exemption?.reason,
  };
  const add = (text: string | undefined) => {
    if (text !== undefined && !notes.includes(text)) notes.push(text);
  };
  if (p.lines.length === 0) return notes;
  if (s.place === 'reverse_charge')
    add(
      fill(
        t.reverseCharge ?? 'Reverse charge: VAT to be accounted for by the customer ({customerVatId}).',
        vars,
      ),
    );
  if (s.place === 'export' && t.export) add(fill(t.export, vars));
  if (s.place === 'no_nexus' && t.noNexus) add(fill(t.noNexus, vars));
  if (exemptionApplied) add(fill(t.exemption ?? 'Tax exempt: certificate {certificateId} ({reason}).', vars));
  for (const d of decisions) if (d.rule?.rule.note) add(fill(d.rule.rule.note, vars));
  return notes;
}

/**
 * Totals in the reporting currency. Each breakdown group's net and tax are converted and rounded
 * (half-up) on their own, gross is their sum, and totals are sums of groups: so the reported figures
 * add up exactly, as a VAT return per rate needs, even if they differ by a cent from converting the
 * document total in one go.
 */
function report(p: PreparedDocument, breakdown: TaxBreakdownEntry[]): TaxReporting {
  const r = p.reporting!;
  const conv = (n: number) => convertMinor(BigInt(n), r.rate, r.fromExponent, r.toExponent);
  const rows = breakdown.map((b) => {
    const net = conv(b.net);
    const tax = conv(b.tax);
    return { jurisdiction: b.jurisdiction, treatment: b.treatment, rate: b.rate, net, tax, gross: net + tax };
  });
  const sum = (f: (x: (typeof rows)[number]) => bigint) =>
    safe(
      rows.reduce((a, x) => a + f(x), 0n),
      'reporting total',
    );
  return {
    currency: r.currency,
    rate: r.rateText,
    rateDate: r.rateDate,
    breakdown: rows.map((x) => ({
      ...x,
      net: safe(x.net, 'reporting net'),
      tax: safe(x.tax, 'reporting tax'),
      gross: safe(x.gross, 'reporting gross'),
    })),
    totals: { net: sum((x) => x.net), tax: sum((x) => x.tax), gross: sum((x) => x.gross) },
  };
}

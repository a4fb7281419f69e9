import type { PreparedDocument } from './tax.document.js';
import { TaxErrors } from './tax.errors.js';
import type { PlaceOfSupply, TaxTreatment } from './tax.types.js';
import type { CompiledJurisdiction, CompiledRuleSet } from './tax.validate.js';

/**
 * Place of supply: decided once per document, before any line is looked at, because it depends on
 * the parties and addresses only (EU OSS and reverse charge, exports, US nexus and sourcing).
 */

export interface Supply {
  place: PlaceOfSupply;
  jurisdiction: string;
  /** A treatment for every line regardless of class (reverse charge, export, no nexus). */
  forced?: TaxTreatment;
  reason: string;
  customerVatId?: string;
}

export function jurisdictionOf(c: CompiledRuleSet, code: string, why: string): CompiledJurisdiction {
  const j = c.jurisdictions.get(code);
  if (!j)
    throw TaxErrors.JURISDICTION_UNKNOWN.create(`rule set ${c.def.id} has no jurisdiction ${code} (${why})`, {
      jurisdiction: code,
    });
  return j;
}

const inTerritory = (c: CompiledRuleSet, a: { country: string; region?: string }) =>
  c.territory.has(a.country) && !(a.region !== undefined && c.excludedRegions.has(a.region));

/** Greece's VAT ids use EL, not its ISO code. */
const vatPrefix = (country: string) => (country === 'GR' ? 'EL' : country);

function customerVatId(p: PreparedDocument, country: string): string {
  const raw = p.customer.vatId;
  if (raw === undefined || raw.trim() === '')
    throw TaxErrors.VAT_ID_MISSING.create(
      `B2B sale from ${p.origin.country} to ${country} is reverse-charged only with the customer's VAT id`,
      { field: 'customer.vatId' },
    );
  const id = raw.replace(/[\s.-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9A-Z]{2,13}$/.test(id) || !id.startsWith(vatPrefix(country)))
    throw TaxErrors.VAT_ID_INVALID.create(`"${raw}" is not a VAT id of ${country}`, {
      field: 'customer.vatId',
    });
  return id;
}

export function vatSupply(c: CompiledRuleSet, p: PreparedDocument): Supply {
  const from = p.origin.country;
  const to = p.destination.country;
  if (!inTerritory(c, p.origin))
    throw TaxErrors.JURISDICTION_UNKNOWN.create(`ship-from ${from} is outside the territory of ${c.def.id}`, {
      field: 'origin',
    });
  if (!inTerritory(c, p.destination))
    return {
      place: 'export',
      jurisdiction: from,
      forced: 'export',
      reason: `${to} is outside the VAT territory`,
    };
  if (from === to) return { place: 'domestic', jurisdiction: from, reason: `domestic supply within ${from}` };
  if (p.customer.type === 'b2b')
    return {
      place: 'reverse_charge',
      jurisdiction: to,
      forced: 'reverse_charge',
      reason: `B2B supply from ${from} to ${to}: the customer accounts for the VAT`,
      customerVatId: customerVatId(p, to),
    };
  if (c.def.seller.belowOssThreshold)
    return {
      place: 'origin',
      jurisdiction: from,
      reason: `distance sale to ${to}; seller below the OSS threshold`,
    };
  return {
    place: 'destination',
    jurisdiction: to,
    reason: `distance sale from ${from} taxed in ${to} (OSS)`,
  };
}

export function salesTaxSupply(c: CompiledRuleSet, p: PreparedDocument): Supply {
  const originCode = p.origin.region ?? p.origin.country;
  if (!inTerritory(c, p.destination))
    return {
      place: 'export',
      jurisdiction: originCode,
      forced: 'export',
      reason: `${p.destination.country} is outside the sales tax territory`,
    };
  const dest = p.destination.region!;
  // Typos must not pass as "no nexus, no tax": the destination has to be a known jurisdiction.
  const j = jurisdictionOf(c, dest, 'destination');
  if (!c.nexus.has(dest))
    return {
      place: 'no_nexus',
      jurisdiction: dest,
      forced: 'no_nexus',
      reason: `seller has no nexus in ${dest}`,
    };
  if (j.def.sourcing === 'origin' && p.origin.region === dest)
    return { place: 'origin', jurisdiction: dest, reason: `intrastate sale in origin-sourced ${dest}` };
  return { place: 'destination', jurisdiction: dest, reason: `destination-sourced sale into ${dest}` };
}

export function exemptionApplies(p: PreparedDocument, jurisdiction: string): boolean {
  const e = p.customer.type === 'exempt' ? p.customer.exemption : undefined;
  if (!e) return false;
  return (
    !e.jurisdictions || e.jurisdictions.some((x) => x === jurisdiction || x === jurisdiction.slice(0, 2))
  );
}

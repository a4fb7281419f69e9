import type { AttributeDef, ChannelDef, FamilyDef, ProductValues, ValueEntry } from './catalog.types.js';

/**
 * Completeness: for one product, per channel × locale, how many of the family's required
 * attributes have a value there. A pure function of (family, channels, values), recomputed for
 * exactly the products whose values or family changed.
 */
export interface CompletenessRow {
  channel: string;
  locale: string;
  required: number;
  missing: string[];
  /** 0–100, rounded down: 100 only when nothing is missing. */
  ratio: number;
}

function filled(attr: AttributeDef, entry: ValueEntry | undefined, channel: ChannelDef): boolean {
  if (!entry) return false;
  // A price is complete only with an amount in every currency the channel sells in.
  if (attr.type === 'price') {
    const prices = entry.data as { currency: string }[];
    return channel.currencies.every((c) => prices.some((p) => p.currency === c));
  }
  return true;
}

function entryFor(
  attr: AttributeDef,
  entries: readonly ValueEntry[] | undefined,
  channel: string,
  locale: string,
): ValueEntry | undefined {
  if (!entries) return undefined;
  const wantLocale = attr.localizable ? locale : null;
  const wantChannel = attr.scopable ? channel : null;
  for (const e of entries) if (e.locale === wantLocale && e.channel === wantChannel) return e;
  return undefined;
}

export function computeCompleteness(
  family: FamilyDef,
  attributes: ReadonlyMap<string, AttributeDef>,
  channels: Iterable<ChannelDef>,
  values: ProductValues,
): CompletenessRow[] {
  const rows: CompletenessRow[] = [];
  for (const channel of channels) {
    const reqs = family.requirements.filter((r) => r.channel === channel.code);
    for (const locale of channel.locales) {
      const missing: string[] = [];
      let required = 0;
      for (const r of reqs) {
        if (r.locales.length > 0 && !r.locales.includes(locale)) continue;
        const attr = attributes.get(r.attribute);
        if (!attr) continue;
        required++;
        if (!filled(attr, entryFor(attr, values[r.attribute], channel.code, locale), channel))
          missing.push(attr.code);
      }
      const ratio = required === 0 ? 100 : Math.floor(((required - missing.length) * 100) / required);
      rows.push({ channel: channel.code, locale, required, missing, ratio });
    }
  }
  return rows;
}

/** A variant's effective values: its product model's values, overridden by its own. */
export function effectiveValues(modelValues: ProductValues | undefined, own: ProductValues): ProductValues {
  if (!modelValues) return own;
  return { ...modelValues, ...own };
}

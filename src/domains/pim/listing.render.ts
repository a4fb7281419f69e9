import type { Money } from '../../kernel/money.js';
import type { CatalogSnapshot, ChannelDef, FieldError, ProductValues } from './catalog.types.js';
import { applyRules, type CompiledRules } from './syndication.rules.js';

/**
 * What a channel receives for one product in one locale: the rule-rendered content, plus the
 * title and prices every consumer needs without knowing the family (the event's fixed fields).
 */
export interface RenderedListing {
  title: string;
  prices: Money[];
  content: Record<string, unknown>;
}

export interface RenderInput {
  sku: string;
  family: string;
  parent: string | null;
  categories: string[];
  /** Effective values (model values applied). */
  values: ProductValues;
}

function pick(
  values: ProductValues,
  code: string,
  channel: string,
  locale: string,
  localizable: boolean,
  scopable: boolean,
) {
  return values[code]?.find(
    (e) => e.locale === (localizable ? locale : null) && e.channel === (scopable ? channel : null),
  )?.data;
}

export async function renderListing(
  snap: CatalogSnapshot,
  channel: ChannelDef,
  locale: string,
  rules: CompiledRules,
  product: RenderInput,
): Promise<{ ok: true; listing: RenderedListing } | { ok: false; errors: FieldError[] }> {
  const family = snap.families.get(product.family);
  const result = await applyRules(rules, product, locale);
  if (!result.ok) return result;
  let title = product.sku;
  const labelAttr = family?.labelAttribute ? snap.attributes.get(family.labelAttribute) : undefined;
  if (labelAttr) {
    const label = pick(
      product.values,
      labelAttr.code,
      channel.code,
      locale,
      labelAttr.localizable,
      labelAttr.scopable,
    );
    if (typeof label === 'string' && label.length > 0) title = label;
  }
  if (typeof result.payload.title === 'string' && result.payload.title.length > 0)
    title = result.payload.title;
  let prices: Money[] = [];
  const priceAttr = family?.attributes.map((a) => snap.attributes.get(a)).find((a) => a?.type === 'price');
  if (priceAttr) {
    const data = pick(
      product.values,
      priceAttr.code,
      channel.code,
      locale,
      priceAttr.localizable,
      priceAttr.scopable,
    );
    if (Array.isArray(data))
      prices = (data as Money[])
        .filter((p) => channel.currencies.includes(p.currency))
        .map((p) => ({ ...p }));
  }
  return { ok: true, listing: { title, prices, content: result.payload } };
}

import type { Kysely } from 'kysely';
import type { AttributeDef, AttributeType, CatalogSnapshot, ChannelDef, FamilyDef } from './catalog.types.js';
import type { PimAttributeRow, PimChannelRow, PimFamilyRow } from './schema.js';

/** Rows of the catalog setup tables ⇄ the definitions the rest of the PIM works with. */

export function toChannel(r: PimChannelRow): ChannelDef {
  return {
    code: r.code,
    labels: JSON.parse(r.labels),
    locales: JSON.parse(r.locales),
    currencies: JSON.parse(r.currencies),
    categoryTree: r.category_tree,
  };
}

export function toAttribute(r: PimAttributeRow): AttributeDef {
  return {
    code: r.code,
    type: r.type as AttributeType,
    labels: JSON.parse(r.labels),
    localizable: Boolean(Number(r.localizable)),
    scopable: Boolean(Number(r.scopable)),
    unique: Boolean(Number(r.is_unique)),
    searchable: Boolean(Number(r.searchable)),
    ...JSON.parse(r.config),
  };
}

export function toFamily(r: PimFamilyRow): FamilyDef {
  return {
    code: r.code,
    labels: JSON.parse(r.labels),
    attributes: JSON.parse(r.attributes),
    labelAttribute: r.label_attribute,
    requirements: JSON.parse(r.requirements),
  };
}

/**
 * The whole catalog setup (channels, attributes, families, category codes). Small — hundreds to a
 * few thousand rows — so it is read per write batch rather than cached: another process may have
 * changed it, and a read inside the writing transaction is what makes validation consistent.
 */
export async function loadSnapshot(db: Kysely<any>): Promise<CatalogSnapshot> {
  const [channels, attributes, families, categories] = await Promise.all([
    db.selectFrom('pim_channels').selectAll().execute(),
    db.selectFrom('pim_attributes').selectAll().execute(),
    db.selectFrom('pim_families').selectAll().execute(),
    db.selectFrom('pim_categories').select('code').execute(),
  ]);
  const channelMap = new Map((channels as PimChannelRow[]).map((r) => [r.code, toChannel(r)]));
  return {
    channels: channelMap,
    attributes: new Map((attributes as PimAttributeRow[]).map((r) => [r.code, toAttribute(r)])),
    families: new Map((families as PimFamilyRow[]).map((r) => [r.code, toFamily(r)])),
    locales: new Set([...channelMap.values()].flatMap((c) => c.locales)),
    categories: new Set(categories.map((r) => r.code as string)),
  };
}

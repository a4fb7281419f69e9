import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { loadSnapshot, toAttribute, toChannel, toFamily } from './catalog.repo.js';
import { AttributeInput, CategoryInput, ChannelInput, FamilyInput } from './catalog.schemas.js';
import type { AttributeDef, CatalogSnapshot, ChannelDef, FamilyDef, FieldError } from './catalog.types.js';
import { PimErrors } from './errors.js';
import type { ProductScope } from './product.lookups.js';
import type { PimAttributeRow, PimCategoryRow, PimChannelRow, PimFamilyRow } from './schema.js';

/**
 * The catalog setup: channels (locales, currencies), attributes, families (with their per-channel
 * requirements) and the category tree. Changes that alter what "complete" means recompute the
 * completeness of the products concerned in the same transaction.
 */

const checkChannel = inputValidator(ChannelInput, 'channel');
const checkAttribute = inputValidator(AttributeInput, 'attribute');
const checkFamily = inputValidator(FamilyInput, 'family');
const checkCategory = inputValidator(CategoryInput, 'category');

export interface Category {
  code: string;
  parent: string | null;
  labels: Record<string, string>;
  path: string[];
}

function invalid(what: string, errors: FieldError[]): never {
  throw PimErrors.DEFINITION_INVALID.create(
    `${what}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
    { errors },
  );
}

function attributeErrors(a: AttributeInput, before: AttributeDef | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const e = (field: string, code: string, message: string) => errors.push({ field, code, message });
  const textual = a.type === 'text' || a.type === 'richtext';
  if (a.maxLength !== undefined && !textual)
    e('maxLength', 'SETTING_NOT_ALLOWED', 'only for text attributes');
  if (a.pattern !== undefined) {
    if (a.type !== 'text') e('pattern', 'SETTING_NOT_ALLOWED', 'only for text attributes');
    try {
      new RegExp(a.pattern);
    } catch (err) {
      e('pattern', 'PATTERN_INVALID', (err as Error).message);
    }
  }
  const numeric = a.type === 'number' || a.type === 'measure';
  if ((a.min !== undefined || a.max !== undefined) && !numeric)
    e('min', 'SETTING_NOT_ALLOWED', 'only for numbers');
  if (a.min !== undefined && a.max !== undefined && a.min > a.max) e('min', 'BOUNDS_INVALID', 'min > max');
  if (a.type === 'measure' && !a.units) e('units', 'SETTING_REQUIRED', 'a measure needs its units');
  if (a.units && a.type !== 'measure') e('units', 'SETTING_NOT_ALLOWED', 'only for measures');
  const select = a.type === 'select' || a.type === 'multiselect';
  if (select && !a.options?.length) e('options', 'SETTING_REQUIRED', 'a select needs options');
  if (a.options && !select) e('options', 'SETTING_NOT_ALLOWED', 'only for selects');
  if (a.options && new Set(a.options.map((o) => o.code)).size !== a.options.length)
    e('options', 'OPTION_DUPLICATE', 'option codes must be unique');
  if (a.mediaKinds && a.type !== 'media') e('mediaKinds', 'SETTING_NOT_ALLOWED', 'only for media');
  if (a.unique && (!(a.type === 'text' || a.type === 'number') || a.localizable || a.scopable))
    e(
      'unique',
      'SETTING_NOT_ALLOWED',
      'only non-localizable, non-scopable text or number attributes can be unique',
    );
  if (before) {
    for (const k of ['type', 'localizable', 'scopable', 'unique'] as const) {
      if ((a[k] ?? false) !== before[k] && !(k === 'type' && a.type === before.type))
        e(k, 'IMMUTABLE', `"${k}" cannot change once the attribute exists`);
    }
  }
  return errors;
}

function familyErrors(f: FamilyInput, snap: CatalogSnapshot): FieldError[] {
  const errors: FieldError[] = [];
  const e = (field: string, code: string, message: string) => errors.push({ field, code, message });
  for (const a of f.attributes)
    if (!snap.attributes.has(a)) e('attributes', 'ATTRIBUTE_UNKNOWN', `attribute "${a}" does not exist`);
  if (f.labelAttribute) {
    const label = snap.attributes.get(f.labelAttribute);
    if (!f.attributes.includes(f.labelAttribute) || label?.type !== 'text')
      e('labelAttribute', 'LABEL_INVALID', 'the label must be a text attribute of the family');
  }
  for (const [i, r] of (f.requirements ?? []).entries()) {
    const channel = snap.channels.get(r.channel);
    if (!channel) e(`requirements[${i}].channel`, 'CHANNEL_UNKNOWN', `channel "${r.channel}" does not exist`);
    if (!f.attributes.includes(r.attribute))
      e(`requirements[${i}].attribute`, 'ATTRIBUTE_NOT_IN_FAMILY', `"${r.attribute}" is not in the family`);
    for (const l of r.locales ?? [])
      if (channel && !channel.locales.includes(l))
        e(
          `requirements[${i}].locales`,
          'LOCALE_NOT_IN_CHANNEL',
          `channel "${r.channel}" has no locale "${l}"`,
        );
  }
  return errors;
}

const now = (deps: DomainDeps) => deps.clock.now().toISOString();

export function createSetupService(
  deps: DomainDeps,
  reindex: (tx: Tx, scope: ProductScope) => Promise<number>,
) {
  const { store, audit } = deps;

  async function getCategoryRow(db: Tx, code: string): Promise<PimCategoryRow | undefined> {
    return (await db.selectFrom('pim_categories').selectAll().where('code', '=', code).executeTakeFirst()) as
      | PimCategoryRow
      | undefined;
  }

  const toCategory = (r: PimCategoryRow): Category => ({
    code: r.code,
    parent: r.parent,
    labels: JSON.parse(r.labels),
    path: r.path.split('/').filter(Boolean),
  });

  return {
    snapshot: () => loadSnapshot(store.db),

    async putChannel(raw: ChannelInput): Promise<ChannelDef> {
      const input = checkChannel(raw);
      await assertOwnership(deps, 'pim', `channel:${input.code}`, ['channel']);
      for (const c of input.currencies)
        if (!Intl.supportedValuesOf('currency').includes(c))
          invalid('channel', [
            { field: 'currencies', code: 'CURRENCY_UNKNOWN', message: `"${c}" is not ISO 4217` },
          ]);
      return store.tx(async (tx) => {
        if (input.categoryTree && !(await getCategoryRow(tx, input.categoryTree)))
          throw PimErrors.CATEGORY_NOT_FOUND.create(`category "${input.categoryTree}" does not exist`);
        const row: PimChannelRow = {
          code: input.code,
          labels: JSON.stringify(input.labels ?? {}),
          locales: JSON.stringify(input.locales),
          currencies: JSON.stringify(input.currencies),
          category_tree: input.categoryTree ?? null,
          updated_at: now(deps),
        };
        const before = await tx
          .selectFrom('pim_channels')
          .selectAll()
          .where('code', '=', input.code)
          .executeTakeFirst();
        await tx
          .insertInto('pim_channels')
          .values(row)
          .onConflict((oc) => oc.column('code').doUpdateSet({ ...row }))
          .execute();
        await audit.record(tx, {
          action: 'pim.channel.put',
          target: `channel:${input.code}`,
          before,
          after: row,
        });
        // Locales or currencies changed what complete means for every product.
        if (!before || before.locales !== row.locales || before.currencies !== row.currencies)
          await reindex(tx, {});
        return toChannel(row);
      });
    },

    async listChannels(): Promise<ChannelDef[]> {
      const rows = await store.db.selectFrom('pim_channels').selectAll().orderBy('code').execute();
      return (rows as PimChannelRow[]).map(toChannel);
    },

    async getChannel(code: string): Promise<ChannelDef> {
      const row = await store.db
        .selectFrom('pim_channels')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (!row) throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${code}" does not exist`, { code });
      return toChannel(row as PimChannelRow);
    },

    async putAttribute(raw: AttributeInput): Promise<AttributeDef> {
      const input = checkAttribute(raw);
      await assertOwnership(deps, 'pim', `attribute:${input.code}`, ['attribute']);
      return store.tx(async (tx) => {
        const beforeRow = (await tx
          .selectFrom('pim_attributes')
          .selectAll()
          .where('code', '=', input.code)
          .executeTakeFirst()) as PimAttributeRow | undefined;
        const before = beforeRow ? toAttribute(beforeRow) : undefined;
        const errors = attributeErrors(input, before);
        if (errors.length > 0) invalid(`attribute "${input.code}"`, errors);
        const { code, type, labels, localizable, scopable, unique, searchable, ...config } = input;
        const row: PimAttributeRow = {
          code,
          type,
          labels: JSON.stringify(labels ?? {}),
          localizable: localizable ? 1 : 0,
          scopable: scopable ? 1 : 0,
          is_unique: unique ? 1 : 0,
          searchable: (searchable ?? (type === 'text' || type === 'richtext')) ? 1 : 0,
          config: JSON.stringify(config),
          updated_at: now(deps),
        };
        await tx
          .insertInto('pim_attributes')
          .values(row)
          .onConflict((oc) => oc.column('code').doUpdateSet({ ...row }))
          .execute();
        await audit.record(tx, {
          action: 'pim.attribute.put',
          target: `attribute:${code}`,
          before,
          after: row,
        });
        // The search text is made of the searchable attributes.
        if (before && before.searchable !== Boolean(row.searchable)) await reindex(tx, {});
        return toAttribute(row);
      });
    },

    async listAttributes(): Promise<AttributeDef[]> {
      const rows = await store.db.selectFrom('pim_attributes').selectAll().orderBy('code').execute();
      return (rows as PimAttributeRow[]).map(toAttribute);
    },

    async getAttribute(code: string): Promise<AttributeDef> {
      const row = await store.db
        .selectFrom('pim_attributes')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (!row) throw PimErrors.ATTRIBUTE_NOT_FOUND.create(`attribute "${code}" does not exist`, { code });
      return toAttribute(row as PimAttributeRow);
    },

    async putFamily(raw: FamilyInput): Promise<FamilyDef> {
      const input = checkFamily(raw);
      await assertOwnership(deps, 'pim', `family:${input.code}`, ['family']);
      return store.tx(async (tx) => {
        const snap = await loadSnapshot(tx);
        const errors = familyErrors(input, snap);
        const before = snap.families.get(input.code);
        // Values of a dropped attribute would be orphaned: refuse while products still hold them.
        for (const dropped of (before?.attributes ?? []).filter((a) => !input.attributes.includes(a))) {
          const used = await tx
            .selectFrom('pim_products')
            .select('id')
            .where('family', '=', input.code)
            .where('values', 'like', `%"${dropped}":[%`)
            .limit(1)
            .executeTakeFirst();
          if (used)
            errors.push({
              field: 'attributes',
              code: 'ATTRIBUTE_IN_USE',
              message: `products of the family have values for "${dropped}"; clear them first`,
            });
        }
        if (errors.length > 0) invalid(`family "${input.code}"`, errors);
        const row: PimFamilyRow = {
          code: input.code,
          labels: JSON.stringify(input.labels ?? {}),
          attributes: JSON.stringify(input.attributes),
          label_attribute: input.labelAttribute ?? null,
          requirements: JSON.stringify(
            (input.requirements ?? []).map((r) => ({
              channel: r.channel,
              attribute: r.attribute,
              locales: r.locales ?? [],
            })),
          ),
          updated_at: now(deps),
        };
        await tx
          .insertInto('pim_families')
          .values(row)
          .onConflict((oc) => oc.column('code').doUpdateSet({ ...row }))
          .execute();
        await audit.record(tx, {
          action: 'pim.family.put',
          target: `family:${input.code}`,
          before,
          after: row,
        });
        if (before && JSON.stringify(before.requirements) !== row.requirements)
          await reindex(tx, { family: input.code });
        return toFamily(row);
      });
    },

    async listFamilies(): Promise<FamilyDef[]> {
      const rows = await store.db.selectFrom('pim_families').selectAll().orderBy('code').execute();
      return (rows as PimFamilyRow[]).map(toFamily);
    },

    async getFamily(code: string): Promise<FamilyDef> {
      const row = await store.db
        .selectFrom('pim_families')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (!row) throw PimErrors.FAMILY_NOT_FOUND.create(`family "${code}" does not exist`, { code });
      return toFamily(row as PimFamilyRow);
    },

    /** Create or move a category. Moving re-roots the whole subtree; a move under itself is refused. */
    async putCategory(raw: CategoryInput): Promise<Category> {
      const input = checkCategory(raw);
      await assertOwnership(deps, 'pim', `category:${input.code}`, ['category']);
      return store.tx(async (tx) => {
        const before = await getCategoryRow(tx, input.code);
        let path = `/${input.code}/`;
        if (input.parent) {
          const parent = await getCategoryRow(tx, input.parent);
          if (!parent)
            throw PimErrors.CATEGORY_NOT_FOUND.create(`parent category "${input.parent}" does not exist`);
          if (parent.path.includes(`/${input.code}/`))
            throw PimErrors.CATEGORY_CYCLE.create(
              `"${input.parent}" is "${input.code}" or one of its descendants (${parent.path})`,
              { code: input.code, parent: input.parent },
            );
          path = `${parent.path}${input.code}/`;
        }
        const row: PimCategoryRow = {
          code: input.code,
          parent: input.parent ?? null,
          labels: JSON.stringify(input.labels ?? {}),
          path,
          updated_at: now(deps),
        };
        await tx
          .insertInto('pim_categories')
          .values(row)
          .onConflict((oc) => oc.column('code').doUpdateSet({ ...row }))
          .execute();
        if (before && before.path !== path) {
          const descendants = (await tx
            .selectFrom('pim_categories')
            .select(['code', 'path'])
            .where('path', 'like', `${before.path}%`)
            .where('code', '!=', input.code)
            .execute()) as { code: string; path: string }[];
          for (const d of descendants)
            await tx
              .updateTable('pim_categories')
              .set({ path: path + d.path.slice(before.path.length) })
              .where('code', '=', d.code)
              .execute();
        }
        await audit.record(tx, {
          action: 'pim.category.put',
          target: `category:${input.code}`,
          before,
          after: row,
        });
        return toCategory(row);
      });
    },

    async listCategories(): Promise<Category[]> {
      const rows = await store.db.selectFrom('pim_categories').selectAll().orderBy('path').execute();
      return (rows as PimCategoryRow[]).map(toCategory);
    },

    async deleteCategory(code: string): Promise<void> {
      await assertOwnership(deps, 'pim', `category:${code}`, ['category']);
      await store.tx(async (tx) => {
        const row = await getCategoryRow(tx, code);
        if (!row) throw PimErrors.CATEGORY_NOT_FOUND.create(`category "${code}" does not exist`);
        const child = await tx
          .selectFrom('pim_categories')
          .select('code')
          .where('parent', '=', code)
          .limit(1)
          .executeTakeFirst();
        const product = await tx
          .selectFrom('pim_product_categories')
          .select('product_id')
          .where('category', '=', code)
          .limit(1)
          .executeTakeFirst();
        if (child || product)
          throw PimErrors.IN_USE.create(
            `category "${code}" still has ${child ? 'sub-categories' : 'products'}`,
          );
        await tx.deleteFrom('pim_categories').where('code', '=', code).execute();
        await audit.record(tx, { action: 'pim.category.delete', target: `category:${code}`, before: row });
      });
    },
  };
}

export type SetupService = ReturnType<typeof createSetupService>;

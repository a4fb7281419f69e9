import type { Kysely } from 'kysely';
import { assertOwnership } from '../../kernel/ownership.js';
import type { DomainDeps } from '../../kernel/ports/module.js';
import type { Tx } from '../../kernel/ports/store.js';
import { inputValidator } from '../../kernel/validate.js';
import { loadSnapshot } from './catalog.repo.js';
import type { CatalogSnapshot } from './catalog.types.js';
import { PimErrors } from './errors.js';
import { author } from './product.service.js';
import { type CompiledRules, compileRules, SyndicationRulesInput } from './syndication.rules.js';

/**
 * Each channel's syndication rules, versioned: publishing records the version that rendered each
 * listing, so "why does the feed say this" has an answer. Version 0 is the implicit default: every
 * attribute, no fallbacks, no transforms.
 */

const checkRules = inputValidator(SyndicationRulesInput, 'syndication rules');

export interface ChannelRules {
  channel: string;
  version: number;
  rules: SyndicationRulesInput;
  author: string;
  at: string;
}

function defaultRules(snap: CatalogSnapshot): SyndicationRulesInput {
  return { attributes: [...snap.attributes.keys()].sort() };
}

async function latest(db: Kysely<any>, channel: string): Promise<ChannelRules | undefined> {
  const row = await db
    .selectFrom('pim_channel_rules')
    .selectAll()
    .where('channel', '=', channel)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    channel,
    version: Number(row.version),
    rules: JSON.parse(row.rules as string),
    author: row.author as string,
    at: row.at as string,
  };
}

/** Compiled rules per (channel, version): compiling JSONata is far dearer than evaluating it. */
export class RulesCache {
  private readonly compiled = new Map<string, CompiledRules>();

  async current(
    tx: Tx,
    snap: CatalogSnapshot,
    channel: string,
  ): Promise<{ version: number; rules: CompiledRules }> {
    const stored = await latest(tx, channel);
    const version = stored?.version ?? 0;
    const key = `${channel}@${version}`;
    let rules = version === 0 ? undefined : this.compiled.get(key);
    if (!rules) {
      const channelDef = snap.channels.get(channel);
      if (!channelDef) throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${channel}" does not exist`);
      const result = compileRules(stored?.rules ?? defaultRules(snap), {
        attributes: snap.attributes,
        channel: channelDef,
        locales: snap.locales,
      });
      if (!result.ok)
        throw PimErrors.RULES_INVALID.create(
          `rules v${version} of "${channel}" no longer compile: ${result.errors.map((e) => e.message).join('; ')}`,
          { errors: result.errors },
        );
      rules = result.rules;
      if (version > 0) this.compiled.set(key, rules);
    }
    return { version, rules };
  }
}

export function createRulesService(deps: DomainDeps) {
  const { store, clock, audit } = deps;
  return {
    /** Store a new version of a channel's rules (validated and compiled first). */
    async put(channel: string, raw: SyndicationRulesInput): Promise<ChannelRules> {
      const input = checkRules(raw);
      await assertOwnership(deps, 'pim', `channel:${channel}`, ['rules']);
      return store.tx(async (tx) => {
        const snap = await loadSnapshot(tx);
        const channelDef = snap.channels.get(channel);
        if (!channelDef)
          throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${channel}" does not exist`, { channel });
        const compiled = compileRules(input, {
          attributes: snap.attributes,
          channel: channelDef,
          locales: snap.locales,
        });
        if (!compiled.ok)
          throw PimErrors.RULES_INVALID.create(
            compiled.errors.map((e) => `${e.field}: ${e.message}`).join('; '),
            {
              errors: compiled.errors,
            },
          );
        const before = await latest(tx, channel);
        const row = {
          channel,
          version: (before?.version ?? 0) + 1,
          rules: JSON.stringify(input),
          author: author(),
          at: clock.now().toISOString(),
        };
        await tx.insertInto('pim_channel_rules').values(row).execute();
        await audit.record(tx, { action: 'pim.rules.put', target: `channel:${channel}`, before, after: row });
        return { ...row, rules: input };
      });
    },

    async current(channel: string): Promise<ChannelRules> {
      const stored = await latest(store.db, channel);
      if (stored) return stored;
      const snap = await loadSnapshot(store.db);
      if (!snap.channels.has(channel))
        throw PimErrors.CHANNEL_NOT_FOUND.create(`channel "${channel}" does not exist`);
      return {
        channel,
        version: 0,
        rules: defaultRules(snap),
        author: 'system:pim',
        at: '1970-01-01T00:00:00.000Z',
      };
    },

    async history(channel: string): Promise<ChannelRules[]> {
      const rows = await store.db
        .selectFrom('pim_channel_rules')
        .selectAll()
        .where('channel', '=', channel)
        .orderBy('version', 'desc')
        .execute();
      return rows.map((r) => ({
        channel,
        version: Number(r.version),
        rules: JSON.parse(r.rules as string),
        author: r.author as string,
        at: r.at as string,
      }));
    },
  };
}

export type RulesService = ReturnType<typeof createRulesService>;

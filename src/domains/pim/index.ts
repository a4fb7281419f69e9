import type { DomainDeps, DomainModule } from '../../kernel/ports/module.js';
import { createAssetService } from './asset.service.js';
import { createCompletenessIndex } from './completeness.store.js';
import { pimEvents } from './events.js';
import { createExportService } from './export.service.js';
import { createImportService } from './import.service.js';
import { createModelService } from './model.service.js';
import { pimRoutes } from './pim.http.js';
import type { PimServices } from './pim.services.js';
import { createProductService } from './product.service.js';
import { createProductStore, type ProductIndexHook } from './product.store.js';
import { createRulesService, RulesCache } from './rules.service.js';
import { pimMigrations } from './schema.js';
import { searchIndexHook } from './search.index.js';
import { createSearchService } from './search.service.js';
import { createSetupService } from './setup.service.js';
import { createWorkflowService } from './workflow.service.js';

export type { AttributeDef, ChannelDef, FamilyDef, ProductInput, ProductValues } from './catalog.types.js';
export { PimErrors } from './errors.js';
export { ProductPublished, ProductRetired, ProductUpdated } from './events.js';
export type { ImportReport } from './import.service.js';
export type { Product } from './product.service.js';
export { WORKFLOW_ACTIONS, type WorkflowAction } from './workflow.service.js';

export interface Pim extends DomainModule, PimServices {}

/** The PIM domain: product content, the system of record for what is sold and how it is described. */
export interface PimOptions {
  /** Largest asset file accepted, in bytes. */
  maxAssetBytes: number;
}

export function createPim(deps: DomainDeps, options: PimOptions = { maxAssetBytes: 50 * 1024 * 1024 }): Pim {
  const completeness = createCompletenessIndex(deps.store.dialect);
  const hooks: ProductIndexHook[] = [];
  hooks.push(searchIndexHook(deps.store.dialect));
  const writer = createProductStore(deps.store.dialect, deps.bus, completeness, hooks);
  const setup = createSetupService(deps, writer.reindex);
  const models = createModelService(deps, writer.reindex);
  const search = createSearchService(deps.store);
  const products = createProductService(deps, writer, completeness);
  const rules = createRulesService(deps);
  const assets = createAssetService(deps, options);
  const imports = createImportService(deps, writer);
  const exports = createExportService(deps);
  const workflow = createWorkflowService(deps, new RulesCache());
  const pim = { setup, assets, models, products, search, rules, workflow, imports, exports };
  return {
    name: 'pim',
    migrations: pimMigrations,
    events: pimEvents,
    subscriptions: [],
    http: pimRoutes(pim),
    ...pim,
  };
}

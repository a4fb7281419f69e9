import type { AssetService } from './asset.service.js';
import type { ExportService } from './export.service.js';
import type { ImportService } from './import.service.js';
import type { ModelService } from './model.service.js';
import type { ProductService } from './product.service.js';
import type { RulesService } from './rules.service.js';
import type { SearchService } from './search.service.js';
import type { SetupService } from './setup.service.js';
import type { WorkflowService } from './workflow.service.js';

/** The PIM's services, as its route plugins receive them. */
export interface PimServices {
  setup: SetupService;
  assets: AssetService;
  models: ModelService;
  products: ProductService;
  search: SearchService;
  rules: RulesService;
  workflow: WorkflowService;
  imports: ImportService;
  exports: ExportService;
}

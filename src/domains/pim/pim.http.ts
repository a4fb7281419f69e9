import type { HttpPlugin } from '../../kernel/ports/http.js';
import { registerAssetRoutes } from './asset.http.js';
import { registerBulkRoutes } from './bulk.http.js';
import type { PimServices } from './pim.services.js';
import { registerProductRoutes } from './product.http.js';
import { registerSearchRoutes } from './search.http.js';
import { registerSetupRoutes } from './setup.http.js';
import { registerWorkflowRoutes } from './workflow.http.js';

/**
 * The PIM's REST routes under /api/v1/pim, each area in its own *.http.ts. Reads need `pim:read`;
 * writes of PIM content are `ownedWrite('pim')` (the services refuse and audit callers without
 * `pim:write`); workflow routes need `pim:read` and the service checks the role per action.
 */
export function pimRoutes(pim: PimServices): HttpPlugin {
  return {
    name: 'pim',
    prefix: '/api/v1/pim',
    register(app, helpers) {
      registerSetupRoutes(app, helpers, pim);
      registerSearchRoutes(app, helpers, pim);
      registerProductRoutes(app, helpers, pim);
      registerWorkflowRoutes(app, helpers, pim);
      registerAssetRoutes(app, helpers, pim);
      registerBulkRoutes(app, helpers, pim);
    },
  };
}

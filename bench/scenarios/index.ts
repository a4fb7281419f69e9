import type { Scenario } from '../scenario.js';
import { busScenario } from './bus.js';
import { erpScenario } from './erp.js';
import { pimScenario } from './pim.js';

/** Every scenario `npm run bench` knows, in the order they run. Add new ones here. */
export const SCENARIOS: readonly Scenario[] = [busScenario, pimScenario, erpScenario];

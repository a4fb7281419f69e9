import { seasonLengthOf } from './replenishment.plan.js';
import type { ReplenishmentPolicyInput } from './replenishment.schemas.js';

/**
 * The rules of a replenishment policy that span fields, pure: which fields each kind needs and
 * takes, min ≤ max, one safety stock source. The schema has bounded every number already; the
 * service adds what needs the store (known SKU, location, supplier). Every problem is listed.
 */

export interface PolicyProblem {
  field: string;
  code: string;
  message: string;
}

const KIND_FIELDS = {
  reorder_point: ['reorderPoint', 'orderQuantity'],
  min_max: ['min', 'max'],
  forecast: [
    'reviewPeriodDays',
    'serviceLevel',
    'leadTimeSdDays',
    'safetyStock',
    'seasonLength',
    'periodDays',
    'method',
  ],
} as const;
const REQUIRED: Record<keyof typeof KIND_FIELDS, readonly string[]> = {
  reorder_point: ['reorderPoint', 'orderQuantity'],
  min_max: ['min', 'max'],
  forecast: [],
};

export function validatePolicy(p: ReplenishmentPolicyInput): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const add = (field: string, code: string, message: string) => problems.push({ field, code, message });
  const own = KIND_FIELDS[p.kind] as readonly string[];
  for (const [kind, fields] of Object.entries(KIND_FIELDS)) {
    if (kind === p.kind) continue;
    for (const f of fields)
      if ((p as Record<string, unknown>)[f] !== undefined && !own.includes(f))
        add(f, 'FIELD_NOT_ALLOWED', `a ${p.kind} policy does not take "${f}" (it belongs to ${kind})`);
  }
  for (const f of REQUIRED[p.kind])
    if ((p as Record<string, unknown>)[f] === undefined)
      add(f, 'FIELD_REQUIRED', `a ${p.kind} policy needs "${f}"`);
  if (p.kind === 'min_max' && p.min !== undefined && p.max !== undefined && p.min > p.max)
    add('max', 'MAX_BELOW_MIN', `max (${p.max}) is below min (${p.min})`);
  if (p.safetyStock !== undefined && p.serviceLevel !== undefined)
    add('safetyStock', 'SAFETY_STOCK_AMBIGUOUS', 'give safetyStock or serviceLevel, not both');
  if (p.kind === 'forecast' && p.leadTimeSdDays !== undefined && p.serviceLevel === undefined)
    add(
      'serviceLevel',
      'FIELD_REQUIRED',
      "leadTimeSdDays sizes a service level's safety stock: give serviceLevel",
    );
  if (p.leadTimeFrom === 'receipts' && p.supplier === undefined)
    add(
      'supplier',
      'FIELD_REQUIRED',
      'leadTimeFrom "receipts" measures a supplier\'s deliveries: give "supplier"',
    );
  if (p.supplier === undefined && p.leadTimeDays === undefined)
    add('leadTimeDays', 'FIELD_REQUIRED', 'without a supplier the policy needs "leadTimeDays"');
  if (p.maxOrderQuantity !== undefined) {
    if (p.moq !== undefined && p.maxOrderQuantity < p.moq)
      add('maxOrderQuantity', 'MAX_ORDER_BELOW_MOQ', `maxOrderQuantity is below the MOQ of ${p.moq}`);
    if (p.packSize !== undefined && p.maxOrderQuantity < p.packSize)
      add('maxOrderQuantity', 'MAX_ORDER_BELOW_PACK', `maxOrderQuantity is below one pack of ${p.packSize}`);
  }
  const m = seasonLengthOf(p);
  if ((p.method === 'holt-winters' || p.method === 'seasonal-naive') && m < 2)
    add('seasonLength', 'SEASON_REQUIRED', `method ${p.method} needs a seasonLength of at least 2`);
  return problems;
}

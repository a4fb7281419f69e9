import type { FieldError } from './errors.js';
import { isSku, MAX_QUANTITY } from './ledger.validate.js';
import type { Measure, ReportLine } from './reconciliation.types.js';

/**
 * Checks of a reconciliation report, pure: the shape of its lines first (no stored state), then
 * what they refer to against the sets the service read. Every problem is listed (up to
 * MAX_LISTED), so a connector's operator can fix a feed in one go.
 */

/** Problems listed in one error: a feed of 10,000 unknown SKUs needs the pattern, not each one. */
export const MAX_LISTED = 100;

/** The location or channel a line is about. */
export const targetOf = (l: ReportLine): string => l.location ?? l.channel ?? '';

/** What a line's target says about the run's measure (undefined when it names none or both). */
const measureOf = (l: ReportLine): Measure | undefined =>
  (l.location === undefined) === (l.channel === undefined)
    ? undefined
    : l.location !== undefined
      ? 'available'
      : 'atp';

/**
 * Shape problems of the lines and the run's measure (the first line's with a single target):
 * a report is about `available` per location or ATP per channel, never both.
 */
export function checkLines(lines: readonly ReportLine[]): { measure: Measure; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const add = (i: number, field: string, code: string, message: string) => {
    errors.push({ field: `lines[${i}].${field}`, code, message });
  };
  const measure = lines.map(measureOf).find((m) => m !== undefined) ?? 'available';
  const seen = new Map<string, number>();
  lines.forEach((l, i) => {
    if (!isSku(l.sku)) add(i, 'sku', 'SKU_INVALID', `"${l.sku}" is not a SKU`);
    const m = measureOf(l);
    if (l.location === undefined && l.channel === undefined)
      add(i, 'location', 'TARGET_MISSING', 'give a location (available) or a channel (atp)');
    else if (m === undefined)
      add(i, 'location', 'TARGET_AMBIGUOUS', 'give a location or a channel, not both');
    else if (m !== measure)
      add(
        i,
        m === 'available' ? 'location' : 'channel',
        'MEASURE_MIXED',
        `this report is about ${measure === 'available' ? 'locations' : 'channels'}: send one report per measure`,
      );
    if (!Number.isInteger(l.quantity) || l.quantity < 0 || l.quantity > MAX_QUANTITY)
      add(i, 'quantity', 'QUANTITY_INVALID', `a whole number of units, 0 to ${MAX_QUANTITY}`);
    const key = `${l.sku}\u0000${targetOf(l)}`;
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else
      add(
        i,
        'sku',
        'LINE_DUPLICATE',
        `the same SKU and ${m === 'atp' ? 'channel' : 'location'} as lines[${first}]`,
      );
  });
  return { measure, errors };
}

/** Lines naming SKUs the ERP does not know, or locations / channels that do not exist. */
export function checkReferences(
  lines: readonly ReportLine[],
  measure: Measure,
  known: { skus: ReadonlySet<string>; targets: ReadonlySet<string> },
): FieldError[] {
  const errors: FieldError[] = [];
  lines.forEach((l, i) => {
    if (!known.skus.has(l.sku))
      errors.push({
        field: `lines[${i}].sku`,
        code: 'SKU_UNKNOWN',
        message: `the ERP does not know SKU "${l.sku}"`,
      });
    const target = targetOf(l);
    if (!known.targets.has(target))
      errors.push(
        measure === 'available'
          ? { field: `lines[${i}].location`, code: 'LOCATION_UNKNOWN', message: `no location "${target}"` }
          : {
              field: `lines[${i}].channel`,
              code: 'CHANNEL_UNKNOWN',
              message: `no stock sources for channel "${target}"`,
            },
      );
  });
  return errors;
}

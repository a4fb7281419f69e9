import { isCalendarDate } from '../../kernel/dates.js';
import type { FieldError } from './errors.js';
import { isLocationCode, LOCATION_CODE_PATTERN } from './ledger.validate.js';

/**
 * Locations: where stock is held and from where it is sold or shipped. The checks that need no
 * stored state, all of them reported at once (ERP_LOCATION_INVALID lists every problem).
 */

export const LOCATION_TYPES = ['warehouse', 'store', '3pl', 'dropship'] as const;
export type LocationType = (typeof LOCATION_TYPES)[number];
export const CAPABILITIES = ['ship', 'pickup', 'returns'] as const;
export type Capability = (typeof CAPABILITIES)[number];
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface OpeningHours {
  /** `HH:MM`, local time of the location's time zone. */
  open: string;
  /** `HH:MM`, after `open`; `24:00` for midnight. */
  close: string;
}

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  region?: string;
  postalCode?: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface LocationInput {
  code: string;
  name: string;
  type: LocationType;
  /** Inactive locations keep their stock and history but no channel sells from them. */
  status?: 'active' | 'inactive';
  address?: Address | null;
  coordinates?: { lat: number; lon: number } | null;
  capabilities?: Capability[];
  /** IANA time zone of the calendar and the cut-off (default UTC). */
  timezone?: string;
  /** Opening hours per weekday; a day without hours is closed. */
  calendar?: Partial<Record<Weekday, OpeningHours[]>>;
  /** Closed days (local dates). */
  holidays?: { date: string; name?: string }[];
  /** Daily order cut-off, `HH:MM` local: orders after it ship the next open day. */
  orderCutoff?: string | null;
}

const TIME_RE = /^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;
const COUNTRY_RE = /^[A-Z]{2}$/;

const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Every problem of a location (empty when valid). */
export function validateLocation(input: LocationInput): FieldError[] {
  const errors: FieldError[] = [];
  const err = (field: string, code: string, message: string) => errors.push({ field, code, message });
  if (!isLocationCode(input.code)) err('code', 'CODE_INVALID', `must match ${LOCATION_CODE_PATTERN}`);
  if (input.name.trim().length === 0 || input.name.length > 200)
    err('name', 'NAME_INVALID', 'must be 1–200 characters, not blank');
  if (!(LOCATION_TYPES as readonly string[]).includes(input.type))
    err('type', 'TYPE_UNKNOWN', `one of ${LOCATION_TYPES.join(', ')}`);
  if (input.status !== undefined && input.status !== 'active' && input.status !== 'inactive')
    err('status', 'STATUS_UNKNOWN', 'active or inactive');

  const a = input.address;
  if (a) {
    if (a.line1.trim() === '') err('address.line1', 'ADDRESS_INCOMPLETE', 'a street line is required');
    if (a.city.trim() === '') err('address.city', 'ADDRESS_INCOMPLETE', 'a city is required');
    if (!COUNTRY_RE.test(a.country))
      err('address.country', 'COUNTRY_INVALID', 'an ISO 3166-1 alpha-2 code, e.g. DE');
  }
  const c = input.coordinates;
  if (c) {
    if (!Number.isFinite(c.lat) || c.lat < -90 || c.lat > 90)
      err('coordinates.lat', 'LATITUDE_OUT_OF_RANGE', 'latitude is from -90 to 90');
    if (!Number.isFinite(c.lon) || c.lon < -180 || c.lon > 180)
      err('coordinates.lon', 'LONGITUDE_OUT_OF_RANGE', 'longitude is from -180 to 180');
  }
  const caps = input.capabilities ?? [];
  caps.forEach((cap, i) => {
    if (!(CAPABILITIES as readonly string[]).includes(cap))
      err(`capabilities[${i}]`, 'CAPABILITY_UNKNOWN', `one of ${CAPABILITIES.join(', ')}`);
    else if (caps.indexOf(cap) !== i)
      err(`capabilities[${i}]`, 'CAPABILITY_DUPLICATE', `"${cap}" is listed twice`);
  });
  if (input.timezone !== undefined && !isTimeZone(input.timezone))
    err('timezone', 'TIMEZONE_UNKNOWN', `"${input.timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);

  for (const [day, hours] of Object.entries(input.calendar ?? {})) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      err(`calendar.${day}`, 'DAY_UNKNOWN', `days are ${WEEKDAYS.join(', ')}`);
      continue;
    }
    const spans: [number, number][] = [];
    (hours ?? []).forEach((h, i) => {
      const at = `calendar.${day}[${i}]`;
      const okOpen = TIME_RE.test(h.open) && h.open !== '24:00';
      const okClose = TIME_RE.test(h.close);
      if (!okOpen) err(`${at}.open`, 'TIME_INVALID', 'HH:MM, 00:00 to 23:59');
      if (!okClose) err(`${at}.close`, 'TIME_INVALID', 'HH:MM, 00:01 to 24:00');
      if (!okOpen || !okClose) return;
      const span: [number, number] = [minutes(h.open), minutes(h.close)];
      if (span[0] >= span[1]) err(at, 'HOURS_EMPTY', `closes (${h.close}) before it opens (${h.open})`);
      else if (spans.some(([o, cl]) => span[0] < cl && o < span[1]))
        err(at, 'HOURS_OVERLAP', 'overlaps other hours of the day');
      else spans.push(span);
    });
  }
  const dates = new Set<string>();
  (input.holidays ?? []).forEach((h, i) => {
    if (!isCalendarDate(h.date)) err(`holidays[${i}].date`, 'DATE_INVALID', 'a date YYYY-MM-DD');
    else if (dates.has(h.date)) err(`holidays[${i}].date`, 'HOLIDAY_DUPLICATE', `${h.date} is listed twice`);
    dates.add(h.date);
  });
  if (input.orderCutoff != null && (!TIME_RE.test(input.orderCutoff) || input.orderCutoff === '24:00'))
    err('orderCutoff', 'TIME_INVALID', 'HH:MM, 00:00 to 23:59, in the location time zone');
  return errors;
}

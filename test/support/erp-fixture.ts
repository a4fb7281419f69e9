import type { Erp, LocationInput } from '../../src/domains/erp/index.js';

/** A warehouse, a store and a drop-ship supplier; codes WH1, ST1, DS1 (and WH2 when asked). */
export function location(code: string, over: Partial<LocationInput> = {}): LocationInput {
  return {
    code,
    name: `Location ${code}`,
    type: 'warehouse',
    address: { line1: '1 Dock Road', city: 'Hamburg', postalCode: '20457', country: 'DE' },
    coordinates: { lat: 53.54, lon: 9.98 },
    capabilities: ['ship', 'returns'],
    timezone: 'Europe/Berlin',
    calendar: { mon: [{ open: '08:00', close: '18:00' }], tue: [{ open: '08:00', close: '18:00' }] },
    holidays: [{ date: '2026-12-25', name: 'Christmas' }],
    orderCutoff: '15:00',
    ...over,
  };
}

export async function seedLocations(erp: Erp, codes: string[] = ['WH1', 'WH2', 'ST1']): Promise<void> {
  for (const code of codes) {
    const type = code.startsWith('ST') ? 'store' : code.startsWith('DS') ? 'dropship' : 'warehouse';
    await erp.locations.create(location(code, { type }));
  }
}

/** The levels of a SKU at a location (zeros if it never moved), without the bookkeeping fields. */
export async function levelOf(erp: Erp, sku: string, loc: string) {
  const [l] = (await erp.ledger.levels({ sku, location: loc })).items;
  const { sku: _s, location: _l, lastSeq: _q, updatedAt: _u, ...rest } = l!;
  return rest;
}

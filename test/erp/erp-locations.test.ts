import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Erp } from '../../src/domains/erp/index.js';
import { runWithContext } from '../../src/kernel/context.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { location } from '../support/erp-fixture.js';

const backends = await availableBackends();

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e) => ({
      code: e.code,
      errors: (e.extensions?.errors ?? []).map(
        (x: { field: string; code: string }) => `${x.field} ${x.code}`,
      ),
    }),
  );

describe.each(backends)('ERP locations [%s]', (backend) => {
  let t: TestApp;
  let erp: Erp;
  beforeAll(async () => {
    t = await createTestApp(backend);
    erp = t.app.domains.erp;
  });
  afterAll(async () => t?.cleanup());

  it('creates, reads, lists, replaces and deletes a location', async () => {
    const created = await erp.locations.create(location('WH-HAM'));
    expect(created).toMatchObject({
      code: 'WH-HAM',
      type: 'warehouse',
      status: 'active',
      coordinates: { lat: 53.54, lon: 9.98 },
      capabilities: ['ship', 'returns'],
      timezone: 'Europe/Berlin',
      calendar: { mon: [{ open: '08:00', close: '18:00' }] },
      holidays: [{ date: '2026-12-25', name: 'Christmas' }],
      orderCutoff: '15:00',
      version: 1,
    });
    expect(created.id).toMatch(/^loc_/);
    expect(await erp.locations.get('WH-HAM')).toEqual(created);
    await erp.locations.create(
      location('ST-BER', { type: 'store', capabilities: ['pickup'], coordinates: null }),
    );
    await erp.locations.create(location('DS-ACME', { type: 'dropship', address: null }));
    expect((await erp.locations.list({ type: 'store' })).items.map((l) => l.code)).toEqual(['ST-BER']);
    const page = await erp.locations.list({ limit: 2 });
    expect(page.items.map((l) => l.code)).toEqual(['DS-ACME', 'ST-BER']);
    expect((await erp.locations.list({ after: page.next })).items.map((l) => l.code)).toEqual(['WH-HAM']);

    const replaced = await erp.locations.replace('WH-HAM', {
      ...location('WH-HAM'),
      name: 'Hamburg DC',
      orderCutoff: null,
    });
    expect(replaced).toMatchObject({ id: created.id, name: 'Hamburg DC', orderCutoff: null, version: 2 });
    await erp.locations.remove('DS-ACME');
    expect(await failure(erp.locations.get('DS-ACME'))).toEqual({
      code: 'ERP_LOCATION_NOT_FOUND',
      errors: [],
    });
    const trail = await t.app.audit.list({ target: created.id });
    expect(trail.map((a) => a.action)).toEqual(['erp.location.create', 'erp.location.replace']);
  });

  it('lists every problem of an invalid location at once', async () => {
    const bad = location('WH-BAD', {
      name: ' ',
      type: 'castle' as never,
      coordinates: { lat: 91, lon: -181 },
      capabilities: ['ship', 'teleport' as never, 'ship'],
      timezone: 'Mars/Olympus',
      calendar: {
        mon: [
          { open: '09:00', close: '12:00' },
          { open: '11:00', close: '14:00' },
        ],
        tue: [{ open: '18:00', close: '08:00' }],
        wed: [{ open: '25:00', close: '26:00' }],
        funday: [{ open: '09:00', close: '10:00' }],
      } as never,
      holidays: [{ date: '2026-02-30' }, { date: '2026-12-24' }, { date: '2026-12-24' }],
      orderCutoff: '3pm',
      address: { line1: '', city: 'X', country: 'Germany' },
    });
    expect(await failure(erp.locations.create(bad))).toEqual({
      code: 'ERP_LOCATION_INVALID',
      errors: [
        'name NAME_INVALID',
        'type TYPE_UNKNOWN',
        'address.line1 ADDRESS_INCOMPLETE',
        'address.country COUNTRY_INVALID',
        'coordinates.lat LATITUDE_OUT_OF_RANGE',
        'coordinates.lon LONGITUDE_OUT_OF_RANGE',
        'capabilities[1] CAPABILITY_UNKNOWN',
        'capabilities[2] CAPABILITY_DUPLICATE',
        'timezone TIMEZONE_UNKNOWN',
        'calendar.mon[1] HOURS_OVERLAP',
        'calendar.tue[0] HOURS_EMPTY',
        'calendar.wed[0].open TIME_INVALID',
        'calendar.wed[0].close TIME_INVALID',
        'calendar.funday DAY_UNKNOWN',
        'holidays[0].date DATE_INVALID',
        'holidays[2].date HOLIDAY_DUPLICATE',
        'orderCutoff TIME_INVALID',
      ],
    });
    expect(await failure(erp.locations.get('WH-BAD'))).toMatchObject({ code: 'ERP_LOCATION_NOT_FOUND' });
    expect(await failure(erp.locations.create(location('WH-HAM')))).toMatchObject({
      code: 'ERP_LOCATION_EXISTS',
    });
  });

  it('refuses to delete a location with stock history or a channel, and callers without erp:write', async () => {
    await erp.locations.create(location('WH-USED'));
    await erp.ledger.postOne({
      type: 'receipt',
      reference: 'loc-test:1',
      sku: 'LOC-1',
      location: 'WH-USED',
      quantity: 1,
    });
    expect(await failure(erp.locations.remove('WH-USED'))).toMatchObject({ code: 'ERP_LOCATION_IN_USE' });
    await erp.locations.create(location('WH-SOLD'));
    await erp.atp.putChannel('web', { locations: ['WH-SOLD'] });
    expect(await failure(erp.locations.remove('WH-SOLD'))).toMatchObject({ code: 'ERP_LOCATION_IN_USE' });

    const asPim = { actor: 'key:pim', correlationId: 'cor_t', scopes: ['pim:write'] };
    expect(
      await failure(runWithContext(asPim, () => erp.locations.create(location('WH-PIM')))),
    ).toMatchObject({ code: 'OWNERSHIP_VIOLATION' });
    expect(
      await failure(
        runWithContext(asPim, () =>
          erp.ledger.postOne({
            type: 'receipt',
            reference: 'pim:1',
            sku: 'X-1',
            location: 'WH-USED',
            quantity: 1,
          }),
        ),
      ),
    ).toMatchObject({ code: 'OWNERSHIP_VIOLATION' });
    expect((await t.app.audit.list({ action: 'erp.ownership.violation' })).length).toBe(2);
  });
});

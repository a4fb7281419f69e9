import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pim } from '../../src/domains/pim/index.js';
import { runWithContext } from '../../src/kernel/context.js';
import { createTestApp, type TestApp } from '../support/apps.js';
import { availableBackends } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { seedApparel, teeValues } from '../support/pim-fixture.js';

const backends = await availableBackends();

/** Run as an API caller holding `scopes`. */
const as = <T>(scopes: string[], fn: () => Promise<T>) =>
  runWithContext({ correlationId: 'cor_test', actor: `key:${scopes.join('+')}`, scopes }, fn);

describe.each(backends)('PIM workflow, publishing and syndication rules [%s]', (backend) => {
  let t: TestApp;
  let pim: Pim;
  let id: string;
  beforeAll(async () => {
    t = await createTestApp(backend);
    pim = t.app.domains.pim;
    await seedApparel(pim);
    id = (
      await pim.products.create({
        sku: 'TEE-RED-M',
        family: 'tshirt',
        parent: 'tee_classic',
        categories: ['tshirts'],
        values: teeValues('red', 'm'),
      })
    ).id;
  });
  afterAll(async () => t?.cleanup());

  /** Events of a type once `n` are in the log (PostgreSQL sequences them just after commit). */
  const eventsOf = async (type: string, n: number) => {
    await waitFor(async () => (await t.app.bus.admin.events({ type, limit: 100 })).length >= n, 10_000, type);
    return t.app.bus.admin.events({ type, limit: 100 });
  };

  it('gates each transition by role and refuses transitions from the wrong status', async () => {
    await expect(as(['pim:review'], () => pim.workflow.transition('submit', [id]))).rejects.toMatchObject({
      code: 'PIM_ROLE_REQUIRED',
    });
    const [early] = await as(['pim:publish'], () => pim.workflow.transition('publish', [id]));
    expect(early).toMatchObject({ ok: false, errors: [{ code: 'PIM_TRANSITION_INVALID' }] });
    expect((await as(['pim:write'], () => pim.workflow.transition('submit', [id])))[0]).toMatchObject({
      ok: true,
      status: 'in_review',
    });
    await expect(as(['pim:write'], () => pim.workflow.transition('approve', [id]))).rejects.toMatchObject({
      code: 'PIM_ROLE_REQUIRED',
    });
    await expect(as(['pim:review'], () => pim.workflow.transition('reject', [id]))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await as(['pim:review'], () =>
      pim.workflow.transition('reject', [id], { comment: 'add the French material' }),
    );
    expect((await pim.products.get(id)).status).toBe('draft');
    await as(['pim:write'], () => pim.workflow.transition('submit', [id]));
    await as(['pim:review'], () => pim.workflow.transition('approve', [id], { comment: 'ok' }));
    const history = await pim.workflow.history(id);
    expect(history.map((h) => [h.action, h.from, h.to])).toEqual([
      ['submit', 'draft', 'in_review'],
      ['reject', 'in_review', 'draft'],
      ['submit', 'draft', 'in_review'],
      ['approve', 'in_review', 'approved'],
    ]);
    expect(history[1]).toMatchObject({ actor: 'key:pim:review', comment: 'add the French material' });
    expect((await pim.workflow.comments(id)).map((c) => c.body)).toEqual(['add the French material', 'ok']);
  });

  it('publishes only to the channel × locales where the product is complete, rendered by the rules', async () => {
    const rules = await pim.rules.put('web', {
      attributes: ['name', 'description', 'msrp', 'color', 'size', 'brand'],
      transforms: {
        title: '$truncate(name, 12)',
        description: '$stripHtml(description)',
        price: "$formatPrice(msrp, 'USD')",
      },
    });
    expect(rules.version).toBe(1);
    const [r] = await as(['pim:publish'], () =>
      pim.workflow.transition('publish', [id], { channels: ['web'] }),
    );
    // fr_FR lacks the required material; google was not requested.
    expect(r).toMatchObject({
      ok: true,
      status: 'published',
      published: [{ channel: 'web', locale: 'en_US' }],
    });
    expect(r!.skipped).toEqual([{ channel: 'web', locale: 'fr_FR', missing: ['material'] }]);
    const [listing] = await pim.workflow.listings(id);
    expect(listing).toMatchObject({
      channel: 'web',
      locale: 'en_US',
      status: 'published',
      productVersion: 1,
      rulesVersion: 1,
    });
    expect(listing!.content).toMatchObject({
      title: 'Classic tee…',
      description: 'Soft cotton tee',
      price: '19.99 USD',
      brand: 'Keel Apparel',
      color: 'red',
    });
    const events = await eventsOf('keel.pim.product.published.v2', 1);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      sku: 'TEE-RED-M',
      channel: 'web',
      locale: 'en_US',
      version: 1,
      rulesVersion: 1,
      title: 'Classic tee…',
      prices: [{ amount: 1999, currency: 'USD' }],
      parent: 'tee_classic',
    });
  });

  it('refuses to publish a product complete nowhere, and sends an edited product back to draft', async () => {
    const other = await pim.products.create({
      sku: 'TEE-BLUE-S',
      family: 'tshirt',
      parent: 'tee_classic',
      values: {
        color: [{ locale: null, channel: null, data: 'blue' }],
        size: [{ locale: null, channel: null, data: 's' }],
      },
    });
    await pim.workflow.transition('submit', [other.id]);
    await pim.workflow.transition('approve', [other.id]);
    const [r] = await pim.workflow.transition('publish', [other.id]);
    expect(r).toMatchObject({ ok: false, errors: [{ code: 'PIM_PRODUCT_INCOMPLETE' }] });
    expect((await pim.products.get(other.id)).status).toBe('approved');

    await pim.products.patch(id, {
      values: { material: [{ locale: null, channel: null, data: ['cotton'] }] },
    });
    expect((await pim.products.get(id)).status).toBe('draft');
    // The channel keeps the last published content until it is published again.
    expect((await pim.workflow.listings(id))[0]).toMatchObject({ productVersion: 1, status: 'published' });
    await pim.workflow.transition('submit', [id]);
    await pim.workflow.transition('approve', [id]);
    const [again] = await pim.workflow.transition('publish', [id], { channels: ['web'] });
    expect(again!.published).toEqual([
      { channel: 'web', locale: 'en_US' },
      { channel: 'web', locale: 'fr_FR' },
    ]);
    expect((await pim.workflow.listings(id)).map((l) => [l.locale, l.productVersion])).toEqual([
      ['en_US', 2],
      ['fr_FR', 2],
    ]);
  });

  it('refuses invalid rules with the expression position and keeps the previous version', async () => {
    const bad = await pim.rules
      .put('web', { attributes: ['name'], transforms: { title: '$truncate(name, ' } })
      .catch((e) => e);
    expect(bad.code).toBe('PIM_RULES_INVALID');
    expect(bad.extensions.errors[0]).toMatchObject({
      code: 'RULE_EXPRESSION_INVALID',
      position: expect.any(Number),
    });
    const unknown = await pim.rules.put('web', { attributes: ['nope'] }).catch((e) => e);
    expect(unknown.extensions.errors[0].code).toBe('ATTRIBUTE_UNKNOWN');
    expect((await pim.rules.current('web')).version).toBe(1);
    expect((await pim.rules.history('web')).map((r) => r.version)).toEqual([1]);
  });

  it('retires listings with an event per listing', async () => {
    await pim.workflow.transition('retire', [id]);
    expect((await pim.products.get(id)).status).toBe('retired');
    expect((await pim.workflow.listings(id)).every((l) => l.status === 'retired')).toBe(true);
    const retired = await eventsOf('keel.pim.product.retired.v1', 2);
    expect(retired.map((e) => (e.data as { locale: string }).locale).sort()).toEqual(['en_US', 'fr_FR']);
    const [reopened] = await pim.workflow.transition('reopen', [id]);
    expect(reopened!.status).toBe('draft');
  });
});

import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer } from '../../src/api/server.js';
import { availableBackends } from '../support/backends.js';
import { createHarness, type Harness } from './support/harness.js';
import { Gate, testPlugin } from './support/test-plugin.js';

const backends = await availableBackends();

/** Raw HTTP/1.1 over one socket, so a second request can arrive on a connection that is busy. */
function rawConnection(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.on('data', (d) => {
    received += d.toString();
  });
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, ended, text: () => received };
}

describe.each(backends)('over a real socket [%s]', (backend) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.ts.cleanup();
    h = undefined;
  });

  it('serves requests with fetch', async () => {
    h = await createHarness(backend, { plugins: [testPlugin({})] });
    const key = await h.keyWith('oms:write');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;

    const health = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'sock-1' } });
    expect(health.status).toBe(200);
    expect(health.headers.get('x-request-id')).toBe('sock-1');

    const created = await fetch(`${base}/api/v1/test/things`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'sock-k',
      },
      body: JSON.stringify({ name: 'over the wire', qty: 3 }),
    });
    expect(created.status).toBe(201);
    const replay = await fetch(`${base}/api/v1/test/things`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': 'sock-k',
      },
      body: JSON.stringify({ name: 'over the wire', qty: 3 }),
    });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(await created.json());

    const denied = await fetch(`${base}/api/v1/test/things`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await closeServer(h.app, 5000)).toEqual({ timedOut: false });
  });

  it('shuts down gracefully: the in-flight request finishes, a new one gets 503 SHUTTING_DOWN', async () => {
    const gate = new Gate();
    h = await createHarness(backend, { plugins: [testPlugin({ gate })] });
    const key = await h.keyWith('oms:write');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const conn = rawConnection(port);
    const body = JSON.stringify({ name: 'in flight', qty: 1 });
    conn.socket.write(
      `POST /api/v1/test/slow-things HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    while (!gate.entered) await new Promise((r) => setTimeout(r, 5));

    const closing = closeServer(h.app, 5000);
    await new Promise((r) => setTimeout(r, 50));
    // A new request on the busy connection, after shutdown began.
    conn.socket.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 50));
    gate.open();

    expect(await closing).toEqual({ timedOut: false });
    await conn.ended;
    const responses = conn.text().split(/(?=HTTP\/1\.1 )/);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 201/);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503/);
    expect(responses[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(responses[1]).toContain('"code":"SHUTTING_DOWN"');
    expect(await fetch(`http://127.0.0.1:${port}/healthz`).catch((e) => e)).toBeInstanceOf(Error);
  });

  it('cuts connections that outlive the shutdown deadline', async () => {
    const gate = new Gate(); // never opened
    h = await createHarness(backend, { plugins: [testPlugin({ gate })] });
    const key = await h.keyWith('oms:write');
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const stuck = fetch(`http://127.0.0.1:${port}/api/v1/test/slow-things`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'stuck', qty: 1 }),
    }).catch((e: unknown) => e);
    while (!gate.entered) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    expect(await closeServer(h.app, 200)).toEqual({ timedOut: true });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await stuck).toBeInstanceOf(Error);
  });
});

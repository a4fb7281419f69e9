import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/backends.js';
import { waitFor } from '../support/buses.js';
import { spawnCli } from './run-cli.js';

/**
 * `keel start` as an operator runs it: a fresh embedded database, a known port, the bootstrap admin
 * key printed once on stderr, graceful exit 0 on SIGTERM. Only on sqlite: the server's wiring is the
 * same on every backend (the API tests cover those), and a start costs several seconds.
 */
async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

describe('keel start [sqlite]', () => {
  const tmp = tempDir('keel-cli-start-');
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    tmp.remove();
  });

  it('serves until SIGTERM, prints a working bootstrap admin key once, then exits 0', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    child = spawnCli(['start'], {
      env: {
        KEEL_BACKEND: 'sqlite',
        KEEL_DATA_DIR: tmp.dir,
        KEEL_PORT: String(port),
        KEEL_HOST: '127.0.0.1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const alive = () => child!.exitCode === null && child!.signalCode === null;

    await waitFor(
      () => {
        if (!alive()) throw new Error(`keel start exited early (${child!.exitCode}):\n${stderr}`);
        return stderr.includes('Ctrl-C stops gracefully');
      },
      45_000,
      'the start banner',
    );
    expect(stderr).toContain(`API       ${url}/api/v1`);
    expect(stderr).toContain('one admin key was created. It is shown only this once');
    const key = /^ {4}(keel_sk_\S+)$/m.exec(stderr)?.[1];
    expect(key, stderr).toBeDefined();

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const withKey = await fetch(`${url}/api/v1/channels`, { headers: { authorization: `Bearer ${key}` } });
    expect(withKey.status).toBe(200);
    expect((await fetch(`${url}/api/v1/channels`)).status).toBe(401);

    const t0 = Date.now();
    child.kill('SIGTERM');
    const [code, signal] = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit within 10 s of SIGTERM:\n${stderr}`)), 10_000),
      ),
    ]);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(stdout).toBe(''); // the banner goes to stderr (logs, on stdout, are silenced here)
  });
});

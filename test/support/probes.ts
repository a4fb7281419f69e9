import { connect as netConnect } from 'node:net';

/**
 * Service probes shared by the test suite and the benchmarks (each side keeps its own URLs and
 * environment variables).
 */

/** Host and port of a service URL. */
export function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}

/** Whether something accepts TCP connections there. */
export function tcpReachable(
  { host, port }: { host: string; port: number },
  timeoutMs = 1500,
): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Delete a JetStream stream (ignoring one that is already gone). */
export async function deleteNatsStream(natsUrl: string, stream: string): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: [natsUrl] });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

import type { Figure, ScenarioContext } from '../scenario.js';
import { collectGarbage, RssSampler } from './rss.js';

/** What every scenario does around one backend's measurement. */

/** Run `fn` with this backend's peak RSS sampled, garbage of the previous one collected first. */
export async function sampled<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  collectGarbage();
  const rss = new RssSampler().start();
  try {
    const value = await fn();
    return { value, peakMb: rss.stop() };
  } finally {
    rss.stop();
  }
}

/** One backend failing is reported and the others still run. */
export async function guarded(
  backend: string,
  ctx: ScenarioContext,
  fn: () => Promise<Figure[]>,
): Promise<Figure[]> {
  try {
    return await fn();
  } catch (err) {
    ctx.fail(backend, err);
    return [];
  }
}

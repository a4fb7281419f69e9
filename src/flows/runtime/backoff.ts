export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `failedAttempts` (1 after the first failure): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that sagas failing together on one outage do
 * not all retry in the same instant, while the delay still grows predictably.
 */
export function backoffDelay(
  failedAttempts: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exp = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failedAttempts - 1));
  const half = exp / 2;
  return Math.max(1, Math.round(half + random() * half));
}

import { DomainError } from '../kernel/errors.js';

/** The `keel` command's exit codes (documented in docs/operations.md). */
export const ExitCode = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 3,
  NOT_FOUND: 4,
  CONFLICT: 5,
  UNAVAILABLE: 6,
  INVALID_INPUT: 7,
  AUDIT_BROKEN: 10,
} as const;

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P03',
]);

export function exitCodeFor(err: unknown): number {
  if (err instanceof DomainError) {
    if (err.code === 'CONFIG_INVALID') return ExitCode.CONFIG;
    if (err.status === 404) return ExitCode.NOT_FOUND;
    if (err.status === 409) return ExitCode.CONFLICT;
    if (err.status === 503) return ExitCode.UNAVAILABLE;
    if (err.status >= 400 && err.status < 500) return ExitCode.INVALID_INPUT;
    return ExitCode.INTERNAL;
  }
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return ExitCode.UNAVAILABLE;
  if (
    err instanceof AggregateError &&
    err.errors.some((e) => NETWORK_CODES.has((e as { code?: string })?.code ?? ''))
  ) {
    return ExitCode.UNAVAILABLE;
  }
  return ExitCode.INTERNAL;
}

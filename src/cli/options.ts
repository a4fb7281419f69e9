import { KernelErrors } from '../kernel/errors.js';

/** Command-line values are strings: check them here, so a typo is a clear usage error (exit 7). */
export function intOption(option: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw KernelErrors.VALIDATION_FAILED.create(`${option} must be an integer ${range}; got "${raw}"`);
  }
  return n;
}

export function choiceOption<T extends string>(option: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw)) {
    throw KernelErrors.VALIDATION_FAILED.create(
      `${option} must be one of ${allowed.join(', ')}; got "${raw}"`,
    );
  }
  return raw as T;
}

import { type DestinationStream, type LevelWithSilent, type Logger as PinoLogger, pino } from 'pino';
import type { Logger } from '../kernel/ports/logger.js';

export interface LoggerOptions {
  /** From `config.logLevel`. */
  level?: LevelWithSilent;
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Fields on every line (e.g. `{ service: 'keel' }`). */
  base?: Record<string, unknown>;
}

/**
 * Credentials must never reach a log line, whoever logs what: request headers that carry API keys
 * or tokens, and the usual field names for secrets wherever they appear one level deep.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  'authorization',
  'apiKey',
  'rawKey',
  'secret',
  'password',
  'token',
  '*.authorization',
  '*.apiKey',
  '*.rawKey',
  '*.secret',
  '*.password',
  '*.token',
];

/** A pino logger: JSON lines, ISO timestamps, level names, secrets redacted. Implements the Logger port. */
export function createLogger(options: LoggerOptions = {}): Logger & PinoLogger {
  return pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? { service: 'keel' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    },
    options.destination ?? pino.destination({ sync: false }),
  );
}

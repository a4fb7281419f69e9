import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ResolvedConfig, resolveConfig } from '../kernel/config.js';
import { KernelErrors } from '../kernel/errors.js';

/**
 * Read the configuration the way every `keel` command does: defaults, then `keel.config.json`
 * (or the file named by `--config` / KEEL_CONFIG), then KEEL_* variables, then command-line flags.
 */
export function loadConfig(options: {
  configPath?: string;
  env?: NodeJS.ProcessEnv;
  overrides?: Record<string, unknown>;
  cwd?: string;
}): ResolvedConfig & { file?: string } {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configPath ?? env.KEEL_CONFIG;
  const path = resolve(cwd, explicit ?? 'keel.config.json');
  let file: unknown;
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8');
    try {
      file = JSON.parse(text);
    } catch (err) {
      throw KernelErrors.CONFIG_INVALID.create(
        `invalid configuration:\n  - ${path} is not valid JSON: ${(err as Error).message}`,
      );
    }
  } else if (explicit) {
    throw KernelErrors.CONFIG_INVALID.create(
      `invalid configuration:\n  - config file ${path} does not exist`,
    );
  }
  const overrides = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined),
  );
  const resolved = resolveConfig({ file, fileName: path, env, overrides });
  return file === undefined ? resolved : { ...resolved, file: path };
}

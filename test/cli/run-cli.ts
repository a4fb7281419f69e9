import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeConfig } from '../../src/kernel/config.js';

/**
 * Run the `keel` CLI as a real child process: the compiled program users run (`dist/cli/main.js`,
 * built from the current sources by the test suite's global setup). Absolute paths, so that a test
 * may run it from any working directory.
 */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(repoRoot, 'dist', 'cli', 'main.js');

export interface CliResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document `--json` prints. */
  json<T = any>(): T;
  /** The `{ error }` document `--json` prints on stderr when a command fails. */
  errorJson(): { code: string; message: string; [k: string]: unknown };
}

export interface CliOptions {
  /** KEEL_* variables (and others) on top of the clean base environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * The parent's environment without any KEEL_* variable (a developer's shell or the test runner may
 * set some, e.g. KEEL_TEST_BACKENDS), plus a silent log level, plus `extra`.
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KEEL_')) env[k] = v;
  env.KEEL_LOG_LEVEL = 'silent';
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const ENV_OF = new Map(describeConfig().map((k) => [k.key, k.env]));

/** The KEEL_* variables that make the CLI reach the storage of config `overrides` (e.g. a TestApp's). */
export function envFor(overrides: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ['backend', 'dataDir', 'postgres.url', 'nats.stream', 'nats.subjectPrefix']) {
    const v = overrides[key];
    if (v !== undefined) env[ENV_OF.get(key)!] = String(v);
  }
  return env;
}

function parse(text: string, what: string): any {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not JSON (${(err as Error).message}):\n${text}`);
  }
}

/** Spawn `keel …args`; the caller owns the child (used directly for long-running `start`). */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [MAIN, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: cliEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Run `keel …args` to completion; resolves with its exit code and output (never rejects on a non-zero exit). */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolvePromise, reject) => {
    const child = spawnCli(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`keel ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const cmd = `keel ${args.join(' ')}`;
      resolvePromise({
        code,
        signal,
        stdout,
        stderr,
        json: () => parse(stdout, `stdout of ${cmd} (exit ${code}, stderr: ${stderr.trim()})`),
        errorJson: () => parse(stderr, `stderr of ${cmd} (exit ${code})`).error,
      });
    });
  });
}

/** A readable description of a result for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

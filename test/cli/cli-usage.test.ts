import { realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/app.js';
import { describeConfig } from '../../src/kernel/config.js';
import { tempDir } from '../support/backends.js';
import { type CliResult, runCli, show } from './run-cli.js';

/**
 * What the CLI decides before it touches a database: argument parsing, help and version, and the
 * configuration (defaults < keel.config.json < KEEL_* < flags). Backend-independent, so run once.
 * Independent commands run concurrently: every spawn loads the whole program.
 */
const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);
const dirs: { remove(): void }[] = [];
afterAll(() => {
  for (const d of dirs) d.remove();
});
/** A fresh working directory, optionally with a keel.config.json holding `config` (a string as is). */
function cwdWith(config?: unknown): string {
  const tmp = tempDir('keel-cli-cwd-');
  dirs.push(tmp);
  if (config !== undefined) {
    const text = typeof config === 'string' ? config : JSON.stringify(config);
    writeFileSync(join(tmp.dir, 'keel.config.json'), text);
  }
  return realpathSync(tmp.dir);
}

describe('keel CLI: usage', () => {
  it('usage errors exit 2; --help and --version exit 0', async () => {
    const [unknownCommand, unknownOption, missingOption, help, version] = await Promise.all([
      runCli(['frobnicate']),
      runCli(['migrate', '--frobnicate']),
      runCli(['keys', 'create', '--name', 'x']),
      runCli(['--help']),
      runCli(['--version']),
    ]);
    expectExit(unknownCommand, 2);
    expect(unknownCommand.stderr).toContain("unknown command 'frobnicate'");
    expectExit(unknownOption, 2);
    expect(unknownOption.stderr).toContain("unknown option '--frobnicate'");
    expectExit(missingOption, 2);
    expect(missingOption.stderr).toContain("required option '--scopes <list>' not specified");
    expectExit(help, 0);
    for (const cmd of ['start', 'migrate', 'dlq', 'replay', 'groups', 'saga', 'audit', 'keys', 'config']) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${cmd}\\b`, 'm'));
    }
    expectExit(version, 0);
    expect(version.stdout.trim()).toBe(VERSION);
  });

  it('invalid input exits 7: an unknown scope (named), replay without exactly one starting point', async () => {
    const [scope, both, neither] = await Promise.all([
      runCli(['keys', 'create', '--name', 'x', '--scopes', 'pim:read,pim:admin', '--json']),
      runCli(['replay', 'oms.intake', '--from-position', '1', '--from-time', '2024-01-01T00:00:00Z']),
      runCli(['replay', 'oms.intake']),
    ]);
    expectExit(scope, 7);
    expect(scope.stdout).toBe('');
    expect(scope.errorJson()).toMatchObject({ code: 'API_SCOPE_INVALID', invalid: ['pim:admin'] });
    expect(scope.errorJson().message).toContain('"pim:admin"');
    for (const r of [both, neither]) {
      expectExit(r, 7);
      expect(r.stderr).toContain('give exactly one of --from-position or --from-time (VALIDATION_FAILED)');
    }
  });
});

describe('keel CLI: config', () => {
  it('config print shows each value and its source: default, keel.config.json, KEEL_*, flag', async () => {
    const fileCwd = cwdWith({ port: 4100, logLevel: 'warn', backend: 'sqlite', bus: { maxAttempts: 3 } });
    const [fromEnv, layered, keys] = await Promise.all([
      runCli(['config', 'print', '--json'], {
        cwd: cwdWith(),
        env: {
          KEEL_PORT: '4321',
          KEEL_POSTGRES_URL: 'postgres://keel:s3cr3t-pw@db.example:5432/keel',
          KEEL_NATS_SERVERS: 'nats://a:4222, nats://b:4222',
        },
      }),
      // KEEL_LOG_LEVEL=silent (set for every run) beats the file's "warn"; --backend beats the file's.
      runCli(['config', 'print', '--json', '--backend', 'postgres'], { cwd: fileCwd }),
      runCli(['config', 'keys', '--json']),
    ]);

    expectExit(fromEnv, 0);
    const e = fromEnv.json();
    expect(e.file).toBeNull();
    expect(e.config).toMatchObject({
      port: 4321,
      backend: 'sqlite',
      postgres: { url: 'postgres://keel:***@db.example:5432/keel' },
      nats: { servers: ['nats://a:4222', 'nats://b:4222'] },
    });
    expect(fromEnv.stdout).not.toContain('s3cr3t-pw');
    expect(e.sources).toMatchObject({
      port: 'env',
      'postgres.url': 'env',
      'nats.servers': 'env',
      logLevel: 'env',
      backend: 'default',
      'bus.maxAttempts': 'default',
    });
    expect(Object.keys(e.sources).sort()).toEqual(
      describeConfig()
        .map((k) => k.key)
        .sort(),
    );

    expectExit(layered, 0);
    const l = layered.json();
    expect(l.file).toBe(join(fileCwd, 'keel.config.json'));
    expect(l.config).toMatchObject({
      port: 4100,
      logLevel: 'silent',
      backend: 'postgres',
      bus: { maxAttempts: 3 },
    });
    expect(l.sources).toMatchObject({
      port: 'file',
      'bus.maxAttempts': 'file',
      logLevel: 'env',
      backend: 'override',
      'bus.partitions': 'default',
    });

    expectExit(keys, 0);
    const described = keys.json() as any[];
    expect(described).toEqual(describeConfig());
    expect(described.find((k) => k.key === 'bus.maxAttempts')).toMatchObject({
      env: 'KEEL_BUS_MAX_ATTEMPTS',
      default: 8,
      expected: 'an integer >= 1 and <= 1000',
    });
    expect(described.find((k) => k.key === 'port')).toMatchObject({ env: 'KEEL_PORT', default: 3000 });
  });

  it('bad configuration exits 3 naming every bad key, where it came from and the expected form', async () => {
    const badCwd = cwdWith({ port: 'eighty', bus: { maxAtempts: 3 } });
    const notJsonCwd = cwdWith('{ port: 80 }');
    const [bad, notJson] = await Promise.all([
      runCli(['config', 'print', '--json'], { cwd: badCwd, env: { KEEL_BUS_MAX_ATTEMPTS: 'lots' } }),
      runCli(['config', 'print'], { cwd: notJsonCwd }),
    ]);
    expectExit(bad, 3);
    expect(bad.stdout).toBe('');
    const err = bad.errorJson();
    expect(err.code).toBe('CONFIG_INVALID');
    const file = join(badCwd, 'keel.config.json');
    expect(err.problems).toEqual(
      expect.arrayContaining([
        `${file}: unknown key "bus.maxAtempts"`,
        `port (from ${file}) must be an integer >= 0 and <= 65535; got "eighty"`,
        'bus.maxAttempts (from KEEL_BUS_MAX_ATTEMPTS) must be an integer >= 1 and <= 1000; got "lots"',
      ]),
    );
    expect(err.problems).toHaveLength(3);

    expectExit(notJson, 3);
    expect(notJson.stderr).toContain(`${join(notJsonCwd, 'keel.config.json')} is not valid JSON`);
    expect(notJson.stderr).toContain('(CONFIG_INVALID)');
  });

  // The repository's own tooling reads KEEL_TEST_*, KEEL_BENCH_* and KEEL_PROP_* from the same
  // shell; they are reserved, not unknown config keys.
  it('tolerates the KEEL_TEST_* / KEEL_BENCH_* / KEEL_PROP_* tooling variables', async () => {
    const r = await runCli(['config', 'print', '--json'], {
      cwd: cwdWith(),
      env: {
        KEEL_TEST_PG_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        KEEL_TEST_NATS_URL: 'nats://127.0.0.1:4222',
        KEEL_BENCH_PG_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        KEEL_PROP_RUNS: '10',
      },
    });
    expectExit(r, 0);
    expect(r.json().config.backend).toBe('sqlite');
  });
});

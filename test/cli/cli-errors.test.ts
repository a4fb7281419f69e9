import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/backends.js';
import { type CliResult, runCli, show } from './run-cli.js';

/**
 * Error exits of the admin commands that need a database but no data in it: run once, on a fresh
 * embedded (sqlite) database. The same DomainErrors map to the same exit codes on every backend.
 */
const expectExit = (r: CliResult, code: number) => expect(r.code, show(r)).toBe(code);

describe('keel CLI: error exits on an empty database', () => {
  let tmp: { dir: string; remove(): void };
  let env: Record<string, string>;
  const keel = (...args: string[]) => runCli(args, { env });
  beforeAll(() => {
    tmp = tempDir('keel-cli-errors-');
    env = { KEEL_BACKEND: 'sqlite', KEEL_DATA_DIR: tmp.dir };
  });
  afterAll(() => tmp?.remove());

  it('unknown dead letter, saga and consumer group exit 4 with the error code', async () => {
    const [dlq, saga, group] = await Promise.all([
      keel('dlq', 'show', 'dlq_missing', '--json'),
      keel('saga', 'show', 'saga_missing'),
      keel('replay', 'no.such.group', '--from-position', '1', '--json'),
    ]);
    for (const r of [dlq, saga, group]) {
      expectExit(r, 4);
      expect(r.stdout).toBe('');
    }
    expect(dlq.errorJson()).toMatchObject({ code: 'DEAD_LETTER_NOT_FOUND', id: 'dlq_missing' });
    expect(saga.stderr).toMatch(/^keel: .*saga_missing.* \(SAGA_NOT_FOUND\)\n$/); // the human form
    expect(group.errorJson()).toMatchObject({ code: 'GROUP_UNKNOWN', group: 'no.such.group' });
  });

  // Command-line numbers and choices are checked before use: a typo is exit 7, never a database
  // error or a silently empty answer.
  it('rejects a malformed --limit, --after-seq or --status with exit 7 (like saga list)', async () => {
    const [dlqLimit, auditAfter, dlqStatus] = await Promise.all([
      keel('dlq', 'list', '--limit', 'abc', '--json'),
      keel('audit', 'list', '--after-seq', 'x', '--json'),
      keel('dlq', 'list', '--status', 'bogus', '--json'),
    ]);
    for (const [r, option] of [
      [dlqLimit, '--limit'],
      [auditAfter, '--after-seq'],
      [dlqStatus, '--status'],
    ] as const) {
      expectExit(r, 7);
      expect(r.stdout).toBe('');
      expect(r.errorJson()).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining(option),
      });
    }
  });
});

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture() {
  const lines: any[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, destination };
}

describe('logger', () => {
  it('writes JSON lines with level names, honours the level and redacts credentials', () => {
    const { lines, destination } = capture();
    const log = createLogger({ level: 'info', destination });
    log.debug('hidden');
    log.child({ requestId: 'req_1' }).info(
      {
        req: { headers: { authorization: 'Bearer keel_sk_x', 'x-api-key': 'keel_sk_y' } },
        body: { secret: 's' },
      },
      'hello',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'hello', requestId: 'req_1', service: 'keel' });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain('keel_sk_');
    expect(text).not.toContain('"s"');
    expect(lines[0].req.headers.authorization).toBe('[REDACTED]');
  });
});

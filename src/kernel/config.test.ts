import { describe, expect, it } from 'vitest';
import { describeConfig, redactConfig, resolveConfig } from './config.js';

describe('config', () => {
  it('applies defaults < file < env < overrides and freezes the result', () => {
    const { config, sources } = resolveConfig({
      file: { port: 4000, bus: { batchSize: 50 } },
      env: { KEEL_PORT: '5000', KEEL_NATS_SERVERS: 'nats://a:4222, nats://b:4222' },
      overrides: { 'bus.maxAttempts': 3 },
    });
    expect(config.port).toBe(5000);
    expect(sources.port).toBe('env');
    expect(config.bus.batchSize).toBe(50);
    expect(sources['bus.batchSize']).toBe('file');
    expect(config.bus.maxAttempts).toBe(3);
    expect(config.nats.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(config.backend).toBe('sqlite');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.bus)).toBe(true);
  });

  it('names the key, the source and the expected form of a bad value', () => {
    try {
      resolveConfig({ env: { KEEL_BUS_MAX_ATTEMPTS: 'lots', KEEL_BACKEND: 'mysql' } });
      expect.unreachable();
    } catch (e: any) {
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain('bus.maxAttempts (from KEEL_BUS_MAX_ATTEMPTS) must be an integer >= 1');
      expect(e.message).toContain(
        'backend (from KEEL_BACKEND) must be one of "sqlite", "postgres", "postgres+nats"',
      );
    }
  });

  it('rejects unknown keys in the file and unknown KEEL_ variables', () => {
    expect(() => resolveConfig({ file: { bus: { batchsize: 3 }, colour: 'red' } })).toThrow(
      /unknown key "bus\.batchsize"[\s\S]*unknown key "colour"/,
    );
    expect(() => resolveConfig({ env: { KEEL_PROT: '1' } })).toThrow(
      /unknown environment variable KEEL_PROT/,
    );
    expect(() => resolveConfig({ file: [1, 2] })).toThrow(/must contain a JSON object/);
    expect(() =>
      resolveConfig({ env: { KEEL_TEST_BACKENDS: 'sqlite', KEEL_CONFIG: 'x.json' } }),
    ).not.toThrow();
  });

  it('describes every key with its environment variable and redacts secrets', () => {
    const keys = describeConfig();
    expect(keys.find((k) => k.key === 'bus.handlerTimeoutMs')?.env).toBe('KEEL_BUS_HANDLER_TIMEOUT_MS');
    const { config } = resolveConfig({ env: { KEEL_POSTGRES_URL: 'postgres://u:secret@h/db' } });
    expect(redactConfig(config).postgres.url).toBe('postgres://u:***@h/db');
  });
});

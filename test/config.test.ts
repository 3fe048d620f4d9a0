import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration from the environment', () => {
  it('applies the documented defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const c = loadConfig({ KINDLING_DATA_DIR: dir });
    expect(c.PORT).toBe(3000);
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.HUBSPOT_API_BASE).toBe('https://api.hubapi.com');
    expect(c.HUBSPOT_APP_BASE).toBe('https://app.hubspot.com');
    expect(c.PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(c.LOG_LEVEL).toBe('info');
  });

  it('names every offending variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'not a url', LOG_LEVEL: 'loud', KINDLING_DATA_DIR: mkdtempSync(join(tmpdir(), 'kcfg-')) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^PORT: /m);
    expect(problems).toMatch(/^REDIS_URL: /m);
    expect(problems).toMatch(/^LOG_LEVEL: /m);
  });

  it('generates and keeps an encryption key in development, and requires one in production', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcfg-'));
    const first = loadConfig({ KINDLING_DATA_DIR: dir });
    const second = loadConfig({ KINDLING_DATA_DIR: dir });
    expect(first.encryptionKey.key.equals(second.encryptionKey.key)).toBe(true);
    expect(readFileSync(join(dir, 'encryption.key'), 'utf8').trim()).toBe(first.encryptionKey.key.toString('base64'));
    expect(() => loadConfig({ NODE_ENV: 'production', KINDLING_DATA_DIR: dir })).toThrow(/KINDLING_ENCRYPTION_KEY: required in production/);
  });

  it('reads a key id for rotation and refuses a key of the wrong length', () => {
    const key = randomBytes(32).toString('base64');
    expect(loadConfig({ KINDLING_ENCRYPTION_KEY: `k7:${key}` }).encryptionKey.id).toBe('k7');
    expect(() => loadConfig({ KINDLING_ENCRYPTION_KEY: randomBytes(16).toString('base64') })).toThrow(/must be 32 bytes/);
  });
});

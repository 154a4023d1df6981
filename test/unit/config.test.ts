import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('runs in demo mode with nothing set, with the contract defaults', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('demo');
    expect(config.port).toBe(3978);
    expect(config.tenantPort).toBe(3979);
    expect(config.dbFile).toBe('./data/db.json');
    expect(config.playground).toEqual({ enabled: true, port: 56150 });
    expect(config.graphBaseUrl).toBeUndefined();
    expect(config.graphAuth).toEqual({ kind: 'none' });
  });

  it('names each bad value and says what is expected', () => {
    const found = problems({ PORT: 'eighty', POLL_SCHEDULE: 'every minute', SEED_INCIDENTS: '-3', PLAYGROUND: 'maybe', GRAPH_BASE_URL: 'graph' });
    expect(found.find((p) => p.startsWith('PORT:'))).toMatch(/port/);
    expect(found.find((p) => p.startsWith('POLL_SCHEDULE:'))).toMatch(/cron expression/);
    expect(found.find((p) => p.startsWith('SEED_INCIDENTS:'))).toMatch(/0 or more/);
    expect(found.find((p) => p.startsWith('PLAYGROUND:'))).toMatch(/1 or 0/);
    expect(found.find((p) => p.startsWith('GRAPH_BASE_URL:'))).toMatch(/absolute URL/);
  });

  it('requires complete Graph credentials in production mode and never echoes the secret', () => {
    const secret = 'super-secret-value-123';
    let message = '';
    try {
      loadConfig({ AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111', AZURE_CLIENT_SECRET: secret });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/AZURE_TENANT_ID: required/);
    expect(message).not.toContain(secret);
  });

  it('uses real Graph in production mode', () => {
    const config = loadConfig({
      AZURE_TENANT_ID: '22222222-2222-2222-2222-222222222222',
      AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111',
      AZURE_CLIENT_SECRET: 'x-secret',
    });
    expect(config.mode).toBe('production');
    expect(config.graphBaseUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(config.graphAuth.kind).toBe('clientSecret');
  });

  it('accepts a six-field cron with seconds', () => {
    expect(loadConfig({ POLL_SCHEDULE: '*/5 * * * * *' }).pollSchedule).toBe('*/5 * * * * *');
  });
});

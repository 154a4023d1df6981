import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { loadPackageConfig } from '../../src/package/config.js';

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

  it("signs the tab in with the Graph app, or the bot's app when a managed identity holds AZURE_CLIENT_ID", () => {
    const ids = { AZURE_TENANT_ID: '22222222-2222-2222-2222-222222222222', AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111', MicrosoftAppId: '33333333-3333-3333-3333-333333333333', MicrosoftAppPassword: 'p', MicrosoftAppTenantId: '22222222-2222-2222-2222-222222222222', PUBLIC_HOSTNAME: 'IRM-Bot.contoso.com' };
    expect(loadConfig({ ...ids, AZURE_CLIENT_SECRET: 's' }).tab).toEqual({
      publicBaseUrl: 'https://irm-bot.contoso.com',
      teamsAppId: ids.MicrosoftAppId,
      sso: { tenantId: ids.AZURE_TENANT_ID, clientId: ids.AZURE_CLIENT_ID, hostname: 'irm-bot.contoso.com' },
    });
    expect(loadConfig({ ...ids, AZURE_USE_MANAGED_IDENTITY: '1' }).tab.sso).toMatchObject({ clientId: ids.MicrosoftAppId });
    expect(loadPackageConfig({ ...ids, AZURE_USE_MANAGED_IDENTITY: '1' }).ssoAppId).toBe(ids.MicrosoftAppId);
    expect(loadPackageConfig(ids).ssoAppId).toBe(ids.AZURE_CLIENT_ID);
    // The package names the app the tab accepts tokens for, whatever the credentials.
    for (const extra of [{ AZURE_CLIENT_SECRET: 's' }, { AZURE_USE_MANAGED_IDENTITY: 'true' }, { AZURE_USE_MANAGED_IDENTITY: '1', AZURE_CLIENT_ID: '' }]) {
      const env = { ...ids, ...extra };
      const sso = loadConfig(env).tab.sso;
      expect('clientId' in sso && sso.clientId, JSON.stringify(extra)).toBe(loadPackageConfig(env).ssoAppId);
    }
  });

  it('a bot registration is single-tenant unless told otherwise, and then needs its tenant', () => {
    const production = { AZURE_TENANT_ID: '22222222-2222-2222-2222-222222222222', AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111', AZURE_CLIENT_SECRET: 's', MicrosoftAppId: '33333333-3333-3333-3333-333333333333', MicrosoftAppPassword: 'p' };
    expect(() => loadConfig(production)).toThrow(/MicrosoftAppTenantId: required when MicrosoftAppType is SingleTenant \(the default/);
    expect(loadConfig({ ...production, MicrosoftAppTenantId: '22222222-2222-2222-2222-222222222222' }).bot.appType).toBe('SingleTenant');
    expect(loadConfig({ ...production, MicrosoftAppType: 'MultiTenant' }).bot.appType).toBe('MultiTenant');
  });

  it('keeps the store in lowdb files by default; azure-blob needs a connection string and a valid container name, and the key is never echoed', () => {
    expect(loadConfig({}).store).toEqual({ kind: 'lowdb', file: './data/db.json' });
    const key = 'c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==';
    const connectionString = `DefaultEndpointsProtocol=https;AccountName=irmbot;AccountKey=${key};EndpointSuffix=core.windows.net`;
    expect(loadConfig({ STORE: 'azure-blob', AZURE_STORAGE_CONNECTION_STRING: connectionString }).store).toEqual({ kind: 'azure-blob', connectionString, container: 'irm-bot' });
    expect(problems({ STORE: 'azure-blob' })).toEqual([expect.stringMatching(/^AZURE_STORAGE_CONNECTION_STRING: required when STORE=azure-blob/)]);
    const bad = problems({ STORE: 'azure-blob', AZURE_STORAGE_CONNECTION_STRING: connectionString, STORE_CONTAINER: 'IRM--Bot' });
    expect(bad).toEqual([expect.stringMatching(/^STORE_CONTAINER: expected an Azure container name/)]);
    expect(problems({ STORE: 'cosmos' })).toEqual([expect.stringMatching(/^STORE: expected lowdb .* or azure-blob/)]);
    expect(bad.join(' ')).not.toContain(key);
  });

  it('accepts a six-field cron with seconds', () => {
    expect(loadConfig({ POLL_SCHEDULE: '*/5 * * * * *' }).pollSchedule).toBe('*/5 * * * * *');
  });
});

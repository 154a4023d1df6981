import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { loadConfig } from '../../src/config.js';
import { GraphError } from '../../src/errors.js';
import { formatReport, runDoctor, PROBE_ID, type Finding } from '../../src/doctor/doctor.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';

let dir: string;
let tenant: Tenant | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'irm-doctor-'));
});
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function admin(path: string, method: string, body?: unknown): Promise<Response> {
  return fetch(tenant!.url + path, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function doctor(seedIncidents = 3, env: Record<string, string> = {}): Promise<Finding[]> {
  tenant ??= await startTenant({ port: 0, seedIncidents, irmSyncDelaySeconds: 0 });
  const config = loadConfig({ GRAPH_BASE_URL: tenant.graphBaseUrl, DB_FILE: join(dir, 'db.json'), PLAYGROUND: '0', ...env });
  return runDoctor({ config, baseDelayMs: 10 });
}

const failed = (findings: Finding[]) => findings.filter((f) => !f.ok);
const byCheck = (findings: Finding[], check: string) => findings.find((f) => f.check === check)!;

describe('setup doctor', () => {
  it('is all green against the embedded tenant, and changes nothing there', async () => {
    const findings = await doctor();
    expect(failed(findings)).toEqual([]);
    expect(findings.map((f) => f.check)).toEqual([
      'Configuration',
      'Credentials',
      'Graph reachability',
      'Permission SecurityAlert.Read.All',
      'Permission SecurityAlert.ReadWrite.All',
      'Permission SecurityIncident.Read.All',
      'Permission SecurityIncident.ReadWrite.All',
      'Permission ThreatHunting.Read.All',
      'IRM alerts in the last 30 days',
      'Roles file',
      'Store',
      'Tab sign-in',
    ]);
    expect(byCheck(findings, 'Store').detail).toMatch(/will create it/);
    const newestIrm = [...tenant!.state.alerts.values()].filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement').map((a) => a.createdDateTime).sort().at(-1);
    expect(byCheck(findings, 'IRM alerts in the last 30 days').detail).toContain(`latest ${newestIrm}`);
    const requests = (await (await admin('/_admin/requests', 'GET')).json()) as { method: string; path: string; body: unknown; status: number }[];
    const writes = requests.filter((r) => r.method === 'PATCH');
    expect(writes).toHaveLength(2);
    for (const w of writes) {
      expect(w.path).toContain(PROBE_ID);
      expect(w.body).toEqual({});
      expect(w.status).toBe(404);
    }
    expect(formatReport(findings)).toMatch(/All checks passed\.$/);
  });

  it('names exactly the permissions removed, with the fix', async () => {
    tenant = await startTenant({ port: 0, seedIncidents: 3, irmSyncDelaySeconds: 0 });
    expect((await admin('/_admin/permissions', 'POST', { deny: ['SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All'] })).status).toBe(204);
    const findings = await doctor();
    expect(failed(findings).map((f) => f.check)).toEqual(['Permission SecurityIncident.ReadWrite.All', 'Permission ThreatHunting.Read.All']);
    expect(byCheck(findings, 'Permission SecurityIncident.ReadWrite.All').fix).toMatch(/Grant the app registration the Microsoft Graph application permission SecurityIncident\.ReadWrite\.All and an admin's consent/);
    expect(byCheck(findings, 'Permission ThreatHunting.Read.All').fix).toContain('ThreatHunting.Read.All');
    const report = formatReport(findings);
    expect(report).toContain('✘ Permission ThreatHunting.Read.All');
    expect(report).toMatch(/2 checks failed\.$/);
  });

  it('reports a missing alert write permission the same way', async () => {
    tenant = await startTenant({ port: 0, seedIncidents: 3, irmSyncDelaySeconds: 0 });
    await admin('/_admin/permissions', 'POST', { deny: ['SecurityAlert.ReadWrite.All'] });
    const findings = await doctor();
    expect(failed(findings).map((f) => f.check)).toEqual(['Permission SecurityAlert.ReadWrite.All']);
  });

  it('fails reachability in words when Graph answers 503', async () => {
    tenant = await startTenant({ port: 0, seedIncidents: 3, irmSyncDelaySeconds: 0 });
    expect((await admin('/_admin/faults', 'POST', { rate: 1, kinds: ['503'] })).status).toBe(204);
    const findings = await doctor();
    const reach = byCheck(findings, 'Graph reachability');
    expect(reach.ok).toBe(false);
    expect(reach.detail).toMatch(/did not answer/);
    expect(reach.fix).toMatch(/wait a few minutes and run the doctor again/);
    // The Graph checks behind it are not passed silently.
    expect(byCheck(findings, 'Permission ThreatHunting.Read.All')).toMatchObject({ ok: false, detail: expect.stringMatching(/^Not checked/) });
    // Local checks still run.
    expect(byCheck(findings, 'Store').ok).toBe(true);
  });

  it('fails the IRM check and points at the Purview sharing setting when no IRM alert arrived', async () => {
    const findings = await doctor(0);
    expect(failed(findings).map((f) => f.check)).toEqual(['IRM alerts in the last 30 days']);
    expect(byCheck(findings, 'IRM alerts in the last 30 days').fix).toContain('Share user risk details with other security solutions');
  });

  it('reports the store counts, a bad store and a bad roles file', async () => {
    const store = await Store.open(join(dir, 'db.json'));
    await store.saveConversation({ key: 'c1', kind: 'channel', reference: {}, installedAt: '2026-11-20T00:00:00Z', backfilled: true });
    await store.appendAudit({ at: '2026-11-20T00:00:00Z', actor: { id: 'u', name: 'Alex' }, action: 'resolve', outcome: 'ok' });
    const good = await doctor(3);
    expect(byCheck(good, 'Roles file').ok).toBe(true);
    expect(byCheck(good, 'Store').detail).toMatch(/opens: 1 conversation\(s\), 0 incident\(s\), 0 card\(s\) posted, 0 decision\(s\), 1 audit entry\.$/);
    writeFileSync(join(dir, 'db.json'), '{"version": 1, "conv');
    writeFileSync(join(dir, 'roles.json'), '{"principals": [{"id": 1}]}');
    const bad = await doctor(3, { ROLES_FILE: join(dir, 'roles.json') });
    expect(failed(bad).map((f) => f.check)).toEqual(['Roles file', 'Store']);
    expect(byCheck(bad, 'Store').fix).toMatch(/move it aside/);
    expect(byCheck(bad, 'Roles file').fix).toMatch(/Correct/);
  });

  it('says when there is no Graph address to check', async () => {
    const config = loadConfig({ DB_FILE: join(dir, 'db.json'), PLAYGROUND: '0' });
    const findings = await runDoctor({ config });
    expect(byCheck(findings, 'Graph reachability')).toMatchObject({ ok: false, fix: expect.stringContaining('GRAPH_BASE_URL') });
  });

  /** Production mode with a client secret, against a fresh embedded tenant. */
  async function productionConfig(env: Record<string, string> = {}) {
    tenant = await startTenant({ port: 0, seedIncidents: 1, irmSyncDelaySeconds: 0 });
    return loadConfig({
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      DB_FILE: join(dir, 'db.json'),
      AZURE_TENANT_ID: '11111111-1111-1111-1111-111111111111',
      AZURE_CLIENT_ID: '22222222-2222-2222-2222-222222222222',
      AZURE_CLIENT_SECRET: 'super-secret-value-123',
      PLAYGROUND: '0',
      ...env,
    });
  }

  it('never prints a secret, and names a credentials failure', async () => {
    const config = await productionConfig();
    const token = async (): Promise<string> => {
      throw new GraphError('Could not get a Microsoft Graph token: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the client secret or managed identity.', { httpStatus: 401, graphCode: 'TokenAcquisitionFailed' });
    };
    const findings = await runDoctor({ config, baseDelayMs: 10, token });
    expect(JSON.stringify(findings)).not.toContain('super-secret-value-123');
    expect(byCheck(findings, 'Configuration').detail).toContain('AZURE_CLIENT_SECRET (hidden)');
    expect(byCheck(findings, 'Credentials')).toMatchObject({ ok: false, fix: expect.stringMatching(/client secret/) });
    expect(byCheck(findings, 'Graph reachability').detail).toMatch(/no Graph token/);
    expect(byCheck(findings, 'Roles file')).toMatchObject({ ok: false, fix: expect.stringContaining('ROLES_FILE') });
    // No PUBLIC_HOSTNAME: the tab could sign nobody in.
    expect(byCheck(findings, 'Tab sign-in')).toMatchObject({ ok: false, detail: expect.stringContaining('set PUBLIC_HOSTNAME'), fix: expect.stringContaining('access_as_user') });
  });

  it('names what the tab accepts once its sign-in is configured', async () => {
    const config = await productionConfig({ PUBLIC_HOSTNAME: 'irm-bot.contoso.com' });
    const findings = await runDoctor({ config, baseDelayMs: 10, token: async () => 'token' });
    expect(byCheck(findings, 'Tab sign-in')).toMatchObject({ ok: true, detail: expect.stringContaining('api://irm-bot.contoso.com/22222222-2222-2222-2222-222222222222') });
  });
});

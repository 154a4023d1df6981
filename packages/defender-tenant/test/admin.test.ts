/** The admin paths: creating incidents, portal changes, the IRM side, faults, permissions, the request log and reset. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertSchema, collectionSchema, graphErrorSchema, incidentSchema } from './graph-shapes.js';
import type { Tenant } from '@irm-bot/defender-tenant';
import { admin, call, graph, manualClock, start } from './helpers.js';

const createdSchema = z.object({ incidentId: z.string().regex(/^\d+$/), alertIds: z.array(z.string()) });
const irmSchema = z.object({ alertId: z.string(), irmStatus: z.enum(['Needs review', 'Confirmed', 'Dismissed']), pendingIrmStatus: z.string().optional(), syncDueAt: z.string().optional() });
const logSchema = z.array(
  z.object({
    method: z.string(),
    path: z.string(),
    query: z.record(z.string(), z.string()),
    body: z.unknown(),
    status: z.number(),
    at: z.string(),
    headers: z.object({ prefer: z.string().optional() }),
  }),
);
const errorOf = (json: unknown) => graphErrorSchema.parse(json).error;

let tenant: Tenant;
const clock = manualClock();

beforeAll(async () => {
  tenant = await start({ seedIncidents: 0, now: clock.now, irmSyncDelaySeconds: 60 });
});
afterAll(async () => {
  await tenant?.close();
});
beforeEach(async () => {
  await admin(tenant, '/_admin/reset', 'POST', {});
});

async function createIncident(body: unknown) {
  const res = await admin(tenant, '/_admin/incidents', 'POST', body);
  expect(res.status).toBe(201);
  return createdSchema.parse(res.json);
}

describe('POST /_admin/incidents', () => {
  it('creates an IRM incident grouping the other sources, with the user as evidence on every alert', async () => {
    const created = await createIncident({
      severity: 'high',
      title: 'Sensitive files copied to USB by departing user',
      user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' },
      irmAlerts: 2,
      otherSources: ['microsoftDefenderForEndpoint', 'azureAdIdentityProtection', 'dataLossPrevention'],
    });
    expect(created.alertIds).toHaveLength(5);
    const incident = incidentSchema.parse((await graph(tenant, `/security/incidents/${created.incidentId}?$expand=alerts`)).json);
    expect(incident).toMatchObject({ severity: 'high', status: 'active', createdDateTime: clock.now().toISOString() });
    const alerts = incident.alerts ?? [];
    expect(alerts.map((a) => a.id)).toEqual(created.alertIds);
    expect(alerts.map((a) => [a.serviceSource, a.detectionSource])).toEqual([
      ['microsoftInsiderRiskManagement', 'microsoftInsiderRiskManagement'],
      ['microsoftInsiderRiskManagement', 'microsoftInsiderRiskManagement'],
      ['microsoftDefenderForEndpoint', 'microsoftDefenderForEndpoint'],
      ['azureAdIdentityProtection', 'azureAdIdentityProtection'],
      ['dataLossPrevention', 'microsoftDataLossPrevention'],
    ]);
    expect(alerts[0]?.title).toBe('Sensitive files copied to USB by departing user');
    expect(alerts[0]?.severity).toBe('high');
    for (const alert of alerts) {
      const user = alert.evidence.find((e) => e['@odata.type'] === '#microsoft.graph.security.userEvidence')?.userAccount;
      expect(user).toMatchObject({ userPrincipalName: 'adele.vance@contoso.com', displayName: 'Adele Vance', accountName: 'adele.vance', domainName: 'contoso.com' });
      expect(user?.azureAdUserId).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('adds matching rows to the hunting tables', async () => {
    const before = { ...Object.fromEntries(Object.entries(tenant.state.hunting).map(([k, v]) => [k, v.length])) };
    const created = await createIncident({ severity: 'medium', title: 'Data exfiltration by departing user', user: { upn: 'lee.gu@contoso.com' }, otherSources: ['microsoftDefenderForEndpoint'] });
    const [irm, mde] = created.alertIds;
    const { AlertInfo, AlertEvidence, DataSecurityEvents, DataSecurityBehaviors } = tenant.state.hunting;
    expect(AlertInfo.length - (before.AlertInfo ?? 0)).toBe(2);
    expect(AlertInfo.find((r) => r.AlertId === irm)).toMatchObject({ Severity: 'Medium', ServiceSource: 'Microsoft Insider Risk Management', Title: 'Data exfiltration by departing user' });
    expect(AlertInfo.find((r) => r.AlertId === mde)).toMatchObject({ ServiceSource: 'Microsoft Defender for Endpoint' });
    expect(AlertEvidence.filter((r) => r.AlertId === irm && r.EntityType === 'User')).toEqual([expect.objectContaining({ EvidenceRole: 'Impacted', AccountUpn: 'lee.gu@contoso.com', AccountName: 'lee.gu' })]);
    expect(AlertEvidence.some((r) => r.AlertId === mde && r.EntityType === 'Machine')).toBe(true);

    const events = DataSecurityEvents.filter((r) => r.AccountUpn === 'lee.gu@contoso.com');
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events.some((r) => r.ActionType === 'FileUploaded' && String(r.FileName).endsWith('.zip') && r.FileName === r.ObjectName)).toBe(true);
    const alert = alertSchema.parse((await graph(tenant, `/security/alerts_v2/${irm}`)).json);
    for (const e of events) {
      expect(String(e.Timestamp) >= alert.firstActivityDateTime! && String(e.Timestamp) <= alert.lastActivityDateTime!).toBe(true);
    }
    const behaviors = DataSecurityBehaviors.filter((r) => r.AccountUpn === 'lee.gu@contoso.com');
    expect(behaviors.some((r) => r.IsAnomalous === true)).toBe(true);
  });

  it('refuses bad input with a 400 naming the field', async () => {
    for (const [body, words] of [
      [{ severity: 'critical', user: { upn: 'a@contoso.com' } }, /severity/],
      [{ severity: 'low', user: { upn: 'not-an-upn' } }, /user\.upn/],
      [{ severity: 'low', user: { upn: 'a@contoso.com' }, irmAlerts: 21 }, /irmAlerts/],
      [{ severity: 'low', user: { upn: 'a@contoso.com' }, otherSources: ['microsoftSentinel'] }, /otherSources/],
    ] as const) {
      const res = await admin(tenant, '/_admin/incidents', 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res.json).message).toMatch(words);
    }
  });
});

describe('portal changes and the IRM side', () => {
  it('PATCH /_admin/alerts records the portal user as the incident modifier', async () => {
    const { incidentId, alertIds } = await createIncident({ severity: 'low', user: { upn: 'megan.bowen@contoso.com' } });
    const res = await admin(tenant, `/_admin/alerts/${alertIds[0]}`, 'PATCH', { status: 'inProgress', assignedTo: 'megan.bowen@contoso.com', by: 'nestor.wilke@contoso.com' });
    expect(res.status).toBe(200);
    expect(alertSchema.parse(res.json)).toMatchObject({ status: 'inProgress', serviceSource: 'microsoftInsiderRiskManagement' });
    const incident = incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}`)).json);
    expect(incident).toMatchObject({ status: 'inProgress', lastModifiedBy: 'nestor.wilke@contoso.com' });
    await admin(tenant, `/_admin/alerts/${alertIds[0]}`, 'PATCH', { status: 'new' });
    expect(incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}`)).json).lastModifiedBy).toBe('portal.analyst@contoso.com');
    expect((await admin(tenant, '/_admin/alerts/nope', 'PATCH', { status: 'new' })).status).toBe(404);
  });

  it('shows the Defender decision in IRM only after the sync delay', async () => {
    const { incidentId, alertIds } = await createIncident({ severity: 'high', user: { upn: 'adele.vance@contoso.com' }, otherSources: ['dataLossPrevention'] });
    const irm = async (id: string) => irmSchema.parse((await admin(tenant, `/_admin/irm/alerts/${id}`)).json);
    expect(await irm(alertIds[0]!)).toEqual({ alertId: alertIds[0], irmStatus: 'Needs review' });

    await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { status: 'resolved', classification: 'truePositive', determination: 'maliciousUserActivity' } });
    const due = new Date(clock.ms + 60_000).toISOString();
    expect(await irm(alertIds[0]!)).toEqual({ alertId: alertIds[0], irmStatus: 'Needs review', pendingIrmStatus: 'Confirmed', syncDueAt: due });
    clock.advance(59_999);
    expect((await irm(alertIds[0]!)).irmStatus).toBe('Needs review');
    clock.advance(1);
    expect(await irm(alertIds[0]!)).toEqual({ alertId: alertIds[0], irmStatus: 'Confirmed' });

    // Re-opened and resolved without a classification: IRM ends up Dismissed.
    await admin(tenant, `/_admin/alerts/${alertIds[0]}`, 'PATCH', { status: 'new', classification: 'unknown' });
    await admin(tenant, `/_admin/alerts/${alertIds[0]}`, 'PATCH', { status: 'resolved' });
    clock.advance(60_000);
    expect((await irm(alertIds[0]!)).irmStatus).toBe('Dismissed');

    const notIrm = await admin(tenant, `/_admin/irm/alerts/${alertIds[1]}`);
    expect(notIrm.status).toBe(404);
    expect(errorOf(notIrm.json).message).toMatch(/not an Insider Risk Management alert/);
  });
});

describe('faults', () => {
  beforeEach(async () => {
    await createIncident({ severity: 'low', user: { upn: 'lee.gu@contoso.com' } });
  });

  it('answers 429 with Retry-After: 1 and a TooManyRequests body, on Graph only, until cleared', async () => {
    expect((await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['429'] })).status).toBe(204);
    const res = await graph(tenant, '/security/alerts_v2');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(errorOf(res.json).code).toBe('TooManyRequests');
    expect((await admin(tenant, '/_admin/requests')).status).toBe(200);
    expect((await admin(tenant, '/_admin/faults', 'DELETE')).status).toBe(204);
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
  });

  it('answers 500 and 503 with Graph bodies, and only on the given path prefixes', async () => {
    await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['503'], paths: ['/security/incidents'] });
    const incidents = await graph(tenant, '/security/incidents');
    expect(incidents.status).toBe(503);
    expect(errorOf(incidents.json).code).toBe('ServiceUnavailable');
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
    await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['500'] });
    const alerts = await graph(tenant, '/security/alerts_v2');
    expect(alerts.status).toBe(500);
    expect(errorOf(alerts.json).code).toBe('InternalServerError');
  });

  it('resets the connection', async () => {
    await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['reset'] });
    await expect(fetch(`${tenant.graphBaseUrl}/security/alerts_v2`)).rejects.toThrow();
  });

  it('holds the request unanswered on timeout', async () => {
    await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['timeout'] });
    const error = await fetch(`${tenant.graphBaseUrl}/security/alerts_v2`, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it('hits the same requests every time for the same rate', async () => {
    const run = async () => {
      await admin(tenant, '/_admin/faults', 'POST', { rate: 0.5, kinds: ['500', '503'] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await graph(tenant, '/security/alerts_v2')).status);
      return statuses;
    };
    const first = await run();
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(3);
    expect(first.filter((s) => s !== 200).length).toBeGreaterThan(3);
    expect(await run()).toEqual(first);
  });
});

describe('permissions', () => {
  it('answers 403 Authorization_RequestDenied to requests whose permissions are all denied, and restores them', async () => {
    const { incidentId, alertIds } = await createIncident({ severity: 'low', user: { upn: 'lee.gu@contoso.com' } });
    expect((await admin(tenant, '/_admin/permissions', 'POST', { deny: ['SecurityAlert.ReadWrite.All', 'SecurityIncident.ReadWrite.All', 'ThreatHunting.Read.All'] })).status).toBe(204);
    // Reading still works with the Read.All permissions.
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
    expect((await graph(tenant, `/security/incidents/${incidentId}`)).status).toBe(200);
    for (const [path, method, body] of [
      [`/security/alerts_v2/${alertIds[0]}`, 'PATCH', { status: 'inProgress' }],
      [`/security/alerts_v2/${alertIds[0]}/comments`, 'POST', { comment: 'x' }],
      [`/security/incidents/${incidentId}`, 'PATCH', { status: 'inProgress' }],
      ['/security/runHuntingQuery', 'POST', { Query: 'AlertInfo' }],
    ] as const) {
      const res = await graph(tenant, path, method, { body });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(errorOf(res.json).code).toBe('Authorization_RequestDenied');
    }
    expect(alertSchema.parse((await graph(tenant, `/security/alerts_v2/${alertIds[0]}`)).json).status).toBe('new');

    await admin(tenant, '/_admin/permissions', 'POST', { deny: ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All'] });
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(403);
    await admin(tenant, '/_admin/permissions', 'POST', { deny: [] });
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
    expect((await graph(tenant, `/security/alerts_v2/${alertIds[0]}`, 'PATCH', { body: { status: 'inProgress' } })).status).toBe(200);
    const typo = await admin(tenant, '/_admin/permissions', 'POST', { deny: ['SecurityAlerts.Read'] });
    expect(typo.status).toBe(400);
  });
});

describe('GET /_admin/requests', () => {
  it('lists every Graph request in order with method, path, query, body, status and Prefer, from an index', async () => {
    const { alertIds } = await createIncident({ severity: 'low', user: { upn: 'lee.gu@contoso.com' } });
    await graph(tenant, "/security/alerts_v2?$filter=status eq 'new'&$top=5");
    await graph(tenant, `/security/alerts_v2/${alertIds[0]}`, 'PATCH', { body: { status: 'inProgress' }, prefer: false });
    await graph(tenant, '/security/incidents/424242');
    const log = logSchema.parse((await admin(tenant, '/_admin/requests')).json);
    expect(log.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/v1.0/security/alerts_v2', 200],
      ['PATCH', `/v1.0/security/alerts_v2/${alertIds[0]}`, 200],
      ['GET', '/v1.0/security/incidents/424242', 404],
    ]);
    expect(log[0]).toMatchObject({ query: { $filter: "status eq 'new'", $top: '5' }, body: null, headers: { prefer: 'include-unknown-enum-members' }, at: clock.now().toISOString() });
    expect(log[1]).toMatchObject({ body: { status: 'inProgress' }, headers: {} });
    const since = logSchema.parse((await admin(tenant, '/_admin/requests?since=2')).json);
    expect(since.map((r) => r.path)).toEqual(['/v1.0/security/incidents/424242']);
  });
});

describe('POST /_admin/reset', () => {
  it('empties and reseeds, and clears faults, permissions and the request log', async () => {
    await createIncident({ severity: 'low', user: { upn: 'lee.gu@contoso.com' } });
    await admin(tenant, '/_admin/permissions', 'POST', { deny: ['SecurityIncident.Read.All', 'SecurityIncident.ReadWrite.All'] });
    await admin(tenant, '/_admin/faults', 'POST', { rate: 1, kinds: ['503'], paths: ['/security/alerts_v2'] });
    await graph(tenant, '/security/incidents');
    expect((await admin(tenant, '/_admin/reset', 'POST', { seedIncidents: 3 })).status).toBe(204);
    expect(logSchema.parse((await admin(tenant, '/_admin/requests')).json)).toEqual([]);
    const incidents = collectionSchema(incidentSchema).parse((await graph(tenant, '/security/incidents')).json).value;
    expect(incidents.map((i) => i.id)).toEqual(['2103', '2102', '2101']);
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
    expect((await admin(tenant, '/_admin/reset', 'POST', { seedIncidents: -1 })).status).toBe(400);
    // With no count, the count the tenant started with (0 here).
    await admin(tenant, '/_admin/reset', 'POST');
    expect(tenant.state.incidents.size).toBe(0);
  });
});

describe('unknown paths', () => {
  it('answers JSON 404 outside Graph and the admin paths, and 405 for a wrong verb', async () => {
    const res = await call(`${tenant.url}/nothing`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect((await call(`${tenant.url}/_admin/faults`, 'GET')).status).toBe(405);
  });
});

/** The seeded tenant: deterministic, realistic, and its hunting tables consistent with its alerts. */
import { afterAll, describe, expect, it } from 'vitest';
import { alertSchema, collectionSchema, incidentSchema, type Incident } from './graph-shapes.js';
import type { Tenant } from '@irm-bot/defender-tenant';
import { graph, manualClock, start } from './helpers.js';
import { HUNTING_SCHEMAS, HUNTING_TABLE_NAMES, SEED_USERS } from '@irm-bot/defender-tenant';

const tenants: Tenant[] = [];
afterAll(async () => {
  await Promise.all(tenants.map((t) => t.close()));
});
async function seeded(options: Parameters<typeof start>[0] = {}) {
  const tenant = await start({ now: manualClock().now, ...options });
  tenants.push(tenant);
  return tenant;
}
async function incidents(tenant: Tenant): Promise<Incident[]> {
  return collectionSchema(incidentSchema).parse((await graph(tenant, '/security/incidents?$expand=alerts')).json).value;
}
/** Everything a client could see, without the server's own address. */
async function snapshot(tenant: Tenant) {
  const all = await incidents(tenant);
  return { incidents: all, hunting: tenant.state.hunting };
}

describe('seed', () => {
  it('is the same for the same seed and clock, and different for another seed', async () => {
    const a = await snapshot(await seeded({ seed: 7 }));
    const b = await snapshot(await seeded({ seed: 7 }));
    const c = await snapshot(await seeded({ seed: 8 }));
    expect(b).toEqual(a);
    expect(c.incidents.flatMap((i) => i.alerts?.map((x) => x.id) ?? [])).not.toEqual(a.incidents.flatMap((i) => i.alerts?.map((x) => x.id) ?? []));
  });

  it('starts with 8 incidents, 2101..2108, over the last ten days, every severity present, about half grouped with other tools', async () => {
    const clock = manualClock();
    const tenant = await seeded({ now: clock.now });
    const all = await incidents(tenant);
    expect(all.map((i) => i.id).sort()).toEqual(['2101', '2102', '2103', '2104', '2105', '2106', '2107', '2108']);
    for (const i of all) {
      const age = clock.ms - Date.parse(i.createdDateTime);
      expect(age).toBeGreaterThan(0);
      expect(age).toBeLessThanOrEqual(11 * 86_400_000);
    }
    expect(new Set(all.map((i) => i.severity))).toEqual(new Set(['high', 'medium', 'low', 'informational']));
    const grouped = all.filter((i) => new Set(i.alerts?.map((a) => a.serviceSource)).size > 1);
    expect(grouped.length).toBeGreaterThanOrEqual(3);
    expect(grouped.length).toBeLessThanOrEqual(5);
    const sources = new Set(all.flatMap((i) => i.alerts?.map((a) => a.serviceSource) ?? []));
    for (const s of ['microsoftInsiderRiskManagement', 'microsoftDefenderForEndpoint', 'azureAdIdentityProtection', 'dataLossPrevention']) expect(sources).toContain(s);
    // Every incident has an IRM alert about one of the seed users.
    const upns = new Set(SEED_USERS.map((u) => u.upn));
    for (const i of all) {
      const irm = i.alerts?.find((a) => a.serviceSource === 'microsoftInsiderRiskManagement');
      expect(irm, i.id).toBeDefined();
      expect(upns.has(irm?.evidence[0]?.userAccount?.userPrincipalName ?? '')).toBe(true);
    }
  });

  it('has some incidents in progress and some resolved, with comments, and the IRM side agreeing', async () => {
    const tenant = await seeded();
    const all = await incidents(tenant);
    expect(all.filter((i) => i.status === 'inProgress').length).toBeGreaterThanOrEqual(2);
    const resolved = all.filter((i) => i.status === 'resolved');
    expect(resolved.map((i) => i.classification).sort()).toEqual(['falsePositive', 'truePositive']);
    for (const i of resolved) {
      for (const a of i.alerts ?? []) {
        expect(a).toMatchObject({ status: 'resolved', classification: i.classification });
        if (a.serviceSource === 'microsoftInsiderRiskManagement') {
          const irm = tenant.state.irmView(a.id);
          expect(irm.irmStatus).toBe(i.classification === 'truePositive' ? 'Confirmed' : 'Dismissed');
        }
      }
    }
    const comments = all.flatMap((i) => i.alerts?.flatMap((a) => a.comments) ?? []);
    expect(comments.length).toBeGreaterThanOrEqual(4);
    expect(comments.every((c) => c.createdByDisplayName === 'Alex Wilber')).toBe(true);
  });

  it('starts empty with 0, and scales to many incidents', async () => {
    const empty = await seeded({ seedIncidents: 0 });
    expect(collectionSchema(alertSchema).parse((await graph(empty, '/security/alerts_v2')).json).value).toEqual([]);
    const big = await seeded({ seedIncidents: 500 });
    expect(big.state.incidents.size).toBe(500);
    const page = collectionSchema(alertSchema).parse((await graph(big, "/security/alerts_v2?$filter=severity eq 'high'&$count=true&$top=10")).json);
    expect(page['@odata.count']).toBeGreaterThan(50);
  });

  it('fills the hunting tables consistently with the alerts, with background activity besides', async () => {
    const tenant = await seeded();
    const { hunting, alerts } = tenant.state;
    expect([...HUNTING_TABLE_NAMES].sort()).toEqual(Object.keys(HUNTING_SCHEMAS).sort());
    expect(HUNTING_SCHEMAS.DataSecurityEvents.map((c) => c.name)).toEqual(expect.arrayContaining(['ObjectName', 'FileName']));
    for (const table of HUNTING_TABLE_NAMES) {
      const columns = HUNTING_SCHEMAS[table].map((c) => c.name);
      for (const row of hunting[table]) expect(Object.keys(row)).toEqual(columns);
    }
    expect(hunting.AlertInfo.map((r) => r.AlertId).sort()).toEqual([...alerts.keys()].sort());
    for (const alert of alerts.values()) {
      const upn = alert.evidence[0]?.userAccount;
      const user = hunting.AlertEvidence.find((r) => r.AlertId === alert.id && r.EntityType === 'User');
      expect(user).toMatchObject({ EvidenceRole: 'Impacted' });
      expect(JSON.stringify(upn)).toContain(String(user?.AccountUpn));
      if (alert.serviceSource === 'microsoftInsiderRiskManagement') {
        const events = hunting.DataSecurityEvents.filter((r) => JSON.stringify(r.IrmPolicyMatchInfo).includes(alert.id));
        expect(events.length, alert.id).toBeGreaterThanOrEqual(2);
        expect(events.every((e) => e.AccountUpn === user?.AccountUpn)).toBe(true);
      }
    }
    const words = new Set(hunting.AlertInfo.map((r) => r.ServiceSource));
    expect(words).toEqual(new Set(['Microsoft Insider Risk Management', 'Microsoft Defender for Endpoint', 'Microsoft Entra ID Protection', 'Microsoft Data Loss Prevention']));
    // The one ServiceSource value Microsoft documents verbatim (advanced-hunting-migrate-from-mde).
    for (const alert of alerts.values()) {
      if (alert.serviceSource !== 'microsoftDefenderForEndpoint') continue;
      for (const table of ['AlertInfo', 'AlertEvidence'] as const) {
        for (const row of hunting[table].filter((r) => r.AlertId === alert.id)) expect(row.ServiceSource).toBe('Microsoft Defender for Endpoint');
      }
    }
    expect(new Set(hunting.AlertInfo.map((r) => r.Severity))).toEqual(new Set(['High', 'Medium', 'Low', 'Informational']));
    // Microsoft's own example query has something to find.
    expect(hunting.DataSecurityEvents.some((r) => String(r.FileName).endsWith('.zip') && r.ActionType === 'FileUploaded')).toBe(true);
    const actions = new Set(hunting.DataSecurityEvents.map((r) => r.ActionType));
    for (const a of ['FileUploaded', 'FileUploadedToCloud', 'FileCopiedToRemovableMedia', 'FilePrinted', 'FileArchived']) expect(actions).toContain(a);
    expect(hunting.DataSecurityBehaviors.some((r) => r.IsAnomalous === true)).toBe(true);
    // Background: activity matched by no alert, including people no incident is about.
    expect(hunting.DataSecurityEvents.some((r) => r.IrmPolicyMatchInfo === null && r.AccountUpn === 'megan.bowen@contoso.com')).toBe(true);
  });
});

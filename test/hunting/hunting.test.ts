/**
 * Every canned query, run by the real Graph client against the embedded tenant's KQL engine,
 * and checked against the same question answered here in plain TypeScript over the seeded
 * tables (not against output copied back in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/defender/graph-client.js';
import { findQuery } from '../../src/hunting/queries.js';
import { HuntingService, explainHuntingError, type HuntResult } from '../../src/hunting/service.js';
import { MemoryCoordination } from '../../src/store/coordination.js';
import { userSummary } from '../../src/hunting/user-summary.js';
import { BadInputError, RateLimitedError } from '../../src/errors.js';
import { Store } from '../../src/store/store.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';

const NOW = new Date('2026-11-20T12:00:00Z');
const DAY = 86_400_000;
type Row = Record<string, unknown>;

let tenant: Tenant;
let hunting: HuntingService;
let client: GraphClient;
let store: Store;

beforeAll(async () => {
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 8, irmSyncDelaySeconds: 0, now: () => NOW });
  client = new GraphClient({ baseUrl: tenant.graphBaseUrl });
  hunting = new HuntingService(client, new MemoryCoordination(), { perUserPerMinute: 1000, perTenantPerMinute: 1000 }, () => NOW.getTime());
  store = await Store.open(':memory:');
});
afterAll(async () => {
  await tenant?.close();
});

const table = (name: 'AlertInfo' | 'AlertEvidence' | 'DataSecurityBehaviors' | 'DataSecurityEvents'): Row[] => tenant.state.hunting[name];
const within = (days: number) => (row: Row) => Date.parse(String(row.Timestamp)) > NOW.getTime() - days * DAY;
const sameUser = (upn: string) => (row: Row) => String(row.AccountUpn).toLowerCase() === upn.toLowerCase();
const run = (name: string, raw: Record<string, string>): Promise<HuntResult> => hunting.run(findQuery(name)!, raw, 'tester');
const pick = (rows: Row[], columns: string[]) => rows.map((r) => columns.map((c) => JSON.stringify(r[c] ?? null)).join('|')).sort();

/** The seeded user with the most file events: a hunt about them has something to find. */
function busiestUser(): string {
  const counts = new Map<string, number>();
  for (const row of table('DataSecurityEvents').filter(within(30))) counts.set(String(row.AccountUpn), (counts.get(String(row.AccountUpn)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

describe('canned queries over the embedded tenant', () => {
  it('uploads: Microsoft example, .zip files uploaded in 7 days', async () => {
    const expected = table('DataSecurityEvents').filter(
      (r) => within(7)(r) && ['FileUploaded', 'FileUploadedToCloud'].includes(String(r.ActionType)) && String(r.ObjectName).toLowerCase().endsWith('.zip'),
    );
    expect(expected.length).toBeGreaterThan(0);
    const result = await run('uploads', { ext: 'zip' });
    expect(result.columns.map((c) => c.name)).toEqual(['Timestamp', 'AccountUpn', 'FileName', 'ActionType', 'Destination', 'ObjectSize', 'DeviceName', 'Workload']);
    expect(pick(result.rows, ['Timestamp', 'AccountUpn', 'FileName'])).toEqual(pick(expected.map((r) => ({ ...r, FileName: r.ObjectName })), ['Timestamp', 'AccountUpn', 'FileName']));
    const times = result.rows.map((r) => String(r.Timestamp));
    expect(times).toEqual([...times].sort().reverse());
  });

  it("user-activity: one user's timeline, and filtered by action", async () => {
    const upn = busiestUser();
    const mine = table('DataSecurityEvents').filter((r) => within(30)(r) && sameUser(upn)(r));
    const all = await run('user-activity', { user: upn });
    expect(pick(all.rows, ['Timestamp', 'ActionType'])).toEqual(pick(mine, ['Timestamp', 'ActionType']));
    const action = String(mine[0]!.ActionType);
    const filtered = await run('user-activity', { user: upn.toUpperCase(), action });
    expect(filtered.rows.length).toBe(mine.filter((r) => r.ActionType === action).length);
  });

  it('user-behaviors: anomalous first', async () => {
    const upn = String(table('DataSecurityBehaviors').find((r) => r.IsAnomalous === true && within(30)(r))!.AccountUpn);
    const mine = table('DataSecurityBehaviors').filter((r) => within(30)(r) && sameUser(upn)(r));
    const result = await run('user-behaviors', { user: upn });
    expect(pick(result.rows, ['Timestamp', 'ActionType'])).toEqual(pick(mine, ['Timestamp', 'ActionType']));
    const flags = result.rows.map((r) => r.IsAnomalous === true);
    expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
  });

  it('user-alerts: alerts on the user from every tool, counted by source as Defender spells it', async () => {
    const infoById = new Map(table('AlertInfo').filter(within(30)).map((r) => [String(r.AlertId), r]));
    const perUser = new Map<string, Map<string, Set<string>>>();
    for (const ev of table('AlertEvidence').filter(within(30))) {
      const info = infoById.get(String(ev.AlertId));
      if (!info) continue;
      const user = String(ev.AccountUpn).toLowerCase();
      const bySource = perUser.get(user) ?? new Map<string, Set<string>>();
      bySource.set(String(info.ServiceSource), (bySource.get(String(info.ServiceSource)) ?? new Set()).add(String(ev.AlertId)));
      perUser.set(user, bySource);
    }
    const [upn, bySource] = [...perUser.entries()].sort((a, b) => b[1].size - a[1].size)[0]!;
    expect(bySource.size).toBeGreaterThan(1);
    const result = await run('user-alerts', { user: upn });
    const got = Object.fromEntries(result.rows.map((r) => [String(r.ServiceSource), Number(r.Alerts)]));
    expect(got).toEqual(Object.fromEntries([...bySource.entries()].map(([s, ids]) => [s, ids.size])));
  });

  it('alert-evidence: the evidence rows of one alert', async () => {
    const alertId = String(table('AlertEvidence').find(within(30))!.AlertId);
    const result = await run('alert-evidence', { alert: alertId });
    const expected = table('AlertEvidence').filter((r) => within(30)(r) && r.AlertId === alertId);
    expect(pick(result.rows, ['Timestamp', 'EntityType', 'AccountUpn'])).toEqual(pick(expected, ['Timestamp', 'EntityType', 'AccountUpn']));
  });

  it('top-risky-users: ranked by anomalous behaviours', async () => {
    const counts = new Map<string, number>();
    for (const r of table('DataSecurityBehaviors').filter((r) => within(7)(r) && r.IsAnomalous === true)) counts.set(String(r.AccountUpn), (counts.get(String(r.AccountUpn)) ?? 0) + 1);
    const result = await run('top-risky-users', {});
    expect(result.rows.length).toBe(Math.min(10, counts.size));
    for (const row of result.rows) expect(Number(row.AnomalousBehaviors)).toBe(counts.get(String(row.AccountUpn)));
    const ranks = result.rows.map((r) => Number(r.AnomalousBehaviors));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    expect(ranks[0]).toBe(Math.max(...counts.values()));
  });

  it('removable-media: copies per user and device', async () => {
    const groups = new Map<string, number>();
    for (const r of table('DataSecurityEvents').filter((r) => within(7)(r) && (r.ActionType === 'FileCopiedToRemovableMedia' || r.DeviceDestinationLocationType === 3))) {
      const key = `${String(r.AccountUpn)}|${String(r.DeviceName)}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const result = await run('removable-media', { days: '7' });
    expect(Object.fromEntries(result.rows.map((r) => [`${String(r.AccountUpn)}|${String(r.DeviceName)}`, Number(r.Copies)]))).toEqual(Object.fromEntries(groups));
  });

  it('label-downgrades: each relabelled file and what happened to it afterwards', async () => {
    const events = table('DataSecurityEvents').filter(within(30));
    const firstChange = new Map<string, number>();
    for (const r of events.filter((r) => ['SensitivityLabelDowngraded', 'SensitivityLabelRemoved'].includes(String(r.ActionType)))) {
      const key = `${String(r.AccountUpn)}/${String(r.ObjectName)}`;
      firstChange.set(key, Math.min(firstChange.get(key) ?? Infinity, Date.parse(String(r.Timestamp))));
    }
    const expected = events.filter((r) => {
      const at = firstChange.get(`${String(r.AccountUpn)}/${String(r.ObjectName)}`);
      return at !== undefined && Date.parse(String(r.Timestamp)) >= at;
    });
    expect(expected.length).toBeGreaterThan(0);
    const result = await run('label-downgrades', { days: '30' });
    expect(pick(result.rows, ['Timestamp', 'AccountUpn', 'ActionType'])).toEqual(pick(expected, ['Timestamp', 'AccountUpn', 'ActionType']));
  });

  it('the user summary gathers open incidents, alerts by source and anomalous behaviours', async () => {
    const summary = await userSummary({ client, hunting, store }, 'adele.vance@contoso.com', 'tester');
    expect(summary.upn).toBe('adele.vance@contoso.com');
    const open = (await client.listOpenIrmAlerts(500)).filter((a) => JSON.stringify(a.evidence).includes('adele.vance@contoso.com'));
    expect(new Set(summary.openIncidents.map((a) => a.incidentId))).toEqual(new Set(open.map((a) => a.incidentId)));
    await expect(userSummary({ client, hunting, store }, "adele'; drop", 'tester')).rejects.toBeInstanceOf(BadInputError);

    // A seeded person with anomalous behaviours: the summary's sources are the user-alerts rows,
    // its behaviours their anomalous ones, five at most.
    const anomalous = table('DataSecurityBehaviors').filter(within(30)).filter((r) => r.IsAnomalous === true);
    const upn = String(anomalous[0]?.AccountUpn ?? '');
    expect(upn).toContain('@');
    const theirs = await userSummary({ client, hunting, store }, upn, 'tester');
    const alertRows = (await run('user-alerts', { user: upn, days: '30' })).rows;
    expect(theirs.sources.map((s) => [s.source, s.alerts, s.high])).toEqual(alertRows.map((r) => [r.ServiceSource, r.Alerts, r.HighSeverity]));
    const expectedBehaviours = anomalous.filter(sameUser(upn));
    expect(theirs.behaviours.length).toBe(Math.min(5, expectedBehaviours.length));
    for (const b of theirs.behaviours) expect(expectedBehaviours.map((r) => r.ActionType)).toContain(b.actionType);
  });
});

describe('limits and failures', () => {
  it('serves a repeated query from the cache without calling Defender again', async () => {
    const before = tenant.control.requestsSince(0).filter((r) => r.path.endsWith('runHuntingQuery')).length;
    const first = await run('top-risky-users', { days: '3' });
    const again = await run('top-risky-users', { days: '3' });
    expect(again.cached).toBe(true);
    expect(again.rows).toEqual(first.rows);
    expect(tenant.control.requestsSince(0).filter((r) => r.path.endsWith('runHuntingQuery')).length).toBe(before + 1);
  });

  it('refuses politely beyond the per-user limit, before Defender would', async () => {
    const limited = new HuntingService(client, new MemoryCoordination(), { perUserPerMinute: 2, perTenantPerMinute: 40 }, () => NOW.getTime());
    await limited.run(findQuery('top-risky-users')!, { days: '1' }, 'eager');
    await limited.run(findQuery('top-risky-users')!, { days: '2' }, 'eager');
    const refused = await limited.run(findQuery('top-risky-users')!, { days: '4' }, 'eager').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as Error).message).toMatch(/You have run 2 hunting queries in the last minute\. Try again in \d+ seconds\./);
    // Someone else is not held up by it.
    await expect(limited.run(findQuery('top-risky-users')!, { days: '4' }, 'patient')).resolves.toBeTruthy();
  });

  it("explains Defender's quota 429 in words, with when to retry", async () => {
    const fresh = new HuntingService(new GraphClient({ baseUrl: tenant.graphBaseUrl, maxAttempts: 1 }), new MemoryCoordination(), {}, () => NOW.getTime());
    tenant.control.setFaults(1, ['429'], ['/v1.0/security/runHuntingQuery']);
    try {
      const error = await fresh.run(findQuery('top-risky-users')!, { days: '5' }, 'x').catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/quota .* used up .*Try again in 1 second\./);
    } finally {
      tenant.control.clearFaults();
    }
  });

  it('sends a query that runs too long once, however many retries the client allows, and says so', async () => {
    const slow = new HuntingService(new GraphClient({ baseUrl: tenant.graphBaseUrl, maxAttempts: 5, baseDelayMs: 1, huntingTimeoutMs: 200 }), new MemoryCoordination(), {}, () => NOW.getTime());
    const hunts = () => tenant.control.requestsSince(0).filter((r) => r.path.endsWith('runHuntingQuery')).length;
    const before = hunts();
    tenant.control.setFaults(1, ['timeout'], ['/v1.0/security/runHuntingQuery']);
    try {
      const error = await slow.run(findQuery('top-risky-users')!, { days: '6' }, 'x').catch((e: unknown) => e);
      expect((error as Error).message).toBe('The hunting query took too long (Defender allows 3 minutes). Try fewer days or a narrower filter.');
      expect(hunts()).toBe(before + 1);
    } finally {
      tenant.control.clearFaults();
    }
  });

  it("passes Defender's own words for a query it refuses, without the bot's prefix", async () => {
    const error = await client.runHuntingQuery('AlertInfo | frobnicate', 'P1D').catch((e: unknown) => e);
    const explained = explainHuntingError(error);
    expect(explained).toBeInstanceOf(BadInputError);
    expect(explained.message).toMatch(/^Defender could not run the query: (?!BadRequest)/);
  });
});

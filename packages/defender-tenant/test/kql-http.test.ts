/**
 * `POST /v1.0/security/runHuntingQuery` against the embedded tenant, over HTTP: the expected
 * rows are computed here with plain JavaScript from the tenant's own tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { graphErrorSchema } from './graph-shapes.js';
import type { Tenant } from '@irm-bot/defender-tenant';
import { graph, manualClock, start } from './helpers.js';
import { HUNTING_SCHEMAS, huntingRow, type HuntingRow, createKqlHuntingEngine } from '@irm-bot/defender-tenant';

const DAY = 86_400_000;
const clock = manualClock();
let tenant: Tenant;

const answerSchema = z.object({
  '@odata.context': z.string(),
  schema: z.array(z.object({ name: z.string(), type: z.string() })),
  results: z.array(z.record(z.string(), z.unknown())),
});

beforeAll(async () => {
  tenant = await start({ seedIncidents: 8, irmSyncDelaySeconds: 0, now: clock.now });
});
afterAll(async () => {
  await tenant?.close();
});

async function hunt(Query: string, Timespan?: string) {
  const res = await graph(tenant, '/security/runHuntingQuery', 'POST', { body: Timespan === undefined ? { Query } : { Query, Timespan } });
  return res;
}
async function huntOk(Query: string, Timespan?: string) {
  const res = await hunt(Query, Timespan);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return answerSchema.parse(res.json);
}
async function huntError(Query: string, Timespan?: string) {
  const res = await hunt(Query, Timespan);
  expect(res.status).toBe(400);
  return graphErrorSchema.parse(res.json).error;
}

const ms = (row: HuntingRow, column = 'Timestamp') => Date.parse(String(row[column]));
const inWindow = (row: HuntingRow, days = 30) => ms(row) >= clock.ms - days * DAY && ms(row) <= clock.ms;

describe('runHuntingQuery over HTTP', () => {
  it("runs Microsoft's own IRM example over the seeded DataSecurityEvents", async () => {
    const answer = await huntOk('DataSecurityEvents | where FileName endswith ".zip" | where ActionType == "FileUploaded"', 'P30D');
    const expected = tenant.state.hunting.DataSecurityEvents.filter((r) => inWindow(r) && String(r.FileName).toLowerCase().endsWith('.zip') && r.ActionType === 'FileUploaded');
    expect(expected.length).toBeGreaterThan(0);
    expect(answer.results).toEqual(expected);
    const wireTypes = { string: 'String', datetime: 'DateTime', long: 'Int64', int: 'Int32', bool: 'Boolean', dynamic: 'Object', real: 'Double' };
    expect(answer.schema).toEqual(HUNTING_SCHEMAS.DataSecurityEvents.map((c) => ({ name: c.name, type: wireTypes[c.type] })));
    expect(answer['@odata.context']).toMatch(/\$metadata#microsoft\.graph\.security\.huntingQueryResults$/);
  });

  it('joins alerts with their evidence', async () => {
    const answer = await huntOk(
      'AlertInfo | where ServiceSource == "Microsoft Insider Risk Management" | join kind=inner (AlertEvidence | where EntityType == "User" | project AlertId, AccountUpn) on AlertId | project AlertId, Title, AccountUpn | order by AlertId asc',
    );
    const { AlertInfo, AlertEvidence } = tenant.state.hunting;
    const expected = AlertInfo.filter((a) => inWindow(a) && a.ServiceSource === 'Microsoft Insider Risk Management')
      .flatMap((a) => AlertEvidence.filter((e) => inWindow(e) && e.EntityType === 'User' && e.AlertId === a.AlertId).map((e) => ({ AlertId: a.AlertId, Title: a.Title, AccountUpn: e.AccountUpn })))
      .sort((x, y) => (String(x.AlertId) < String(y.AlertId) ? -1 : String(x.AlertId) > String(y.AlertId) ? 1 : 0));
    expect(expected.length).toBeGreaterThan(0);
    expect(answer.results).toEqual(expected);
  });

  it('summarizes by user and day', async () => {
    const answer = await huntOk('DataSecurityEvents | summarize Events = count(), Files = dcount(FileName) by AccountUpn, Day = bin(Timestamp, 1d) | order by AccountUpn asc, Day asc');
    const groups = new Map<string, { AccountUpn: string; Day: string; Events: number; files: Set<string> }>();
    for (const r of tenant.state.hunting.DataSecurityEvents.filter((row) => inWindow(row))) {
      const day = new Date(Math.floor(ms(r) / DAY) * DAY).toISOString();
      const key = `${String(r.AccountUpn)}|${day}`;
      const group = groups.get(key) ?? { AccountUpn: String(r.AccountUpn), Day: day, Events: 0, files: new Set<string>() };
      group.Events++;
      group.files.add(String(r.FileName));
      groups.set(key, group);
    }
    const expected = [...groups.values()]
      .sort((a, b) => (a.AccountUpn === b.AccountUpn ? a.Day.localeCompare(b.Day) : a.AccountUpn < b.AccountUpn ? -1 : 1))
      .map(({ files, ...g }) => ({ AccountUpn: g.AccountUpn, Day: g.Day, Events: g.Events, Files: files.size }));
    expect(answer.schema).toEqual([
      { name: 'AccountUpn', type: 'String' },
      { name: 'Day', type: 'DateTime' },
      { name: 'Events', type: 'Int64' },
      { name: 'Files', type: 'Int64' },
    ]);
    expect(answer.results).toEqual(expected);
  });

  it('finds the latest behaviour per user with arg_max, reading dynamic columns', async () => {
    const answer = await huntOk('DataSecurityBehaviors | where IsAnomalous | extend Device = tostring(DeviceInfo.DeviceName) | summarize arg_max(Timestamp, Description, Device) by AccountUpn | order by AccountUpn asc');
    const latest = new Map<string, HuntingRow>();
    for (const r of tenant.state.hunting.DataSecurityBehaviors.filter((row) => inWindow(row) && row.IsAnomalous === true)) {
      const upn = String(r.AccountUpn);
      const seen = latest.get(upn);
      if (!seen || ms(r) > ms(seen)) latest.set(upn, r);
    }
    const deviceOf = (r: HuntingRow) => {
      const info = r.DeviceInfo;
      return info !== null && typeof info === 'object' && !Array.isArray(info) ? String(info.DeviceName ?? '') : '';
    };
    const expected = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([upn, r]) => ({ AccountUpn: upn, Timestamp: r.Timestamp, Description: r.Description, Device: deviceOf(r) }));
    expect(expected.length).toBeGreaterThan(0);
    expect(answer.results).toEqual(expected);
  });

  it('honours the Timespan: 30 days at most, shorter when asked', async () => {
    const events = tenant.state.hunting.DataSecurityEvents;
    const marker = (daysAgo: number, name: string) =>
      huntingRow('DataSecurityEvents', { Timestamp: new Date(clock.ms - daysAgo * DAY).toISOString(), ActionType: 'FileUploaded', AccountUpn: 'window.test@contoso.com', FileName: name, ObjectName: name });
    events.push(marker(40, 'forty-days.zip'), marker(20, 'twenty-days.zip'), marker(0.05, 'an-hour-ago.zip'));
    try {
      const names = async (timespan?: string) => (await huntOk('DataSecurityEvents | where AccountUpn == "window.test@contoso.com" | project FileName | order by FileName asc', timespan)).results.map((r) => r.FileName);
      expect(await names()).toEqual(['an-hour-ago.zip', 'twenty-days.zip']);
      expect(await names('P30D')).toEqual(['an-hour-ago.zip', 'twenty-days.zip']);
      expect(await names('P90D')).toEqual(['an-hour-ago.zip', 'twenty-days.zip']);
      expect(await names('PT12H')).toEqual(['an-hour-ago.zip']);
      const from = new Date(clock.ms - 25 * DAY).toISOString();
      const to = new Date(clock.ms - 10 * DAY).toISOString();
      expect(await names(`${from}/${to}`)).toEqual(['twenty-days.zip']);

      const count = (await huntOk('DataSecurityEvents | count', 'PT12H')).results[0]?.Count;
      expect(count).toBe(events.filter((r) => inWindow(r, 0.5)).length);
    } finally {
      events.splice(-3, 3);
    }
  });

  it('answers Graph-style 400s naming the problem', async () => {
    const table = await huntError('DataSecurityEvent | take 1');
    expect(table.code).toBe('BadRequest');
    expect(table.message).toMatch(/^Failed to resolve table expression named 'DataSecurityEvent'/);
    expect((await huntError('DataSecurityEvents | where Nope == 1')).message).toMatch(/^Failed to resolve scalar expression named 'Nope' \(line 1, column 28\)/);
    expect((await huntError('DataSecurityEvents | where (ActionType == "x"')).message).toMatch(/^Syntax error: expected '\)'/);
    expect((await huntError('DataSecurityEvents | mv-expand SensitiveInfoTypeInfo')).message).toMatch(/does not support the 'mv-expand' operator/);
    expect((await huntError('DataSecurityEvents | where Timestamp > "yesterday"')).message).toMatch(/Cannot compare a value of type datetime with a value of type string/);
    expect((await huntError('DataSecurityEvents', 'last month')).message).toMatch(/Timespan 'last month' is not valid/);
    expect((await huntError(`DataSecurityEvents | where AccountUpn == "${'x'.repeat(10_001)}"`)).message).toMatch(/accepts at most 10000/);
  });
});

describe('the row cap', () => {
  let capped: Tenant;
  beforeAll(async () => {
    capped = await start({ seedIncidents: 8, now: clock.now, huntingEngine: createKqlHuntingEngine({ maxRows: 3 }) });
  });
  afterAll(async () => {
    await capped?.close();
  });

  it('truncates results at the cap, after counting everything', async () => {
    const all = await graph(capped, '/security/runHuntingQuery', 'POST', { body: { Query: 'DataSecurityEvents | order by Timestamp desc' } });
    expect(all.status).toBe(200);
    const answer = answerSchema.parse(all.json);
    expect(answer.results).toHaveLength(3);
    const newest = [...capped.state.hunting.DataSecurityEvents].filter((r) => inWindow(r)).sort((a, b) => ms(b) - ms(a)).slice(0, 3);
    expect(answer.results.map((r) => r.Timestamp)).toEqual(newest.map((r) => r.Timestamp));
    const count = answerSchema.parse((await graph(capped, '/security/runHuntingQuery', 'POST', { body: { Query: 'DataSecurityEvents | count' } })).json);
    expect(count.results[0]?.Count).toBe(capped.state.hunting.DataSecurityEvents.filter((r) => inWindow(r)).length);
  });
});

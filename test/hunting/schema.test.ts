/**
 * Every canned query, with sample parameters, parsed and analysed by Kusto's language service
 * against the advanced hunting schema of the four tables; and the words the queries rely on
 * checked against the rows the embedded tenant generates.
 */
import { describe, expect, it } from 'vitest';
import { DATA_SECURITY_ACTIONS, HUNTING_QUERIES, SUMMARY_QUERIES, type CannedQuery } from '../../src/hunting/index.js';
import { HUNTING_TABLE_NAMES, LOCATION_TYPE, TenantState, seedTenant, type DataSecurityAction } from '@irm-bot/defender-tenant';
import { describeDiagnostic, diagnostics, isError } from './support/kusto.js';

/** Required parameters only; then every parameter; then each optional one on its own. */
function sampleParams(query: CannedQuery): Record<string, string>[] {
  const required = Object.fromEntries(query.params.filter((p) => p.required).map((p) => [p.name, p.example]));
  const all = Object.fromEntries(query.params.map((p) => [p.name, p.example]));
  const each = query.params.filter((p) => !p.required).map((p) => ({ ...required, [p.name]: p.example }));
  return [required, all, ...each];
}

describe('the schema check works', () => {
  it('reports an unknown column, an unknown table and a type error', () => {
    expect(diagnostics('DataSecurityEvents | where NoSuchColumn == 1').filter(isError)).not.toEqual([]);
    expect(diagnostics('NoSuchTable | take 1').filter(isError)).not.toEqual([]);
    expect(diagnostics('DataSecurityBehaviors | where ActivityCount > ago(1d)').filter(isError)).not.toEqual([]);
    expect(diagnostics('DataSecurityEvents | where FileName endswith ".zip" | where ActionType == "FileUploaded"')).toEqual([]);
  });
});

describe('every canned query against the advanced hunting schema', () => {
  // The user summary's own queries too: they run in Defender all the same.
  for (const query of [...HUNTING_QUERIES, ...SUMMARY_QUERIES]) {
    it(`${query.name}: no unknown table or column, no type error, with any sample parameters`, () => {
      for (const raw of sampleParams(query)) {
        const { kql } = query.prepare(raw);
        expect(diagnostics(kql).filter(isError).map(describeDiagnostic), kql).toEqual([]);
      }
    });

    it(`${query.name}: lists exactly the tables it reads`, () => {
      const read = HUNTING_TABLE_NAMES.filter((table) => new RegExp(`(^|[\\s(])${table}\\b`).test(query.template));
      expect([...read].sort()).toEqual([...query.tables].sort());
    });
  }
});

describe('the words the queries use are the words in the data', () => {
  const now = Date.parse('2026-11-20T12:00:00.000Z');
  const state = new TenantState({ seed: 20_260_101, now: () => new Date(now), tenantId: 'test', irmSyncDelaySeconds: 0 });
  seedTenant(state, 16, now);
  const { AlertInfo, AlertEvidence, DataSecurityBehaviors, DataSecurityEvents } = state.hunting;
  const withinDays = (timestamp: unknown, days: number) => typeof timestamp === 'string' && Date.parse(timestamp) > now - days * 86_400_000;

  it('DATA_SECURITY_ACTIONS is the tenant generator’s list of ActionTypes', () => {
    type Known = (typeof DATA_SECURITY_ACTIONS)[number];
    const same: [Exclude<DataSecurityAction, Known>, Exclude<Known, DataSecurityAction>] extends [never, never] ? true : false = true;
    expect(same).toBe(true);
    for (const row of DataSecurityEvents) expect(DATA_SECURITY_ACTIONS).toContain(row['ActionType']);
  });

  it('no query names ServiceSource values (Microsoft documents the column, not its values)', () => {
    for (const query of HUNTING_QUERIES) expect(query.template, query.name).not.toMatch(/ServiceSource\s*(==|=~|in|has|contains)/);
    // The embedded tenant's AlertInfo holds more than one source, so user-alerts is tested across tools.
    expect(new Set(AlertInfo.map((row) => row['ServiceSource'])).size).toBeGreaterThan(1);
  });

  it('every user and alert id in the tables passes the parameter checks', () => {
    const userActivity = HUNTING_QUERIES.find((q) => q.name === 'user-activity');
    if (!userActivity) throw new Error('the catalogue has no user-activity query');
    const alertEvidence = HUNTING_QUERIES.find((q) => q.name === 'alert-evidence');
    const upns = new Set([...DataSecurityEvents, ...DataSecurityBehaviors, ...AlertEvidence].map((row) => row['AccountUpn']).filter((upn) => upn !== ''));
    for (const upn of upns) expect(() => userActivity.prepare({ user: String(upn) })).not.toThrow();
    for (const row of AlertInfo) expect(() => alertEvidence?.prepare({ alert: String(row['AlertId']) })).not.toThrow();
  });

  it('each query has rows to find with its defaults', () => {
    // uploads: .zip files uploaded in the last 7 days.
    expect(DataSecurityEvents.some((r) => ['FileUploaded', 'FileUploadedToCloud'].includes(String(r['ActionType'])) && String(r['ObjectName']).endsWith('.zip') && withinDays(r['Timestamp'], 7))).toBe(true);
    // top-risky-users: anomalous behaviours in the last 7 days.
    expect(DataSecurityBehaviors.some((r) => r['IsAnomalous'] === true && withinDays(r['Timestamp'], 7))).toBe(true);
    // user-behaviors orders anomalous first: both kinds exist.
    expect(DataSecurityBehaviors.some((r) => r['IsAnomalous'] === false)).toBe(true);
    // removable-media: the action and the destination type agree.
    const usb = DataSecurityEvents.filter((r) => r['ActionType'] === 'FileCopiedToRemovableMedia');
    expect(usb.length).toBeGreaterThan(0);
    for (const r of usb) expect(r['DeviceDestinationLocationType']).toBe(LOCATION_TYPE.removable);
    expect(DataSecurityEvents.filter((r) => r['DeviceDestinationLocationType'] === LOCATION_TYPE.removable)).toEqual(usb);
    // label-downgrades: a label change followed by something else done to the same file by the same user.
    const changes = DataSecurityEvents.filter((r) => ['SensitivityLabelDowngraded', 'SensitivityLabelRemoved'].includes(String(r['ActionType'])));
    expect(changes.length).toBeGreaterThan(0);
    const followed = changes.filter((c) =>
      DataSecurityEvents.some((r) => r !== c && r['AccountUpn'] === c['AccountUpn'] && r['ObjectName'] === c['ObjectName'] && String(r['Timestamp']) >= String(c['Timestamp'])),
    );
    expect(followed.length).toBeGreaterThan(0);
    // user-alerts: a user's evidence points at alerts from more than one source.
    const byUser = new Map<string, Set<unknown>>();
    for (const e of AlertEvidence) {
      const info = AlertInfo.find((i) => i['AlertId'] === e['AlertId']);
      if (e['AccountUpn'] === '' || !info) continue;
      const sources = byUser.get(String(e['AccountUpn'])) ?? new Set();
      sources.add(info['ServiceSource']);
      byUser.set(String(e['AccountUpn']), sources);
    }
    expect(Math.max(...[...byUser.values()].map((s) => s.size))).toBeGreaterThan(1);
  });
});

/**
 * The advanced-hunting IdentityInfo table, over `POST /v1.0/security/runHuntingQuery`: one row per
 * directory user, with the columns Microsoft's table reference lists
 * (https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-identityinfo-table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BYSTANDER_USERS, MANAGER_USERS, SEED_USERS, type Tenant } from '@irm-bot/defender-tenant';
import { graphErrorSchema } from './graph-shapes.js';
import { admin, graph, manualClock, start } from './helpers.js';

/** The page's columns in its order, less the eight it names as UEBA-specific (Sentinel with UEBA only). */
const DOCUMENTED_COLUMNS = [
  ['Timestamp', 'DateTime'],
  ['ReportId', 'String'],
  ['AccountObjectId', 'String'],
  ['AccountUpn', 'String'],
  ['OnPremSid', 'String'],
  ['AccountDisplayName', 'String'],
  ['AccountName', 'String'],
  ['AccountDomain', 'String'],
  ['CriticalityLevel', 'Int32'],
  ['Type', 'String'],
  ['DistinguishedName', 'String'],
  ['CloudSid', 'String'],
  ['GivenName', 'String'],
  ['Surname', 'String'],
  ['Department', 'String'],
  ['JobTitle', 'String'],
  ['EmailAddress', 'String'],
  ['SipProxyAddress', 'String'],
  ['Address', 'String'],
  ['City', 'String'],
  ['Country', 'String'],
  ['IsAccountEnabled', 'Boolean'],
  ['Manager', 'String'],
  ['Phone', 'String'],
  ['CreatedDateTime', 'DateTime'],
  ['ChangeSource', 'String'],
  ['RiskLevel', 'String'],
  ['RiskLevelDetails', 'String'],
  ['AssignedRoles', 'Object'],
  ['PrivilegedEntraPimRoles', 'Object'],
  ['TenantId', 'String'],
  ['SourceSystem', 'String'],
  ['OnPremObjectId', 'String'],
  ['TenantMembershipType', 'String'],
  ['RiskStatus', 'String'],
  ['UserAccountControl', 'String'],
  ['IdentityEnvironment', 'String'],
  ['SourceProviders', 'Object'],
].map(([name, type]) => ({ name, type }));
const UEBA_ONLY = ['BlastRadius', 'CompanyName', 'DeletedDateTime', 'EmployeeId', 'OtherMailAddresses', 'Tags', 'State', 'GroupMembership'];

const answerSchema = z.object({
  schema: z.array(z.object({ name: z.string(), type: z.string() })),
  results: z.array(z.record(z.string(), z.unknown())),
});

const clock = manualClock();
let tenant: Tenant;

async function hunt(Query: string) {
  const res = await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { Query, Timespan: 'P30D' } });
  return res;
}
async function huntOk(Query: string) {
  const res = await hunt(Query);
  expect(res.status, JSON.stringify(res.json)).toBe(200);
  return answerSchema.parse(res.json);
}

beforeAll(async () => {
  // No incidents: who works at Contoso does not depend on who is at risk.
  tenant = await start({ seedIncidents: 0, irmSyncDelaySeconds: 0, now: clock.now });
});
afterAll(async () => {
  await tenant?.close();
});

describe('IdentityInfo in advanced hunting', () => {
  it('answers a query about one person with the documented columns: department, job title, manager', async () => {
    const whole = await huntOk('IdentityInfo | where AccountUpn =~ "ADELE.VANCE@contoso.com"');
    expect(whole.schema).toEqual(DOCUMENTED_COLUMNS);
    expect(whole.results).toHaveLength(1);
    expect(whole.results[0]).toMatchObject({
      AccountUpn: 'adele.vance@contoso.com',
      AccountDisplayName: 'Adele Vance',
      GivenName: 'Adele',
      Surname: 'Vance',
      AccountName: 'adele.vance',
      AccountDomain: 'contoso.com',
      Type: 'User',
      Department: 'Retail',
      JobTitle: 'Product Manager',
      Manager: 'Miriam Graham',
      IsAccountEnabled: true,
      TenantMembershipType: 'Member',
      SourceProviders: ['ActiveDirectory', 'EntraID'],
    });
    expect(Date.parse(String(whole.results[0]!.Timestamp))).toBeGreaterThan(clock.ms - 86_400_000);

    const picked = await huntOk('IdentityInfo | where Department == "Engineering" | project AccountUpn, JobTitle, Manager | order by AccountUpn asc');
    expect(picked.results).toEqual([
      { AccountUpn: 'henrietta.mueller@contoso.com', JobTitle: 'Engineering Director', Manager: 'Patti Fernandez' },
      { AccountUpn: 'johanna.lorenz@contoso.com', JobTitle: 'Senior Engineer', Manager: 'Henrietta Mueller' },
      { AccountUpn: 'lidia.holloway@contoso.com', JobTitle: 'Product Manager', Manager: 'Henrietta Mueller' },
    ]);
  });

  it('refuses the UEBA-only columns, as a Defender tenant without Sentinel UEBA does', async () => {
    for (const column of UEBA_ONLY) {
      const res = await hunt(`IdentityInfo | project ${column}`);
      expect(res.status, column).toBe(400);
      expect(graphErrorSchema.parse(res.json).error.message, column).toContain(column);
    }
  });

  it('holds one row per directory user, every manager among them; a new user joins it, an unknown one has none', async () => {
    const rows = (await huntOk('IdentityInfo | project AccountUpn, AccountDisplayName, Manager')).results;
    const directory = [...SEED_USERS, ...BYSTANDER_USERS, ...MANAGER_USERS];
    expect(rows.map((r) => r.AccountUpn).sort()).toEqual(directory.map((u) => u.upn).sort());
    const names = new Set(rows.map((r) => r.AccountDisplayName));
    for (const row of rows) if (row.Manager !== '') expect(names, String(row.AccountUpn)).toContain(row.Manager);
    expect(rows.filter((r) => r.Manager === '').map((r) => r.AccountUpn)).toEqual(['patti.fernandez@contoso.com']);

    await admin(tenant, '/_admin/incidents', 'POST', { severity: 'low', user: { upn: 'Nora.Quinn@contoso.com', displayName: 'Nora Quinn' } });
    const added = await huntOk('IdentityInfo | where AccountUpn =~ "nora.quinn@contoso.com" | project AccountDisplayName, Department, Manager');
    expect(added.results).toEqual([{ AccountDisplayName: 'Nora Quinn', Department: 'Contoso', Manager: '' }]);
    expect((await huntOk('IdentityInfo | where AccountUpn =~ "nobody@contoso.com"')).results).toEqual([]);
  });
});

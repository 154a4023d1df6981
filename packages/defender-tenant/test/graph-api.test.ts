/** The Graph surface of the embedded tenant, over HTTP, as a Graph client sees it. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertSchema, collectionSchema, graphErrorSchema, incidentSchema, type Alert } from './graph-shapes.js';
import type { Tenant } from '@irm-bot/defender-tenant';
import { admin, call, graph, manualClock, q, start } from './helpers.js';

let tenant: Tenant;
const clock = manualClock();
const alertPage = collectionSchema(alertSchema);
const incidentPage = collectionSchema(incidentSchema);

beforeAll(async () => {
  tenant = await start({ seedIncidents: 8, now: clock.now });
});
afterAll(async () => {
  await tenant?.close();
});

async function allAlerts(): Promise<Alert[]> {
  const res = await graph(tenant, '/security/alerts_v2' + q({ $top: '2000' }));
  return alertPage.parse(res.json).value;
}
const errorOf = (json: unknown) => graphErrorSchema.parse(json).error;

describe('shapes', () => {
  it('answers collections and entities that parse with the client schemas, as JSON with Graph context', async () => {
    const alerts = await graph(tenant, '/security/alerts_v2');
    expect(alerts.status).toBe(200);
    expect(alerts.headers.get('content-type')).toBe('application/json');
    const page = alertPage.parse(alerts.json);
    expect(page.value.length).toBe(tenant.state.alerts.size);
    expect(z.object({ '@odata.context': z.string().endsWith('/v1.0/$metadata#security/alerts_v2') }).safeParse(alerts.json).success).toBe(true);

    const incidents = incidentPage.parse((await graph(tenant, '/security/incidents?$expand=alerts')).json);
    expect(incidents.value).toHaveLength(8);
    for (const incident of incidents.value) {
      expect(incident.alerts?.length).toBeGreaterThan(0);
      expect(incident.incidentWebUrl).toBe(`https://security.microsoft.com/incidents/${incident.id}?tid=${tenant.state.tenantId}`);
      for (const alert of incident.alerts ?? []) {
        expect(alert.incidentId).toBe(incident.id);
        expect(alert.alertWebUrl).toBe(`https://security.microsoft.com/alerts/${alert.id}?tid=${tenant.state.tenantId}`);
        const user = alert.evidence.find((e) => e['@odata.type'] === '#microsoft.graph.security.userEvidence');
        expect(user?.userAccount?.userPrincipalName).toMatch(/@contoso\.com$/);
      }
    }
    // Without $expand there are no alerts on the incident.
    const plain = incidentPage.parse((await graph(tenant, '/security/incidents')).json);
    expect(plain.value.every((i) => i.alerts === undefined)).toBe(true);

    const one = incidentSchema.parse((await graph(tenant, `/security/incidents/${incidents.value[0]!.id}?$expand=alerts`)).json);
    expect(one.alerts?.map((a) => a.id)).toEqual(incidents.value[0]!.alerts?.map((a) => a.id));
    const alert = alertSchema.parse((await graph(tenant, `/security/alerts_v2/${page.value[0]!.id}`)).json);
    expect(alert.id).toBe(page.value[0]!.id);
  });

  it('lists newest first by default', async () => {
    const alerts = await allAlerts();
    const created = alerts.map((a) => a.createdDateTime);
    expect(created).toEqual([...created].sort().reverse());
    const incidents = incidentPage.parse((await graph(tenant, '/security/incidents')).json).value;
    expect(incidents.map((i) => i.id)).toEqual(['2108', '2107', '2106', '2105', '2104', '2103', '2102', '2101']);
  });
});

describe('paging', () => {
  it('walks every alert once across several pages by @odata.nextLink, with $count', async () => {
    const expected = (await allAlerts()).map((a) => a.id);
    const seen: string[] = [];
    let pages = 0;
    let next: string | undefined = `${tenant.graphBaseUrl}/security/alerts_v2?$top=3&$count=true`;
    while (next) {
      const res = await call(next, 'GET', { headers: { Prefer: 'include-unknown-enum-members' } });
      const page = alertPage.parse(res.json);
      expect(page['@odata.count']).toBe(expected.length);
      expect(page.value.length).toBeLessThanOrEqual(3);
      seen.push(...page.value.map((a) => a.id));
      next = page['@odata.nextLink'];
      if (next) expect(next.startsWith(tenant.graphBaseUrl + '/security/alerts_v2?')).toBe(true);
      pages++;
    }
    expect(pages).toBe(Math.ceil(expected.length / 3));
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(expected);
  });

  it('keeps the filter and page size on the next link', async () => {
    const first = alertPage.parse((await graph(tenant, '/security/alerts_v2' + q({ $filter: "status ne 'resolved'", $top: '2' }))).json);
    const link = new URL(first['@odata.nextLink'] ?? '');
    expect(link.searchParams.get('$filter')).toBe("status ne 'resolved'");
    expect(link.searchParams.get('$top')).toBe('2');
    expect(link.searchParams.get('$skip')).toBe('2');
  });

  it('pages incidents at 50 by default and refuses $top outside 1..50 (incidents) and 1..2000 (alerts)', async () => {
    for (const [path, top] of [
      ['/security/incidents', '51'],
      ['/security/incidents', '0'],
      ['/security/alerts_v2', '2001'],
      ['/security/alerts_v2', 'ten'],
    ] as const) {
      const res = await graph(tenant, path + q({ $top: top }));
      expect(res.status, `${path} $top=${top}`).toBe(400);
      expect(errorOf(res.json).message).toMatch(/\$top/);
    }
    expect((await graph(tenant, '/security/incidents?$top=50')).status).toBe(200);
    // Without $top, a page holds 50 incidents and links to the next.
    const many = await start({ seedIncidents: 60 });
    try {
      const page = await graph(many, '/security/incidents');
      const body = page.json as { value: unknown[]; '@odata.nextLink'?: string };
      expect(body.value).toHaveLength(50);
      expect(new URL(body['@odata.nextLink']!).searchParams.get('$skip')).toBe('50');
    } finally {
      await many.close();
    }
  });

  it('refuses query options it does not support', async () => {
    const res = await graph(tenant, '/security/alerts_v2?$select=id');
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toMatch(/\$select/);
    expect((await graph(tenant, '/security/alerts_v2?$expand=alerts')).status).toBe(400);
  });
});

describe('$filter on alerts', () => {
  // Graph's underlying enum values: what gt/lt compare.
  const SEVERITY = { unknown: 0, informational: 1, low: 2, medium: 3, high: 4, unknownFutureValue: 5 } as const;
  const STATUS = { unknown: 0, new: 2, inProgress: 4, resolved: 8, unknownFutureValue: 16 } as const;
  const SOURCES = ['unknown', 'microsoftDefenderForEndpoint', 'microsoftDefenderForIdentity', 'microsoftDefenderForCloudApps', 'microsoftDefenderForOffice365', 'microsoft365Defender', 'azureAdIdentityProtection', 'microsoftAppGovernance', 'dataLossPrevention', 'unknownFutureValue', 'microsoftDefenderForCloud', 'microsoftSentinel', 'microsoftInsiderRiskManagement'];
  const ops = { eq: (a: number, b: number) => a === b, ne: (a: number, b: number) => a !== b, gt: (a: number, b: number) => a > b, ge: (a: number, b: number) => a >= b, lt: (a: number, b: number) => a < b, le: (a: number, b: number) => a <= b };

  let alerts: Alert[];
  beforeAll(async () => {
    // Make lastUpdateDateTime differ from createdDateTime on a few alerts.
    const ids = [...tenant.state.alerts.keys()];
    for (const id of ids.slice(0, 3)) {
      clock.advance(60_000);
      await graph(tenant, `/security/alerts_v2/${id}`, 'PATCH', { body: { assignedTo: 'lee.gu@contoso.com' } });
    }
    alerts = await allAlerts();
  });

  const cases: { property: keyof Alert; literal: (a: Alert) => string; rank: (a: Alert) => number; pivot: (all: Alert[]) => Alert }[] = [
    { property: 'serviceSource', literal: (a) => `'${a.serviceSource}'`, rank: (a) => SOURCES.indexOf(a.serviceSource), pivot: (all) => all.find((a) => a.serviceSource === 'azureAdIdentityProtection')! },
    { property: 'status', literal: (a) => `'${a.status}'`, rank: (a) => STATUS[a.status], pivot: (all) => all.find((a) => a.status === 'inProgress')! },
    { property: 'severity', literal: (a) => `'${a.severity}'`, rank: (a) => SEVERITY[a.severity], pivot: (all) => all.find((a) => a.severity === 'medium')! },
    { property: 'createdDateTime', literal: (a) => a.createdDateTime, rank: (a) => Date.parse(a.createdDateTime), pivot: (all) => all[Math.floor(all.length / 2)]! },
    { property: 'lastUpdateDateTime', literal: (a) => a.lastUpdateDateTime, rank: (a) => Date.parse(a.lastUpdateDateTime), pivot: (all) => [...all].sort((x, y) => x.lastUpdateDateTime.localeCompare(y.lastUpdateDateTime))[Math.floor(all.length / 2)]! },
  ];

  for (const { property, literal, rank, pivot } of cases) {
    for (const [op, test] of Object.entries(ops)) {
      it(`${property} ${op}`, async () => {
        const p = pivot(alerts);
        const filter = `${property} ${op} ${literal(p)}`;
        const res = await graph(tenant, '/security/alerts_v2' + q({ $filter: filter, $top: '2000' }));
        expect(res.status, filter).toBe(200);
        const got = alertPage.parse(res.json).value.map((a) => a.id).sort();
        const want = alerts.filter((a) => test(rank(a), rank(p))).map((a) => a.id).sort();
        expect(got, filter).toEqual(want);
        expect(want.length, `${filter} should select something`).toBeGreaterThan(0);
      });
    }
  }

  it('combines clauses with and / or and parentheses, as the bot polls', async () => {
    const watermark = alerts.map((a) => a.lastUpdateDateTime).sort()[2]!;
    const filter = `serviceSource eq 'microsoftInsiderRiskManagement' and lastUpdateDateTime ge ${watermark} and (status eq 'new' or status eq 'inProgress')`;
    const res = await graph(tenant, '/security/alerts_v2' + q({ $filter: filter, $top: '2000' }));
    const got = alertPage.parse(res.json).value.map((a) => a.id).sort();
    const want = alerts
      .filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement' && a.lastUpdateDateTime >= watermark && (a.status === 'new' || a.status === 'inProgress'))
      .map((a) => a.id)
      .sort();
    expect(got).toEqual(want);
    expect(want.length).toBeGreaterThan(0);
  });

  it('accepts PascalCase enum values and quoted datetimes', async () => {
    const pascal = alertPage.parse((await graph(tenant, '/security/alerts_v2' + q({ $filter: "severity eq 'High'" }))).json).value;
    expect(pascal.length).toBeGreaterThan(0);
    expect(pascal.every((a) => a.severity === 'high')).toBe(true);
    const quoted = await graph(tenant, '/security/alerts_v2' + q({ $filter: "createdDateTime gt '2000-01-01T00:00:00Z'" }));
    expect(alertPage.parse(quoted.json).value).toHaveLength(alerts.length);
  });

  it('filters on assignedTo, classification and determination; not on detectionSource or incidentId, which List alerts_v2 does not list', async () => {
    const check = async (filter: string, want: (a: Alert) => boolean) => {
      const got = alertPage.parse((await graph(tenant, '/security/alerts_v2' + q({ $filter: filter, $top: '2000' }))).json).value.map((a) => a.id).sort();
      expect(got, filter).toEqual(alerts.filter(want).map((a) => a.id).sort());
      expect(got.length, filter).toBeGreaterThan(0);
    };
    await check("assignedTo eq 'lee.gu@contoso.com'", (a) => a.assignedTo === 'lee.gu@contoso.com');
    await check('assignedTo eq null', (a) => a.assignedTo === null);
    await check("classification eq 'truePositive'", (a) => a.classification === 'truePositive');
    await check("determination ne 'unknown'", (a) => a.determination !== 'unknown');
    for (const filter of ["detectionSource eq 'microsoftDataLossPrevention'", "incidentId eq '2101'"]) {
      const res = await graph(tenant, '/security/alerts_v2' + q({ $filter: filter }));
      expect(res.status, filter).toBe(400);
      expect(errorOf(res.json).message, filter).toMatch(/could not find a property named '(detectionSource|incidentId)'/);
    }
  });

  it('answers 400 naming the problem for bad syntax, unknown properties and bad enum values', async () => {
    for (const [filter, words] of [
      ["status eq 'new' and", /ends too early/],
      ['colour eq 1', /property named 'colour'/],
      ["severity eq 'critical'", /'critical' is not a member of microsoft\.graph\.security\.alertSeverity/],
      ["status eq 'new'')", /unexpected|unterminated/],
      ['createdDateTime gt yesterday', /DateTimeOffset|expected a value/],
    ] as const) {
      const res = await graph(tenant, '/security/alerts_v2' + q({ $filter: filter }));
      expect(res.status, filter).toBe(400);
      const error = errorOf(res.json);
      expect(error.code).toBe('BadRequest');
      expect(error.message, filter).toMatch(words);
    }
  });
});

describe('$filter on incidents', () => {
  it('filters by status, severity and lastUpdateDateTime; not by displayName, which List incidents does not list', async () => {
    const all = incidentPage.parse((await graph(tenant, '/security/incidents')).json).value;
    const resolved = incidentPage.parse((await graph(tenant, '/security/incidents' + q({ $filter: "status eq 'resolved'" }))).json).value;
    expect(resolved.map((i) => i.id).sort()).toEqual(all.filter((i) => i.status === 'resolved').map((i) => i.id).sort());
    expect(resolved.length).toBeGreaterThan(0);
    const severe = incidentPage.parse((await graph(tenant, '/security/incidents' + q({ $filter: "severity ge 'medium' and status ne 'resolved'" }))).json).value;
    expect(severe.map((i) => i.id).sort()).toEqual(all.filter((i) => (i.severity === 'medium' || i.severity === 'high') && i.status !== 'resolved').map((i) => i.id).sort());
    const since = [...all].map((i) => i.lastUpdateDateTime).sort()[3]!;
    const recent = incidentPage.parse((await graph(tenant, '/security/incidents' + q({ $filter: `lastUpdateDateTime ge ${since}` }))).json).value;
    expect(recent.map((i) => i.id).sort()).toEqual(all.filter((i) => i.lastUpdateDateTime >= since).map((i) => i.id).sort());
    const named = all[0]!.displayName;
    const byName = await graph(tenant, '/security/incidents' + q({ $filter: `displayName eq '${named.replaceAll("'", "''")}'` }));
    expect(byName.status).toBe(400);
    expect(errorOf(byName.json).message).toMatch(/displayName/);
  });

  it('refuses serviceSource on incidents, as Graph does', async () => {
    const res = await graph(tenant, '/security/incidents' + q({ $filter: "serviceSource eq 'microsoftInsiderRiskManagement'" }));
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toMatch(/serviceSource/);
  });
});

describe('$orderby', () => {
  it('is refused on both lists, which document no $orderby: they list the most recent first', async () => {
    for (const path of ['/security/alerts_v2?$orderby=severity desc,createdDateTime asc', '/security/alerts_v2?$orderby=lastUpdateDateTime asc', '/security/incidents?$orderby=id asc']) {
      const res = await graph(tenant, path);
      expect(res.status, path).toBe(400);
      expect(errorOf(res.json).message, path).toMatch(/'\$orderby' is not supported: List (alerts_v2|incidents) documents \$count, \$filter, \$skip, \$top/);
    }
    const alerts = (await allAlerts()).map((a) => a.createdDateTime);
    expect(alerts).toEqual([...alerts].sort().reverse());
  });

  it('names the query option it refuses', async () => {
    const res = await graph(tenant, '/security/alerts_v2?$orderby=title');
    expect(res.status).toBe(400);
    expect(errorOf(res.json).message).toMatch(/\$orderby/);
  });
});

describe('Prefer: include-unknown-enum-members', () => {
  it('reveals microsoftInsiderRiskManagement only with the header', async () => {
    const withHeader = alertPage.parse((await graph(tenant, '/security/alerts_v2')).json).value;
    const without = alertPage.parse((await graph(tenant, '/security/alerts_v2', 'GET', { prefer: false })).json).value;
    expect(withHeader.some((a) => a.serviceSource === 'microsoftInsiderRiskManagement' && a.detectionSource === 'microsoftInsiderRiskManagement')).toBe(true);
    expect(without.some((a) => a.serviceSource === 'microsoftInsiderRiskManagement' || a.detectionSource === 'microsoftInsiderRiskManagement')).toBe(false);
    const hidden = without.filter((a) => a.serviceSource === 'unknownFutureValue').map((a) => a.id).sort();
    expect(hidden).toEqual(withHeader.filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement').map((a) => a.id).sort());
    // Other sources are shown as they are either way.
    expect(without.some((a) => a.serviceSource === 'microsoftDefenderForEndpoint')).toBe(true);
    const expanded = incidentPage.parse((await graph(tenant, '/security/incidents?$expand=alerts', 'GET', { prefer: false })).json).value;
    expect(expanded.flatMap((i) => i.alerts ?? []).some((a) => a.serviceSource === 'microsoftInsiderRiskManagement')).toBe(false);
  });

  it('filters on the IRM member with the header, and refuses it without, saying the header is needed', async () => {
    const filter = q({ $filter: "serviceSource eq 'microsoftInsiderRiskManagement'" });
    const ok = alertPage.parse((await graph(tenant, '/security/alerts_v2' + filter)).json).value;
    expect(ok.length).toBeGreaterThan(0);
    expect(ok.every((a) => a.serviceSource === 'microsoftInsiderRiskManagement')).toBe(true);
    const refused = await graph(tenant, '/security/alerts_v2' + filter, 'GET', { prefer: false });
    expect(refused.status).toBe(400);
    expect(errorOf(refused.json).message).toMatch(/Prefer: include-unknown-enum-members/);
  });
});

describe('errors', () => {
  it('answers 404 NotFound for unknown alert and incident ids, whatever the verb', async () => {
    for (const [path, method, body] of [
      ['/security/alerts_v2/da000', 'GET', undefined],
      ['/security/alerts_v2/da000', 'PATCH', { status: 'resolved' }],
      ['/security/alerts_v2/da000/comments', 'POST', { comment: 'x' }],
      ['/security/incidents/999999', 'GET', undefined],
      ['/security/incidents/999999', 'PATCH', { status: 'resolved' }],
    ] as const) {
      const res = await graph(tenant, path, method, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path}`).toBe(404);
      const error = errorOf(res.json);
      expect(error.code).toBe('NotFound');
      expect(error.message).toMatch(/(da000|999999).*not found/);
      expect(z.object({ error: z.object({ innerError: z.object({ date: z.string(), 'request-id': z.string().uuid() }) }) }).safeParse(res.json).success).toBe(true);
    }
  });

  it('answers 400 for bad JSON, 413 for a body over 1 MB and 400 for an unknown path segment', async () => {
    const id = [...tenant.state.alerts.keys()][0]!;
    const bad = await graph(tenant, `/security/alerts_v2/${id}`, 'PATCH', { rawBody: '{"status":' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.json).message).toMatch(/JSON/);
    const big = await graph(tenant, `/security/alerts_v2/${id}`, 'PATCH', { body: { assignedTo: 'x'.repeat(1_100_000) } });
    expect(big.status).toBe(413);
    const unknown = await graph(tenant, '/security/alertz');
    expect(unknown.status).toBe(400);
    expect(errorOf(unknown.json).message).toMatch(/alertz/);
  });

  it('checks the runHuntingQuery body, then runs the query', async () => {
    const missing = await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { query: 'AlertInfo' } });
    expect(missing.status).toBe(400);
    expect(errorOf(missing.json).message).toMatch(/Query/);
    const res = await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { Query: 'AlertInfo | take 1', Timespan: 'P30D' } });
    expect(res.status).toBe(200);
    expect((res.json as { results: unknown[] }).results).toHaveLength(1);
  });
});

describe('writes', () => {
  beforeEach(async () => {
    await admin(tenant, '/_admin/reset', 'POST', { seedIncidents: 0 });
  });
  const create = async (otherSources: string[] = ['microsoftDefenderForEndpoint']) => {
    const res = await admin(tenant, '/_admin/incidents', 'POST', { severity: 'high', user: { upn: 'adele.vance@contoso.com' }, irmAlerts: 2, otherSources });
    return z.object({ incidentId: z.string(), alertIds: z.array(z.string()) }).parse(res.json);
  };
  const incident = async (id: string) => incidentSchema.parse((await graph(tenant, `/security/incidents/${id}?$expand=alerts`)).json);

  it('PATCH alert answers the whole alert and the incident follows: in progress, then resolved with the shared classification', async () => {
    const { incidentId, alertIds } = await create();
    const [irm1, irm2, mde] = alertIds;
    clock.advance(1000);
    const patched = await graph(tenant, `/security/alerts_v2/${irm1}`, 'PATCH', { body: { status: 'InProgress', assignedTo: 'alex.wilber@contoso.com' } });
    expect(patched.status).toBe(200);
    const alert = alertSchema.parse(patched.json);
    expect(alert).toMatchObject({ id: irm1, status: 'inProgress', assignedTo: 'alex.wilber@contoso.com', lastUpdateDateTime: clock.now().toISOString() });
    expect(alert.title).toBeTruthy();
    let inc = await incident(incidentId);
    // Alerts and incidents have their own owners in Defender: assigning an alert leaves the incident's owner alone.
    expect(inc).toMatchObject({ status: 'inProgress', assignedTo: null, lastUpdateDateTime: clock.now().toISOString(), lastModifiedBy: 'IRM Triage Bot' });

    clock.advance(1000);
    for (const id of [irm1, irm2, mde]) {
      const res = await graph(tenant, `/security/alerts_v2/${id}`, 'PATCH', { body: { status: 'resolved', classification: 'truePositive', determination: 'maliciousUserActivity' } });
      expect(alertSchema.parse(res.json).resolvedDateTime).toBe(clock.now().toISOString());
    }
    inc = await incident(incidentId);
    expect(inc).toMatchObject({ status: 'resolved', classification: 'truePositive', determination: 'maliciousUserActivity' });

    // Re-opening one alert re-opens the incident and clears the alert's resolved time.
    clock.advance(1000);
    const reopened = alertSchema.parse((await graph(tenant, `/security/alerts_v2/${mde}`, 'PATCH', { body: { status: 'new' } })).json);
    expect(reopened.resolvedDateTime).toBeNull();
    expect((await incident(incidentId)).status).toBe('active');
  });

  it('PATCH alert refuses unknown properties and bad values without changing anything', async () => {
    const { alertIds } = await create([]);
    const before = (await graph(tenant, `/security/alerts_v2/${alertIds[0]}`)).json;
    for (const body of [{ status: 'closed' }, { colour: 'red' }, { customDetails: {} }, ['status']]) {
      const res = await graph(tenant, `/security/alerts_v2/${alertIds[0]}`, 'PATCH', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(res.json).code).toBe('BadRequest');
    }
    expect((await graph(tenant, `/security/alerts_v2/${alertIds[0]}`)).json).toEqual(before);
  });

  it('PATCH incident resolved resolves every alert with its classification; assignedTo flows down; undocumented properties and values are refused', async () => {
    const { incidentId, alertIds } = await create(['microsoftDefenderForEndpoint', 'dataLossPrevention']);
    clock.advance(1000);
    // *Update incident* documents status active, resolved, redirected and unknownFutureValue only.
    const inProgress = await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { status: 'inProgress', assignedTo: 'alex.wilber@contoso.com' } });
    expect(inProgress.status).toBe(400);
    for (const body of [{ resolvingComment: 'x' }, { severity: 'high' }, { displayName: 'x' }]) {
      const refused = await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect((refused.json as { error: { code: string } }).error.code).toBeTruthy();
    }
    const started = incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { assignedTo: 'alex.wilber@contoso.com' } })).json);
    expect(started).toMatchObject({ assignedTo: 'alex.wilber@contoso.com', lastModifiedBy: 'IRM Triage Bot' });
    let alerts = (await incident(incidentId)).alerts ?? [];
    expect(alerts.map((a) => a.assignedTo)).toEqual(alertIds.map(() => 'alex.wilber@contoso.com'));

    clock.advance(1000);
    const res = await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', {
      body: { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' },
    });
    expect(res.status).toBe(200);
    expect(incidentSchema.parse(res.json)).toMatchObject({ status: 'resolved', classification: 'falsePositive' });
    alerts = (await incident(incidentId)).alerts ?? [];
    expect(alerts).toHaveLength(4);
    for (const a of alerts) {
      expect(a).toMatchObject({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious', resolvedDateTime: clock.now().toISOString() });
    }
    const bad = await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { serviceSource: 'x' } });
    expect(bad.status).toBe(400);
  });

  it('POST comments answers the whole comment list, authored by the app', async () => {
    const { alertIds } = await create([]);
    const first = await graph(tenant, `/security/alerts_v2/${alertIds[0]}/comments`, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'Looking into it' } });
    expect(first.status).toBe(200);
    const second = await graph(tenant, `/security/alerts_v2/${alertIds[0]}/comments`, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'Confirmed with HR' } });
    const list = z.object({ '@odata.context': z.string(), value: z.array(z.object({ comment: z.string(), createdByDisplayName: z.string(), createdDateTime: z.string() })) }).parse(second.json);
    expect(list.value.map((c) => [c.comment, c.createdByDisplayName])).toEqual([
      ['Looking into it', 'IRM Triage Bot'],
      ['Confirmed with HR', 'IRM Triage Bot'],
    ]);
    const alert = alertSchema.parse((await graph(tenant, `/security/alerts_v2/${alertIds[0]}`)).json);
    expect(alert.comments.map((c) => c.comment)).toEqual(['Looking into it', 'Confirmed with HR']);
    expect((await graph(tenant, `/security/alerts_v2/${alertIds[0]}/comments`, 'POST', { body: { comment: '' } })).status).toBe(400);
  });
});

/**
 * Strict where Graph is documented: each rule below is a sentence of a Microsoft page (named in
 * the test), and whatever the page does not document gets Graph's 400 with its error body.
 * Lenient where Graph is lenient: PascalCase enum input, which Microsoft's own examples send.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Tenant } from '@irm-bot/defender-tenant';
import { alertSchema, collectionSchema, graphErrorSchema, incidentSchema } from './graph-shapes.js';
import { admin, graph, manualClock, q, start, type HttpAnswer } from './helpers.js';

let tenant: Tenant;
const clock = manualClock();
let incidentId: string;
let alertId: string;

beforeAll(async () => {
  tenant = await start({ seedIncidents: 0, now: clock.now });
});
afterAll(async () => {
  await tenant?.close();
});
beforeEach(async () => {
  await admin(tenant, '/_admin/reset', 'POST', { seedIncidents: 0 });
  const res = await admin(tenant, '/_admin/incidents', 'POST', { severity: 'high', user: { upn: 'adele.vance@contoso.com' }, otherSources: ['microsoftDefenderForEndpoint'] });
  const created = z.object({ incidentId: z.string(), alertIds: z.array(z.string()) }).parse(res.json);
  incidentId = created.incidentId;
  alertId = created.alertIds[0]!;
});

/** A 400 in Graph's shape, `{"error":{"code":"BadRequest","message":…}}`; its message. */
function refused(res: HttpAnswer, what: string): string {
  expect(res.status, `${what}: ${JSON.stringify(res.json)}`).toBe(400);
  const { error } = graphErrorSchema.parse(res.json);
  expect(error.code, what).toBe('BadRequest');
  return error.message;
}
const ok = (res: HttpAnswer, what: string) => expect(res.status, `${what}: ${JSON.stringify(res.json)}`).toBe(200);

describe('query options, per method', () => {
  it('List alerts_v2: $count, $filter, $skip, $top; no $orderby, $select, $expand, $search', async () => {
    ok(await graph(tenant, '/security/alerts_v2' + q({ $count: 'true', $filter: "status eq 'new'", $skip: '0', $top: '5' })), 'documented options');
    for (const [option, value] of [['$orderby', 'createdDateTime desc'], ['$select', 'id,title'], ['$expand', 'evidence'], ['$search', 'usb'], ['$format', 'json']] as const) {
      expect(refused(await graph(tenant, '/security/alerts_v2' + q({ [option]: value })), option)).toContain(`'${option}' is not supported: List alerts_v2 documents $count, $filter, $skip, $top`);
    }
  });

  it('List incidents: the same plus $expand=alerts; no $orderby, $select', async () => {
    ok(await graph(tenant, '/security/incidents' + q({ $count: 'true', $filter: "status eq 'active'", $skip: '0', $top: '5', $expand: 'alerts' })), 'documented options');
    for (const option of ['$orderby', '$select']) {
      expect(refused(await graph(tenant, '/security/incidents' + q({ [option]: 'id' })), option)).toContain('List incidents documents $count, $filter, $skip, $top, $expand');
    }
    expect(refused(await graph(tenant, '/security/incidents' + q({ $expand: 'comments' })), '$expand=comments')).toMatch(/navigation property named 'comments'/);
    expect(refused(await graph(tenant, '/security/incidents' + q({ $expand: 'alerts($select=id)' })), 'nested options')).toMatch(/alerts\(\$select=id\)/);
  });

  it('Get incident: $expand=alerts only (the resource: "alerts … Supports $expand")', async () => {
    const expanded = incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}?$expand=alerts`)).json);
    expect(expanded.alerts?.length).toBe(2);
    refused(await graph(tenant, `/security/incidents/${incidentId}?$select=id`), 'Get incident $select');
    refused(await graph(tenant, `/security/incidents/${incidentId}?$expand=alerts&$top=1`), 'Get incident $top');
  });

  it('Get alert, Update alert/incident, Create comment and runHuntingQuery document no query option', async () => {
    expect(refused(await graph(tenant, `/security/alerts_v2/${alertId}?$select=id`), 'Get alert')).toContain('Get alert documents no query options');
    refused(await graph(tenant, `/security/alerts_v2/${alertId}?$expand=evidence`), 'Get alert $expand');
    refused(await graph(tenant, `/security/alerts_v2/${alertId}?$select=id`, 'PATCH', { body: { assignedTo: 'x@contoso.com' } }), 'Update alert');
    refused(await graph(tenant, `/security/incidents/${incidentId}?$expand=alerts`, 'PATCH', { body: { assignedTo: 'x@contoso.com' } }), 'Update incident');
    refused(await graph(tenant, `/security/alerts_v2/${alertId}/comments?$top=1`, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'x' } }), 'Create comment');
    refused(await graph(tenant, '/security/runHuntingQuery?$top=1', 'POST', { body: { Query: 'AlertInfo | take 1' } }), 'runHuntingQuery');
  });

  it('ignores query parameters that are not OData options, as Graph does', async () => {
    ok(await graph(tenant, `/security/alerts_v2/${alertId}?client=irm-bot`), 'a custom parameter');
  });
});

describe('$filter properties, per list', () => {
  const values: Record<string, string> = {
    assignedTo: "'adele.vance@contoso.com'",
    classification: "'truePositive'",
    determination: "'maliciousUserActivity'",
    createdDateTime: '2026-01-01T00:00:00Z',
    lastUpdateDateTime: '2026-01-01T00:00:00Z',
    severity: "'high'",
    serviceSource: "'microsoftDefenderForEndpoint'",
    status: "'new'",
  };

  it('List alerts_v2: assignedTo, classification, determination, createdDateTime, lastUpdateDateTime, severity, serviceSource, status', async () => {
    for (const [property, value] of Object.entries(values)) ok(await graph(tenant, '/security/alerts_v2' + q({ $filter: `${property} eq ${value}` })), property);
    for (const filter of ["detectionSource eq 'antivirus'", "incidentId eq '2101'", "title eq 'x'", "id eq 'x'", "category eq 'Exfiltration'", "productName eq 'x'"]) {
      expect(refused(await graph(tenant, '/security/alerts_v2' + q({ $filter: filter })), filter)).toMatch(/could not find a property named/);
    }
  });

  it('List incidents: the same but serviceSource', async () => {
    for (const [property, value] of Object.entries(values)) {
      const res = await graph(tenant, '/security/incidents' + q({ $filter: `${property} eq ${value.replace("'new'", "'active'")}` }));
      if (property === 'serviceSource') expect(refused(res, property)).toMatch(/'serviceSource'/);
      else ok(res, property);
    }
    for (const filter of ["displayName eq 'x'", "id eq '2101'", "customTags eq 'x'"]) refused(await graph(tenant, '/security/incidents' + q({ $filter: filter })), filter);
  });

  it('enum literals must be members of the type; PascalCase is accepted', async () => {
    expect(refused(await graph(tenant, '/security/alerts_v2' + q({ $filter: "determination eq 'clean'" })), 'clean')).toMatch(/'clean' is not a member of microsoft\.graph\.security\.alertDetermination/);
    ok(await graph(tenant, '/security/alerts_v2' + q({ $filter: "status eq 'InProgress' and classification eq 'TruePositive'" })), 'PascalCase');
  });
});

describe('Update alert: status, classification, determination, assignedTo', () => {
  const patch = (body: unknown) => graph(tenant, `/security/alerts_v2/${alertId}`, 'PATCH', { body });

  it('sets what the page documents, PascalCase included, and assignedTo null clears the owner', async () => {
    const res = await patch({ status: 'InProgress', classification: 'TruePositive', determination: 'MaliciousUserActivity', assignedTo: 'lee.gu@contoso.com' });
    ok(res, 'documented body');
    expect(alertSchema.parse(res.json)).toMatchObject({ status: 'inProgress', classification: 'truePositive', determination: 'maliciousUserActivity', assignedTo: 'lee.gu@contoso.com' });
    expect(alertSchema.parse((await patch({ assignedTo: null })).json).assignedTo).toBeNull();
    for (const determination of ['apt', 'malware', 'securityPersonnel', 'securityTesting', 'unwantedSoftware', 'other', 'multiStagedAttack', 'phishing', 'lineOfBusinessApplication', 'unknown']) {
      ok(await patch({ determination }), determination);
    }
  });

  it('refuses properties it does not document, customDetails included', async () => {
    for (const property of ['customDetails', 'severity', 'title', 'comments', 'resolvedDateTime']) {
      expect(refused(await patch({ [property]: property === 'customDetails' ? {} : 'x' }), property)).toContain(`'${property}': not a property Update alert documents (documented: status, classification, determination, assignedTo)`);
    }
  });

  it('refuses status unknown and the sentinel unknownFutureValue', async () => {
    expect(refused(await patch({ status: 'unknown' }), 'unknown')).toContain('it accepts new, inProgress, resolved');
    refused(await patch({ status: 'unknownFutureValue' }), 'sentinel');
    refused(await patch({ classification: 'unknownFutureValue' }), 'classification sentinel');
  });

  it('takes only the determinations both Update alert and the alertDetermination type list', async () => {
    // On the type, not on *Update alert*:
    for (const determination of ['notMalicious', 'notEnoughDataToValidate', 'compromisedAccount', 'confirmedActivity']) {
      expect(refused(await patch({ determination }), determination)).toContain('is not a value Update alert accepts');
    }
    // On *Update alert*, not on the type:
    for (const determination of ['clean', 'insufficientData', 'compromisedUser', 'confirmedUserActivity']) refused(await patch({ determination }), determination);
  });
});

describe('Update incident: assignedTo, classification, determination, status, customTags', () => {
  const patch = (body: unknown) => graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body });

  it('sets what the page documents, PascalCase included, as its own example sends', async () => {
    const res = await patch({ classification: 'TruePositive', determination: 'MultiStagedAttack', customTags: ['Demo'] });
    ok(res, "the page's example");
    expect(incidentSchema.parse(res.json)).toMatchObject({ classification: 'truePositive', determination: 'multiStagedAttack', customTags: ['Demo'] });
    ok(await patch({ assignedTo: 'lee.gu@contoso.com', status: 'Active' }), 'Active');
    expect(incidentSchema.parse((await patch({ assignedTo: null })).json).assignedTo).toBeNull();
    ok(await patch({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' }), 'notMalicious');
    ok(await patch({ status: 'redirected' }), 'redirected');
  });

  it('refuses status inProgress and the sentinel', async () => {
    expect(refused(await patch({ status: 'inProgress' }), 'inProgress')).toContain('it accepts active, resolved, redirected');
    refused(await patch({ status: 'unknownFutureValue' }), 'sentinel');
    refused(await patch({ status: 'awaitingAction' }), 'awaitingAction');
  });

  it('takes only the determinations both Update incident and the alertDetermination type list', async () => {
    for (const determination of ['compromisedAccount', 'confirmedActivity', 'compromisedUser', 'confirmedUserActivity', 'clean']) {
      expect(refused(await patch({ determination }), determination)).toContain('is not a value Update incident accepts');
    }
    ok(await patch({ determination: 'notEnoughDataToValidate' }), 'notEnoughDataToValidate');
  });

  it('refuses properties it does not document', async () => {
    for (const property of ['resolvingComment', 'summary', 'severity', 'displayName', 'comments', 'tags']) {
      expect(refused(await patch({ [property]: 'x' }), property)).toContain(`'${property}': not a property Update incident documents`);
    }
  });
});

describe('Create comment and runHuntingQuery bodies', () => {
  it('a comment needs @odata.type microsoft.graph.security.alertComment and comment, and nothing else', async () => {
    for (const path of [`/security/alerts_v2/${alertId}/comments`, `/security/incidents/${incidentId}/comments`]) {
      ok(await graph(tenant, path, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'Looking into it' } }), path);
      ok(await graph(tenant, path, 'POST', { body: { '@odata.type': '#microsoft.graph.security.alertComment', comment: 'With the hash' } }), path);
      expect(refused(await graph(tenant, path, 'POST', { body: { comment: 'no type' } }), `${path} without @odata.type`)).toContain("@odata.type: required: 'microsoft.graph.security.alertComment'");
      refused(await graph(tenant, path, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alert', comment: 'wrong type' } }), `${path} wrong type`);
      expect(refused(await graph(tenant, path, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'x', createdByDisplayName: 'me' } }), path)).toContain("'createdByDisplayName': not a property");
    }
  });

  it('runHuntingQuery takes Query and Timespan, as the page spells them', async () => {
    ok(await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { Query: 'AlertInfo | take 1', Timespan: 'P1D' } }), 'documented');
    refused(await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { query: 'AlertInfo | take 1' } }), 'lowercase query');
    refused(await graph(tenant, '/security/runHuntingQuery', 'POST', { body: { Query: 'AlertInfo | take 1', Top: 5 } }), 'extra property');
  });
});

describe('evolvable enum members', () => {
  const incidents = collectionSchema(incidentSchema);

  it('incidentStatus awaitingAction reads unknownFutureValue without Prefer: include-unknown-enum-members', async () => {
    tenant.state.getIncident(incidentId).status = 'awaitingAction';
    expect(incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}`)).json).status).toBe('awaitingAction');
    expect(incidentSchema.parse((await graph(tenant, `/security/incidents/${incidentId}`, 'GET', { prefer: false })).json).status).toBe('unknownFutureValue');
    expect(incidents.parse((await graph(tenant, '/security/incidents' + q({ $filter: "status eq 'unknownFutureValue'" }), 'GET', { prefer: false })).json).value.map((i) => i.id)).toEqual([incidentId]);
    expect(refused(await graph(tenant, '/security/incidents' + q({ $filter: "status eq 'awaitingAction'" }), 'GET', { prefer: false }), 'awaitingAction')).toMatch(/Prefer: include-unknown-enum-members/);
  });

  it('every member after unknownFutureValue is evolvable: serviceSource and detectionSource alike', async () => {
    const alert = tenant.state.getAlert(alertId);
    for (const [serviceSource, detectionSource] of [
      ['microsoftInsiderRiskManagement', 'microsoftInsiderRiskManagement'],
      ['microsoftDefenderForCloud', 'microsoftDefenderForStorage'],
      ['microsoftSentinel', 'scheduledAlerts'],
    ] as const) {
      alert.serviceSource = serviceSource;
      alert.detectionSource = detectionSource;
      expect(alertSchema.parse((await graph(tenant, `/security/alerts_v2/${alertId}`)).json)).toMatchObject({ serviceSource, detectionSource });
      expect(alertSchema.parse((await graph(tenant, `/security/alerts_v2/${alertId}`, 'GET', { prefer: false })).json)).toMatchObject({ serviceSource: 'unknownFutureValue', detectionSource: 'unknownFutureValue' });
    }
    alert.serviceSource = 'microsoftDefenderForEndpoint';
    alert.detectionSource = 'antivirus';
    expect(alertSchema.parse((await graph(tenant, `/security/alerts_v2/${alertId}`, 'GET', { prefer: false })).json)).toMatchObject({ serviceSource: 'microsoftDefenderForEndpoint', detectionSource: 'antivirus' });
  });
});

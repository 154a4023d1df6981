/**
 * The 3 a.m. card: the story first, and the actions an on-call analyst needs (assign, note,
 * escalate, reopen) and the Resolve form's rules, each round-tripped to the embedded tenant
 * through /api/messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, MEGAN, cardAction, installation, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

type InvokeBody = { statusCode: number; type: string; value: Record<string, unknown> };
const CONV = 'a:personal-card-actions';

let stack: Stack;

const text = (card: unknown) => JSON.stringify(card);
const fact = (card: unknown, title: string) => new RegExp(`"title":"${title}","value":"([^"]*)"`).exec(text(card))?.[1];
const writesSince = async (n: number) => (await stack.graphRequests()).slice(n).filter((r) => r.method !== 'GET');
const requestCount = async () => (await stack.graphRequests()).length;
const version = async (incidentId: string) => (await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}`).then((r) => r.json() as Promise<{ lastUpdateDateTime: string }>)).lastUpdateDateTime;
const click = async (verb: string, data: Record<string, unknown>, from = ALEX) => {
  const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, verb, data, undefined, from));
  expect(res.status).toBe(200);
  return res.body as InvokeBody;
};
const actionTitles = (card: { actions?: { title: string }[] }) => (card.actions ?? []).map((a) => a.title);
const resolveForm = (card: Record<string, unknown>) => ((card.actions as { title: string; card?: { body: Record<string, unknown>[] } }[]).find((a) => a.title === 'Resolve')!.card!.body);

async function newIncident(upn = 'adele.vance@contoso.com', extra: Record<string, unknown> = {}): Promise<{ incidentId: string; alertIds: string[] }> {
  const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'high', user: { upn, displayName: 'Adele Vance' }, ...extra });
  expect(created.status).toBe(201);
  return created.body;
}

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0 });
  stack.connector.members.set(ALEX.id, { id: ALEX.id, name: ALEX.name, userPrincipalName: ALEX.upn, aadObjectId: ALEX.aadObjectId });
  stack.connector.members.set(MEGAN.id, { id: MEGAN.id, name: MEGAN.name, userPrincipalName: MEGAN.upn, aadObjectId: MEGAN.aadObjectId });
  expect((await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, CONV))).status).toBe(200);
  await stack.bot.services.poller.idle();
});
afterAll(async () => {
  await stack?.close();
});

describe('the card tells the story first', () => {
  it('leads with what happened, the activity, the files and the next step, then status, age and owner; alike alerts are one line', async () => {
    const { incidentId } = await newIncident('adele.vance@contoso.com', { irmAlerts: 1, otherSources: ['azureAdIdentityProtection', 'azureAdIdentityProtection'] });
    await stack.bot.services.poller.poll();
    const posted = stack.connector.calls.filter((c) => c.conversationId === CONV && text(c.activity).includes(`Insider risk incident ${incidentId}`)).at(-1);
    const card = (posted!.activity as { attachments: { content: Record<string, unknown> }[] }).attachments[0]!.content;
    const body = card.body as Record<string, unknown>[];
    // The alert's description is the first thing under the header.
    const alert = (await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}?$expand=alerts`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json())) as { alerts: { serviceSource: string; description: string; recommendedActions: string; category: string; mitreTechniques: string[]; evidence: { '@odata.type': string; fileDetails?: { fileName: string } }[] }[] };
    const irm = alert.alerts.find((a) => a.serviceSource === 'microsoftInsiderRiskManagement')!;
    expect(body[1]).toMatchObject({ type: 'TextBlock', text: irm.description });
    expect(fact(card, 'Activity')).toContain(irm.category);
    expect(fact(card, 'Activity')).toContain(`MITRE ${irm.mitreTechniques.join(', ')}`);
    const file = irm.evidence.find((e) => e['@odata.type'].endsWith('fileEvidence'))!.fileDetails!.fileName;
    // As the card writes it: markdown escaped, in JSON.
    expect(fact(card, 'Files')).toContain(file.replace(/_/g, '\\\\_'));
    expect(fact(card, 'Next step')).toBeTruthy();
    // Status, age and owner before the person and the alerts.
    const order = ['Activity', 'Defender status', 'New since', 'Assigned to', 'User at risk', 'Alerts in this incident'].map((t) => text(card).indexOf(t));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(fact(card, 'New since')).toMatch(/^\{\{DATE\(/);
    // Two Entra ID Protection alerts alike: one line, counted.
    const lines = text(card).match(/Entra ID Protection · [A-Za-z]+ · New/g) ?? [];
    expect(lines).toHaveLength(1);
    expect(text(card)).toContain('2 alerts alike');
  });
});

describe('which policy, and on which files', () => {
  it("Activity and policy runs the person's file activity since the incident began, each event with the IRM policy it matched", async () => {
    const { incidentId } = await newIncident('lee.gu@contoso.com');
    const policies = new Set(stack.tenant.state.hunting.DataSecurityEvents.filter((r) => r.AccountUpn === 'lee.gu@contoso.com' && r.IrmPolicyMatchInfo).map((r) => (r.IrmPolicyMatchInfo as { PolicyName: string }).PolicyName));
    expect(policies.size).toBeGreaterThan(0);
    const sends = stack.connector.calls.length;
    const before = await requestCount();
    const answer = await click('incidentActivity', { incidentId });
    // In a personal chat the table is posted there, and the clicked card stays the incident's.
    expect(text(answer.value)).toContain(`Insider risk incident ${incidentId}`);
    const posted = stack.connector.calls.slice(sends).map((c) => text(c.activity)).find((a) => a.includes('Hunt: incident-activity'));
    expect(posted).toBeDefined();
    expect(posted).toContain('"text":"Policy"');
    expect([...policies].some((p) => posted!.includes(p))).toBe(true);
    const hunt = (await stack.graphRequests()).slice(before).find((r) => r.path.endsWith('/security/runHuntingQuery'));
    expect(JSON.stringify(hunt?.body)).toContain('lee.gu@contoso.com');
  });
});

describe('actions an on-call analyst needs', () => {
  it('Assign to me writes the owner to the incident and its IRM alerts, and the card says who has it', async () => {
    const { incidentId, alertIds } = await newIncident();
    await click('startInvestigation', { incidentId, version: await version(incidentId) }, MEGAN);
    const before = await requestCount();
    const answer = await click('assign', { incidentId, version: await version(incidentId) });
    expect(fact(answer.value, 'Assigned to')).toBe(ALEX.upn);
    expect(fact(answer.value, 'Decided')).toContain(`Assigned to ${ALEX.upn} by Alex Wilber`);
    const writes = await writesSince(before);
    expect(writes.find((w) => w.method === 'PATCH' && w.path.endsWith(`/security/incidents/${incidentId}`))?.body).toEqual({ assignedTo: ALEX.upn });
    // The IRM alert is written too, not left to the tenant's own propagation (no page says Defender does it).
    expect(writes.find((w) => w.method === 'PATCH' && w.path.endsWith(`/security/alerts_v2/${alertIds[0]}`))?.body).toEqual({ assignedTo: ALEX.upn });
    const alert = (await fetch(`${stack.graphBaseUrl}/security/alerts_v2/${alertIds[0]}`).then((r) => r.json())) as { assignedTo: string };
    expect(alert.assignedTo).toBe(ALEX.upn);
  });

  it('the assign command gives an incident to a colleague by UPN or @mention, and refuses a word that is not a person', async () => {
    const { incidentId } = await newIncident();
    const before = await requestCount();
    const reply = await stack.say(CONV, `assign ${incidentId} megan.bowen@contoso.com`);
    expect(String(reply?.text)).toContain(`Incident ${incidentId} is now assigned to megan.bowen@contoso.com`);
    expect((await writesSince(before)).find((w) => w.method === 'PATCH' && w.path.endsWith(`/incidents/${incidentId}`))?.body).toEqual({ assignedTo: 'megan.bowen@contoso.com' });
    // By @mention: the UPN Teams gives for the person.
    const mentioned = message(stack.connector.serviceUrl, CONV, `assign ${incidentId} <at>Alex Wilber</at>`);
    (mentioned as { entities?: unknown[] }).entities = [{ type: 'mention', text: '<at>Alex Wilber</at>', mentioned: { id: ALEX.id, name: ALEX.name, aadObjectId: ALEX.aadObjectId } }];
    await postActivity(stack.bot.messagesUrl, mentioned);
    const incident = (await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}`).then((r) => r.json())) as { assignedTo: string };
    expect(incident.assignedTo).toBe(ALEX.upn);
    const refused = await stack.say(CONV, `assign ${incidentId} tonight`);
    expect(String(refused?.text)).toContain('I don\'t know who "tonight" is');
  });

  it('Add note writes a comment on the incident in Defender and leaves its status', async () => {
    const { incidentId } = await newIncident();
    const before = await requestCount();
    const answer = await click('addNote', { incidentId, note: 'Called the manager: leaver, last day Friday.' });
    expect(text(answer.value)).toContain('Your note is saved on the incident in Defender');
    expect(fact(answer.value, 'Latest note')).toContain('Note from Alex Wilber (alex.wilber@contoso.com) in Microsoft Teams: Called the manager');
    expect(fact(answer.value, 'Defender status')).toBe('New');
    const writes = await writesSince(before);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`POST /v1.0/security/incidents/${incidentId}/comments`]);
    expect(writes[0]!.body).toMatchObject({ comment: 'Note from Alex Wilber (alex.wilber@contoso.com) in Microsoft Teams: Called the manager: leaver, last day Friday.' });
    const empty = await click('addNote', { incidentId, note: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(text(empty.value)).toContain('write the note first');
  });

  it('Escalate now is refused in words with nobody to escalate to, then mentions the escalation contact where the card is', async () => {
    const { incidentId } = await newIncident();
    await stack.bot.services.poller.poll();
    const nobody = await click('escalate', { incidentId });
    expect(nobody.statusCode).toBe(400);
    expect(text(nobody.value)).toContain('Nobody is named to escalate to');
    expect(String((await stack.say(CONV, 'oncall escalation megan.bowen@contoso.com'))?.text)).toContain('megan.bowen@contoso.com');
    const sends = stack.connector.calls.length;
    const before = await requestCount();
    const answer = await click('escalate', { incidentId });
    expect(text(answer.value)).toContain('Escalated: ');
    const notice = stack.connector.calls.slice(sends).find((c) => c.method !== 'update' && text(c.activity).includes(`Escalation: incident ${incidentId}`));
    expect(notice?.conversationId).toBe(CONV);
    expect(text(notice?.activity)).toContain('escalated by Alex Wilber');
    const writes = await writesSince(before);
    expect(writes.find((w) => w.path.endsWith(`/incidents/${incidentId}/comments`))?.body).toMatchObject({ comment: expect.stringContaining('Escalated to megan.bowen@contoso.com by Alex Wilber') });
    await stack.say(CONV, 'oncall escalation none');
  });

  it('Reopen puts a resolved incident back to New, its IRM alerts to Needs review, and offers Start investigation again', async () => {
    const { incidentId, alertIds } = await newIncident();
    const resolved = await click('resolve', { incidentId, version: await version(incidentId), classification: 'falsePositive' });
    expect(actionTitles(resolved.value as never)).toContain('Reopen');
    const before = await requestCount();
    const answer = await click('reopen', { incidentId });
    expect(fact(answer.value, 'Defender status')).toBe('New');
    expect(fact(answer.value, 'IRM status')).toBe('Needs review');
    expect(actionTitles(answer.value as never).slice(0, 2)).toEqual(['Start investigation', 'Resolve']);
    expect(text(answer.value)).toContain('Reopened by Alex Wilber');
    expect((await writesSince(before)).find((w) => w.method === 'PATCH' && w.path.endsWith(`/incidents/${incidentId}`))?.body).toEqual({ status: 'active' });
    const irm = (await stack.admin<{ irmStatus: string }>('GET', `/_admin/irm/alerts/${alertIds[0]}`)).body;
    expect(irm.irmStatus).toBe('Needs review');
    // Reopening an open incident writes nothing.
    const again = await requestCount();
    const open = await click('reopen', { incidentId });
    expect(text(open.value)).toContain('there is nothing to reopen');
    expect(await writesSince(again)).toEqual([]);
  });
});

describe('the Resolve form', () => {
  it('refuses a true positive without a comment, writes nothing, and keeps the choice in the form', async () => {
    const { incidentId } = await newIncident();
    const before = await requestCount();
    const answer = await click('resolve', { incidentId, version: await version(incidentId), classification: 'truePositive', determination: 'truePositive/maliciousUserActivity', comment: '  ' });
    expect(answer.statusCode).toBe(200);
    expect(text(answer.value)).toContain('a true positive needs a comment');
    expect(await writesSince(before)).toEqual([]);
    const form = resolveForm(answer.value);
    expect(form.find((b) => b.id === 'classification')?.value).toBe('truePositive');
    expect(form.find((b) => b.id === 'determination')?.value).toBe('truePositive/maliciousUserActivity');
  });

  it('keeps the typed comment when a stale card is refused', async () => {
    const { incidentId, alertIds } = await newIncident();
    const old = await version(incidentId);
    await new Promise((r) => setTimeout(r, 5));
    await stack.admin('PATCH', `/_admin/alerts/${alertIds[0]}`, { assignedTo: 'someone@contoso.com' });
    const comment = 'Checked the USB serial: personal device, files are the Q3 roadmap.';
    const answer = await click('resolve', { incidentId, version: old, classification: 'truePositive', comment });
    expect(text(answer.value)).toContain('changed since this card was drawn');
    const form = resolveForm(answer.value);
    expect(form.find((b) => b.id === 'comment')?.value).toBe(comment);
    expect(form.find((b) => b.id === 'classification')?.value).toBe('truePositive');
  });
});

describe('when the on-call analyst hears of it', () => {
  it('a New card says when the reminder comes; a started one does not', async () => {
    await stack.say(CONV, 'oncall set me');
    await stack.say(CONV, 'oncall remind 20');
    const { incidentId } = await newIncident();
    const created = (await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}`).then((r) => r.json())) as { createdDateTime: string };
    const due = new Date(Date.parse(created.createdDateTime) + 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const noted = await click('addNote', { incidentId, note: 'Looking at it after the stand-up.' });
    expect(fact(noted.value, 'On-call reminder')).toBe(`{{DATE(${due}, SHORT)}} {{TIME(${due})}}`);
    const started = await click('startInvestigation', { incidentId, version: await version(incidentId) });
    expect(fact(started.value, 'On-call reminder')).toBeUndefined();
    await stack.say(CONV, 'oncall off');
  });
});

/**
 * The tab's API in demo mode, through HTTP: the queue and its filters against the embedded
 * tenant, an incident's card with only the buttons that work in the tab, a decision taken from
 * the tab reaching Defender and the card posted in Teams, the full hunting result, and bad input.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, cardAction, installation, postActivity } from '../support/activities.js';
import { isBacklogDigest } from '../support/incident-cards.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const CONV = 'a:personal-alex-tab';
let base: string;
let highId: string;
let lowId: string;

const api = async <T = Record<string, unknown>>(path: string, init: RequestInit = {}) => {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as T };
};
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
type Queue = { items: { incidentId: string; severity: string; user: string; status: string; irmStatus: string; defenderStatus: string; sources: { name: string; count: number }[]; createdDateTime: string }[]; truncated: boolean; scanned: number };
const fact = (card: unknown, title: string) => new RegExp(`"title":"${title}","value":"([^"]*)"`).exec(JSON.stringify(card))?.[1];

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0 });
  base = `http://127.0.0.1:${stack.bot.port}`;
  stack.connector.members.set(ALEX.id, { id: ALEX.id, name: ALEX.name, userPrincipalName: ALEX.upn, aadObjectId: ALEX.aadObjectId });
  highId = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', title: 'Exfiltration to personal cloud storage', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' }, irmAlerts: 2, otherSources: ['microsoftDefenderForEndpoint', 'dataLossPrevention'] })).body.incidentId;
  lowId = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'low', title: 'Unusual printing', user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' } })).body.incidentId;
  // An incident whose alerts all come from another tool (Defender correlated none from IRM) is not the bot's to show.
  const other = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'high', title: 'Not insider risk', user: { upn: 'x@contoso.com' } });
  for (const id of other.body.alertIds) stack.tenant.state.alerts.get(id)!.serviceSource = 'microsoftDefenderForEndpoint';
  expect((await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, CONV))).status).toBe(200);
  await stack.bot.services.poller.poll();
  // Open before the install: offered in one digest; opened from it, the High one's card is in the chat.
  const [digestId] = [...stack.connector.messages(CONV)].find(([, card]) => isBacklogDigest(card))!;
  const opened = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'openIncident', { incidentId: highId, from: 'digest' }, digestId));
  expect((opened.body as { statusCode: number }).statusCode).toBe(200);
});
afterAll(async () => {
  await stack?.close();
});

describe('the tab pages', () => {
  it('serves the queue page, the bundled script and the style sheet, framable only by Teams and this machine', async () => {
    const page = await fetch(`${base}/tab/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain('frame-ancestors');
    expect(csp).toContain('https://teams.microsoft.com');
    expect(csp).toContain("script-src 'self'");
    expect(await page.text()).toContain('src="/tab/tab.js"');
    const script = await fetch(`${base}/tab/tab.js`);
    expect(script.status).toBe(200);
    const js = await script.text();
    // teams-js and the Adaptive Cards renderer are in the bundle.
    expect(js).toContain('getAuthToken');
    expect(js).toContain('Action.Execute');
    const again = await fetch(`${base}/tab/tab.js`, { headers: { 'if-none-match': script.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    expect((await fetch(`${base}/tab/nothing.js`)).status).toBe(404);
    // The manifest's privacy and terms links answer.
    for (const path of ['/privacy', '/terms']) expect((await fetch(base + path)).status, path).toBe(200);
    expect((await fetch(`${base}/tab/tab.js`, { method: 'POST' })).status).toBe(405);
  });
});

describe('the queue', () => {
  it('lists the open IRM incidents oldest first, with sources and both statuses as on the card', async () => {
    const { status, body } = await api<Queue>('/api/tab/incidents');
    expect(status).toBe(200);
    expect(body.items.map((i) => i.incidentId)).toEqual([highId, lowId]);
    // Three open incidents were read; the one without an IRM alert is not the bot's to show.
    expect(body).toMatchObject({ scanned: 3, truncated: false });
    const high = body.items[0]!;
    expect(high.user).toBe('Adele Vance (adele.vance@contoso.com)');
    expect(high.sources).toEqual([
      { name: 'Insider Risk Management', count: 2, irm: true },
      { name: 'Defender for Endpoint', count: 1, irm: false },
      { name: 'Data Loss Prevention', count: 1, irm: false },
    ]);
    expect(high.defenderStatus).toBe('New');
    expect(high.irmStatus).toBe('Needs review');
  });

  it('filters by severity, status and user, and sorts newest first', async () => {
    expect((await api<Queue>('/api/tab/incidents?severity=high')).body.items.map((i) => i.incidentId)).toEqual([highId]);
    expect((await api<Queue>('/api/tab/incidents?severity=medium,low')).body.items.map((i) => i.incidentId)).toEqual([lowId]);
    expect((await api<Queue>('/api/tab/incidents?user=LEE.GU')).body.items.map((i) => i.incidentId)).toEqual([lowId]);
    expect((await api<Queue>('/api/tab/incidents?user=adele')).body.items.map((i) => i.incidentId)).toEqual([highId]);
    expect((await api<Queue>('/api/tab/incidents?status=inProgress')).body.items).toEqual([]);
    expect((await api<Queue>('/api/tab/incidents?sort=newest')).body.items.map((i) => i.incidentId)).toEqual([lowId, highId]);
    // Severity and status go to Graph; the person is filtered and the order made by the bot (Graph documents no $orderby).
    await api<Queue>('/api/tab/incidents?severity=high,medium&status=active&sort=newest');
    const list = (await stack.graphRequests()).filter((r) => r.path.endsWith('/security/incidents')).at(-1);
    expect(JSON.stringify(list)).toContain("(severity eq 'high' or severity eq 'medium') and (status eq 'active')");
    expect(JSON.stringify(list)).not.toMatch(/orderby/i);
  });

  it('answers a bad filter with 400 and what is allowed', async () => {
    const bad = await api<{ error: { code: string; message: string } }>('/api/tab/incidents?severity=critical');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('severity must be one or more of high, medium, low, informational');
    expect((await api('/api/tab/incidents?sort=sideways')).status).toBe(400);
    expect((await api('/api/tab/incidents?colour=red')).status).toBe(400);
    expect((await api(`/api/tab/incidents?user=${'x'.repeat(300)}`)).status).toBe(400);
  });
});

describe('an incident from the tab', () => {
  it("shows the incident's card with only the buttons that work in the tab", async () => {
    const { status, body } = await api<{ card: Record<string, unknown>; incident: { incidentId: string } }>(`/api/tab/incidents/${highId}`);
    expect(status).toBe(200);
    const text = JSON.stringify(body.card);
    expect(text).toContain('"verb":"startInvestigation"');
    expect(text).toContain('"verb":"resolve"');
    expect(text).not.toContain('"refresh"');
    expect(text).not.toContain('"verb":"reveal"');
    expect(fact(body.card, 'User at risk')).toBe('Adele Vance (adele.vance@contoso.com)');
    expect((await api('/api/tab/incidents/999999')).status).toBe(404);
    expect((await api('/api/tab/incidents/bad%20id')).status).toBe(404);
  });

  it('resolves through the same handler as the card: Defender is written and the card in Teams updates', async () => {
    const [activityId] = [...stack.connector.messages(CONV).keys()].filter((id) => JSON.stringify(stack.connector.messages(CONV).get(id)).includes(`Insider risk incident ${highId}`));
    expect(activityId).toBeDefined();
    const { body: detail } = await api<{ incident: { version: string } }>(`/api/tab/incidents/${highId}`);
    const res = await post('/api/tab/actions', { verb: 'resolve', data: { incidentId: highId, version: detail.incident.version, classification: 'truePositive', comment: 'Confirmed with HR, from the tab' } });
    expect(res.status).toBe(200);
    const card = (res.body as { card: unknown }).card;
    expect(fact(card, 'Defender status')).toBe('Resolved');
    expect(fact(card, 'IRM status')).toMatch(/Confirmed/);

    const writes = (await stack.graphRequests()).filter((r) => r.method !== 'GET');
    expect(writes.filter((w) => w.method === 'POST' && w.path.includes('/alerts_v2/') && w.path.endsWith('/comments'))).toHaveLength(2);
    expect(writes.filter((w) => w.method === 'POST' && w.path.includes('/incidents/') && w.path.endsWith('/comments'))).toHaveLength(1);
    expect(JSON.stringify(writes)).toContain('Confirmed with HR, from the tab');
    expect(JSON.stringify(writes)).toContain('Alex Wilber');

    await stack.cardsRedrawn();
    const posted = stack.connector.messages(CONV).get(activityId!);
    expect(fact(posted, 'Defender status')).toBe('Resolved');

    const audit = (await stack.bot.services.store.recentAudit()).filter((a) => a.action === 'resolve' && a.target === highId);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor.name).toBe('Alex Wilber');

    // The queue no longer lists it.
    expect((await api<Queue>('/api/tab/incidents')).body.items.map((i) => i.incidentId)).toEqual([lowId]);
  });

  it('answers a card drawn before the incident changed with the current card, writing nothing', async () => {
    const { body: before } = await api<{ incident: { version: string } }>(`/api/tab/incidents/${lowId}`);
    await stack.admin('PATCH', `/_admin/alerts/${(await stack.bot.services.triage.getIrmIncident(lowId)).alerts![0]!.id}`, { assignedTo: 'megan.bowen@contoso.com' });
    const writesBefore = (await stack.graphRequests()).filter((r) => r.method !== 'GET').length;
    const stale = await post('/api/tab/actions', { verb: 'resolve', data: { incidentId: lowId, version: before.incident.version, classification: 'falsePositive' } });
    expect(stale.status).toBe(200);
    expect(JSON.stringify(stale.body)).toContain(`Incident ${lowId} changed since this card was drawn, so nothing was written`);
    expect(fact((stale.body as { card: unknown }).card, 'Defender status')).toBe('New');
    expect((await stack.graphRequests()).filter((r) => r.method !== 'GET').length).toBe(writesBefore);
  });

  it('refuses a second resolve in words, with the incident as it stands, writing nothing more', async () => {
    const before = (await stack.graphRequests()).filter((r) => r.method !== 'GET').length;
    const again = await post('/api/tab/actions', { verb: 'resolve', data: { incidentId: highId, classification: 'falsePositive' } });
    expect(again.status).toBe(200);
    expect(JSON.stringify(again.body)).toContain('already resolved');
    expect(fact((again.body as { card: unknown }).card, 'Defender status')).toBe('Resolved');
    expect((await stack.graphRequests()).filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('answers bad actions with a clear error: unknown verb, chat-only verb, bad data, bad JSON, oversize body', async () => {
    const unknown = await post('/api/tab/actions', { verb: 'launchMissiles', data: {} });
    expect(unknown.status).toBe(400);
    const chatOnly = await post('/api/tab/actions', { verb: 'openIncident', data: { incidentId: lowId } });
    expect(chatOnly.status).toBe(400);
    expect((chatOnly.body as { error: { message: string } }).error.message).toContain('works from the card in a Teams chat');
    const noClass = await post('/api/tab/actions', { verb: 'resolve', data: { incidentId: lowId } });
    expect(noClass.status).toBe(400);
    expect((noClass.body as { error: { message: string } }).error.message).toContain('choose a classification');
    expect((await post('/api/tab/actions', '{not json')).status).toBe(400);
    expect((await post('/api/tab/actions', { verb: 'resolve', data: { comment: 'x'.repeat(20_000) } })).status).toBe(413);
    expect((await post('/api/tab/actions', { verb: 'resolve', extra: 1 })).status).toBe(400);
    expect((await api('/api/tab/actions')).status).toBe(405);
    expect((await api('/api/tab/nowhere')).status).toBe(404);
  });
});

describe('requests from other sites', () => {
  it('refuses cross-site requests and card actions not sent as JSON', async () => {
    const action = JSON.stringify({ verb: 'startInvestigation', data: { incidentId: lowId } });
    const plain = await api('/api/tab/actions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: action });
    expect(plain.status).toBe(415);
    const foreign = await api('/api/tab/actions', { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: action });
    expect(foreign.status).toBe(403);
    const crossSite = await api('/api/tab/incidents', { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    // The tab's own requests pass.
    expect((await api('/api/tab/incidents', { headers: { 'sec-fetch-site': 'same-origin', origin: base } })).status).toBe(200);
    // Nothing was started.
    expect((await stack.graphRequests()).some((r) => r.method === 'PATCH' && r.path.includes(`/incidents/${lowId}`))).toBe(false);
  });

  it('refuses the demo identity to a page that reached this machine under another name (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: stack.bot.port, path: '/api/tab/session', headers: { host: `evil.example:${stack.bot.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
  });
});

describe('the audit trail', () => {
  it('records a card seen in the tab as a reveal, and the queue once per filter and person', async () => {
    const audit = () => stack.bot.services.store.recentAudit();
    await api(`/api/tab/incidents/${lowId}`);
    expect((await audit()).at(-1)).toMatchObject({ action: 'reveal', target: lowId, detail: 'from the tab', outcome: 'ok' });
    const views = async () => (await audit()).filter((a) => a.action === 'tab:incidents' && a.target === 'sort=newest&severity=low').length;
    const before = await views();
    for (let i = 0; i < 3; i++) await api('/api/tab/incidents?sort=newest&severity=low');
    expect(await views()).toBe(before + 1);
  });
});

describe('identity in demo mode', () => {
  it('accepts only the demo identity: a token is refused, not trusted', async () => {
    const session = await api<{ user: { name: string }; may: Record<string, boolean> }>('/api/tab/session');
    expect(session.body.user.name).toBe('Alex Wilber');
    expect(session.body.may).toEqual({ read: true, act: true, hunt: true });
    const withToken = await api('/api/tab/session', { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } });
    expect(withToken.status).toBe(401);
    expect(withToken.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('the full hunting result', () => {
  it("opens from the result card's Show all with every row and column", async () => {
    const result = await stack.say(CONV, 'hunt user-alerts user=adele.vance@contoso.com');
    const showAll = JSON.stringify(result ?? null).match(/"title":"Show all","url":"([^"]+)"/)?.[1];
    expect(showAll).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${stack.bot.port}/tab/hunt\\.html\\?result=[0-9a-f-]{36}$`));
    const id = new URL(showAll!).searchParams.get('result')!;
    const { status, body } = await api<{ rows: Record<string, unknown>[]; total: number; columns: { name: string }[]; queryName: string }>(`/api/tab/hunts/${id}`);
    expect(status).toBe(200);
    expect(body.queryName).toBe('user-alerts');
    expect(body.total).toBeGreaterThan(0);
    expect(body.rows).toHaveLength(body.total);
    expect(body.columns.length).toBeGreaterThan(0);
    expect((await api('/api/tab/hunts/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await api('/api/tab/hunts/not-a-uuid')).status).toBe(404);
  });
});

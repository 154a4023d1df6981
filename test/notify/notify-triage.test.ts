/**
 * Notify and triage through the real surfaces: activities POSTed to /api/messages, the invoke
 * responses, the cards the fake connector received, and the Graph requests the embedded tenant
 * recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, cardAction, installation, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { isWelcome, withoutWelcome } from '../support/incident-cards.js';

type InvokeBody = { statusCode: number; type: string; value: Record<string, unknown> };
const CONV = 'a:personal-alex';

let stack: Stack;
let incidentId: string;
let alertIds: string[];

const text = (card: unknown) => JSON.stringify(card);
const fact = (card: unknown, title: string) => new RegExp(`"title":"${title}","value":"([^"]*)"`).exec(text(card))?.[1];
const writes = async () => (await stack.graphRequests()).filter((r) => r.method !== 'GET');

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0 });
  stack.connector.members.set(ALEX.id, { id: ALEX.id, name: ALEX.name, userPrincipalName: ALEX.upn, aadObjectId: ALEX.aadObjectId });
  const installed = await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, CONV));
  expect(installed.status).toBe(200);
  await stack.bot.services.poller.idle();
  // Installed with nothing open: the welcome alone.
  expect([...stack.connector.messages(CONV).values()].map(isWelcome)).toEqual([true]);
});
afterAll(async () => {
  await stack?.close();
});

describe('notify', () => {
  it('posts one card for a new IRM incident, with the alerts grouped in it counted by source', async () => {
    const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', {
      severity: 'high',
      title: 'Sensitive files copied to USB by departing user',
      user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' },
      irmAlerts: 2,
      otherSources: ['microsoftDefenderForEndpoint', 'dataLossPrevention'],
    });
    expect(created.status).toBe(201);
    incidentId = created.body.incidentId;
    alertIds = created.body.alertIds;

    const result = await stack.bot.services.poller.poll();
    expect(result.posted).toBe(1);
    const cards = [...withoutWelcome(stack.connector, CONV).values()];
    expect(cards).toHaveLength(1);
    const card = cards[0];
    expect(text(card)).toContain(`Insider risk incident ${incidentId}`);
    expect(fact(card, 'User at risk')).toBe('Adele Vance (adele.vance@contoso.com)');
    expect(fact(card, 'Alerts')).toBe('2 Insider Risk Management, 1 Defender for Endpoint, 1 Data Loss Prevention');
    expect(fact(card, 'Defender status')).toBe('New');
    expect(fact(card, 'IRM status')).toBe('Needs review');

    // The poll asked Graph for IRM alerts only, with the header that reveals the evolvable member.
    const list = (await stack.graphRequests()).find((r) => r.path.endsWith('/security/alerts_v2'));
    expect(JSON.stringify(list)).toContain("serviceSource eq 'microsoftInsiderRiskManagement'");
  });

  it('does not post the same incident twice, not even after a restart', async () => {
    expect((await stack.bot.services.poller.poll()).posted).toBe(0);
    await stack.restartBot();
    expect((await stack.bot.services.poller.poll()).posted).toBe(0);
    expect([...withoutWelcome(stack.connector, CONV).values()]).toHaveLength(1);
  });
});

describe('triage from the card', () => {
  it('Start investigation sets the IRM alerts in progress, assigned to the analyst, and updates the card for everyone', async () => {
    const [activityId] = [...withoutWelcome(stack.connector, CONV).keys()];
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'startInvestigation', { incidentId }, activityId));
    expect(res.status).toBe(200);
    const body = res.body as InvokeBody;
    expect(body.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(fact(body.value, 'Defender status')).toBe('In progress');
    expect(fact(body.value, 'Assigned to')).toBe(ALEX.upn);
    expect(text(body.value)).not.toContain('Start investigation');

    const patches = (await writes()).filter((w) => w.method === 'PATCH');
    expect(patches.map((p) => p.path).sort()).toEqual([...alertIds.slice(0, 2).map((id) => `/v1.0/security/alerts_v2/${id}`), `/v1.0/security/incidents/${incidentId}`].sort());
    // Alerts: in progress, assigned. The incident: its owner only (*Update incident* does not let a
    // client set `inProgress`; Defender's incident status follows its alerts).
    for (const p of patches) expect(p.body).toEqual(p.path.includes('/incidents/') ? { assignedTo: ALEX.upn } : { status: 'inProgress', assignedTo: ALEX.upn });

    await stack.cardsRedrawn();
    const update = stack.connector.calls.find((c) => c.method === 'update');
    expect(update?.activityId).toBe(activityId);
  });

  it('refuses a resolve without classification, a forged or unknown incident and an unknown verb, writing nothing', async () => {
    const before = (await writes()).length;
    // Input the bot cannot use is a documented 400 error; an incident that does not exist is said
    // in words (a message answer). Every answer is HTTP 200, as Universal Actions require.
    const cases: [string, Record<string, unknown>, 400 | 'message', RegExp][] = [
      ['resolve', { incidentId, comment: 'no classification' }, 400, /classification/],
      ['resolve', { incidentId, classification: 'truePositive', determination: 'falsePositive/notMalicious' }, 400, /another classification/],
      ['resolve', { incidentId: '../../security/alerts_v2', classification: 'truePositive' }, 400, /incident id/],
      ['resolve', { incidentId: '999999', classification: 'falsePositive' }, 'message', /does not exist/],
      ['startInvestigation', {}, 400, /which incident/],
      ['deleteEverything', { incidentId }, 400, /not one the bot knows/],
    ];
    for (const [verb, data, answer, words] of cases) {
      const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, verb, data));
      const body = res.body as InvokeBody;
      const what = `${verb} ${JSON.stringify(data)}`;
      expect(res.status, what).toBe(200);
      if (answer === 400) {
        expect(body, what).toMatchObject({ statusCode: 400, type: 'application/vnd.microsoft.error' });
        expect(String(body.value.message)).toMatch(words);
      } else {
        expect(body, what).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
        expect(String(body.value)).toMatch(words);
      }
    }
    expect((await writes()).length).toBe(before);
  });

  it('Resolve → True positive writes the classification, the comment naming the analyst, and shows Confirmed', async () => {
    const res = await postActivity(
      stack.bot.messagesUrl,
      cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId, classification: 'truePositive', determination: 'truePositive/maliciousUserActivity', comment: 'Copied the roadmap to USB on his last day.' }),
    );
    const card = (res.body as InvokeBody).value;
    expect(fact(card, 'Defender status')).toBe('Resolved');
    expect(fact(card, 'IRM status')).toBe('Confirmed');
    expect(fact(card, 'Classification')).toBe('True positive');
    expect(fact(card, 'Determination')).toBe('Malicious user activity');
    expect(fact(card, 'Decided')).toMatch(/^Resolved as True positive by Alex Wilber \(alex.wilber@contoso.com\) in Teams/);
    // It looks resolved: a neutral header saying so, not the open card's red banner, and the comment that closed it.
    expect(text(card)).toContain('"text":"Resolved · High severity"');
    expect((card as { body: { style?: string }[] }).body[0]!.style).toBe('emphasis');
    expect(fact(card, 'Comment')).toContain('Copied the roadmap to USB on his last day.');

    for (const id of alertIds.slice(0, 2)) {
      const irm = await stack.admin<{ irmStatus: string }>('GET', `/_admin/irm/alerts/${id}`);
      expect(irm.body.irmStatus).toBe('Confirmed');
      const alert = await fetch(`${stack.graphBaseUrl}/security/alerts_v2/${id}`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json() as Promise<Record<string, unknown>>);
      expect(alert).toMatchObject({ status: 'resolved', classification: 'truePositive', determination: 'maliciousUserActivity' });
      expect(JSON.stringify(alert.comments)).toContain('by Alex Wilber (alex.wilber@contoso.com) from Microsoft Teams');
      expect(JSON.stringify(alert.comments)).toContain('Copied the roadmap to USB on his last day.');
    }
    const audit = (await stack.bot.services.store.recentAudit()).filter((a) => a.target === incidentId && a.outcome === 'ok').map((a) => a.action);
    expect(audit).toEqual(['startInvestigation', 'resolve']);
  });

  it('refuses to resolve an already-resolved incident with the card as it stands, says who decided, and writes nothing', async () => {
    const before = (await writes()).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId, classification: 'falsePositive' }));
    const body = res.body as InvokeBody;
    // Universal Actions: HTTP 200 and a documented answer, so Teams shows the bot's words.
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
    expect(JSON.stringify(body.value)).toMatch(/already resolved \(True positive, by Alex Wilber\)/);
    expect(fact(body.value, 'Defender status')).toBe('Resolved');
    expect((await writes()).length).toBe(before);
  });

  it('Resolve → False positive shows Dismissed and the IRM side follows', async () => {
    const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'megan.bowen@contoso.com' } });
    await stack.bot.services.poller.poll();
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, classification: 'falsePositive' }));
    const card = (res.body as InvokeBody).value;
    expect(fact(card, 'IRM status')).toBe('Dismissed');
    expect(fact(card, 'Determination')).toBe('Not malicious');
    const irm = await stack.admin<{ irmStatus: string }>('GET', `/_admin/irm/alerts/${created.body.alertIds[0]}`);
    expect(irm.body.irmStatus).toBe('Dismissed');
  });
});

describe('chat', () => {
  const replies = () => stack.connector.calls.filter((c) => c.method === 'reply' || c.method === 'send');

  it('help lists every command and what Defender does not carry', async () => {
    const before = replies().length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, '<at>IRM Triage</at> /help'));
    const reply = replies().slice(before)[0];
    const body = text(reply?.activity);
    for (const usage of ['help', 'incidents [high|medium|low|informational] [newest]', 'incident {id}']) expect(body).toContain(`"title":"${usage}"`);
    expect(body).toContain('risky AI usage');
  });

  it('incidents lists the open ones; incident {id} posts its card; typos get a suggestion', async () => {
    const open = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' } });
    let before = replies().length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, 'incidents'));
    const list = text(replies().slice(before)[0]?.activity);
    expect(list).toContain(`Open ${open.body.incidentId}`);
    expect(list).not.toContain(`Open ${incidentId}`); // resolved above

    before = replies().length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, `incident ${open.body.incidentId}`));
    expect(fact(replies().slice(before)[0]?.activity, 'User at risk')).toBe('Lee Gu (lee.gu@contoso.com)');

    before = replies().length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, 'incidnts'));
    expect(text(replies().slice(before)[0]?.activity)).toContain('Did you mean `incidents`?');

    before = replies().length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, 'incident 424242'));
    expect(text(replies().slice(before)[0]?.activity)).toContain('Incident 424242 does not exist');
  });

  it('incidents high lists only the High ones; a filter it does not know is refused in words', async () => {
    const high = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'megan.bowen@contoso.com' } });
    const low = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'megan.bowen@contoso.com' } });
    const say = async (words: string) => {
      const before = replies().length;
      await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, words));
      return text(replies().slice(before)[0]?.activity);
    };
    const list = await say('incidents High');
    expect(list).toContain('Open High severity insider risk incidents');
    expect(list).toContain(`Open ${high.body.incidentId}`);
    expect(list).not.toContain(`Open ${low.body.incidentId}`);
    expect(await say('incidents low')).toContain(`Open ${low.body.incidentId}`);
    const refused = await say('incidents hihg');
    expect(refused).toContain('is neither a severity nor an order');
    expect(refused).toContain('Did you mean `incidents high`?');
  });
});

describe('status', () => {
  it('gives the setup checks in chat', async () => {
    const before = stack.connector.calls.length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, 'status'));
    const reply = String(stack.connector.calls.slice(before).find((c) => c.method === 'reply')?.activity.text);
    expect(reply).toContain('✔ Permission SecurityAlert.ReadWrite.All');
    // A paragraph per check, not one run-on paragraph (a single Markdown line break is not a new line).
    expect(reply.split('\n\n').filter((p) => /^[✔✘] /.test(p)).length).toBeGreaterThan(3);
    expect(reply).not.toMatch(/[^\n]\n[^\n]/);
    expect(reply).toContain('✔ IRM alerts in the last 30 days');
  });
});

describe('bad input at /api/messages', () => {
  it('answers malformed requests with a clear 4xx and stays up', async () => {
    const raw = (body: string) => fetch(stack.bot.messagesUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await raw('{not json')).status).toBe(400);
    expect((await raw('[1,2,3]')).status).toBe(400);
    expect((await raw('{"text":"no type"}')).status).toBe(400);
    expect((await raw(JSON.stringify({ type: 'message', text: 'x'.repeat(600 * 1024) }))).status).toBe(413);
    const health = await fetch(stack.bot.messagesUrl.replace('/api/messages', '/healthz'));
    expect(health.status).toBe(200);
  });
});

describe('audit', () => {
  it('records every command and card action with who, what, when and the outcome', async () => {
    const audit = (await stack.bot.services.store.recentAudit());
    for (const action of ['command:help', 'command:incidents', 'command:incident', 'startInvestigation', 'resolve']) {
      const entry = audit.find((a) => a.action === action);
      expect(entry, action).toBeTruthy();
      expect(entry!.actor.name).toBe('Alex Wilber');
      expect(Date.parse(entry!.at)).not.toBeNaN();
    }
    // An incident that does not exist is a refusal the analyst can act on, not a failure of the bot.
    expect(audit.some((a) => a.action === 'command:incident' && a.outcome === 'refused' && /424242/.test(a.detail ?? ''))).toBe(true);
  });

  it('one rule for the outcome on every surface: refused when the asker can act on it, failed when Defender broke', async () => {
    const { incidentId: id } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'lee.gu@contoso.com' } })).body;
    const entryFor = async (action: string) => (await stack.bot.services.store.recentAudit()).filter((a) => a.action === action).at(-1);
    // Refused: bad input to a card, and a command for an incident that does not exist.
    await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: id }));
    expect(await entryFor('resolve')).toMatchObject({ outcome: 'refused' });
    // Failed: Defender answers 500 to everything, past the client's retries.
    await stack.admin('POST', '/_admin/faults', { rate: 1, kinds: ['500'], paths: ['/v1.0/security'] });
    try {
      await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'startInvestigation', { incidentId: id }));
      await stack.say(CONV, `incident ${id}`);
    } finally {
      await stack.admin('DELETE', '/_admin/faults');
    }
    expect(await entryFor('startInvestigation')).toMatchObject({ target: id, outcome: 'failed' });
    expect(await entryFor('command:incident')).toMatchObject({ target: id, outcome: 'failed' });
  });
});

describe('a click while Teams is slow to take card updates', () => {
  let slow: Stack;
  let holding = false;
  const held: (() => void)[] = [];
  beforeAll(async () => {
    slow = await startStack({
      installIn: [CONV],
      connector: { hold: ({ method }) => (holding && method === 'update' ? new Promise<void>((resolve) => held.push(resolve)) : null) },
    });
  });
  afterAll(async () => {
    holding = false;
    for (const release of held.splice(0)) release();
    await slow?.close();
  });

  it('answers the clicker with the new card at once; the posted card follows when Teams takes the update', async () => {
    const created = await slow.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    await slow.bot.services.poller.poll();
    const [activityId] = [...withoutWelcome(slow.connector, CONV).keys()];
    holding = true;
    const click = postActivity(slow.bot.messagesUrl, cardAction(slow.connector.serviceUrl, CONV, 'startInvestigation', { incidentId: created.body.incidentId }, activityId));
    const answered = await Promise.race([click, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5_000))]);
    expect(answered, 'the click was answered while Teams held the card update').not.toBeNull();
    expect(fact((answered!.body as InvokeBody).value, 'Defender status')).toBe('In progress');
    await expect.poll(() => held.length).toBe(1);
    expect(fact(slow.connector.messages(CONV).get(activityId!), 'Defender status')).toBe('New');

    holding = false;
    for (const release of held.splice(0)) release();
    await slow.cardsRedrawn();
    expect(fact(slow.connector.messages(CONV).get(activityId!), 'Defender status')).toBe('In progress');
  });
});

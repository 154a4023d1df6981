/**
 * Trust, tried from outside (issue 10): a Teams endpoint that never answers, people with no role,
 * a decision racing a poll, a store that cannot write. Everything through the real surfaces:
 * /api/messages, the invoke answer, the cards the connector received, the Graph requests the
 * tenant received, /healthz.
 */
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, MEGAN, baseActivity, cardAction, installation, postActivity, type Who } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { isWelcome, withoutWelcome } from '../support/incident-cards.js';
import { STORE_LAGS_NOTICE } from '../../src/triage/triage.js';

const MALLORY: Who = { id: 'user-id-9', name: 'Mallory', aadObjectId: '99999999-9999-9999-9999-999999999999' };
const OPERATOR_TWO: Who = { id: 'user-id-7', name: 'Operator Two', aadObjectId: '77777777-7777-7777-7777-777777777777' };

type InvokeBody = { statusCode: number; type: string; value: unknown };
const installBy = (serviceUrl: string, conversationId: string, from: Who) => ({ ...baseActivity(serviceUrl, conversationId, from), type: 'installationUpdate', action: 'add' });
const healthz = async (stack: Stack) => {
  const res = await fetch(stack.bot.messagesUrl.replace('/api/messages', '/healthz'));
  return { status: res.status, body: (await res.json()) as { ok: boolean; status: string; problems: string[]; failingConversations: { conversation: string; since: string }[] } };
};
/** The cards in a conversation, as JSON, less the bot's welcome. */
const cardsIn = (stack: Stack, conversation: string) => [...withoutWelcome(stack.connector, conversation).values()].map((c) => JSON.stringify(c));
const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000) => {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('a Teams endpoint that accepts the connection and never answers', () => {
  let stack: Stack;
  let hung: Server;
  let hungUrl: string;
  const hungRequests: string[] = [];

  beforeAll(async () => {
    hung = createServer((req) => void hungRequests.push(`${req.method} ${req.url}`)); // never answers
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}/`;
    stack = await startStack({
      env: { POLL_SCHEDULE: '*/1 * * * * *' },
      app: { schedule: true, pollStaleAfterMs: 2_000, delivery: { callTimeoutMs: 300, restMs: 2_000, baseDelayMs: 5, maxDelayMs: 20 } },
      installIn: ['a:ok-personal', '19:ok-channel@thread.tacv2'],
    });
    await postActivity(stack.bot.messagesUrl, installation(hungUrl, 'a:hung-personal'));
  });
  afterAll(async () => {
    await stack?.close();
    hung?.closeAllConnections();
    await new Promise<void>((resolve) => hung?.close(() => resolve()));
  });

  it('holds up nobody: other conversations get every new incident, and polls go on', async () => {
    const first = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    await until('the first card reached the healthy conversations', () =>
      ['a:ok-personal', '19:ok-channel@thread.tacv2'].every((c) => cardsIn(stack, c).some((card) => card.includes(`Insider risk incident ${first.body.incidentId}`))),
    );
    await until('the hung endpoint was asked to post it', () => hungRequests.length > 0);
    const completed = stack.bot.services.poller.status().lastCompletedAt;
    // A second incident while the first post to the hung endpoint still has no answer.
    const second = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'nestor.wilke@contoso.com' } });
    await until('the second card reached the healthy conversations', () =>
      ['a:ok-personal', '19:ok-channel@thread.tacv2'].every((c) => cardsIn(stack, c).some((card) => card.includes(`Insider risk incident ${second.body.incidentId}`))),
    );
    await until('another poll completed', () => stack.bot.services.poller.status().lastCompletedAt !== completed);
    // The hung conversation's cards stay owed: nothing recorded as posted there.
    expect(await stack.bot.services.store.post(first.body.incidentId, 'a:hung-personal')).toBeUndefined();
  });

  it('/healthz stays ok while polls complete, and names the failing conversation; so does `status`', async () => {
    const health = await healthz(stack);
    expect(health.status).toBe(200);
    expect(health.body.ok).toBe(true);
    expect(health.body.failingConversations.map((f) => f.conversation)).toEqual(['a:hung-personal']);
    const status = await stack.say('a:ok-personal', 'status');
    expect(String(status?.text)).toMatch(/Delivery to Teams: a:hung-personal: failing since \d{4}-\d\d-\d\dT.*did not answer within/);
  });

  it('/healthz reports unhealthy (503) when no poll has completed for several intervals, and recovers', async () => {
    expect((await stack.admin('POST', '/_admin/faults', { rate: 1, kinds: ['500'], paths: ['/v1.0/security'] })).status).toBe(204);
    try {
      await until('the bot reported polls not completing', async () => (await healthz(stack)).status === 503);
      const health = await healthz(stack);
      expect(health.body).toMatchObject({ ok: false, status: 'degraded' });
      expect(health.body.problems.join(' ')).toMatch(/No poll of Defender has completed since .* \(last error: /);
    } finally {
      await stack.admin('DELETE', '/_admin/faults');
    }
    await until('polls completed again', async () => (await healthz(stack)).status === 200);
  });
});

describe('seeing incidents needs a role', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      roles: [
        { id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] },
        { id: MEGAN.aadObjectId, defender: 'SecurityReader', purview: ['Analyst'] },
      ],
      installIn: ['a:alex'],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a personal chat of someone with no role gets the refusal and nothing else, at install and after new incidents', async () => {
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    await postActivity(stack.bot.messagesUrl, installBy(stack.connector.serviceUrl, 'a:mallory', MALLORY));
    await stack.bot.services.poller.idle();
    const reply = await stack.say('a:mallory', 'incidents', MALLORY);
    expect(String(reply?.text)).toMatch(/Sorry Mallory, to .* you need/);
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'adele.vance@contoso.com' } });
    await stack.bot.services.poller.poll();
    const toMallory = stack.connector.calls.filter((c) => c.conversationId === 'a:mallory');
    expect(toMallory.map((c) => c.method)).toEqual(['reply']);
    expect((await stack.bot.services.store.conversation('a:mallory'))).toBeUndefined();
    // Alex's chat, meanwhile, got the welcome and both.
    expect([...stack.connector.messages('a:alex').values()].filter(isWelcome)).toHaveLength(1);
    expect(cardsIn(stack, 'a:alex')).toHaveLength(2);
  });

  it('roles are re-checked before each post to a personal chat', async () => {
    await postActivity(stack.bot.messagesUrl, installBy(stack.connector.serviceUrl, 'a:megan', MEGAN));
    await stack.bot.services.poller.idle();
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'diego.siciliani@contoso.com' } });
    await stack.bot.services.poller.poll();
    const before = cardsIn(stack, 'a:megan').length;
    expect(before).toBeGreaterThan(0);
    // Megan loses her roles; the bot restarts with the new roles file.
    const rolesFile = join(dirname(stack.dbFile), 'roles.json');
    writeFileSync(rolesFile, JSON.stringify({ principals: [{ id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] }] }));
    await stack.restartBot();
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'johanna.lorenz@contoso.com' } });
    await stack.bot.services.poller.poll();
    expect(cardsIn(stack, 'a:megan')).toHaveLength(before);
    expect(cardsIn(stack, 'a:alex').some((c) => c.includes('johanna') || c.includes('Johanna'))).toBe(true);
  });

  it('the per-user refresh needs the role before any Graph request', async () => {
    const incidentId = (await stack.bot.services.store.openIncidents())[0]!.id;
    const before = (await stack.graphRequests()).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, '19:c@thread.tacv2', 'refreshIncident', { incidentId }, undefined, MALLORY));
    expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(JSON.stringify(res.body)).toMatch(/Sorry Mallory/);
    expect((await stack.graphRequests()).length).toBe(before);
    expect((await stack.bot.services.store.recentAudit()).filter((a) => a.action === 'refreshIncident').map((a) => [a.actor.name, a.outcome])).toContainEqual(['Mallory', 'refused']);
  });
});

describe('a decision racing a poll', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      gate: true,
      roles: [
        { id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] },
        { id: OPERATOR_TWO.aadObjectId, defender: 'SecurityOperator', purview: ['InsiderRiskManagement'] },
      ],
      installIn: ['a:race'],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a poll that reads the incident between the decision and its record does not call it a portal change', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' }, irmAlerts: 2 })).body;
    await stack.bot.services.poller.poll();
    let patched = false;
    const updates = () => stack.connector.calls.filter((c) => c.method === 'update' && c.conversationId === 'a:race').length;
    const updatesBefore = updates();
    const gate = stack.gate!;
    // Hold the re-read that follows the decision's last write: the decision is in Defender, the bot has not caught up.
    const hold = gate.hold((r) => patched && r.method === 'GET' && r.path.endsWith(`/security/incidents/${incidentId}`));
    const patch = gate.hold((r) => r.method === 'PATCH' && r.path.endsWith(`/security/incidents/${incidentId}`));
    const click = postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:race', 'resolve', { incidentId, classification: 'truePositive', comment: 'USB copy confirmed with HR.' }));
    await patch.arrived;
    // A poll while the incident's own PATCH is in flight: the alerts are already resolved.
    await stack.bot.services.poller.poll();
    patched = true;
    patch.release();
    await hold.arrived;
    await stack.bot.services.poller.poll();
    hold.release();
    expect(((await click).body as InvokeBody).statusCode).toBe(200);
    await stack.bot.services.poller.poll();
    // The poll and the decision both redraw the same card: Teams gets it once (every redraw closes
    // a form an analyst may have open on the card).
    expect(updates() - updatesBefore).toBe(1);

    const store = stack.bot.services.store;
    expect(await store.decision(incidentId)).toMatchObject({ action: 'resolve', classification: 'truePositive', by: { name: 'Alex Wilber' } });
    expect((await store.decision(incidentId))?.pending).toBeUndefined();
    expect(await store.outsideChange(incidentId)).toBeUndefined();
    const card = cardsIn(stack, 'a:race').find((c) => c.includes(`Insider risk incident ${incidentId}`))!;
    expect(card).toContain('Resolved as True positive by Alex Wilber in Teams');
    expect(card).not.toContain('Defender portal,');

    // The analyst who lost the race is told who decided what.
    const late = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:race', 'resolve', { incidentId, classification: 'falsePositive' }, undefined, OPERATOR_TWO));
    expect(JSON.stringify(late.body)).toMatch(/already resolved \(True positive, by Alex Wilber\)/);
  });
});

describe('racing resolves while polls run', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      // PATCHes are counted: under Graph's documented budgets, as Microsoft would hold the bot.
      quotas: true,
      roles: [
        { id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] },
        { id: OPERATOR_TWO.aadObjectId, defender: 'SecurityOperator', purview: ['InsiderRiskManagement'] },
      ],
      installIn: ['a:burst'],
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('20 clicks from two analysts and polls in a loop: one decision, shown on the card, every loser told who decided', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'pradeep.gupta@contoso.com' }, irmAlerts: 2 })).body;
    await stack.bot.services.poller.poll();
    let clicking = true;
    // Polls back to back (a tenth of a second apart, so the loop stays within Graph's budget that
    // the tenant enforces here: a loop with no pause would spend it on polls alone).
    const polls = (async () => {
      while (clicking) {
        await stack.bot.services.poller.poll();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const clicks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:burst', 'resolve', { incidentId, classification: i % 2 ? 'falsePositive' : 'truePositive', comment: 'Checked the activity.' }, undefined, i % 2 ? OPERATOR_TWO : ALEX)),
      ),
    );
    clicking = false;
    await polls;
    await stack.bot.services.poller.poll();

    const decision = (await stack.bot.services.store.decision(incidentId))!;
    expect(decision.pending).toBeUndefined();
    const winner = decision.by.name;
    const word = decision.classification === 'truePositive' ? 'True positive' : 'False positive';
    const patches = (await stack.graphRequests()).filter((r) => r.method === 'PATCH' && r.path.endsWith(`/security/incidents/${incidentId}`));
    expect(patches.map((p) => (p.body as { classification: string }).classification)).toEqual([decision.classification]);
    expect((await stack.bot.services.store.outsideChange(incidentId))).toBeUndefined();
    const card = cardsIn(stack, 'a:burst').find((c) => c.includes(`Insider risk incident ${incidentId}`))!;
    expect(card).toContain(`Resolved as ${word} by ${winner} in Teams`);
    const losers = clicks.map((c) => JSON.stringify(c.body)).filter((b) => b.includes('already resolved'));
    expect(losers.length).toBeGreaterThan(0);
    for (const loser of losers) expect(loser).toContain(`already resolved (${word}, by ${winner})`);
  });
});

describe('a store that cannot write during a decision', () => {
  let stack: Stack;
  let blocker: string;
  beforeAll(async () => {
    stack = await startStack({ installIn: ['a:store'] });
    blocker = join(dirname(stack.dbFile), `.${'db.json'}.tmp`);
  });
  afterEach(() => {
    try {
      rmdirSync(blocker);
    } catch {
      // already gone
    }
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('tells the clicker the decision is in Defender, audits it ok, reports the store on /healthz and repairs the record', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    // The store's writes fail from now on: its temporary file's place is taken by a directory.
    mkdirSync(blocker);
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:store', 'resolve', { incidentId, classification: 'truePositive', comment: 'USB copy confirmed' }));
    const body = res.body as InvokeBody;
    expect(res.status).toBe(200);
    expect(body.statusCode).toBe(200);
    expect(JSON.stringify(body.value)).toContain(STORE_LAGS_NOTICE);
    expect(/"title":"Defender status","value":"([^"]*)"/.exec(JSON.stringify(body.value))?.[1]).toBe('Resolved');
    const incident = await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}`).then((r) => r.json() as Promise<{ status: string; classification: string }>);
    expect(incident).toMatchObject({ status: 'resolved', classification: 'truePositive' });
    const audit = (await stack.bot.services.store.recentAudit()).filter((a) => a.action === 'resolve' && a.target === incidentId);
    expect(audit.map((a) => a.outcome)).toEqual(['ok']);
    expect(audit[0]!.detail).toMatch(/store could not save/);
    const health = await healthz(stack);
    expect(health.status).toBe(503);
    expect(health.body.problems.join(' ')).toMatch(/store cannot be written since/);

    // The file does not have the decision yet; the first write that succeeds saves it.
    expect(JSON.parse(readFileSync(stack.dbFile, 'utf8')).decisions[incidentId]).toBeUndefined();
    rmdirSync(blocker);
    await stack.say('a:store', 'help');
    const saved = JSON.parse(readFileSync(stack.dbFile, 'utf8')) as { decisions: Record<string, { classification: string }> };
    expect(saved.decisions[incidentId]?.classification).toBe('truePositive');
    // The audit is appended to a file of its own, which the blocked store file did not hold up.
    const appended = readFileSync(`${stack.dbFile}.audit.jsonl`, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { action: string; target?: string; outcome: string });
    expect(appended.some((a) => a.action === 'resolve' && a.target === incidentId && a.outcome === 'ok')).toBe(true);
    expect((await healthz(stack)).status).toBe(200);
  });
});

describe('an incident the poll cannot read', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ installIn: ['a:unreadable'] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is skipped and reported while every other incident is posted and the watermark advances; it is read again until it can be', async () => {
    const ids: string[] = [];
    for (const upn of ['lee.gu@contoso.com', 'nestor.wilke@contoso.com', 'isaiah.langer@contoso.com']) {
      ids.push((await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn } })).body.incidentId);
    }
    const [first, broken, third] = ids as [string, string, string];
    await stack.admin('POST', '/_admin/faults', { rate: 1, kinds: ['500'], paths: [`/v1.0/security/incidents/${broken}`] });
    const result = await stack.bot.services.poller.poll();
    expect(result.failed).toBe(1);
    const posted = cardsIn(stack, 'a:unreadable');
    expect(posted.filter((c) => c.includes(`Insider risk incident ${first}`) || c.includes(`Insider risk incident ${third}`))).toHaveLength(2);
    expect(posted.some((c) => c.includes(`Insider risk incident ${broken}`))).toBe(false);
    expect((await stack.bot.services.store.cursor()).watermark).not.toBeNull();
    const status = await stack.say('a:unreadable', 'status');
    expect(String(status?.text)).toContain(`incident ${broken}: unreadable since`);

    await stack.admin('DELETE', '/_admin/faults');
    await stack.bot.services.poller.poll();
    expect(cardsIn(stack, 'a:unreadable').some((c) => c.includes(`Insider risk incident ${broken}`))).toBe(true);
    expect((await stack.bot.services.store.unreadableIncidents())).toEqual({});
  });
});

describe('a decision whose Graph writes stall', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gate: true, quotas: true, installIn: ['a:slow'], app: { decisionBudgetMs: 500 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is answered while Defender still holds the write, then the card updates once it lands, and a second click writes nothing twice', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    const [activityId] = [...withoutWelcome(stack.connector, 'a:slow').keys()];
    const stall = stack.gate!.hold((r) => r.method === 'PATCH' && r.path.endsWith(`/security/incidents/${incidentId}`));
    const click = () => postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:slow', 'resolve', { incidentId, classification: 'truePositive', comment: 'USB copy confirmed with HR.' }, activityId));
    const first = await click();
    // Answered while the incident's PATCH is still held by the proxy.
    await stall.arrived;
    expect(first.status).toBe(200);
    expect(JSON.stringify((first.body as InvokeBody).value)).toContain('Your decision is being written to Microsoft Defender');
    const second = await click();
    expect(second.status).toBe(200);
    const updatesBefore = stack.connector.calls.filter((c) => c.method === 'update' && c.activityId === activityId).length;
    stall.release();
    await until('the posted card shows the decision', () =>
      stack.connector.calls.some((c) => c.method === 'update' && c.activityId === activityId && JSON.stringify(c.activity).includes('Resolved as True positive by Alex Wilber in Teams')),
    );
    await until('both clicks are audited', async () => (await stack.bot.services.store.recentAudit()).filter((a) => a.action === 'resolve' && a.target === incidentId).length === 2);
    const writes = (await stack.graphRequests()).filter((r) => r.method !== 'GET' && r.path.includes(`/incidents/${incidentId}`));
    expect(writes.filter((w) => w.method === 'PATCH')).toHaveLength(1);
    expect(writes.filter((w) => w.method === 'POST')).toHaveLength(1);
    expect(stack.connector.calls.filter((c) => c.method === 'update' && c.activityId === activityId).length).toBeGreaterThan(updatesBefore);
  });
});

describe('Defender throttling during a click', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ installIn: ['a:throttled'], app: { graph: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 2 } } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers HTTP 200 with the reason in words, leaves the card as it was, and writes nothing', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    await stack.bot.services.poller.poll();
    await stack.admin('POST', '/_admin/faults', { rate: 1, kinds: ['429'], paths: ['/v1.0/security/incidents'] });
    try {
      const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, 'a:throttled', 'resolve', { incidentId, classification: 'truePositive', comment: 'USB copy confirmed with HR.' }));
      expect(res.status).toBe(200);
      // A message answer: Teams shows it and keeps the clicked card.
      expect(res.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
      expect(String((res.body as InvokeBody).value)).toMatch(/Microsoft Defender did not answer \(429\)\. Try again in 1 seconds?\./);
    } finally {
      await stack.admin('DELETE', '/_admin/faults');
    }
    expect((await stack.graphRequests()).filter((r) => r.method !== 'GET' && r.status < 400)).toEqual([]);
  });
});

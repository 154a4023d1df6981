/** Old cards cannot act on a state nobody saw, and two analysts cannot both decide. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:stale';
const OTHER_OPERATOR = { id: 'user-id-7', name: 'Operator Two', aadObjectId: '77777777-7777-7777-7777-777777777777' };
let stack: Stack;

type InvokeBody = { statusCode: number; type: string; value: Record<string, unknown> };
const fact = (card: unknown, title: string) => new RegExp(`"title":"${title}","value":"([^"]*)"`).exec(JSON.stringify(card))?.[1];
const writes = async () => (await stack.graphRequests()).filter((r) => r.method !== 'GET');
const version = async (incidentId: string) => (await fetch(`${stack.graphBaseUrl}/security/incidents/${incidentId}`).then((r) => r.json() as Promise<{ lastUpdateDateTime: string }>)).lastUpdateDateTime;

beforeAll(async () => {
  stack = await startStack({
    seedIncidents: 0,
    // Request counts are asserted here: under Graph's documented budgets, as Microsoft would hold the bot.
    quotas: true,
    roles: [
      { id: ALEX.aadObjectId, defender: 'SecurityOperator', purview: ['Investigator'] },
      { id: OTHER_OPERATOR.aadObjectId, defender: 'SecurityOperator', purview: ['InsiderRiskManagement'] },
    ],
    installIn: [CONV],
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('outdated cards', () => {
  it('an action from a card drawn before the last change is refused with the current card, and writes nothing', async () => {
    const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    const old = await version(created.body.incidentId);
    await new Promise((r) => setTimeout(r, 5));
    await stack.admin('PATCH', `/_admin/alerts/${created.body.alertIds[0]}`, { assignedTo: 'someone@contoso.com' });
    const before = (await writes()).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, version: old, classification: 'falsePositive' }));
    const body = res.body as InvokeBody;
    expect(body.statusCode).toBe(200);
    expect(JSON.stringify(body.value)).toContain('changed since this card was drawn, so nothing was written');
    expect(fact(body.value, 'Defender status')).toBe('New');
    expect((await writes()).length).toBe(before);
  });

  it('an old card cannot re-classify a resolved incident', async () => {
    const created = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com' } });
    const v = await version(created.body.incidentId);
    await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, version: v, classification: 'truePositive', comment: 'USB copy confirmed with HR.' }));
    const before = (await writes()).length;
    const again = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, version: v, classification: 'falsePositive' }));
    expect(again.status).toBe(200);
    expect((again.body as InvokeBody).type).toBe('application/vnd.microsoft.card.adaptive');
    expect(JSON.stringify((again.body as InvokeBody).value)).toMatch(/already resolved \(True positive, by Alex Wilber\)/);
    expect(fact((again.body as InvokeBody).value, 'Defender status')).toBe('Resolved');
    expect((await writes()).length).toBe(before);
  });
});

describe('two analysts at once', () => {
  it('exactly one decision is written; the other is told who decided what', async () => {
    const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'nestor.wilke@contoso.com' }, irmAlerts: 2 });
    const v = await version(created.body.incidentId);
    const before = (await writes()).length;
    const [a, b] = await Promise.all([
      postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, version: v, classification: 'truePositive', comment: 'USB copy confirmed with HR.' })),
      postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, version: v, classification: 'falsePositive' }, undefined, OTHER_OPERATOR)),
    ]);
    // Both answered with a card; the loser's says who decided what.
    expect([a, b].map((r) => [r.status, (r.body as InvokeBody).type])).toEqual([
      [200, 'application/vnd.microsoft.card.adaptive'],
      [200, 'application/vnd.microsoft.card.adaptive'],
    ]);
    const losers = [a, b].map((r) => JSON.stringify((r.body as InvokeBody).value)).filter((card) => card.includes('already resolved'));
    expect(losers).toHaveLength(1);
    expect(losers[0]).toMatch(/already resolved \((True|False) positive, by (Alex Wilber|Operator Two)\)/);
    // One resolve's writes: each IRM alert patched and commented once, the incident commented and patched once.
    const mine = (await writes()).slice(before);
    expect(mine.filter((w) => w.method === 'PATCH' && w.path.includes('/alerts_v2/'))).toHaveLength(2);
    expect(mine.filter((w) => w.method === 'POST' && w.path.includes('/alerts_v2/'))).toHaveLength(2);
    expect(mine.filter((w) => w.method === 'POST' && w.path.includes('/incidents/'))).toHaveLength(1);
    expect(mine.filter((w) => w.method === 'PATCH' && w.path.includes('/incidents/'))).toHaveLength(1);
  });
});

/** The person at risk is a pseudonym where others may look; analysts with an IRM role see the name. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REFRESH_USERS } from '../../src/auth/privacy.js';
import { ALEX, MEGAN, cardAction, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CHANNEL = '19:privacy-channel@thread.tacv2';
const PERSONAL = 'a:privacy-alex';
const MALLORY = { id: 'user-id-9', name: 'Mallory', aadObjectId: '99999999-9999-9999-9999-999999999999' };
let stack: Stack;
let incidentId: string;

type InvokeBody = { statusCode: number; value: Record<string, unknown> };
const cardIn = (conversation: string) => [...stack.connector.messages(conversation).values()].find((c) => JSON.stringify(c).includes(`Insider risk incident ${incidentId}`))!;
const userFact = (card: unknown) => /"title":"User at risk","value":"([^"]*)"/.exec(JSON.stringify(card))?.[1];

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, installIn: [CHANNEL, PERSONAL] });
  incidentId = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' } })).body.incidentId;
  await stack.bot.services.poller.poll();
});
afterAll(async () => {
  await stack?.close();
});

describe('privacy of the person at risk', () => {
  it('a channel card shows a stable pseudonym and offers Reveal; the analyst’s personal chat shows the name', () => {
    const shared = JSON.stringify(cardIn(CHANNEL));
    expect(userFact(cardIn(CHANNEL))).toMatch(/^User [0-9A-F]{4}$/);
    expect(shared).not.toContain('Adele');
    expect(shared).not.toContain('adele.vance');
    expect(shared).toContain('"title":"Reveal name"');
    expect(userFact(cardIn(PERSONAL))).toBe('Adele Vance (adele.vance@contoso.com)');
  });

  it('the incident list in a channel uses the pseudonym too', async () => {
    const before = stack.connector.calls.length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CHANNEL, 'incidents'));
    const list = JSON.stringify(stack.connector.calls.slice(before).find((c) => c.method === 'reply')?.activity);
    expect(list).toContain(userFact(cardIn(CHANNEL)));
    expect(list).not.toContain('Adele');
  });

  it('analysts who used the bot get their own named view of shared cards (refresh.userIds)', async () => {
    await stack.admin('PATCH', `/_admin/alerts/${(await stack.bot.services.client.getIncident(incidentId)).alerts![0]!.id}`, { assignedTo: 'someone@contoso.com' });
    await stack.bot.services.poller.poll();
    const refresh = (cardIn(CHANNEL) as { refresh?: { action: { verb: string }; userIds: string[] } }).refresh;
    expect(refresh?.action.verb).toBe('refreshIncident');
    expect(refresh?.userIds).toContain(ALEX.id);
    expect(refresh?.userIds).not.toContain(MALLORY.id);

    const alex = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'refreshIncident', { incidentId }));
    expect(userFact((alex.body as InvokeBody).value)).toBe('Adele Vance (adele.vance@contoso.com)');
    // Someone without a role is refused before any Graph read, and keeps the shared card they have.
    const readsBefore = (await stack.graphRequests()).length;
    const mallory = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'refreshIncident', { incidentId }, undefined, MALLORY));
    expect((mallory.body as { type?: string }).type).toBe('application/vnd.microsoft.activity.message');
    expect(JSON.stringify(mallory.body)).not.toContain('Adele');
    expect((await stack.graphRequests()).length).toBe(readsBefore);
  });

  it('Reveal is checked server-side and audited', async () => {
    const megan = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'reveal', { incidentId }, undefined, MEGAN));
    expect(userFact((megan.body as InvokeBody).value)).toBe('Adele Vance (adele.vance@contoso.com)');
    const mallory = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'reveal', { incidentId }, undefined, MALLORY));
    expect(mallory.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
    expect(JSON.stringify(mallory.body)).toMatch(/Sorry Mallory, to see the name of the person at risk you need/);
    const audit = (await stack.bot.services.store.recentAudit()).filter((a) => a.action === 'reveal');
    expect(audit.map((a) => [a.actor.name, a.outcome])).toContainEqual(['Megan Bowen', 'ok']);
    expect(audit.map((a) => [a.actor.name, a.outcome])).toContainEqual(['Mallory', 'refused']);
  });

  it('a user summary asked for in a channel goes to the asker alone', async () => {
    const before = stack.connector.calls.filter((c) => c.conversationId === CHANNEL).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'userSummary', { incidentId }));
    expect(JSON.stringify((res.body as InvokeBody).value)).toContain('User risk summary');
    expect(stack.connector.calls.filter((c) => c.conversationId === CHANNEL).length).toBe(before);
  });

  it('hunting results posted in a channel show pseudonyms; the user summary is not given there', async () => {
    const say = async (text: string) => JSON.stringify(await stack.say(CHANNEL, text));
    const table = await say('hunt user-activity user=adele.vance@contoso.com');
    const cells = JSON.stringify(JSON.parse(table).attachments[0].content.body.find((b: { type: string }) => b.type === 'Table'));
    expect(cells).not.toContain('adele.vance@contoso.com');
    expect(await say('user adele.vance@contoso.com')).toContain('only give it in a personal chat');
  });
});

describe('who gets their own named view when more analysts than Teams allows have used the bot', () => {
  it('an analyst who comes back is among the most recent, though first seen before all the others', async () => {
    const channel = '19:privacy-many-channel@thread.tacv2';
    const analysts = Array.from({ length: MAX_REFRESH_USERS + 1 }, (_, i) => ({
      id: `user-id-many-${i}`,
      name: `Analyst ${i}`,
      aadObjectId: `00000000-0000-0000-0000-${String(1000 + i).padStart(12, '0')}`,
    }));
    let now = Date.now();
    const many = await startStack({
      seedIncidents: 0,
      installIn: [channel],
      roles: analysts.map((a) => ({ id: a.aadObjectId, name: a.name, defender: 'SecurityReader' as const, purview: ['Analyst' as const] })),
      app: { now: () => new Date(now) },
    });
    try {
      for (const analyst of analysts) {
        await many.say(channel, 'status', analyst);
        now += 1000;
      }
      const first = analysts[0]!;
      now += 2 * 60 * 60 * 1000;
      await many.say(channel, 'status', first);

      const { incidentId: id } = (await many.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' } })).body;
      await many.bot.services.poller.poll();
      const card = [...many.connector.messages(channel).values()].find((c) => JSON.stringify(c).includes(`Insider risk incident ${id}`)) as { refresh?: { userIds: string[] } };
      expect(card.refresh?.userIds).toHaveLength(MAX_REFRESH_USERS);
      expect(card.refresh?.userIds[0]).toBe(first.id);
      expect(card.refresh?.userIds).not.toContain(analysts[1]!.id);
    } finally {
      await many.close();
    }
  });
});

/** The shift summary, on demand and as the schedule posts it, checked against the tenant. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postShiftSummary } from '../../src/app.js';
import { cardAction, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const CHANNEL = '19:summary-channel@thread.tacv2';
const PERSONAL = 'a:summary-personal';
const fact = (card: string, title: string) => new RegExp(`"title":"${title.replace(/[()]/g, '\\$&')}","value":"([^"]*)"`).exec(card)?.[1];

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, installIn: [CHANNEL, PERSONAL] });
});
afterAll(async () => {
  await stack?.close();
});

describe('shift summary', () => {
  it('counts open incidents by severity and resolved ones by IRM outcome', async () => {
    const created: string[][] = [];
    for (const severity of ['high', 'high', 'medium', 'low']) {
      created.push((await stack.admin<{ alertIds: string[] }>('POST', '/_admin/incidents', { severity, user: { upn: 'lee.gu@contoso.com' } })).body.alertIds);
    }
    await stack.admin('PATCH', `/_admin/alerts/${created[0]![0]}`, { status: 'resolved', classification: 'truePositive' });
    await stack.admin('PATCH', `/_admin/alerts/${created[3]![0]}`, { status: 'resolved', classification: 'falsePositive' });

    const before = stack.connector.calls.length;
    await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, PERSONAL, 'summary'));
    const card = JSON.stringify(stack.connector.calls.slice(before).find((c) => c.method === 'reply')?.activity);
    expect(card).toContain('Open insider-risk incidents: 2');
    expect(card).toMatch(/"text":"Under 1 hour".*?"text":"1".*?"text":"1".*?"text":"0".*?"text":"0"/);
    expect(card).toContain('Resolved since the last summary: 2');
    expect(fact(card, 'Confirmed (True positive)')).toBe('1');
    expect(fact(card, 'Dismissed (False positive)')).toBe('1');
  });

  it('the scheduled summary goes to channels only, and starts the next period', async () => {
    const sends = () => stack.connector.calls.filter((c) => c.method === 'send' && JSON.stringify(c.activity).includes('shift summary'));
    const sent = await postShiftSummary(stack.bot.services);
    expect(sent).toBe(1);
    expect(sends().map((c) => c.conversationId)).toEqual([CHANNEL]);
    expect((await stack.bot.services.store.cursor()).lastSummaryAt).not.toBeNull();
    const next = await stack.bot.services.summary();
    expect(next.resolvedCount).toBe(0);
  });
});

describe('incidents left New, in the summary', () => {
  it('each has an Open button that posts its card where the summary is', async () => {
    // The bot's clock an hour ahead: an incident created now is an hour old, past the reminder bound.
    const later = await startStack({ seedIncidents: 0, installIn: [PERSONAL], app: { now: () => new Date(Date.now() + 60 * 60_000) } });
    try {
      const { incidentId } = (await later.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
      const before = later.connector.calls.length;
      await postActivity(later.bot.messagesUrl, message(later.connector.serviceUrl, PERSONAL, 'summary'));
      const reply = later.connector.calls.slice(before).find((c) => c.method === 'reply')?.activity as { attachments: { content: { body: { type: string; actions?: { title: string; data: Record<string, unknown> }[] }[] } }[] };
      const open = reply.attachments[0]!.content.body.find((b) => b.type === 'ActionSet')?.actions?.find((a) => a.title === `Open ${incidentId}`);
      expect(open, 'an Open button for the incident left New').toBeTruthy();
      const res = await postActivity(later.bot.messagesUrl, cardAction(later.connector.serviceUrl, PERSONAL, 'openIncident', open!.data));
      expect(JSON.stringify(res.body)).toContain(`Incident ${incidentId}'s card is posted below.`);
      expect([...later.connector.messages(PERSONAL).values()].some((c) => JSON.stringify(c).includes(`Insider risk incident ${incidentId}`))).toBe(true);
    } finally {
      await later.close();
    }
  });
});

/**
 * The right people hear of it, and nobody drowns: on-call mentions, one reminder then one
 * escalation (on a clock the test controls), and a burst of 200 incidents becoming a digest
 * against a connector that answers 429 to a share of requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, installation, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { isWelcome } from '../support/incident-cards.js';

let stack: Stack;
let botNow = new Date();
const ONCALL_CHAT = 'a:oncall-personal';

const mentionsIn = (conversation: string) =>
  stack.connector.calls
    .filter((c) => c.conversationId === conversation && c.method === 'send')
    .map((c) => ({ text: String(c.activity.text ?? ''), entities: (c.activity.entities ?? []) as { type: string; mentioned: { id: string } }[], card: JSON.stringify(c.activity.attachments ?? []) }))
    .filter((m) => m.entities.some((e) => e.type === 'mention'));

const say = async (conversation: string, text: string) => String((await stack.say(conversation, text))?.text ?? '');
const advance = (minutes: number) => (botNow = new Date(botNow.getTime() + minutes * 60_000));

beforeAll(async () => {
  stack = await startStack({
    seedIncidents: 0,
    app: { now: () => botNow },
    env: { REMIND_AFTER_MINUTES: '15', ESCALATE_AFTER_MINUTES: '10', MENTION_MIN_SEVERITY: 'high', DIGEST_THRESHOLD: '5' },
  });
  await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, ONCALL_CHAT));
  await stack.bot.services.poller.idle();
});
afterAll(async () => {
  await stack?.close();
});

describe('on call', () => {
  it('a High incident @mentions the on-call analyst; a Medium one does not', async () => {
    expect(await say(ONCALL_CHAT, 'oncall set adele.vance@contoso.com')).toContain('adele.vance@contoso.com');
    expect(await say(ONCALL_CHAT, 'oncall escalation megan.bowen@contoso.com')).toContain('megan.bowen@contoso.com');
    // Each change is audited once, precisely (not again as a bare command).
    const audit = (await stack.bot.services.store.recentAudit()).map((a) => a.action);
    expect(audit.filter((a) => a === 'oncall.set' || a === 'oncall.escalation')).toEqual(['oncall.set', 'oncall.escalation']);
    expect(audit).not.toContain('command:oncall');
    await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    await stack.admin('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com' } });
    await stack.bot.services.poller.poll();
    const mentions = mentionsIn(ONCALL_CHAT);
    expect(mentions).toHaveLength(1);
    expect(mentions[0]!.entities[0]!.mentioned.id).toBe('adele.vance@contoso.com');
    expect(mentions[0]!.text).toMatch(/new High severity insider-risk incident/);
  });

  it('an incident left New gets one reminder, then one escalation, at the configured times', async () => {
    const reminders = () => mentionsIn(ONCALL_CHAT).filter((m) => m.card.includes('is still New'));
    advance(14);
    await stack.bot.services.poller.poll();
    expect(reminders()).toHaveLength(0);

    advance(2); // 16 minutes: past REMIND_AFTER_MINUTES
    await stack.bot.services.poller.poll();
    await stack.bot.services.poller.poll();
    expect(reminders()).toHaveLength(1);
    expect(reminders()[0]!.card).toContain('Reminder: incident');
    expect(reminders()[0]!.entities[0]!.mentioned.id).toBe('adele.vance@contoso.com');

    advance(10); // 26 minutes: past the escalation delay
    await stack.bot.services.poller.poll();
    await stack.bot.services.poller.poll();
    expect(reminders()).toHaveLength(2);
    expect(reminders()[1]!.card).toContain('Escalation: incident');
    expect(reminders()[1]!.entities[0]!.mentioned.id).toBe('megan.bowen@contoso.com');

    // Once the incident is resolved in the portal, the poller forgets its reminder record.
    const reminded = Object.keys((await stack.bot.services.store.reminders()));
    expect(reminded.length).toBeGreaterThan(0);
    for (const id of reminded) {
      const incident = await stack.bot.services.triage.getIrmIncident(id);
      for (const alert of incident.alerts ?? []) await stack.admin('PATCH', `/_admin/alerts/${alert.id}`, { status: 'resolved', classification: 'falsePositive' });
    }
    await stack.bot.services.poller.poll();
    expect((await stack.bot.services.store.reminders())).toEqual({});
  });

  it('Start investigation stops reminders', async () => {
    botNow = new Date(); // the tenant stamps incidents with the real clock
    const created = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'nestor.wilke@contoso.com' } });
    await stack.bot.services.poller.poll();
    await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, ONCALL_CHAT, 'startInvestigation', { incidentId: created.body.incidentId }));
    const before = mentionsIn(ONCALL_CHAT).length;
    advance(60);
    await stack.bot.services.poller.poll();
    expect(mentionsIn(ONCALL_CHAT).filter((m) => m.card.includes(`incident ${created.body.incidentId} is still New`))).toHaveLength(0);
    expect(mentionsIn(ONCALL_CHAT).length).toBe(before);
  });

  it('answers bad on-call input with what was expected', async () => {
    expect(await say(ONCALL_CHAT, 'oncall set adele')).toMatch(/user principal name/);
    expect(await say(ONCALL_CHAT, 'oncall rotation adele.vance@contoso.com every fortnight at 09:00')).toMatch(/day or week/);
    expect(await say(ONCALL_CHAT, 'oncall rotation adele.vance@contoso.com every day at 25:99')).toMatch(/time/);
    expect(await say(ONCALL_CHAT, 'oncall threshold critical')).toMatch(/low, medium or high/);
  });
});

describe('bursts', () => {
  let burst: Stack;
  const CHANNEL = '19:burst-channel@thread.tacv2';
  beforeAll(async () => {
    burst = await startStack({
      seedIncidents: 0,
      // Runs of four 429s get past the connector client's own three retries to the bot's.
      connector: { throttle: { share: 0.6, runLength: 4, retryAfterSeconds: 0, retryAfterMs: 10 } },
      app: { delivery: { baseDelayMs: 5, maxDelayMs: 20 } },
    });
    await postActivity(burst.bot.messagesUrl, installation(burst.connector.serviceUrl, CHANNEL));
    await burst.bot.services.poller.idle();
    // Installed with nothing open: the welcome alone.
    expect(incidentSends().length).toBe(0);
    expect(burst.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'send').map((c) => isWelcome(c.activity))).toEqual([true]);
  });
  /** What the channel was sent after the bot's welcome. */
  const incidentSends = () => burst.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'send' && !isWelcome(c.activity));
  afterAll(async () => {
    await burst?.close();
  });

  it('200 incidents in one poll become one digest; none is lost or posted twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      ids.push((await burst.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: i % 2 ? 'high' : 'medium', user: { upn: `user${i % 7}@contoso.com` } })).body.incidentId);
    }
    const result = await burst.bot.services.poller.poll();
    expect(result.failed).toBe(0);
    const sends = incidentSends();
    expect(sends).toHaveLength(1);
    const digest = JSON.stringify(sends[0]!.activity);
    expect(digest).toContain('200');
    // A channel: the top users are pseudonyms.
    expect(digest).not.toMatch(/user\d@contoso\.com/);
    expect(digest).toMatch(/User [0-9A-F]{4}/);
    const posts = await Promise.all(ids.map((id) => burst.bot.services.store.post(id, CHANNEL)));
    expect(posts.every((p) => p?.kind === 'digest' && p.activityId === sends[0]!.activityId)).toBe(true);
    expect(burst.connector.attempts.filter((a) => a.status === 429).length).toBeGreaterThan(0);

    expect((await burst.bot.services.poller.poll()).posted).toBe(0);
    expect(incidentSends()).toHaveLength(1);

    // Open from the digest: the incident's card is posted, the digest stays for the next one.
    const open = JSON.stringify(sends[0]!.activity).match(/"verb":"openIncident","data":(\{[^}]*\})/);
    expect(open).not.toBeNull();
    const data = JSON.parse(open![1]!) as { incidentId: string; from: string };
    expect(data.from).toBe('digest');
    const clicked = await postActivity(burst.bot.messagesUrl, cardAction(burst.connector.serviceUrl, CHANNEL, 'openIncident', data, sends[0]!.activityId));
    expect(clicked.body).toEqual({ statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: `Incident ${data.incidentId}'s card is posted below.` });
    const cardsAfter = incidentSends();
    expect(cardsAfter).toHaveLength(2);
    expect(JSON.stringify(cardsAfter[1]!.activity)).toContain(`Insider risk incident ${data.incidentId}`);
    // From now on that card, not the digest, follows the incident in the channel.
    const post = await burst.bot.services.store.post(data.incidentId, CHANNEL);
    expect(post?.activityId).toBe(cardsAfter[1]!.activityId);
    expect(post?.kind).not.toBe('digest');
    expect(burst.connector.calls.filter((c) => c.method === 'update')).toHaveLength(0);
  });

  it('below the threshold each incident gets its own card, all delivered through the 429s', async () => {
    const before = burst.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'send').length;
    for (let i = 0; i < 5; i++) await burst.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } });
    const result = await burst.bot.services.poller.poll();
    expect(result.posted).toBe(5);
    expect(burst.connector.calls.filter((c) => c.conversationId === CHANNEL && c.method === 'send').length).toBe(before + 5);
  });
});

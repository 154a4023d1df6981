/**
 * Text from outside cannot make markup: an incident title, a person's display name in the
 * evidence, the Teams name of who decided, an assignee, who changed the incident in the portal and
 * the on-call contact's name, each `[click me](…) **bold** <at>Eve</at>`, reach every card and
 * message Teams receives escaped. Checked on what the fake connector received and what the
 * invokes answered, through /api/messages and the embedded tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, baseActivity, cardAction, postActivity, type Who } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const HOSTILE = '[click me](https://evil.example/phish) **bold** <at>Eve</at>';
/** As a card's markdown shows it: the same text, every syntax character backslash-escaped. */
const IN_CARD = '\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* \\<at\\>Eve\\</at\\>';
/** As a message's text shows it: `<` and `>` as entities, so no tag. */
const IN_MESSAGE = '\\[click me\\](https://evil.example/phish) \\*\\*bold\\*\\* &lt;at&gt;Eve&lt;/at&gt;';
const UPN = 'eve.hostile@contoso.com';
/** A UPN-shaped portal user, as the tenant's admin API accepts one (no spaces). */
const PORTAL_USER = '[click](https://evil.example/phish)**bold**<at>Eve</at>@evil.example';

const CONV = 'a:escaping-alex';
/** A guest whose display name is theirs to choose. */
const GUEST = { id: 'user-id-guest', name: HOSTILE, aadObjectId: '00000000-0000-0000-0000-0000000000077' };
/** Alex's account (so Alex's roles), with the name Teams sends set to the hostile text. */
const RENAMED_ALEX = { id: 'user-id-renamed', name: HOSTILE, aadObjectId: ALEX.aadObjectId };

let stack: Stack;
let botNow = new Date();
let incidentId: string;
const invokeAnswers: unknown[] = [];

type Activity = Record<string, unknown>;
type MentionEntity = { type: string; text?: string };

/** The link's opening bracket, not escaped. */
const RAW_LINK = /(?<!\\)\[click/;

/** Every string in a card (or anything else), however deep. */
function strings(node: unknown, found: string[] = []): string[] {
  if (typeof node === 'string') found.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, found);
  else if (node && typeof node === 'object') for (const value of Object.values(node)) strings(value, found);
  return found;
}

/** What in a card's text would still be markup: the raw link, unescaped bold, an `<at>` not escaped. */
function cardProblems(card: unknown): string[] {
  return strings(card).filter((s) => RAW_LINK.test(s) || s.includes('**bold**') || /(?<!\\)<\/?at>/i.test(s));
}

/** What in a message's own text would be markup: the same, and any `<at>` that is not a real mention (one with its entity). */
function messageProblems(activity: Activity): string[] {
  const entities = ((activity.entities ?? []) as MentionEntity[]).filter((e) => e.type === 'mention');
  let text = String(activity.text ?? '');
  const problems: string[] = [];
  for (const entity of entities) {
    const mention = entity.text ?? '';
    if (!/^<at>[^<>]*<\/at>$/.test(mention) || mention.includes('**bold**') || RAW_LINK.test(mention)) problems.push(`mention ${mention}`);
    if (!text.includes(mention)) problems.push(`mention not in the text: ${mention}`);
    text = text.split(mention).join(' ');
  }
  if (/<\/?at[\s>]/i.test(text) || text.includes('**bold**') || RAW_LINK.test(text)) problems.push(`text ${text}`);
  return problems;
}

function problemsIn(activity: Activity): string[] {
  return [...messageProblems(activity), ...cardProblems(activity.attachments ?? [])];
}

const callsSince = (n: number) => stack.connector.calls.slice(n).filter((c) => c.conversationId === CONV);
/** A fact's value, as the card holds it. */
function fact(node: unknown, title: string): string | undefined {
  if (Array.isArray(node)) return node.map((item) => fact(item, title)).find((v) => v !== undefined);
  if (!node || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  if (record.title === title && typeof record.value === 'string') return record.value;
  return fact(Object.values(record), title);
}
const cardOf = (activity: Activity | undefined) => (activity?.attachments as { content: Activity }[] | undefined)?.[0]?.content;
const advance = (minutes: number) => (botNow = new Date(botNow.getTime() + minutes * 60_000));

async function invoke(verb: string, data: Record<string, unknown>, from: Who = ALEX): Promise<Activity> {
  const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, verb, data, undefined, from));
  invokeAnswers.push(res.body);
  await stack.cardsRedrawn();
  return (res.body as { value: Activity }).value;
}

beforeAll(async () => {
  stack = await startStack({
    seedIncidents: 0,
    app: { now: () => botNow },
    env: { REMIND_AFTER_MINUTES: '1', ESCALATE_AFTER_MINUTES: '600', MENTION_MIN_SEVERITY: 'high', DIGEST_THRESHOLD: '3' },
    installIn: [CONV],
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

describe('escaping what came from outside', () => {
  it('oncall: a contact named by @mention is escaped in the answer and in the mention text', async () => {
    // As Teams delivers an @mention: the entity carries the person's name.
    const set = { ...baseActivity(stack.connector.serviceUrl, CONV), type: 'message', text: 'oncall set <at>Guest</at>', entities: [{ type: 'mention', text: '<at>Guest</at>', mentioned: { id: GUEST.id, name: GUEST.name, aadObjectId: GUEST.aadObjectId } }] };
    const before = stack.connector.calls.length;
    await postActivity(stack.bot.messagesUrl, set);
    const setReply = callsSince(before).find((c) => c.method === 'reply')!.activity;
    const answer = (await stack.say(CONV, 'oncall'))!;
    expect(problemsIn(setReply)).toEqual([]);
    expect(problemsIn(answer)).toEqual([]);
    expect(setReply.text).toBe(`${IN_MESSAGE} is on call now.`);
    expect(String(answer.text)).toContain(`**On call:** ${IN_MESSAGE}\n\n`);
  });

  it('the incident card and the mention that comes with it', async () => {
    botNow = new Date(); // the tenant stamps incidents with the real clock
    const created = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', title: HOSTILE, user: { upn: UPN, displayName: HOSTILE } });
    incidentId = created.body.incidentId;
    const before = stack.connector.calls.length;
    await stack.bot.services.poller.poll();
    const sent = callsSince(before).filter((c) => c.method === 'send');
    expect(sent).toHaveLength(1);
    expect(problemsIn(sent[0]!.activity)).toEqual([]);
    const card = cardOf(sent[0]!.activity);
    // Defender names the incident after its alert: "{alert title} involving one user".
    expect(strings(card)).toContain(`${IN_CARD} involving one user`);
    expect(fact(card, 'User at risk')).toBe(`${IN_CARD} (${UPN})`);
    // The on-call contact is paged: a real mention, its name escaped.
    expect(sent[0]!.activity.entities).toEqual([{ type: 'mention', text: `<at>${IN_MESSAGE}</at>`, mentioned: { id: GUEST.id, name: HOSTILE } }]);
  });

  it('the incident list (`incidents`)', async () => {
    const list = (await stack.say(CONV, 'incidents'))!;
    expect(problemsIn(list)).toEqual([]);
    const texts = strings(cardOf(list));
    expect(texts.some((t) => t.includes(IN_CARD))).toBe(true);
    expect(texts.some((t) => t.includes(`${IN_CARD} (${UPN})`))).toBe(true);
  });

  it('the digest', async () => {
    for (let i = 0; i < 4; i++) await stack.admin('POST', '/_admin/incidents', { severity: 'medium', title: HOSTILE, user: { upn: UPN, displayName: HOSTILE } });
    const before = stack.connector.calls.length;
    await stack.bot.services.poller.poll();
    const sent = callsSince(before).filter((c) => c.method === 'send');
    expect(sent).toHaveLength(1);
    expect(problemsIn(sent[0]!.activity)).toEqual([]);
    const texts = strings(cardOf(sent[0]!.activity));
    expect(texts).toContain('4 new insider-risk incidents');
    expect(texts.some((t) => t.includes(`· ${IN_CARD}`))).toBe(true);
    expect(texts).toContain(`${IN_CARD} (${UPN}): 4 incidents`);
  });

  it('the reminder, and its mention of the on-call contact', async () => {
    advance(2);
    const before = stack.connector.calls.length;
    await stack.bot.services.poller.poll();
    const reminder = callsSince(before).find((c) => c.method === 'send' && JSON.stringify(c.activity).includes('is still New'))!;
    expect(problemsIn(reminder.activity)).toEqual([]);
    expect(strings(cardOf(reminder.activity))).toContain(`${IN_CARD} involving one user: nobody has started investigating after 2 minutes.`);
    expect(reminder.activity.text).toBe(`<at>${IN_MESSAGE}</at>: reminder: incident ${incidentId} is still new`);
  });

  it('who decided in Teams (their Teams name) and the assignee Defender now shows', async () => {
    const before = stack.connector.calls.length;
    // Without a UPN from Teams, the analyst's name is what the incident is assigned to.
    const card = await invoke('startInvestigation', { incidentId }, RENAMED_ALEX);
    expect(cardProblems(card)).toEqual([]);
    expect(fact(card, 'Assigned to')).toBe(IN_CARD);
    expect(fact(card, 'Decided')).toMatch(/^Investigation started by \\\[click me\\\]\(https:\/\/evil\.example\/phish\) \\\*\\\*bold\\\*\\\* \\<at\\>Eve\\<\/at\\> in Teams, \{\{DATE\(/);
    // The posted card is redrawn for everyone, the same way.
    const update = callsSince(before).find((c) => c.method === 'update')!;
    expect(problemsIn(update.activity)).toEqual([]);
    expect(fact(cardOf(update.activity), 'Assigned to')).toBe(IN_CARD);
  });

  it('a change made in the portal, told on the card with who made it', async () => {
    const incident = await stack.bot.services.triage.getIrmIncident(incidentId);
    for (const alert of incident.alerts ?? []) await stack.admin('PATCH', `/_admin/alerts/${alert.id}`, { status: 'resolved', classification: 'falsePositive', by: PORTAL_USER });
    const before = stack.connector.calls.length;
    await stack.bot.services.poller.poll();
    const update = callsSince(before).find((c) => c.method === 'update' && JSON.stringify(c.activity).includes(`Insider risk incident ${incidentId}`))!;
    expect(problemsIn(update.activity)).toEqual([]);
    const notice = strings(cardOf(update.activity)).find((t) => t.includes('in the Defender portal'));
    expect(notice).toMatch(/^Resolved as False positive by \\\[click\\\]\(https:\/\/evil\.example\/phish\)\\\*\\\*bold\\\*\\\*\\<at\\>Eve\\<\/at\\>@evil\.example in the Defender portal, \{\{DATE\(/);
  });

  it('the user summary', async () => {
    const before = stack.connector.calls.length;
    await invoke('userSummary', { incidentId });
    const sent = callsSince(before).find((c) => c.method === 'send' && JSON.stringify(c.activity).includes('User risk summary'))!;
    expect(problemsIn(sent.activity)).toEqual([]);
    const texts = strings(cardOf(sent.activity));
    expect(texts).toContain(`${IN_CARD} (${UPN})`);
    expect(texts.some((t) => t.includes(`· ${IN_CARD} (incident`))).toBe(true);
  });

  it('nothing Teams received, the shift summary included, and no card an invoke answered, carries the text as markup', async () => {
    // The summary names no incident title or person (counts and incident ids only), so it is swept with the rest.
    expect(JSON.stringify(await stack.say(CONV, 'summary'))).toContain('Insider risk shift summary');
    const sent = stack.connector.calls.filter((c) => c.conversationId === CONV);
    expect(sent.length).toBeGreaterThan(5);
    expect(sent.flatMap((c) => problemsIn(c.activity))).toEqual([]);
    expect(invokeAnswers.flatMap((a) => cardProblems(a))).toEqual([]);
  });
});

/**
 * Added to a conversation, the bot introduces itself once, then offers the incidents already open
 * as one digest card (not a card each); incidents created after that get cards of their own.
 * Through /api/messages and what the fake connector received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botAdded, cardAction, installation, postActivity } from '../support/activities.js';
import { incidentIdsOn, isBacklogDigest, isWelcome } from '../support/incident-cards.js';
import { startStack, type Stack } from '../support/stack.js';

const PERSONAL = 'a:welcome-personal';
const GROUP = '19:welcome-group@thread.v2';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ seedIncidents: 8 });
});
afterAll(async () => {
  await stack?.close();
});

const sends = (conversation: string) => stack.connector.calls.filter((c) => c.method === 'send' && c.conversationId === conversation);
const cardOf = (activity: Record<string, unknown>) => (activity.attachments as { content: Record<string, unknown> }[] | undefined)?.[0]?.content;
const text = (value: unknown) => JSON.stringify(value);

/** The open IRM incidents, as Defender lists them (IRM is an evolvable member of serviceSource: ask for it). */
async function openIrmIncidents(): Promise<{ id: string; severity: string }[]> {
  const res = await fetch(`${stack.tenant.graphBaseUrl}/security/incidents?$expand=alerts&$top=50`, { headers: { Prefer: 'include-unknown-enum-members' } });
  const body = (await res.json()) as { value: { id: string; status: string; severity: string; alerts: { serviceSource: string }[] }[] };
  return body.value.filter((i) => i.status !== 'resolved' && i.alerts.some((a) => a.serviceSource === 'microsoftInsiderRiskManagement'));
}

async function install(activity: Record<string, unknown>): Promise<void> {
  expect((await postActivity(stack.bot.messagesUrl, activity)).status).toBe(200);
  await stack.bot.services.poller.idle();
}

describe('welcome and install backlog', () => {
  it('personal chat: exactly one welcome, then one digest listing the open backlog', async () => {
    const open = await openIrmIncidents();
    expect(open.length).toBeGreaterThan(1);
    await install(installation(stack.connector.serviceUrl, PERSONAL));

    const [welcome, digest, ...more] = sends(PERSONAL).map((c) => cardOf(c.activity));
    expect(more).toEqual([]);
    expect(isWelcome(welcome)).toBe(true);
    expect(isBacklogDigest(digest)).toBe(true);

    // What it does, how to subscribe and unsubscribe here, where the tab is, what follows.
    const words = text(welcome);
    expect(words).toContain('Microsoft Purview Insider Risk Management incidents from Microsoft Defender XDR');
    expect(words).toContain('New insider-risk incidents posted here: Informational severity and above.');
    for (const command of ['`subscribe severity>=high`', '`unsubscribe`', '`subscriptions`', '`hunt`', '`help`']) expect(words).toContain(command);
    expect(words).toContain(`The ${open.length} incidents already open when I arrived follow in one summary card`);
    expect(words).toContain('Insider risk queue');
    expect(words).not.toContain('pseudonym');
    const tabUrl = stack.bot.messagesUrl.replace(/\/api\/messages$/, '/tab/index.html');
    expect(welcome!.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open the queue', url: tabUrl }]);
    expect((await fetch(tabUrl)).status).toBe(200);

    // Every open incident on the digest, each with its Open button; named, in the owner's own chat.
    expect(incidentIdsOn(digest).sort()).toEqual(open.map((i) => i.id).sort());
    expect(text(digest)).toContain(`${open.length} open insider-risk incidents`);
    expect(text(digest)).not.toMatch(/User [0-9A-F]{4}/);
  });

  it('an Open button on the backlog digest posts that incident’s card', async () => {
    const digest = sends(PERSONAL)[1]!;
    const [first] = incidentIdsOn(cardOf(digest.activity));
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, PERSONAL, 'openIncident', { incidentId: first, from: 'digest' }, digest.activityId));
    expect((res.body as { statusCode: number }).statusCode).toBe(200);
    expect(text(cardOf(sends(PERSONAL).at(-1)!.activity))).toContain(`Insider risk incident ${first}`);
  });

  it('a second install event, and installing it again, do not introduce it twice', async () => {
    const before = sends(PERSONAL).length;
    await install(botAdded(stack.connector.serviceUrl, PERSONAL));
    await stack.bot.services.poller.poll();
    await install(installation(stack.connector.serviceUrl, PERSONAL, 'remove'));
    expect(await stack.bot.services.store.conversation(PERSONAL)).toBeUndefined();
    await install(installation(stack.connector.serviceUrl, PERSONAL));
    expect(await stack.bot.services.store.conversation(PERSONAL)).toBeDefined();
    await stack.bot.services.poller.poll();
    expect(sends(PERSONAL).slice(before)).toEqual([]);
    expect(sends(PERSONAL).filter((c) => isWelcome(c.activity))).toHaveLength(1);
  });

  it('after the backlog, a new incident gets a card of its own', async () => {
    const { incidentId } = (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    const before = sends(PERSONAL).length;
    await stack.bot.services.poller.poll();
    const added = sends(PERSONAL).slice(before).map((c) => cardOf(c.activity));
    expect(added).toHaveLength(1);
    expect(text(added[0])).toContain(`Insider risk incident ${incidentId}`);
  });

  it('group chat: the welcome says people at risk go by pseudonyms, and the digest holds what the chat hears of (Medium and above)', async () => {
    const wanted = (await openIrmIncidents()).filter((i) => i.severity === 'medium' || i.severity === 'high');
    expect(wanted.length).toBeGreaterThan(0);
    const activity = installation(stack.connector.serviceUrl, GROUP);
    await install({ ...activity, conversation: { ...activity.conversation, conversationType: 'groupChat' } });

    const [welcome, digest, ...more] = sends(GROUP).map((c) => cardOf(c.activity));
    expect(more).toEqual([]);
    expect(isWelcome(welcome)).toBe(true);
    expect(text(welcome)).toContain('I was added to this group chat');
    expect(text(welcome)).toContain('New insider-risk incidents posted here: Medium severity and above.');
    expect(text(welcome)).toContain('named by a pseudonym');
    expect(isBacklogDigest(digest)).toBe(true);
    expect(incidentIdsOn(digest).sort()).toEqual(wanted.map((i) => i.id).sort());
    expect(text(digest)).not.toContain('@contoso.com');
    expect(text(digest)).toMatch(/User [0-9A-F]{4}/);
  });
});

describe('a welcome Teams refused', () => {
  let refusing: Stack;
  let refuse = true;
  beforeAll(async () => {
    refusing = await startStack({
      seedIncidents: 8,
      app: { delivery: { restMs: 1 } },
      connector: { refuse: ({ method }) => (refuse && method === 'send' ? { status: 403 } : null) },
    });
  });
  afterAll(async () => {
    await refusing?.close();
  });

  it('is sent again at the next poll, still before the backlog, which waits for it', async () => {
    await postActivity(refusing.bot.messagesUrl, installation(refusing.connector.serviceUrl, 'a:refused'));
    await refusing.bot.services.poller.idle();
    expect(refusing.connector.attempts.filter((a) => a.conversationId === 'a:refused')).toHaveLength(1);
    expect(refusing.connector.calls).toEqual([]);
    refuse = false;
    await new Promise((r) => setTimeout(r, 20));
    await refusing.bot.services.poller.poll();
    const cards = refusing.connector.calls.filter((c) => c.conversationId === 'a:refused').map((c) => cardOf(c.activity));
    expect(cards.map((c) => [isWelcome(c), isBacklogDigest(c)])).toEqual([[true, false], [false, true]]);
  });
});

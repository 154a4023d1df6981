/**
 * The user summary says who the person is (department, job title, manager, from Defender's
 * IdentityInfo), how many earlier incidents the bot has seen about them, and that their Insider
 * Risk Management risk score is in Purview: through /api/messages, over the embedded tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const PERSONAL = 'a:summary-alex';
const CHANNEL = '19:summary-channel@thread.tacv2';
const ADELE = { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' };
const PURVIEW = 'https://purview.microsoft.com/insiderriskmgmt';

type Card = { body?: unknown[] };
let stack: Stack;
let openIncidentId: string;

/** The card's facts by title (the first FactSet that has them). */
function facts(card: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const element = node as { type?: string; facts?: { title: string; value: string }[] };
    if (element.type === 'FactSet') for (const fact of element.facts ?? []) out[fact.title] ??= fact.value;
    Object.values(node).forEach(walk);
  };
  walk((card as Card).body);
  return out;
}

const summaryCard = (activity: Record<string, unknown> | undefined) => (activity?.attachments as { content: unknown }[] | undefined)?.[0]?.content;

async function newIncident(user: { upn: string; displayName: string }): Promise<string> {
  return (await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user })).body.incidentId;
}

/** Resolved in the Defender portal: each of its alerts, so the incident follows. */
async function resolveInPortal(incidentId: string): Promise<void> {
  for (const alert of (await stack.bot.services.client.getIncident(incidentId)).alerts ?? []) {
    await stack.admin('PATCH', `/_admin/alerts/${alert.id}`, { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' });
  }
}

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, installIn: [PERSONAL, CHANNEL] });
  // Two of Adele's incidents come and are resolved; a third is open now.
  const first = await newIncident(ADELE);
  const second = await newIncident(ADELE);
  await stack.bot.services.poller.poll();
  await resolveInPortal(first);
  await resolveInPortal(second);
  openIncidentId = await newIncident(ADELE);
  await stack.bot.services.poller.poll();
  await stack.cardsRedrawn();
});
afterAll(async () => {
  await stack?.close();
});

describe('the user summary says who the person is', () => {
  it("shows department, job title, manager and earlier incidents at the top, and where IRM's risk score is", async () => {
    const before = (await stack.graphRequests()).length;
    const card = summaryCard(await stack.say(PERSONAL, `user ${ADELE.upn}`));
    const json = JSON.stringify(card);
    expect(json).toContain('Adele Vance (adele.vance@contoso.com)');
    const shown = facts(card);
    expect(shown).toMatchObject({ Department: 'Retail', 'Job title': 'Product Manager', Manager: 'Miriam Graham' });
    expect(shown['Earlier incidents']).toMatch(/^Seen in 2 earlier incidents \(resolved\) since \{\{DATE\(/);
    // Who they are comes before what they did.
    expect(json.indexOf('"Department"')).toBeLessThan(json.indexOf('Open Insider Risk Management incidents'));
    expect(json).toContain(`Their Insider Risk Management risk score and risk level are not in Defender: see them on the Users page of [Insider Risk Management in Microsoft Purview](${PURVIEW}).`);

    // One hunting query more than before, about IdentityInfo; the history is the bot's own (no incident read).
    const requests = (await stack.graphRequests()).slice(before);
    const hunts = requests.filter((r) => r.path.endsWith('/security/runHuntingQuery'));
    expect(hunts).toHaveLength(3);
    const identity = hunts.filter((r) => String((r.body as { Query?: string }).Query).startsWith('IdentityInfo'));
    expect(identity).toHaveLength(1);
    expect((identity[0]!.body as { Query: string }).Query).toContain('where AccountUpn =~ "adele.vance@contoso.com"');
    expect(requests.filter((r) => r.path.includes('/security/incidents'))).toEqual([]);
  });

  it("says \"Not in Defender's identity data\" for someone Defender has no identity row for", async () => {
    const card = summaryCard(await stack.say(PERSONAL, 'user nobody.known@contoso.com'));
    const shown = facts(card);
    expect(shown).toMatchObject({ Department: "Not in Defender's identity data", 'Job title': "Not in Defender's identity data", Manager: "Not in Defender's identity data" });
    expect(shown['Earlier incidents']).toMatch(/^None seen since /);
    expect(JSON.stringify(card)).toContain(PURVIEW);
  });

  it('in a channel, names the manager only where it names the person: to the asker alone, while the channel sees pseudonyms', async () => {
    const before = stack.connector.calls.filter((c) => c.conversationId === CHANNEL).length;
    const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CHANNEL, 'userSummary', { incidentId: openIncidentId }));
    const answer = (res.body as { value: unknown }).value;
    expect(facts(answer)).toMatchObject({ Department: 'Retail', 'Job title': 'Product Manager', Manager: 'Miriam Graham' });
    expect(JSON.stringify(answer)).toContain('Adele Vance');

    // Nothing was posted for the channel to read, and what it has names neither person.
    expect(stack.connector.calls.filter((c) => c.conversationId === CHANNEL).length).toBe(before);
    const channel = JSON.stringify([...stack.connector.messages(CHANNEL).values()]);
    expect(channel).toMatch(/User [0-9A-F]{4}/);
    for (const name of ['Adele', 'adele.vance', 'Miriam', 'Graham']) expect(channel).not.toContain(name);
  });
});

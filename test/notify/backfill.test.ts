/** A conversation the app is installed in is offered the newest open incidents, in one digest card after the welcome, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installation, postActivity } from '../support/activities.js';
import { incidentIdsOn, isBacklogDigest, isWelcome } from '../support/incident-cards.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ seedIncidents: 8, env: { BACKFILL_LIMIT: '5', DIGEST_THRESHOLD: '2' } });
  await stack.bot.services.poller.poll(); // the bot knows the tenant before anyone installs it
});
afterAll(async () => {
  await stack?.close();
});

/** The open incidents with an IRM alert, as Defender lists them (IRM is an evolvable member of serviceSource: ask for it). */
async function openIrmIncidents(): Promise<{ id: string; createdDateTime: string }[]> {
  const res = await fetch(`${stack.tenant.graphBaseUrl}/security/incidents?$expand=alerts&$top=50`, { headers: { Prefer: 'include-unknown-enum-members' } });
  const body = (await res.json()) as { value: { id: string; status: string; createdDateTime: string; alerts: { serviceSource: string }[] }[] };
  return body.value.filter((i) => i.status !== 'resolved' && i.alerts.some((a) => a.serviceSource === 'microsoftInsiderRiskManagement'));
}

describe('install backfill', () => {
  it('offers the newest open incidents, up to the limit, in one digest after the welcome, and only once', async () => {
    const open = await openIrmIncidents();
    expect(open.length).toBeGreaterThan(5);
    await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, 'a:late-comer'));
    await stack.bot.services.poller.idle();
    await stack.bot.services.poller.poll();
    const cards = [...stack.connector.messages('a:late-comer').values()];
    expect(cards.map((c) => [isWelcome(c), isBacklogDigest(c)])).toEqual([[true, false], [false, true]]);
    const newest = [...open].sort((a, b) => b.createdDateTime.localeCompare(a.createdDateTime)).slice(0, 5).map((i) => i.id);
    expect(incidentIdsOn(cards[1]).sort()).toEqual(newest.sort());
    await stack.bot.services.poller.poll();
    expect(stack.connector.messages('a:late-comer').size).toBe(2);
  });

  it('reads each incident once per poll, however many conversations are owed it', async () => {
    // Three more conversations, as installs would record them (without the poll each install starts).
    const template = (await stack.bot.services.store.conversation('a:late-comer'))!;
    const keys = ['a:second', 'a:third', 'a:fourth'];
    for (const key of keys) {
      await stack.bot.services.store.saveConversation({ ...template, key, backfilled: false, reference: { ...template.reference, conversation: { ...(template.reference.conversation as object), id: key } } });
    }
    const before = (await stack.graphRequests()).length;
    await stack.bot.services.poller.poll();
    for (const key of keys) {
      const cards = [...stack.connector.messages(key).values()];
      expect(cards.map(isWelcome), key).toEqual([true, false]);
      expect(incidentIdsOn(cards[1]), key).toHaveLength(5);
    }
    const reads = (await stack.graphRequests()).slice(before).filter((r) => r.method === 'GET' && /\/security\/incidents\/[^/]+$/.test(r.path)).map((r) => r.path);
    expect(new Set(reads).size).toBe(reads.length);
  });
});

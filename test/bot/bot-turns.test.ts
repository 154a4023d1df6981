/**
 * Turns through botbuilder's TestAdapter: the bot's handlers with a real Graph client against
 * the embedded tenant, a recording stand-in for the Teams connector, and the invoke responses
 * botbuilder sends back.
 */
import { TestAdapter, type Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IrmBot } from '../../src/bot/bot.js';
import { createServices, type BotServices } from '../../src/bot/services.js';
import { loadConfig } from '../../src/config.js';
import type { AdaptiveCardJson } from '../../src/cards/render.js';
import { GraphClient } from '../../src/defender/graph-client.js';
import type { ConversationRecord } from '../../src/store/store.js';
import { Store } from '../../src/store/store.js';
import type { ConversationGateway } from '../../src/sync/publisher.js';
import { startTenant } from '@irm-bot/defender-tenant';
import { incidentIdsOn, isBacklogDigest, isWelcome } from '../support/incident-cards.js';

type Tenant = Awaited<ReturnType<typeof startTenant>>;
let tenant: Tenant;
let services: BotServices;
const sent: { conversation: string; card: AdaptiveCardJson }[] = [];

class RecordingGateway implements ConversationGateway {
  async send(conversation: ConversationRecord, card: AdaptiveCardJson): Promise<string> {
    sent.push({ conversation: conversation.key, card });
    return `m${sent.length}`;
  }
  async update(): Promise<void> {}
}

beforeAll(async () => {
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 4, irmSyncDelaySeconds: 0 });
  const store = await Store.open(':memory:');
  const client = new GraphClient({ baseUrl: tenant.graphBaseUrl });
  // Wired as the running bot is; demo roles (no credentials), the backlog and digest set here.
  services = createServices(loadConfig({ GRAPH_BASE_URL: tenant.graphBaseUrl, PLAYGROUND: '0', BACKFILL_LIMIT: '20', DIGEST_THRESHOLD: '5' }), { store, client, gateway: new RecordingGateway() });
});
afterAll(async () => {
  await tenant?.close();
});

const ALEX = { id: 'user-id-0', name: 'Alex Wilber', aadObjectId: '00000000-0000-0000-0000-0000000000020' };
const adapter = (from: { id: string; name: string; aadObjectId?: string } = ALEX) =>
  new TestAdapter(async (context) => new IrmBot(services).run(context), { from, channelId: 'msteams' });
const invoke = (verb: unknown, data: unknown): Partial<Activity> => ({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb, data } } });
const firstCard = (a: Partial<Activity>) => JSON.stringify(a.attachments?.[0]?.content ?? a.text);

describe('turns', () => {
  it('answers help with a card listing the commands', async () => {
    await adapter()
      .send('help')
      .assertReply((a) => {
        expect(firstCard(a)).toContain('incident {id}');
      });
  });

  it('registers the conversation on installationUpdate, and forgets it on removal', async () => {
    const a = adapter();
    await a.send({ type: 'installationUpdate', action: 'add' }).startTest();
    expect((await services.store.conversations()).map((c) => c.key)).toContain('Convo1');
    await a.send({ type: 'installationUpdate', action: 'remove' }).startTest();
    expect((await services.store.conversations()).map((c) => c.key)).not.toContain('Convo1');
  });

  it('a new conversation is welcomed, then offered the open incidents once, in one digest', async () => {
    const before = sent.length;
    await adapter().send({ type: 'installationUpdate', action: 'add' }).startTest();
    const first = await services.poller.poll();
    expect(first.posted).toBeGreaterThan(0);
    const cards = sent.slice(before).map((s) => s.card);
    expect(cards.map((c) => [isWelcome(c), isBacklogDigest(c)])).toEqual([[true, false], [false, true]]);
    expect(incidentIdsOn(cards[1])).toHaveLength(first.posted);
    expect((await services.poller.poll()).posted).toBe(0);
    expect(sent).toHaveLength(before + 2);
  });

  it.each([
    ['an unknown verb', 'approveAll', { incidentId: '1' }, 400, 'UnknownVerb'],
    ['a verb that is not a string', 42, {}, 400, 'BadInput'],
    ['data that is not an object', 'resolve', 'drop table', 400, 'BadInput'],
    ['a classification Defender does not accept here', 'resolve', { incidentId: '1', classification: 'unknown' }, 400, 'BadInput'],
  ])('answers %s with a typed invoke error', async (_what, verb, data, status, code) => {
    await adapter()
      .send(invoke(verb, data))
      .assertReply((a) => {
        expect(a.type).toBe('invokeResponse');
        const value = a.value as { status: number; body: { statusCode: number; type: string; value: { code: string; message: string } } };
        expect(value.body.statusCode).toBe(status);
        expect(value.body.type).toBe('application/vnd.microsoft.error');
        expect(value.body.value.code).toBe(code);
        expect(value.body.value.message.length).toBeGreaterThan(10);
      });
  });

  it('answers an unknown incident in words, as a message the clicked card stays under', async () => {
    await adapter()
      .send(invoke('startInvestigation', { incidentId: '777777' }))
      .assertReply((a) => {
        const value = a.value as { body: { statusCode: number; type: string; value: string } };
        expect(value.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
        expect(value.body.value).toMatch(/Incident 777777 does not exist in Microsoft Defender/);
      })
      .assertNoReply();
  });

  it('botbuilder itself refuses an invoke that is not Action.Execute', async () => {
    await adapter()
      .send({ type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Submit', verb: 'resolve' } } })
      .assertReply((a) => {
        expect((a.value as { status: number }).status).toBe(400);
      });
  });

  it('refuses, politely and before any Graph request, someone without the roles to act', async () => {
    const tenantRequests = () => tenant.control.requestsSince(0).length;
    const before = tenantRequests();
    await adapter({ id: 'user-id-9', name: 'Mallory', aadObjectId: '99999999-9999-9999-9999-999999999999' })
      .send(invoke('resolve', { incidentId: '2101', classification: 'truePositive' }))
      .assertReply((a) => {
        // A refusal in words, as a documented Universal Actions answer (a message), not an HTTP 403.
        const value = a.value as { status: number; body: { statusCode: number; type: string; value: string } };
        expect(value.status).toBe(200);
        expect(value.body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.activity.message' });
        expect(value.body.value).toMatch(/Sorry Mallory, to resolve an incident you need the Defender Security Operator role/);
      });
    // A Security Reader may look, not act.
    await adapter({ id: 'user-id-1', name: 'Megan Bowen', aadObjectId: '00000000-0000-0000-0000-0000000000021' })
      .send(invoke('startInvestigation', { incidentId: '2101' }))
      .assertReply((a) => expect((a.value as { body: { value: string } }).body.value).toMatch(/Sorry Megan Bowen, to start an investigation you need/));
    expect(tenantRequests()).toBe(before);
    expect((await services.store.recentAudit()).filter((e) => e.outcome === 'refused' && e.action === 'resolve').length).toBeGreaterThan(0);
  });
});

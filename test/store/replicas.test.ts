/**
 * Two replicas of the bot sharing Azure Blob Storage (Azurite, started here), one Defender tenant
 * and one Teams: the replica holding the lease polls, both answer Teams, and no card is posted
 * twice; when the leader stops, the other takes over and the next incidents still arrive once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotApp, type BotApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { embeddedTenantIrmReader } from '../../src/sync/irm-sync.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';
import { cardAction, installation, message, postActivity } from '../support/activities.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { startGraphGate, type GraphGate } from '../support/graph-gate.js';
import { cardSendsById, createHighIncidents } from '../support/incident-cards.js';

const CHANNEL = '19:replicas@thread.tacv2';
let azurite: Azurite;
let tenant: Tenant;
let connector: FakeConnector;
/** Between both replicas and the tenant, so a test can hold a Graph request. */
let gate: GraphGate;
const replicas: BotApp[] = [];

async function startReplica(): Promise<BotApp> {
  const config = loadConfig({
    PORT: '0',
    STORE: 'azure-blob',
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    STORE_CONTAINER: 'replicas',
    GRAPH_BASE_URL: gate.graphBaseUrl,
    PLAYGROUND: '0',
    POLL_SCHEDULE: '* * * * * *',
    SUMMARY_SCHEDULE: 'off',
    // A card per incident, never a digest: each send is counted.
    DIGEST_THRESHOLD: '1000',
  });
  const app = await startBotApp(config, {
    host: '127.0.0.1',
    graph: { baseDelayMs: 5, maxDelayMs: 50 },
    irmReader: embeddedTenantIrmReader(tenant.url),
    lease: { durationSeconds: 15, tryEveryMs: 200 },
    hunting: { perUserPerMinute: 1000, perTenantPerMinute: 8 },
    // Clicks are answered with their outcome however loaded the machine (not "being written" after 3 s).
    decisionBudgetMs: 30_000,
  });
  replicas.push(app);
  return app;
}

const createIncidents = (count: number) => createHighIncidents(tenant.url, count);
/** Sends of each incident's card into the channel. */
const sendsById = () => cardSendsById(connector, CHANNEL);

beforeAll(async () => {
  azurite = await startAzurite();
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 0, irmSyncDelaySeconds: 0 });
  connector = await startFakeConnector();
  gate = await startGraphGate(tenant.url);
}, 60_000);
afterAll(async () => {
  for (const app of replicas) await app.close().catch(() => undefined);
  await connector?.close().catch(() => undefined);
  await gate?.close().catch(() => undefined);
  await tenant?.close().catch(() => undefined);
  await azurite?.stop();
});

describe('two replicas on Azure Blob Storage', () => {
  let first: BotApp;
  let second: BotApp;

  it('one polls, both answer Teams, and every incident is posted once', async () => {
    first = await startReplica();
    second = await startReplica();
    // Installed through the replica that does not poll: the conversation is in the shared store.
    await postActivity(second.messagesUrl, installation(connector.serviceUrl, CHANNEL));
    const ids = await createIncidents(25);
    // The follower is asked to poll too: it leaves it to the leader.
    expect((await second.services.poller.poll()).skipped).toBe('not the leader');
    await expect.poll(() => ids.every((id) => sendsById().has(id)), { timeout: 30_000, interval: 200 }).toBe(true);
    expect([...sendsById().values()].filter((n) => n > 1)).toEqual([]);

    // A click answered by the follower is the leader's to know: not announced as a portal change.
    const [clicked] = ids;
    const answer = await postActivity(second.messagesUrl, cardAction(connector.serviceUrl, CHANNEL, 'startInvestigation', { incidentId: clicked }));
    expect(JSON.stringify(answer.body)).toContain('Investigation started by Alex Wilber');
    await second.services.publisher.idle();
    await first.services.poller.poll();
    const card = [...connector.messages(CHANNEL).values()].map((c) => JSON.stringify(c)).find((c) => c.includes(`Insider risk incident ${clicked}`))!;
    expect(card).toContain('Investigation started by Alex Wilber');
    expect(card).not.toContain('Defender portal');
  }, 60_000);

  it('two clicks on one incident landing on the two replicas at once are written one after the other', async () => {
    const [incidentId] = await createIncidents(1);
    await expect.poll(() => sendsById().has(incidentId!), { timeout: 30_000, interval: 200 }).toBe(true);
    // Hold the first alert PATCH: the first decision is half written when the second click lands.
    let caught = false;
    const stall = gate.hold((r) => !caught && r.method === 'PATCH' && r.path.includes('/security/alerts_v2/') && (caught = true));
    const click = (replica: BotApp, classification: string) => postActivity(replica.messagesUrl, cardAction(connector.serviceUrl, CHANNEL, 'resolve', { incidentId, classification, comment: 'Checked the activity.' }));
    const onFirst = click(first, 'truePositive');
    await stall.arrived;
    const onSecond = click(second, 'falsePositive');
    // Long enough for the second replica to have written, had it not waited for the first.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    stall.release();
    const [a, b] = await Promise.all([onFirst, onSecond]);
    expect(JSON.stringify(a.body)).toContain('Resolved as True positive by Alex Wilber');
    expect(JSON.stringify(b.body)).toContain(`Incident ${incidentId} is already resolved (True positive, by Alex Wilber)`);
    const requests = (await (await fetch(`${tenant.url}/_admin/requests`)).json()) as { method: string; path: string }[];
    expect(requests.filter((r) => r.method === 'PATCH' && r.path.endsWith(`/security/incidents/${incidentId}`))).toHaveLength(1);
    const incident = (await (await fetch(`${tenant.graphBaseUrl}/security/incidents/${incidentId}`)).json()) as { classification: string };
    expect(incident.classification).toBe('truePositive');
  }, 60_000);

  it("a hunt run through one replica pages and opens in full through the other; the team's hunting limit counts both", async () => {
    const upn = 'nestor.wilke@contoso.com';
    const events = () => tenant.state.hunting.DataSecurityEvents.filter((r) => r.AccountUpn === upn).length;
    while (events() <= 25) await fetch(`${tenant.url}/_admin/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'low', user: { upn }, irmAlerts: 2 }) });
    const hunt = async (replica: BotApp, text: string) => {
      const before = connector.calls.length;
      await postActivity(replica.messagesUrl, message(connector.serviceUrl, CHANNEL, text));
      return JSON.stringify(connector.calls.slice(before).find((c) => c.method === 'reply')?.activity ?? null);
    };
    const reply = JSON.parse(await hunt(first, `hunt user-activity user=${upn} days=30`)) as { attachments: { content: { actions: { title: string; data?: Record<string, unknown>; url?: string }[] } }[] };
    const actions = reply.attachments[0]!.content.actions;
    const more = actions.find((a) => a.title === 'Show more')!;
    const res = await postActivity(second.messagesUrl, cardAction(connector.serviceUrl, CHANNEL, 'huntMore', more.data!));
    const table = (res.body as { value: { body: { type: string; rows?: unknown[] }[] } }).value.body.find((b) => b.type === 'Table');
    expect(table!.rows!.length - 1).toBe(20);
    const resultId = new URL(actions.find((a) => a.title === 'Show all')!.url!).searchParams.get('result');
    const full = await fetch(`http://127.0.0.1:${second.port}/api/tab/hunts/${resultId}`);
    expect(full.status).toBe(200);
    expect(((await full.json()) as { total: number }).total).toBeGreaterThan(25);

    // The team's limit (8 a minute here) holds whichever replica runs the queries: the hunt above was one.
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push(await hunt(i % 2 ? first : second, `hunt uploads ext=.e${i}`));
    expect(answers.filter((a) => a.includes('Hunt: uploads'))).toHaveLength(7);
    expect(answers.filter((a) => a.includes('The team has run 8 hunting queries in the last minute'))).toHaveLength(3);
  }, 60_000);

  it('when the leader stops, the other takes over: the next incidents arrive, once each', async () => {
    await first.close();
    replicas.splice(replicas.indexOf(first), 1);
    const stoppedAt = Date.now();
    const ids = await createIncidents(5);
    await expect.poll(() => ids.every((id) => sendsById().has(id)), { timeout: 30_000, interval: 200 }).toBe(true);
    const tookOverS = (Date.now() - stoppedAt) / 1000;
    expect([...sendsById().values()].filter((n) => n > 1)).toEqual([]);
    expect(ids.map((id) => sendsById().get(id))).toEqual([1, 1, 1, 1, 1]);
    // (Printed, not asserted: machines differ. A clean stop hands over at the follower's next try.)
    process.stdout.write(`replica takeover after a clean stop: ${tookOverS.toFixed(1)} s\n`);
  }, 60_000);
});

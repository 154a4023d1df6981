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
import { cardAction, installation, postActivity } from '../support/activities.js';
import { startAzurite, type Azurite } from '../support/azurite.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';

const CHANNEL = '19:replicas@thread.tacv2';
let azurite: Azurite;
let tenant: Tenant;
let connector: FakeConnector;
const replicas: BotApp[] = [];

async function startReplica(): Promise<BotApp> {
  const config = loadConfig({
    PORT: '0',
    STORE: 'azure-blob',
    AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString,
    STORE_CONTAINER: 'replicas',
    GRAPH_BASE_URL: tenant.graphBaseUrl,
    PLAYGROUND: '0',
    POLL_SCHEDULE: '* * * * * *',
    SUMMARY_SCHEDULE: 'off',
    // A card per incident, never a digest: each send is counted.
    DIGEST_THRESHOLD: '1000',
  });
  const app = await startBotApp(config, { host: '127.0.0.1', graph: { baseDelayMs: 5, maxDelayMs: 50 }, irmReader: embeddedTenantIrmReader(tenant.url), lease: { durationSeconds: 15, tryEveryMs: 200 } });
  replicas.push(app);
  return app;
}

const createIncidents = async (count: number) => {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${tenant.url}/_admin/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'high', user: { upn: `user${i}@contoso.com` } }) });
    ids.push(((await res.json()) as { incidentId: string }).incidentId);
  }
  return ids;
};
/** Sends of each incident's card into the channel. */
const sendsById = () => {
  const counts = new Map<string, number>();
  for (const call of connector.calls) {
    if (call.method !== 'send' || call.conversationId !== CHANNEL) continue;
    const id = /Insider risk incident (\d+)/.exec(JSON.stringify(call.activity))?.[1];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
};

beforeAll(async () => {
  azurite = await startAzurite();
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 0, irmSyncDelaySeconds: 0 });
  connector = await startFakeConnector();
}, 60_000);
afterAll(async () => {
  for (const app of replicas) await app.close().catch(() => undefined);
  await connector?.close().catch(() => undefined);
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

  it('when the leader stops, the other takes over: the next incidents arrive, once each', async () => {
    await first.close();
    replicas.splice(replicas.indexOf(first), 1);
    const stoppedAt = Date.now();
    const ids = await createIncidents(5);
    await expect.poll(() => ids.every((id) => sendsById().has(id)), { timeout: 30_000, interval: 200 }).toBe(true);
    const tookOverS = (Date.now() - stoppedAt) / 1000;
    expect([...sendsById().values()].filter((n) => n > 1)).toEqual([]);
    expect(sendsById().size).toBe(30);
    // (Printed, not asserted: machines differ. A clean stop hands over at the follower's next try.)
    process.stdout.write(`replica takeover after a clean stop: ${tookOverS.toFixed(1)} s\n`);
  }, 60_000);
});

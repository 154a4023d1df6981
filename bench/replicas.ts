/**
 * Replicas on Azure Blob Storage (Azurite, started here): two bots on one container, one tenant
 * and one recording Teams; incidents arrive while both run, then the leader stops and more
 * arrive. Prints how many cards were sent twice (replica_duplicates) and how long after the
 * leader stopped the first card of the next incidents was sent by the other (replica_takeover_s).
 * Before the leader stops, the Blob Storage requests of the idle polls are counted (through a
 * counting proxy in front of Azurite): replica_idle_poll_blob_requests, with every incident open
 * and posted, leases included.
 * A leader that dies without stopping is replaced once its lease runs out (15 s; the test
 * `test/store/azure-blob.test.ts` shows it).
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startTenant } from '@irm-bot/defender-tenant';
import { startBotApp, type BotApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { installation, postActivity } from '../test/support/activities.js';
import { startAzurite } from '../test/support/azurite.js';
import { startFakeConnector } from '../test/support/fake-connector.js';
import { cardSendsById, createHighIncidents } from '../test/support/incident-cards.js';
import { line, type Figures } from './scale.js';

const CHANNEL = '19:bench-replicas@thread.tacv2';

export async function measureReplicas(options: { before?: number; after?: number } = {}): Promise<Figures> {
  const before = options.before ?? 40;
  const after = options.after ?? 10;
  const azurite = await startAzurite();
  const proxy = await countingProxy(azurite.blobEndpoint);
  const tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 0, irmSyncDelaySeconds: 0 });
  const connector = await startFakeConnector();
  const apps: BotApp[] = [];
  try {
    const start = async () => {
      const config = loadConfig({
        PORT: '0',
        STORE: 'azure-blob',
        AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString.replace(azurite.blobEndpoint, proxy.blobEndpoint),
        STORE_CONTAINER: 'bench-replicas',
        GRAPH_BASE_URL: tenant.graphBaseUrl,
        PLAYGROUND: '0',
        POLL_SCHEDULE: '* * * * * *',
        SUMMARY_SCHEDULE: 'off',
        DIGEST_THRESHOLD: '1000',
        LOG_LEVEL: 'error',
      });
      // The lease as in production: 15 s, a follower trying every 5 s.
      const app = await startBotApp(config, { host: '127.0.0.1' });
      apps.push(app);
      return app;
    };
    const leader = await start();
    const follower = await start();
    await postActivity(follower.messagesUrl, installation(connector.serviceUrl, CHANNEL));
    const sends = () => cardSendsById(connector, CHANNEL);
    const create = (n: number) => createHighIncidents(tenant.url, n);
    const arrived = async (ids: readonly string[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline && !ids.every((id) => sends().has(id))) await new Promise((r) => setTimeout(r, 100));
      return ids.every((id) => sends().has(id));
    };
    const first = await create(before);
    const allFirst = await arrived(first, 60_000);
    const idle = await idlePollRequests(leader, proxy.count);
    await leader.close();
    apps.splice(apps.indexOf(leader), 1);
    const stoppedAt = performance.now();
    const second = await create(after);
    let takeoverS: number | null = null;
    while (performance.now() - stoppedAt < 60_000) {
      if (second.some((id) => sends().has(id))) {
        takeoverS = Math.round((performance.now() - stoppedAt) / 100) / 10;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const allSecond = await arrived(second, 60_000);
    const duplicates = [...sends().values()].filter((n) => n > 1).length;
    line('replicas: 2 on Azurite, one channel', `${before} incidents, then the leader stops, then ${after} more: ${sends().size} cards, ${duplicates} sent twice${allFirst && allSecond ? '' : ' (some never arrived)'}`);
    line('  the other replica took over after', takeoverS === null ? 'not within 60 s' : `${takeoverS} s (a clean stop; a dead leader: when its 15-s lease runs out)`);
    line(`  Blob Storage requests per idle poll`, idle === null ? 'not measured (no poll completed)' : `${idle} (${before} incidents open and posted, 2 replicas, leases included)`);
    return { replica_duplicates: duplicates, replica_takeover_s: takeoverS, replica_idle_poll_blob_requests: idle };
  } finally {
    for (const app of apps) await app.close().catch(() => undefined);
    await connector.close();
    await tenant.close();
    await proxy.close();
    await azurite.stop();
  }
}

/** Blob requests over 10 s of idle polls (the leader polls every second), per completed poll. */
async function idlePollRequests(leader: BotApp, count: () => number): Promise<number | null> {
  await new Promise((r) => setTimeout(r, 2_000));
  const before = count();
  let polls = 0;
  let last = leader.services.poller.status().lastCompletedAt;
  const until = performance.now() + 10_000;
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    const now = leader.services.poller.status().lastCompletedAt;
    if (now !== last) {
      polls++;
      last = now;
    }
  }
  return polls === 0 ? null : Math.round(((count() - before) / polls) * 10) / 10;
}

/** A pass-through proxy in front of Azurite's blob endpoint that counts requests. */
async function countingProxy(blobEndpoint: string): Promise<{ blobEndpoint: string; count: () => number; close(): Promise<void> }> {
  const target = new URL(blobEndpoint);
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    blobEndpoint: `http://127.0.0.1:${port}${target.pathname}`,
    count: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

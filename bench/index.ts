/**
 * `npm run bench`: figures for the hot paths, printed, never asserted (shared machines are noisy;
 * compare figures within one run). Everything runs against the embedded tenant over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderCard } from '../src/cards/render.js';
import { incidentCardData } from '../src/cards/incident-view.js';
import { GraphClient } from '../src/defender/graph-client.js';
import { HUNTING_QUERIES } from '../src/hunting/queries.js';
import { setLogLevel } from '../src/logger.js';
import { Store } from '../src/store/store.js';
import { IncidentPoller } from '../src/sync/poller.js';
import { IncidentPublisher, type ConversationGateway } from '../src/sync/publisher.js';
import { startTenant } from '@irm-bot/defender-tenant';
import { openQueue, queueQuerySchema } from '../src/triage/queue.js';
import { tabAssets } from '../src/tab/assets.js';
import { toCsv } from '../src/tab/client/csv.js';
import { byName } from '../src/cards/common.js';
import { parseSizes, runScale } from './scale.js';

setLogLevel('error');
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 2000);
const SIZES = parseSizes(process.env.BENCH_SIZES);

function line(name: string, value: string): void {
  process.stdout.write(`${name.padEnd(48)} ${value}\n`);
}
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

const seedStart = performance.now();
const tenant = await startTenant({ port: 0, seedIncidents: INCIDENTS, irmSyncDelaySeconds: 0 });
line(`seed ${INCIDENTS} incidents`, `${(performance.now() - seedStart).toFixed(0)} ms`);
const client = new GraphClient({ baseUrl: tenant.graphBaseUrl });

const [alerts, listMs] = await time(() => client.listIrmAlertsChangedSince('2000-01-01T00:00:00Z'));
line('list every IRM alert (pages of 500)', `${alerts.length} alerts in ${listMs.toFixed(0)} ms (${((listMs / alerts.length) * 1000).toFixed(0)} µs/alert)`);

let sent = 0;
const gateway: ConversationGateway = { send: async () => `m${++sent}`, update: async () => undefined };
const dir = mkdtempSync(join(tmpdir(), 'irm-bench-'));
const store = await Store.open(join(dir, 'db.json'));
await store.saveConversation({ key: 'c1', kind: 'channel', reference: {}, installedAt: new Date().toISOString(), backfilled: true });
const poller = new IncidentPoller({ client, store, publisher: new IncidentPublisher(store, gateway), backfillLimit: 0, digestThreshold: 1_000_000 });
const heapBefore = process.memoryUsage().heapUsed;
const graphRequests = () => tenant.control.requestsSince(0).length;
const beforeFirst = graphRequests();
const [first, firstMs] = await time(() => poller.poll());
const firstPollRequests = graphRequests() - beforeFirst;
// No install backlog (BACKFILL_LIMIT 0): the first poll reads only the newest open IRM alerts' page (the scale figures below post a backlog).
line('first poll with no install backlog', `${first.newIncidents} incidents read, ${first.posted} cards in ${firstMs.toFixed(0)} ms`);
line('  heap growth during first poll', `${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1)} MB`);
line('  Graph requests of the first poll', String(firstPollRequests));
const beforeIdle = graphRequests();
const [, idleMs] = await time(() => poller.poll());
const idlePollRequests = graphRequests() - beforeIdle;
line('idle poll (nothing changed)', `${idleMs.toFixed(0)} ms, ${idlePollRequests} Graph request${idlePollRequests === 1 ? '' : 's'}`);

const incident = await client.getIncident(alerts[0]!.incidentId!);
const renders = 2000;
const renderStart = performance.now();
for (let i = 0; i < renders; i++) renderCard('incident', incidentCardData(incident));
line('render the incident card', `${((performance.now() - renderStart) / renders).toFixed(3)} ms/card`);

for (const query of HUNTING_QUERIES) {
  const user = alerts[0]!.evidence[0]?.userAccount?.userPrincipalName ?? 'adele.vance@contoso.com';
  const raw: Record<string, string> = {};
  for (const p of query.params) if (p.required) raw[p.name] = p.name === 'user' ? user : p.name === 'alert' ? alerts[0]!.id : p.example;
  const prepared = query.prepare(raw);
  const [result, ms] = await time(() => client.runHuntingQuery(prepared.kql, prepared.timespan));
  line(`hunt ${query.name}`, `${result.results.length} rows in ${ms.toFixed(0)} ms`);
}
const rows = Object.values(tenant.state.hunting).reduce((n, t) => n + t.length, 0);
line('hunting rows held by the tenant', String(rows));

// The tab: its queue (one paged Graph list, filtered here) and building its browser bundle.
const [queue, queueMs] = await time(() => openQueue(client, queueQuerySchema.parse({}), byName));
line('tab queue (open IRM incidents, oldest first)', `${queue.items.length} of ${queue.scanned} incidents read${queue.truncated ? ' (more exist)' : ''} in ${queueMs.toFixed(0)} ms`);
const [filtered, filteredMs] = await time(() => openQueue(client, queueQuerySchema.parse({ severity: 'high', sort: 'newest' }), byName));
line('tab queue filtered to High, newest first', `${filtered.items.length} in ${filteredMs.toFixed(0)} ms`);
const [assets, buildMs] = await time(() => tabAssets());
line('build the tab (esbuild, once per process)', `${(assets.get('/tab/tab.js')!.body.length / 1024).toFixed(0)} KB script in ${buildMs.toFixed(0)} ms`);
const fullRows = Array.from({ length: 10_000 }, (_, i) => ({ Timestamp: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(), AccountUpn: `user${i % 50}@contoso.com`, FileName: `=Export_${i}.zip`, ObjectSize: i * 1024 }));
const csvStart = performance.now();
const csv = toCsv(['Timestamp', 'AccountUpn', 'FileName', 'ObjectSize'], fullRows);
line('CSV of a 10,000-row result (the tab, in the browser)', `${(csv.length / 1e6).toFixed(1)} MB in ${(performance.now() - csvStart).toFixed(0)} ms`);

await tenant.close();
rmSync(dir, { recursive: true, force: true });

// The scale issue's figures: tenant and bot in processes of their own, per size of BENCH_SIZES (bench/scale.ts).
const scale = await runScale(SIZES);

// The named figures, one JSON line.
process.stdout.write(
  `${JSON.stringify({ incidents: INCIDENTS, idle_poll_requests: idlePollRequests, first_poll_requests: firstPollRequests, first_poll_ms: Math.round(firstMs), idle_poll_ms: Math.round(idleMs), ...scale })}\n`,
);

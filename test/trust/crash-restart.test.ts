/**
 * kill -9 in the middle of a burst of posts, then a restart of the real `npm start` entry point:
 * no incident left without its card, the store file whole, the watermark right. A post is
 * recorded right after Teams accepts it, so the one message in flight at the crash may be sent
 * twice (no connector API lets a bot ask what it already sent): at most one per conversation.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { startTenant, type Tenant } from '@irm-bot/defender-tenant';
import { cardAction, installation, postActivity } from '../support/activities.js';
import { startFakeConnector, type FakeConnector } from '../support/fake-connector.js';
import { kill9 as killProcess, startEntryPoint } from '../support/entry-point.js';
import { isWelcome, withoutWelcome } from '../support/incident-cards.js';

const CONV = 'a:crash';
let tenant: Tenant;
let connector: FakeConnector;
let dir: string;
let child: ChildProcess | undefined;

/** Start the bot as `npm start` does (tsx src/index.ts); answers its /api/messages URL. */
async function startBot(): Promise<string> {
  const bot = await startEntryPoint({ GRAPH_BASE_URL: tenant.graphBaseUrl, DB_FILE: join(dir, 'db.json'), POLL_SCHEDULE: '* * * * * *', DIGEST_THRESHOLD: '1000' });
  child = bot.proc;
  return bot.messagesUrl;
}

const kill9 = () => {
  const proc = child;
  child = undefined;
  return killProcess(proc);
};

async function until(condition: () => boolean, what: string, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const shownIncidents = () => [...withoutWelcome(connector, CONV).values()].map((c) => /Insider risk incident (\d+)/.exec(JSON.stringify(c))?.[1]);
/** Incident cards sent (the bot's welcome, sent once at install, left out). */
const cardSends = () => connector.calls.filter((c) => c.method === 'send' && !isWelcome(c.activity)).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irm-crash-'));
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 0, irmSyncDelaySeconds: 0 });
  connector = await startFakeConnector();
});
afterAll(async () => {
  await kill9();
  await connector?.close();
  await tenant?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during a burst of posts', () => {
  it('after a restart every incident has its card, the store is whole and the watermark right', async () => {
    let messagesUrl = await startBot();
    await postActivity(messagesUrl, installation(connector.serviceUrl, CONV));
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${tenant.url}/_admin/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'medium', user: { upn: `crash${i % 5}@contoso.com` } }) });
      ids.push(((await res.json()) as { incidentId: string }).incidentId);
    }

    // Teams' pace (6 a second) spreads 50 cards over about 8 seconds: kill the bot part-way.
    await until(() => cardSends() >= 12, '12 cards');
    await kill9();
    const beforeRestart = cardSends();
    expect(beforeRestart).toBeLessThan(50);

    messagesUrl = await startBot();
    await until(() => new Set(shownIncidents()).size === 50, 'all 50 cards after the restart');
    await new Promise((r) => setTimeout(r, 1500)); // a few more polls: nothing more may arrive
    await kill9();

    expect(new Set(shownIncidents())).toEqual(new Set(ids));
    const sends = cardSends();
    expect(sends - 50, 'duplicates: at most the one card in flight at the crash').toBeLessThanOrEqual(1);
    // The restart does not introduce the bot again.
    expect(connector.calls.filter((c) => c.method === 'send' && isWelcome(c.activity))).toHaveLength(1);

    JSON.parse(readFileSync(join(dir, 'db.json'), 'utf8'));
    const store = await Store.open(join(dir, 'db.json'));
    expect((await Promise.all(ids.map((id) => store.post(id, CONV)))).every(Boolean)).toBe(true);
    const newestIrmChange = [...tenant.state.alerts.values()].map((a) => a.lastUpdateDateTime).sort().at(-1);
    expect((await store.cursor()).watermark).toBe(newestIrmChange);
  }, 120_000);
});

describe('kill -9 during a card action', () => {
  it('the analyst clicks again after the restart: the decision is written once, not twice', async () => {
    let messagesUrl = await startBot();
    const res = await fetch(`${tenant.url}/_admin/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ severity: 'high', user: { upn: 'lee.gu@contoso.com' }, irmAlerts: 3 }) });
    const { incidentId, alertIds } = (await res.json()) as { incidentId: string; alertIds: string[] };
    const writes = () => tenant.control.requestsSince(0).filter((r) => r.method !== 'GET' && r.path.includes('/security/'));
    const before = writes().length;
    const resolve = () =>
      postActivity(messagesUrl, cardAction(connector.serviceUrl, CONV, 'resolve', { incidentId, classification: 'truePositive', comment: 'Crash-tested decision.' })).catch(() => null);

    // Defender stops answering for the second alert, so the decision stalls half-written (the
    // first alert commented and resolved); the bot is killed right there.
    const admin = (method: string, body?: unknown) => fetch(`${tenant.url}/_admin/faults`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    await admin('POST', { rate: 1, kinds: ['timeout'], paths: [`/v1.0/security/alerts_v2/${alertIds[1]}`] });
    void resolve();
    await until(() => writes().length >= before + 2, 'the first alert commented and resolved');
    await kill9();
    await admin('DELETE');
    expect(tenant.state.alerts.get(alertIds[0]!)!.status).toBe('resolved');
    expect(tenant.state.alerts.get(alertIds[2]!)!.status).not.toBe('resolved');

    messagesUrl = await startBot();
    const again = await resolve();
    expect((again?.body as { statusCode: number }).statusCode).toBe(200);
    await kill9();

    for (const id of alertIds) {
      const alert = tenant.state.alerts.get(id)!;
      expect(alert.status).toBe('resolved');
      expect(alert.classification).toBe('truePositive');
      expect(alert.comments.filter((c) => c.comment.includes('Crash-tested decision.'))).toHaveLength(1);
    }
  }, 120_000);
});

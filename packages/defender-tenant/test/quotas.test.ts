/**
 * Graph's documented budgets, when enforced: 150 alert and incident requests a minute and 45
 * hunting queries a minute, each a sliding 60-second window, answered past it with Graph's 429
 * `TooManyRequests` and `Retry-After` (the seconds until a slot frees). Admin paths never count.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Tenant } from '@irm-bot/defender-tenant';
import { graphErrorSchema } from './graph-shapes.js';
import { admin, call, graph, manualClock, start, type HttpAnswer } from './helpers.js';

const clock = manualClock();
let tenant: Tenant;
let incidentId: string;
let alertId: string;

beforeAll(async () => {
  tenant = await start({ seedIncidents: 0, now: clock.now });
});
afterAll(async () => {
  await tenant?.close();
});
beforeEach(async () => {
  await admin(tenant, '/_admin/reset', 'POST', {});
  const created = z
    .object({ incidentId: z.string(), alertIds: z.array(z.string()) })
    .parse((await admin(tenant, '/_admin/incidents', 'POST', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).json);
  incidentId = created.incidentId;
  alertId = created.alertIds[0]!;
});

const enforce = async (on: boolean) => expect((await admin(tenant, '/_admin/quotas', 'POST', { enforce: on })).status).toBe(204);
const hunt = () => graph(tenant, '/security/runHuntingQuery', 'POST', { body: { Query: 'AlertInfo | take 1' } });

/** Alert and incident requests of every kind the budget counts, in turn. */
const alertsAndIncidents: (() => Promise<HttpAnswer>)[] = [
  () => graph(tenant, '/security/alerts_v2'),
  () => graph(tenant, `/security/alerts_v2/${alertId}`),
  () => graph(tenant, `/security/incidents/${incidentId}?$expand=alerts`),
  () => graph(tenant, '/security/incidents'),
  () => graph(tenant, `/security/alerts_v2/${alertId}`, 'PATCH', { body: { assignedTo: 'lee.gu@contoso.com' } }),
  () => graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { customTags: ['quota'] } }),
  () => graph(tenant, `/security/alerts_v2/${alertId}/comments`, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'counted' } }),
  () => graph(tenant, `/security/incidents/${incidentId}/comments`, 'POST', { body: { '@odata.type': 'microsoft.graph.security.alertComment', comment: 'counted' } }),
];
async function spend(n: number, requests = alertsAndIncidents): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await requests[i % requests.length]!()).status);
  return statuses;
}

/** Graph's 429: `TooManyRequests`, its error body, and Retry-After in whole seconds; the seconds. */
function throttled(res: HttpAnswer): number {
  expect(res.status).toBe(429);
  expect(graphErrorSchema.parse(res.json).error.code).toBe('TooManyRequests');
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  return Number(retryAfter);
}

describe('quotas off (the default)', () => {
  it('lets any number of requests through', async () => {
    const statuses = await spend(170);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect((await spend(50, [hunt])).every((s) => s === 200)).toBe(true);
  });
});

describe('quotas on', () => {
  beforeEach(() => enforce(true));

  it('lets 150 alert and incident requests through in a minute, GETs, PATCHes and POSTs together, then answers 429 until one leaves the window', async () => {
    expect(await spend(150)).toEqual(new Array(150).fill(200));
    const refused = await graph(tenant, '/security/alerts_v2');
    expect(throttled(refused)).toBe(60);
    expect(graphErrorSchema.parse(refused.json).error.message).toMatch(/150 alerts and incidents requests a minute/);
    // Any method and path of the budget is refused alike.
    throttled(await graph(tenant, `/security/incidents/${incidentId}`, 'PATCH', { body: { customTags: [] } }));
    clock.advance(59_999);
    expect(throttled(await graph(tenant, '/security/incidents'))).toBe(1);
    clock.advance(1);
    expect((await graph(tenant, '/security/incidents')).status).toBe(200);
  });

  it('slides: Retry-After is the time until the oldest request in the window leaves it', async () => {
    await spend(100);
    clock.advance(30_000);
    await spend(50);
    expect(throttled(await graph(tenant, '/security/alerts_v2'))).toBe(30);
    clock.advance(29_000);
    expect(throttled(await graph(tenant, '/security/alerts_v2'))).toBe(1);
    clock.advance(1_000);
    // The first 100 have left; 50 remain: 100 slots free, then 429 again until the next 50 leave.
    expect(await spend(100)).toEqual(new Array(100).fill(200));
    expect(throttled(await graph(tenant, '/security/alerts_v2'))).toBe(30);
  });

  it('refused requests take no slot: a client that waits Retry-After gets through', async () => {
    await spend(150);
    let wait = 0;
    for (let i = 0; i < 20; i++) wait = throttled(await graph(tenant, '/security/alerts_v2'));
    expect(wait).toBe(60);
    clock.advance(wait * 1000);
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
  });

  it('counts requests Graph refuses (400, 404) like any other', async () => {
    const bad = [() => graph(tenant, '/security/alerts_v2?$orderby=title'), () => graph(tenant, '/security/incidents/999999')];
    expect(new Set(await spend(150, bad))).toEqual(new Set([400, 404]));
    throttled(await graph(tenant, '/security/alerts_v2'));
  });

  it('gives hunting its own budget of 45 a minute', async () => {
    await spend(150);
    throttled(await graph(tenant, '/security/alerts_v2'));
    expect(await spend(45, [hunt])).toEqual(new Array(45).fill(200));
    const refused = await hunt();
    expect(throttled(refused)).toBe(60);
    expect(graphErrorSchema.parse(refused.json).error.message).toMatch(/45 advanced hunting requests a minute/);
    clock.advance(60_000);
    expect((await hunt()).status).toBe(200);
    expect((await graph(tenant, '/security/alerts_v2')).status).toBe(200);
  });

  it('never counts or refuses admin paths, and logs the 429s', async () => {
    const before = (await admin(tenant, '/_admin/requests')).json as unknown[];
    await spend(150);
    for (let i = 0; i < 30; i++) expect((await admin(tenant, `/_admin/irm/alerts/${alertId}`)).status).toBe(200);
    throttled(await graph(tenant, '/security/alerts_v2'));
    expect((await admin(tenant, '/_admin/incidents', 'POST', { severity: 'low', user: { upn: 'lee.gu@contoso.com' } })).status).toBe(201);
    const log = z.array(z.object({ path: z.string(), status: z.number() })).parse((await admin(tenant, '/_admin/requests')).json).slice(before.length);
    expect(log).toHaveLength(151);
    expect(log.every((entry) => entry.path.startsWith('/v1.0/'))).toBe(true);
    expect(log.at(-1)).toMatchObject({ path: '/v1.0/security/alerts_v2', status: 429 });
  });

  it('stops when turned off, and a reset returns to the start-up setting', async () => {
    await spend(150);
    throttled(await graph(tenant, '/security/alerts_v2'));
    await enforce(false);
    expect((await spend(20)).every((s) => s === 200)).toBe(true);
    await enforce(true);
    // Turned on again: the window starts empty.
    expect((await spend(150)).every((s) => s === 200)).toBe(true);
    throttled(await graph(tenant, '/security/alerts_v2'));
    await admin(tenant, '/_admin/reset', 'POST', {});
    // This tenant started without quotas (the reset also emptied it: lists only).
    expect((await spend(200, [() => graph(tenant, '/security/alerts_v2'), () => graph(tenant, '/security/incidents')])).every((s) => s === 200)).toBe(true);
  });

  it('refuses a malformed setting', async () => {
    for (const body of [{}, { enforce: 'yes' }, { enforce: true, limit: 10 }]) {
      const res = await admin(tenant, '/_admin/quotas', 'POST', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });
});

describe('enforced from the start', () => {
  it('with the enforceQuotas option, also after a reset', async () => {
    const strict = await start({ seedIncidents: 1, now: clock.now, enforceQuotas: true });
    try {
      const huntOnce = () => call(`${strict.graphBaseUrl}/security/runHuntingQuery`, 'POST', { body: { Query: 'AlertInfo | take 1' } });
      for (let i = 0; i < 45; i++) expect((await huntOnce()).status).toBe(200);
      expect((await huntOnce()).status).toBe(429);
      await call(`${strict.url}/_admin/reset`, 'POST', { body: {} });
      for (let i = 0; i < 45; i++) expect((await huntOnce()).status).toBe(200);
      expect((await huntOnce()).status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it('with TENANT_ENFORCE_QUOTAS=1 for npm run tenant; a value other than 1 or 0 is refused at start', async () => {
    const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
    const run = (value: string) =>
      spawn(process.execPath, ['--import', 'tsx', main], { env: { ...process.env, TENANT_PORT: '0', SEED_INCIDENTS: '1', TENANT_ENFORCE_QUOTAS: value }, stdio: ['ignore', 'pipe', 'pipe'] });

    const bad = run('yes');
    let badErr = '';
    bad.stderr.on('data', (chunk: Buffer) => (badErr += chunk.toString()));
    expect(await new Promise((resolve) => bad.on('exit', resolve))).toBe(2);
    expect(badErr).toMatch(/TENANT_ENFORCE_QUOTAS must be 1 or 0/);

    const child = run('1');
    try {
      const base = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const url = /Graph base URL (\S+)/.exec(out)?.[1];
          if (url && out.includes('budgets enforced')) resolve(url);
        });
        child.on('exit', (code) => reject(new Error(`the tenant exited with ${code}: ${out}`)));
      });
      const huntOnce = () => call(`${base}/security/runHuntingQuery`, 'POST', { body: { Query: 'AlertInfo | take 1' } });
      for (let i = 0; i < 45; i++) expect((await huntOnce()).status).toBe(200);
      const refused = await huntOnce();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  });
});

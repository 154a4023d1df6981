/** The real Graph client against the embedded tenant over HTTP. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/defender/graph-client.js';
import { alertSchema } from '../../src/defender/model.js';
import { GraphError } from '../../src/errors.js';
import { startTenant } from '@irm-bot/defender-tenant';

type Tenant = Awaited<ReturnType<typeof startTenant>>;
let tenant: Tenant;
const admin = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(tenant.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return (text ? JSON.parse(text) : null) as T;
};
const requests = () => admin<{ method: string; path: string; query: Record<string, string>; status: number }[]>('GET', '/_admin/requests');

beforeAll(async () => {
  tenant = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 0, irmSyncDelaySeconds: 0 });
});
afterAll(async () => {
  await tenant?.close();
});
beforeEach(async () => {
  await admin('POST', '/_admin/reset', { seedIncidents: 0 });
});

async function createIncidents(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await admin<{ alertIds: string[] }>('POST', '/_admin/incidents', {
      severity: 'medium',
      user: { upn: `user${i}@contoso.com` },
      otherSources: ['microsoftDefenderForEndpoint'],
    });
    ids.push(created.alertIds[0]!);
  }
  return ids;
}

describe('GraphClient against the embedded tenant', () => {
  it('pages through @odata.nextLink: 7 IRM alerts in pages of 3 arrive once each over 3 requests', async () => {
    const created = await createIncidents(7);
    const client = new GraphClient({ baseUrl: tenant.graphBaseUrl });
    const alerts = await client.listAlerts({ filter: "serviceSource eq 'microsoftInsiderRiskManagement'", top: 3 });
    expect(alerts.map((a) => a.id).sort()).toEqual([...created].sort());
    expect(alerts.every((a) => a.serviceSource === 'microsoftInsiderRiskManagement')).toBe(true);
    const gets = (await requests()).filter((r) => r.path.endsWith('/security/alerts_v2'));
    expect(gets).toHaveLength(3);
  });

  it("lists only what changed since a watermark, in Graph's order (the bot asks for none)", async () => {
    const [first, second] = await createIncidents(3);
    const client = new GraphClient({ baseUrl: tenant.graphBaseUrl });
    const all = await client.listIrmAlertsChangedSince('2000-01-01T00:00:00Z');
    const watermark = all.map((a) => a.lastUpdateDateTime).sort().at(-1)!;
    await new Promise((r) => setTimeout(r, 5));
    await admin('PATCH', `/_admin/alerts/${second}`, { status: 'inProgress' });
    await new Promise((r) => setTimeout(r, 5));
    await admin('PATCH', `/_admin/alerts/${first}`, { assignedTo: 'someone@contoso.com' });
    const changed = await client.listIrmAlertsChangedSince(new Date(Date.parse(watermark) + 1).toISOString());
    expect(changed.map((a) => a.id).sort()).toEqual([second, first].sort());
    // No $orderby: *List alerts_v2* does not document it.
    expect(JSON.stringify(tenant.control.requestsSince(0).map((r) => r.query))).not.toMatch(/orderby/i);
  });

  it('honours Retry-After on 429 and retries 5xx and connection resets', async () => {
    await createIncidents(1);
    for (const kind of ['429', '503', '500', 'reset'] as const) {
      await admin('POST', '/_admin/faults', { rate: 1, kinds: [kind] });
      const delays: number[] = [];
      const client = new GraphClient({
        baseUrl: tenant.graphBaseUrl,
        baseDelayMs: 10,
        // The fault clears while the client waits: the retry must then succeed.
        sleep: async (ms) => {
          delays.push(ms);
          await admin('DELETE', '/_admin/faults');
        },
      });
      const alerts = await client.listAlerts();
      expect(alerts.length, kind).toBeGreaterThan(0);
      expect(delays, kind).toHaveLength(1);
      if (kind === '429') expect(delays[0]).toBe(1000);
    }
  });

  it('gives up after a bounded number of attempts and says Defender did not answer', async () => {
    await admin('POST', '/_admin/faults', { rate: 1, kinds: ['503'] });
    const delays: number[] = [];
    const client = new GraphClient({ baseUrl: tenant.graphBaseUrl, maxAttempts: 3, sleep: async (ms) => void delays.push(ms) });
    const error = await client.listAlerts().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect((error as GraphError).httpStatus).toBe(503);
    expect(delays).toHaveLength(2);
    await admin('DELETE', '/_admin/faults');
  });

  it('does not retry a request Graph refused (400, 403, 404)', async () => {
    const client = new GraphClient({ baseUrl: tenant.graphBaseUrl, sleep: async () => undefined });
    const bad = await client.listAlerts({ filter: 'colour eq 1' }).catch((e: unknown) => e);
    expect((bad as GraphError).httpStatus).toBe(400);
    const missing = await client.getIncident('987654').catch((e: unknown) => e);
    expect((missing as GraphError).httpStatus).toBe(404);
    await admin('POST', '/_admin/permissions', { deny: ['SecurityAlert.Read.All', 'SecurityAlert.ReadWrite.All'] });
    const denied = await client.listAlerts().catch((e: unknown) => e);
    expect((denied as GraphError).httpStatus).toBe(403);
    expect((denied as GraphError).graphCode).toBe('Authorization_RequestDenied');
    expect((await requests()).length).toBe(3);
  });

  it('tolerates enum members it does not know', () => {
    const alert = alertSchema.parse({
      id: 'x',
      severity: 'Critical',
      status: 'Resolved',
      serviceSource: 'microsoftQuantumDefender',
      detectionSource: 'microsoftInsiderRiskManagement',
      createdDateTime: '2026-11-01T00:00:00Z',
      lastUpdateDateTime: '2026-11-01T00:00:00Z',
    });
    expect(alert.severity).toBe('unknownFutureValue');
    expect(alert.status).toBe('resolved');
    expect(alert.serviceSource).toBe('unknownFutureValue');
    expect(alert.detectionSource).toBe('microsoftInsiderRiskManagement');
  });
});

describe('GraphClient.runHuntingQuery against the embedded tenant', () => {
  const clock = () => new Date('2026-11-20T12:00:00.000Z');
  let seeded: Tenant;
  beforeAll(async () => {
    seeded = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 8, irmSyncDelaySeconds: 0, now: clock });
  });
  afterAll(async () => {
    await seeded?.close();
  });

  it('serves the bot’s own Graph client', async () => {
    const inWindow = (row: Record<string, unknown>) => Date.parse(String(row.Timestamp)) >= clock().getTime() - 30 * 86_400_000 && Date.parse(String(row.Timestamp)) <= clock().getTime();
    const client = new GraphClient({ baseUrl: seeded.graphBaseUrl, maxAttempts: 1 });
    const result = await client.runHuntingQuery('AlertInfo | summarize Alerts = count() by ServiceSource | order by ServiceSource asc', 'P30D');
    const counts = new Map<string, number>();
    for (const r of seeded.state.hunting.AlertInfo.filter((row) => inWindow(row))) counts.set(String(r.ServiceSource), (counts.get(String(r.ServiceSource)) ?? 0) + 1);
    expect(result.schema).toEqual([
      { name: 'ServiceSource', type: 'String' },
      { name: 'Alerts', type: 'Int64' },
    ]);
    expect(result.results).toEqual([...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([ServiceSource, Alerts]) => ({ ServiceSource, Alerts })));
  });
});

describe('GraphClient within Graph’s request budgets (the tenant enforcing them)', () => {
  it('waits out a 429 for as long as Retry-After says, then gets its answer', async () => {
    let nowMs = Date.parse('2026-11-20T12:00:00.000Z');
    const throttling = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 1, irmSyncDelaySeconds: 0, now: () => new Date(nowMs), enforceQuotas: true });
    try {
      const delays: number[] = [];
      // The client's sleep moves the tenant's clock: waiting is instant, and exactly as long as asked.
      const client = new GraphClient({ baseUrl: throttling.graphBaseUrl, sleep: async (ms) => void (delays.push(ms), (nowMs += ms)) });
      const [alert] = await client.listAlerts();
      for (let i = 1; i < 150; i++) await client.getAlert(alert!.id);
      expect(delays).toEqual([]);
      nowMs += 20_000;
      expect((await client.getIncident(alert!.incidentId!)).id).toBe(alert!.incidentId);
      expect(delays).toEqual([40_000]);
      const statuses = throttling.control.requestsSince(0).map((r) => r.status);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
      expect(statuses.at(-1)).toBe(200);
    } finally {
      await throttling.close();
    }
  });

  it('after a 429, every other request waits out the Retry-After too, instead of collecting 429s of its own', async () => {
    let nowMs = Date.parse('2026-11-20T12:00:00.000Z');
    const throttling = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 1, irmSyncDelaySeconds: 0, now: () => new Date(nowMs), enforceQuotas: true });
    try {
      const sleeps: number[] = [];
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      const client = new GraphClient({ baseUrl: throttling.graphBaseUrl, clock: () => nowMs, sleep: async (ms) => void (sleeps.push(ms), await woken) });
      const [alert] = await client.listAlerts();
      for (let i = 1; i < 150; i++) await client.getAlert(alert!.id);
      const refused = client.getIncident(alert!.incidentId!); // the budget is spent: 429 with a Retry-After
      await expect.poll(() => sleeps.length).toBe(1);
      const retryAfterMs = sleeps[0]!;
      expect(retryAfterMs).toBeGreaterThan(0);
      const sent = throttling.control.requestsSince(0).length;
      const other = client.listAlerts(); // another caller, while the first waits
      await expect.poll(() => sleeps.length).toBe(2);
      expect(sleeps[1]).toBe(retryAfterMs); // both wait for as long as Graph said
      expect(throttling.control.requestsSince(0).length).toBe(sent);
      nowMs += retryAfterMs;
      wake();
      expect((await refused).id).toBe(alert!.incidentId);
      expect((await other).length).toBeGreaterThan(0);
      expect(throttling.control.requestsSince(0).filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await throttling.close();
    }
  });

  it('gives up at once on a Retry-After longer than it will wait, and so does every other request until it has passed', async () => {
    let nowMs = Date.parse('2026-11-20T12:00:00.000Z');
    const throttling = await startTenant({ port: 0, host: '127.0.0.1', seedIncidents: 1, irmSyncDelaySeconds: 0, now: () => new Date(nowMs), enforceQuotas: true });
    try {
      const sleeps: number[] = [];
      const client = new GraphClient({ baseUrl: throttling.graphBaseUrl, maxRetryAfterSeconds: 30, clock: () => nowMs, sleep: async (ms) => void sleeps.push(ms) });
      const [alert] = await client.listAlerts();
      for (let i = 1; i < 150; i++) await client.getAlert(alert!.id);
      const refused = await client.getIncident(alert!.incidentId!).catch((e: unknown) => e);
      expect((refused as GraphError).httpStatus).toBe(429);
      expect((refused as GraphError).retryAfterSeconds).toBe(60);
      const sent = throttling.control.requestsSince(0).length;
      // Another request, 10 s later: refused without being sent, saying how long is left.
      nowMs += 10_000;
      const other = await client.listAlerts().catch((e: unknown) => e);
      expect((other as GraphError).graphCode).toBe('TooManyRequests');
      expect((other as GraphError).retryAfterSeconds).toBe(50);
      expect(throttling.control.requestsSince(0).length).toBe(sent);
      expect(sleeps).toEqual([]);
      nowMs += 50_000;
      expect((await client.listAlerts()).length).toBeGreaterThan(0);
    } finally {
      await throttling.close();
    }
  });
});

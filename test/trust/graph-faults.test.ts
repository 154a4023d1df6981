/**
 * Defender misbehaving: 30% of Graph requests answered 429, 500, 503, a timeout or a reset.
 * Polling and decisions still complete; every incident is posted once and every decision
 * written once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, installation, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { isWelcome, withoutWelcome } from '../support/incident-cards.js';

const CONV = 'a:faults';
let stack: Stack;
let incidentIds: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    seedIncidents: 0,
    env: { DIGEST_THRESHOLD: '1000' },
    // Short waits: a timeout is 150 ms here, retries back off from 5 ms; more attempts than in production;
    // Teams pacing out of the way (this test is about Graph).
    app: { graph: { baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 150, maxAttempts: 12, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) }, delivery: { baseDelayMs: 1, maxDelayMs: 5, limits: [{ count: 1000, perMs: 1000 }], appLimits: [{ count: 1000, perMs: 1000 }] } },
  });
  await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, CONV));
  await stack.bot.services.poller.idle();
  for (let i = 0; i < 100; i++) {
    incidentIds.push((await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: `person${i % 9}@contoso.com` } })).body.incidentId);
  }
  const faults = await stack.admin('POST', '/_admin/faults', { rate: 0.3, kinds: ['429', '500', '503', 'timeout', 'reset'] });
  expect(faults.status).toBe(204);
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('with 30% Graph faults', () => {
  it('every incident is posted exactly once', async () => {
    let polls = 0;
    while (polls < 30) {
      polls++;
      const ok = await stack.bot.services.poller.poll().then(
        () => true,
        () => false,
      );
      const posted = await Promise.all(incidentIds.map((id) => stack.bot.services.store.post(id, CONV)));
      if (ok && posted.every(Boolean)) break;
    }
    const shown = [...withoutWelcome(stack.connector, CONV).values()].map((c) => /Insider risk incident (\d+)/.exec(JSON.stringify(c))?.[1]);
    expect(shown.sort()).toEqual([...incidentIds].sort());
    // The welcome at install, then the 100 cards.
    expect(stack.connector.calls.filter((c) => c.method === 'send').map((c) => isWelcome(c.activity)).filter(Boolean)).toHaveLength(1);
    expect(stack.connector.calls.filter((c) => c.method === 'send').length).toBe(101);
    const faulted = (await stack.graphRequests()).filter((r) => r.status >= 429 || r.status === 0).length;
    expect(faulted).toBeGreaterThan(0);
  }, 120_000);

  it('every decision is written exactly once, however often the analyst has to retry', async () => {
    for (const incidentId of incidentIds.slice(0, 10)) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId, classification: 'truePositive', comment: `case ${incidentId}` }));
        // A card back means it landed (or was already there); a message says Defender did not answer: try again.
        if ((res.body as { type: string }).type === 'application/vnd.microsoft.card.adaptive') break;
      }
    }
    await stack.admin('DELETE', '/_admin/faults');
    for (const incidentId of incidentIds.slice(0, 10)) {
      const get = <T>(path: string) => fetch(`${stack.graphBaseUrl}${path}`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json() as Promise<T>);
      const incident = await get<{ status: string; alerts: { id: string; serviceSource: string }[] }>(`/security/incidents/${incidentId}?$expand=alerts`);
      expect(incident.status).toBe('resolved');
      for (const { id } of incident.alerts.filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement')) {
        const alert = await get<{ classification: string; comments: { comment: string }[] }>(`/security/alerts_v2/${id}`);
        expect(alert.classification).toBe('truePositive');
        expect(alert.comments.filter((c) => c.comment.includes(`case ${incidentId}`))).toHaveLength(1);
      }
    }
  }, 120_000);
});

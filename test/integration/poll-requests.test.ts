/**
 * Graph requests follow the change, not the tenant: an idle poll is one request, and an incident is
 * read again only when one of its alerts changed since the bot last read it. Counted at the tenant,
 * which enforces Graph's documented budgets here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const requestsDuring = async (run: () => Promise<unknown>) => {
  const before = (await stack.graphRequests()).length;
  await run();
  return (await stack.graphRequests()).slice(before);
};

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 20, quotas: true, installIn: ['a:requests'] });
  await stack.bot.services.poller.poll();
});
afterAll(async () => {
  await stack?.close();
});

describe('Graph requests per poll', () => {
  it('an idle poll is one request, however many incidents changed within the overlap behind the watermark', async () => {
    for (let i = 0; i < 3; i++) {
      const requests = await requestsDuring(() => stack.bot.services.poller.poll());
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1.0/security/alerts_v2']);
    }
  });

  it('a change in the portal reads that incident once, and the next idle poll is one request again', async () => {
    const open = (await stack.bot.services.store.openIncidents()).find((i) => i.open)!;
    const incident = await stack.bot.services.client.getIncident(open.id);
    const irmAlert = incident.alerts!.find((a) => a.serviceSource === 'microsoftInsiderRiskManagement')!;
    await stack.admin('PATCH', `/_admin/alerts/${irmAlert.id}`, { assignedTo: 'someone@contoso.com' });
    const changed = await requestsDuring(() => stack.bot.services.poller.poll());
    expect(changed.filter((r) => r.method === 'GET' && r.path.endsWith(`/security/incidents/${open.id}`))).toHaveLength(1);
    expect(changed.filter((r) => r.method === 'GET' && /\/security\/incidents\/[^/]+$/.test(r.path))).toHaveLength(1);
    const idle = await requestsDuring(() => stack.bot.services.poller.poll());
    expect(idle).toHaveLength(1);
  });

  it('many changed incidents are read in pages of the incident list, not one request each, and every card is redrawn', async () => {
    const open = (await stack.bot.services.store.openIncidents()).filter((i) => i.open && i.status === 'active');
    expect(open.length).toBeGreaterThan(6);
    for (const record of open) {
      const incident = await stack.bot.services.client.getIncident(record.id);
      for (const alert of incident.alerts!.filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement')) {
        await stack.admin('PATCH', `/_admin/alerts/${alert.id}`, { status: 'inProgress', assignedTo: 'portal.analyst@contoso.com' });
      }
    }
    const updatesBefore = stack.connector.calls.filter((c) => c.method === 'update').length;
    const requests = await requestsDuring(() => stack.bot.services.poller.poll());
    const gets = requests.filter((r) => r.method === 'GET').map((r) => r.path);
    // The alert listing, one $count, and the pages: no per-incident reads.
    expect(gets.filter((p) => /\/security\/incidents\/[^/]+$/.test(p))).toEqual([]);
    expect(gets.length).toBeLessThanOrEqual(4);
    expect(requests.every((r) => r.status === 200)).toBe(true);
    // Every posted card of a changed incident was redrawn as In progress.
    const posted = [];
    for (const record of open) if (await stack.bot.services.store.post(record.id, 'a:requests')) posted.push(record);
    expect(posted.length).toBeGreaterThan(0);
    const updates = stack.connector.calls.filter((c) => c.method === 'update').slice(updatesBefore);
    for (const record of posted) {
      const activityId = (await stack.bot.services.store.post(record.id, 'a:requests'))!.activityId;
      const update = updates.find((u) => u.activityId === activityId);
      expect(JSON.stringify(update?.activity), record.id).toContain('"title":"Defender status","value":"In progress"');
    }
  });
});

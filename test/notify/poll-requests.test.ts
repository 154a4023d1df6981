/**
 * Graph requests follow the change, not the tenant: an idle poll is one request, and an incident is
 * read again only when one of its alerts changed since the bot last read it. Counted at the tenant,
 * which enforces Graph's documented budgets here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installation, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';
import { incidentIdsOn, isBacklogDigest, isWelcome } from '../support/incident-cards.js';

let stack: Stack;
const requestsDuring = async (run: () => Promise<unknown>) => {
  const before = (await stack.graphRequests()).length;
  await run();
  return (await stack.graphRequests()).slice(before);
};

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 20, quotas: true, installIn: ['a:requests'] });
  // The install backlog came as one digest; incidents created since come as cards of their own.
  for (const upn of ['lee.gu@contoso.com', 'megan.bowen@contoso.com', 'nestor.wilke@contoso.com']) await stack.admin('POST', '/_admin/incidents', { severity: 'high', user: { upn } });
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
    // Every posted card of a changed incident was redrawn as In progress (a digest is not any one incident's card).
    const posted = [];
    for (const record of open) {
      const post = await stack.bot.services.store.post(record.id, 'a:requests');
      if (post && post.kind !== 'digest') posted.push({ id: record.id, activityId: post.activityId });
    }
    expect(posted.length).toBe(3);
    const updates = stack.connector.calls.filter((c) => c.method === 'update').slice(updatesBefore);
    for (const { id, activityId } of posted) {
      const update = updates.find((u) => u.activityId === activityId);
      expect(JSON.stringify(update?.activity), id).toContain('"title":"Defender status","value":"In progress"');
    }
  });
});

describe('the first poll on a large tenant', () => {
  let big: Stack;
  const BACKFILL = 4;
  let firstPoll: Awaited<ReturnType<Stack['graphRequests']>>;
  beforeAll(async () => {
    // The bot's clock runs 10 minutes ahead of Graph's: the watermark must still be Graph's time.
    big = await startStack({ seedIncidents: 400, quotas: true, env: { BACKFILL_LIMIT: String(BACKFILL) }, app: { now: () => new Date(Date.now() + 10 * 60_000) } });
    // Just before the bot first looks, someone changes the oldest open incident in the portal.
    const oldest = [...big.tenant.state.alerts.values()]
      .filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement' && a.status !== 'resolved')
      .sort((a, b) => a.createdDateTime.localeCompare(b.createdDateTime))[0]!;
    await big.admin('PATCH', `/_admin/alerts/${oldest.id}`, { assignedTo: 'portal.analyst@contoso.com' });
    // Graph's clock comes to the second (the Date header): let that second pass, so the change is before the first poll.
    await new Promise((r) => setTimeout(r, 1_100));
    const before = (await big.graphRequests()).length;
    await postActivity(big.bot.messagesUrl, installation(big.connector.serviceUrl, 'a:first')); // the install runs the first poll
    await big.bot.services.poller.idle();
    firstPoll = (await big.graphRequests()).slice(before);
  });
  afterAll(async () => {
    await big?.close();
  });
  const during = async (run: () => Promise<unknown>) => {
    const before = (await big.graphRequests()).length;
    await run();
    return (await big.graphRequests()).slice(before);
  };
  /** The incidents offered in the conversation: on their own cards, or listed on a digest. */
  const posted = () => [...big.connector.messages('a:first').values()].flatMap(incidentIdsOn);

  it('reads only what it posts: one page of the newest open IRM alerts, then each incident of the install backlog once', async () => {
    const requests = firstPoll;
    expect(requests.filter((r) => r.path.endsWith('/security/alerts_v2'))).toHaveLength(1);
    const reads = requests.filter((r) => /\/security\/incidents\/[^/]+$/.test(r.path));
    expect(reads).toHaveLength(BACKFILL);
    expect(requests).toHaveLength(1 + BACKFILL);
    // The welcome, then the backlog as one digest.
    const cards = [...big.connector.messages('a:first').values()];
    expect(cards.map((c) => [isWelcome(c), isBacklogDigest(c)])).toEqual([[true, false], [false, true]]);
    expect(posted()).toHaveLength(BACKFILL);
    expect(posted().sort()).toEqual(reads.map((r) => r.path.split('/').at(-1)).sort());
  });

  it('the next poll is one request: what changed just before the first poll, within the overlap, is history it chose not to read', async () => {
    expect(await during(() => big.bot.services.poller.poll())).toHaveLength(1);
  });

  it('an older incident changed later is read, but not announced as a new incident (it was there before the bot watched)', async () => {
    const backlog = new Set(posted());
    const older = (await big.bot.services.client.listOpenIrmAlerts(500)).find((a) => a.incidentId && !backlog.has(a.incidentId))!;
    await big.admin('PATCH', `/_admin/alerts/${older.id}`, { assignedTo: 'portal.analyst@contoso.com' });
    const requests = await during(() => big.bot.services.poller.poll());
    // Read once (by itself, or in the page of changed incidents the poll reads), never one by one for the whole tenant.
    const reads = requests.filter((r) => r.path.endsWith(`/security/incidents/${older.incidentId}`) || (r.path.endsWith('/security/incidents') && r.query.$expand === 'alerts'));
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThanOrEqual(4);
    expect(posted()).not.toContain(older.incidentId);
    expect(await during(() => big.bot.services.poller.poll())).toHaveLength(1);
  });

  it('a new incident after the first poll is posted, though the bot’s clock runs ahead of Graph’s', async () => {
    const { incidentId } = (await big.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' } })).body;
    await big.bot.services.poller.poll();
    expect(posted()).toContain(incidentId);
  });
});

/**
 * The chat's `incidents` list, the tab's queue and the incident card say the same things: the
 * incident's title (not an alert's), the same "Started" (the earliest first activity of its
 * alerts), the same statuses, and the list and the tab come in the same order (oldest New first
 * by default, newest first on request). Through /api/messages and the tab API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALEX, cardAction, installation, message, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:personal-alex-vocabulary';
const HOUR = 3_600_000;
let stack: Stack;
let base: string;
/** Three incidents: `a` started longest ago (by another tool's alert), `c` is In progress. */
const ids = { a: '', b: '', c: '' };
const starts: Record<keyof typeof ids, string> = { a: '', b: '', c: '' };

type Queue = { items: { incidentId: string; title: string; startedDateTime: string; defenderStatus: string; irmStatus: string; severityWord: string }[] };
const json = (x: unknown) => JSON.stringify(x);
const fact = (card: unknown, title: string) => new RegExp(`"title":"${title}","value":"([^"]*)"`).exec(json(card))?.[1];
/** The incident ids of a list card's Open buttons, in order. */
const listed = (card: unknown) => [...json(card).matchAll(/"title":"Open (\d+)"/g)].map((m) => m[1]);

async function say(words: string): Promise<unknown> {
  const before = stack.connector.calls.length;
  await postActivity(stack.bot.messagesUrl, message(stack.connector.serviceUrl, CONV, words));
  const reply = stack.connector.calls.slice(before).find((c) => c.method === 'reply' || c.method === 'send');
  return reply?.activity;
}
const tabQueue = async (query = '') => (await (await fetch(`${base}/api/tab/incidents${query}`)).json()) as Queue;

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0 });
  base = `http://127.0.0.1:${stack.bot.port}`;
  stack.connector.members.set(ALEX.id, { id: ALEX.id, name: ALEX.name, userPrincipalName: ALEX.upn, aadObjectId: ALEX.aadObjectId });
  expect((await postActivity(stack.bot.messagesUrl, installation(stack.connector.serviceUrl, CONV))).status).toBe(200);
  const create = async (severity: string, title: string, otherSources: string[] = []) =>
    (await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity, title, user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' }, otherSources })).body;
  const now = Date.now();
  const started = (alertIds: string[], hoursAgo: number[]) => {
    alertIds.forEach((id, i) => (stack.tenant.state.alerts.get(id)!.firstActivityDateTime = new Date(now - hoursAgo[i]! * HOUR).toISOString()));
    return new Date(now - Math.max(...hoursAgo) * HOUR).toISOString();
  };
  const a = await create('high', 'Bulk export of the customer list', ['microsoftDefenderForEndpoint']);
  const b = await create('medium', 'Unusual printing volume');
  const c = await create('low', 'Files copied to USB');
  // `a`'s earliest activity is its Defender for Endpoint alert's; Defender created all three just now.
  starts.a = started(a.alertIds, [10, 50]);
  starts.b = started(b.alertIds, [30]);
  starts.c = started(c.alertIds, [20]);
  Object.assign(ids, { a: a.incidentId, b: b.incidentId, c: c.incidentId });
  await stack.admin('PATCH', `/_admin/alerts/${c.alertIds[0]}`, { status: 'inProgress', assignedTo: 'megan.bowen@contoso.com' });
});
afterAll(async () => {
  await stack?.close();
});

describe('list, card and tab speak one vocabulary', () => {
  it('orders the chat list and the tab alike: oldest New first by default, newest first on request', async () => {
    expect((await tabQueue()).items.map((i) => i.incidentId)).toEqual([ids.a, ids.b, ids.c]);
    expect(listed(await say('incidents'))).toEqual([ids.a, ids.b, ids.c]);
    expect((await tabQueue('?sort=newest')).items.map((i) => i.incidentId)).toEqual([ids.c, ids.b, ids.a]);
    expect(listed(await say('incidents newest'))).toEqual([ids.c, ids.b, ids.a]);
    // Filters combine, in any order, and are honoured.
    expect(listed(await say('incidents newest medium'))).toEqual([ids.b]);
    expect((await tabQueue('?severity=medium&sort=newest')).items.map((i) => i.incidentId)).toEqual([ids.b]);
  });

  it("gives each incident the card's title, Started time and statuses, in the list and in the tab", async () => {
    const list = json(await say('incidents'));
    const queue = (await tabQueue()).items;
    for (const key of ['a', 'b', 'c'] as const) {
      const card = await say(`incident ${ids[key]}`);
      const title = /"text":"([^"]*)","weight":"Bolder","size":"Medium","wrap":true,"spacing":"None"/.exec(json(card))?.[1];
      const startedFact = fact(card, 'Started');
      expect(startedFact).toBe(`{{DATE(${starts[key].replace(/\.\d{3}Z$/, 'Z')}, SHORT)}} {{TIME(${starts[key].replace(/\.\d{3}Z$/, 'Z')})}}`);
      const item = queue.find((i) => i.incidentId === ids[key])!;
      expect(item.startedDateTime).toBe(starts[key]);
      expect(title).toBe(item.title);
      // The list names the incident by its title, and says Started as the card does.
      expect(list).toContain(`· ${item.title}`);
      expect(list).toContain(`Started ${startedFact}`);
      expect(list).toContain(`Defender: ${item.defenderStatus} · IRM: ${item.irmStatus}`);
      expect(fact(card, 'Defender status')).toBe(item.defenderStatus);
    }
    // The incident's title, which is not an alert's ("… involving one user" in the embedded tenant).
    expect(queue.slice(1).map((i) => i.title)).toEqual(['Unusual printing volume involving one user', 'Files copied to USB involving one user']);
    expect(queue[0]!.title).toMatch(/^Multi-stage incident/);
    // The list's age is the tab's wording, counted from the same start.
    expect(list).toMatch(/Age 2 d 2 h/);
  });

  it("keeps the list's filters when Open redraws it", async () => {
    const list = await say('incidents newest');
    const data = JSON.parse(/"verb":"openIncident","data":(\{[^}]*\})/.exec(json(list))![1]!) as Record<string, unknown>;
    expect(data).toEqual({ incidentId: ids.c, severity: '', order: 'newest' });
    const answer = (await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'openIncident', data))).body as { value: unknown };
    expect(listed(answer.value)).toEqual([ids.c, ids.b, ids.a]);
    const high = JSON.parse(/"verb":"openIncident","data":(\{[^}]*\})/.exec(json(await say('incidents high')))![1]!) as Record<string, unknown>;
    expect(listed(((await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'openIncident', high))).body as { value: unknown }).value)).toEqual([ids.a]);
  });

  it('refuses in words what it does not know, naming the severities and orders it takes', async () => {
    const refused = json(await say('incidents oldestt'));
    expect(refused).toContain('is neither a severity nor an order');
    expect(refused).toContain('Did you mean `incidents oldest`?');
    expect(json(await say('incidents high low'))).toContain('one severity and one order at most');
  });
});

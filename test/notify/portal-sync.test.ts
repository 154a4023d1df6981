/** Changes made in the Defender portal reach every posted card within one poll, in words. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:portal-sync';
let stack: Stack;
let incidentId: string;
let alertIds: string[];

const shown = () => [...stack.connector.messages(CONV).values()].map((c) => JSON.stringify(c)).find((c) => c.includes(`Insider risk incident ${incidentId}`)) ?? '';

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, installIn: [CONV] });
  const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com' }, irmAlerts: 2 });
  incidentId = created.body.incidentId;
  alertIds = created.body.alertIds;
  await stack.bot.services.poller.poll();
});
afterAll(async () => {
  await stack?.close();
});

describe('portal → card', () => {
  it('an assignment in the portal is shown with who made it', async () => {
    await stack.admin('PATCH', `/_admin/alerts/${alertIds[0]}`, { assignedTo: 'megan.bowen@contoso.com', status: 'inProgress', by: 'megan.bowen@contoso.com' });
    const result = await stack.bot.services.poller.poll();
    expect(result.updatedIncidents).toBe(1);
    expect(shown()).toMatch(/Investigation started by megan.bowen@contoso.com in the Defender portal/);
    expect(shown()).toMatch(/"title":"Defender status","value":"In progress"/);
  });

  it('a resolution in the portal: the card says Resolved as False positive, by whom, and IRM Dismissed', async () => {
    for (const id of alertIds) await stack.admin('PATCH', `/_admin/alerts/${id}`, { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' });
    await stack.bot.services.poller.poll();
    expect(shown()).toMatch(/Resolved as False positive by portal.analyst@contoso.com in the Defender portal, \{\{DATE\(/);
    expect(shown()).toMatch(/"title":"IRM status","value":"Dismissed"/);
    expect(shown()).not.toContain('"title":"Start investigation"');
  });

  it('a change made from the card is not announced again as an outside change', async () => {
    const created = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'nestor.wilke@contoso.com' } });
    await stack.bot.services.poller.poll();
    await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'startInvestigation', { incidentId: created.body.incidentId }));
    await stack.cardsRedrawn();
    const updatesBefore = stack.connector.calls.filter((c) => c.method === 'update').length;
    const result = await stack.bot.services.poller.poll();
    expect(result.updatedIncidents).toBe(0);
    expect(stack.connector.calls.filter((c) => c.method === 'update').length).toBe(updatesBefore);
    const card = [...stack.connector.messages(CONV).values()].map((c) => JSON.stringify(c)).find((c) => c.includes(`Insider risk incident ${created.body.incidentId}`))!;
    expect(card).not.toContain('in the Defender portal');
    expect(card).toContain('Investigation started by Alex Wilber');
  });
});

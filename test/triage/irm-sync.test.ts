/** Purview's side lags Defender's: the card says so until it catches up, and flags a sync that never comes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardAction, postActivity } from '../support/activities.js';
import { startStack, type Stack } from '../support/stack.js';

const CONV = 'a:irm-sync';
let stack: Stack;
// Both clocks are ours: the tenant's (when the IRM side catches up) and the bot's (the bound).
let tenantNow = new Date('2026-11-20T10:00:00Z');
let botNow = new Date('2026-11-20T10:00:00Z');
const irmFact = (card: unknown) => /"title":"IRM status","value":"([^"]*)"/.exec(JSON.stringify(card))?.[1];
const shownCard = (incidentId: string) => [...stack.connector.messages(CONV).values()].find((c) => JSON.stringify(c).includes(`Insider risk incident ${incidentId}`));

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, irmSyncDelaySeconds: 600, tenantNow: () => tenantNow, app: { now: () => botNow }, env: { IRM_SYNC_BOUND_MINUTES: '45' }, installIn: [CONV] });
});
afterAll(async () => {
  await stack?.close();
});

async function resolvedIncident(classification: string): Promise<{ incidentId: string; card: unknown }> {
  const created = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'medium', user: { upn: 'lee.gu@contoso.com' } });
  await stack.bot.services.poller.poll();
  const res = await postActivity(stack.bot.messagesUrl, cardAction(stack.connector.serviceUrl, CONV, 'resolve', { incidentId: created.body.incidentId, classification, comment: 'Checked the activity.' }));
  return { incidentId: created.body.incidentId, card: (res.body as { value: unknown }).value };
}

describe('IRM sync lag', () => {
  it('says Purview is pending after a decision, then shows the IRM status once it is reflected', async () => {
    const { incidentId, card } = await resolvedIncident('truePositive');
    expect(irmFact(card)).toBe('Pending in Purview (will be Confirmed)');
    tenantNow = new Date(tenantNow.getTime() + 11 * 60_000);
    botNow = new Date(botNow.getTime() + 11 * 60_000);
    await stack.bot.services.poller.poll();
    expect(irmFact(shownCard(incidentId))).toBe('Confirmed');
  });

  it('flags a decision the IRM side has not reflected within the bound', async () => {
    const { incidentId } = await resolvedIncident('falsePositive');
    botNow = new Date(botNow.getTime() + 46 * 60_000); // the tenant's clock stands still: IRM never catches up
    await stack.bot.services.poller.poll();
    expect(irmFact(shownCard(incidentId))).toBe('Dismissed expected, but Purview has not reflected it after 45 minutes: check the alert in the Purview portal');
  });
});

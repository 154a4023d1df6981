/** Subscription filters decide which conversation hears of which incident. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
const PERSONAL = 'a:personal-subs';
const CHANNEL = '19:soc-channel@thread.tacv2';
const DLP_CHANNEL = '19:dlp-channel@thread.tacv2';
const QUIET_CHANNEL = '19:quiet-channel@thread.tacv2';
const LEE_CHANNEL = '19:lee-channel@thread.tacv2';
const LEE_PERSONAL = 'a:personal-subs-lee';

const say = async (conversation: string, text: string) => JSON.stringify((await stack.say(conversation, text))?.text ?? null);
const incidentsShownIn = (conversation: string) =>
  [...stack.connector.messages(conversation).values()].map((c) => /Insider risk incident (\d+)/.exec(JSON.stringify(c))?.[1]).filter(Boolean).sort();

beforeAll(async () => {
  stack = await startStack({ seedIncidents: 0, installIn: [PERSONAL, CHANNEL, DLP_CHANNEL, QUIET_CHANNEL, LEE_CHANNEL, LEE_PERSONAL] });
});
afterAll(async () => {
  await stack?.close();
});

describe('subscriptions', () => {
  it('defaults: channels hear of Medium and above, personal chats of everything', async () => {
    expect(await say(CHANNEL, 'subscriptions')).toContain('Medium severity and above');
    expect(await say(PERSONAL, 'subscriptions')).toContain('Informational severity and above');
  });

  it('filters by severity, user and source; unsubscribe silences a conversation', async () => {
    expect(await say(DLP_CHANNEL, 'subscribe source=dlp user=adele.vance@contoso.com')).toContain('grouping an alert from Data Loss Prevention');
    expect(await say(QUIET_CHANNEL, 'unsubscribe')).toContain('unsubscribed');

    const low = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'adele.vance@contoso.com' } });
    const highDlp = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'adele.vance@contoso.com' }, otherSources: ['dataLossPrevention'] });
    const highOther = await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', { severity: 'high', user: { upn: 'lee.gu@contoso.com' }, otherSources: ['dataLossPrevention'] });
    await stack.bot.services.poller.poll();

    expect(incidentsShownIn(PERSONAL)).toEqual([low.body.incidentId, highDlp.body.incidentId, highOther.body.incidentId].sort());
    expect(incidentsShownIn(CHANNEL)).toEqual([highDlp.body.incidentId, highOther.body.incidentId].sort());
    expect(incidentsShownIn(DLP_CHANNEL)).toEqual([highDlp.body.incidentId]);
    expect(incidentsShownIn(QUIET_CHANNEL)).toEqual([]);
  });

  it('a user filter is a pseudonym in a channel (anyone there may ask), the UPN in the personal chat of an analyst who may read', async () => {
    const upn = 'lee.gu@contoso.com';
    const pseudonym = await stack.bot.services.privacy.pseudonym(upn);
    for (const text of ['subscribe user=lee.gu@contoso.com', 'subscriptions']) {
      const channel = await say(LEE_CHANNEL, text);
      expect(channel).toContain(`about ${pseudonym}`);
      expect(channel).not.toMatch(/lee|gu@/i);
      // Alex Wilber has the roles: his own chat names the user.
      expect(await say(LEE_PERSONAL, text)).toContain(`about ${upn}`);
    }
  });

  it('answers bad filters with what was expected', async () => {
    expect(await say(CHANNEL, 'subscribe severity>=critical')).toContain('severity must be informational, low, medium or high');
    expect(await say(CHANNEL, 'subscribe source=splunk')).toContain('source must be one of irm, mde, entra or dlp');
    expect(await say(CHANNEL, 'subscribe user=adele')).toContain('user principal name');
    expect(await say(CHANNEL, 'subscribe loud')).toContain('I expected filters such as');
    expect(await say(CHANNEL, 'subscriptions')).toContain('Medium severity and above');
  });
});

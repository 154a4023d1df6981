/**
 * End to end, as an analyst sees it: the embedded tenant, the bot, the Agents Playground and
 * headless Chromium. Incidents created through the admin path arrive as cards in Personal Chat;
 * the analyst starts an investigation and resolves from the card; the tenant records it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@irm-bot/defender-tenant';
import { chooseOption, clickCardButton, collectPageErrors, fillText, markChat, openPlayground, sendMessage, waitForCard, waitForCardText, watchCardUpdate } from '../support/browser.js';
import { screenshotPath, startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

let stack: BrowserStack;
let tenant: Tenant;
let page: Page;

const admin = <T>(method: string, path: string, body?: unknown) => stack.admin<T>(method, path, body);
const graphAlert = (id: string) =>
  fetch(`${tenant.graphBaseUrl}/security/alerts_v2/${id}`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json() as Promise<Record<string, unknown>>);

beforeAll(async () => {
  stack = await startBrowserStack();
  tenant = stack.tenant;
  // Tall enough that a whole incident card with its form open fits on screen (for the README picture).
  page = await openPlayground(stack.browser, stack.playground!.url, { context: await stack.browser.newContext({ viewport: { width: 1300, height: 2200 } }) });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

describe('in the Agents Playground', () => {
  it('a new incident arrives as a card; Start investigation, then Resolve as True positive → Confirmed', async () => {
    const mark = await markChat(page);
    const created = await admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', {
      severity: 'high',
      title: 'Sensitive files copied to USB by departing user',
      user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' },
      irmAlerts: 2,
      otherSources: ['microsoftDefenderForEndpoint', 'azureAdIdentityProtection', 'dataLossPrevention'],
    });
    const card = await waitForCard(page, `Insider risk incident ${created.incidentId}`, { after: mark, timeout: 20_000 });
    await waitForCardText(card, '2 Insider Risk Management, 1 Defender for Endpoint, 1 Entra ID Protection, 1 Data Loss Prevention');
    await waitForCardText(card, 'Adele Vance (adele.vance@contoso.com)');
    await waitForCardText(card, /IRM status\s*Needs review/);

    const updated = await watchCardUpdate(page);
    await clickCardButton(card, 'Start investigation');
    await waitForCardText(card, /Defender status\s*In progress/);
    await waitForCardText(card, /Investigation started by Alex Wilber/);
    // The card is redrawn for everyone too; that redraw would close a Resolve form opened before it.
    await updated();
    await waitForCardText(card, /Investigation started by Alex Wilber/);

    await clickCardButton(card, 'Resolve');
    await chooseOption(card, 'Classification', 'True positive');
    await fillText(card, 'Comment', 'Copied the product roadmap to USB two days before leaving.');
    // The README's picture: the whole card with its Resolve form filled in, from this very run.
    await card.screenshot({ path: screenshotPath('incident-card.png') });
    await clickCardButton(card, 'Submit');
    await waitForCardText(card, /Defender status\s*Resolved/);
    await waitForCardText(card, /IRM status\s*Confirmed/);
    await waitForCardText(card, /Classification\s*True positive/);

    for (const id of created.alertIds.slice(0, 2)) {
      const alert = await graphAlert(id);
      expect(alert).toMatchObject({ status: 'resolved', classification: 'truePositive' });
      expect(JSON.stringify(alert.comments)).toMatch(/by Alex Wilber.*from Microsoft Teams.*Copied the product roadmap/);
      expect((await admin<{ irmStatus: string }>('GET', `/_admin/irm/alerts/${id}`)).irmStatus).toBe('Confirmed');
    }
  });

  it('Resolve as False positive → Dismissed, on the card and on the IRM side', async () => {
    const mark = await markChat(page);
    const created = await admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', {
      severity: 'medium',
      user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' },
    });
    const card = await waitForCard(page, `Insider risk incident ${created.incidentId}`, { after: mark, timeout: 20_000 });
    await clickCardButton(card, 'Resolve');
    await chooseOption(card, 'Classification', 'False positive');
    await fillText(card, 'Comment', 'Approved migration to the new file share.');
    await clickCardButton(card, 'Submit');
    await waitForCardText(card, /IRM status\s*Dismissed/);
    const alert = await graphAlert(created.alertIds[0]!);
    expect(alert).toMatchObject({ status: 'resolved', classification: 'falsePositive', determination: 'notMalicious' });
    expect((await admin<{ irmStatus: string }>('GET', `/_admin/irm/alerts/${created.alertIds[0]}`)).irmStatus).toBe('Dismissed');
  });

  it('a resolution made in the Defender portal reaches the posted card, saying who and how', async () => {
    const mark = await markChat(page);
    const created = await admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'nestor.wilke@contoso.com' } });
    const card = await waitForCard(page, `Insider risk incident ${created.incidentId}`, { after: mark, timeout: 20_000 });
    await admin('PATCH', `/_admin/alerts/${created.alertIds[0]}`, { status: 'resolved', classification: 'falsePositive', determination: 'notMalicious', by: 'portal.analyst@contoso.com' });
    await waitForCardText(card, /Resolved as False positive by portal\.analyst@contoso\.com in the Defender portal/, { timeout: 20_000 });
    await waitForCardText(card, /IRM status\s*Dismissed/);
  });

  it('hunts from chat: uploads as a table, user-alerts across tools, the user summary', async () => {
    const zipUploads = () =>
      tenant.state.hunting.DataSecurityEvents.filter((r) => String(r.ActionType).startsWith('FileUploaded') && String(r.ObjectName).toLowerCase().endsWith('.zip'));
    for (let i = 0; i < 20 && zipUploads().length === 0; i++) await admin('POST', '/_admin/incidents', { severity: 'low', user: { upn: 'adele.vance@contoso.com' } });
    expect(zipUploads().length).toBeGreaterThan(0);

    let mark = await sendMessage(page, 'hunt uploads ext=.zip');
    const uploads = await waitForCard(page, 'Hunt: uploads', { after: mark });
    await waitForCardText(uploads, /Time\s*User\s*File\s*To/);
    await waitForCardText(uploads, String(zipUploads()[0]!.ObjectName));
    expect(await uploads.getByRole('table').count()).toBeGreaterThan(0);
    await uploads.screenshot({ path: screenshotPath('hunt-table.png') });

    mark = await sendMessage(page, 'hunt user-alerts user=adele.vance@contoso.com');
    const alerts = await waitForCard(page, 'Hunt: user-alerts', { after: mark });
    await waitForCardText(alerts, 'Microsoft Insider Risk Management');
    await waitForCardText(alerts, 'Microsoft Defender for Endpoint');

    mark = await sendMessage(page, 'user adele.vance@contoso.com');
    const summary = await waitForCard(page, 'User risk summary', { after: mark });
    await waitForCardText(summary, 'Alerts in the last 30 days, by source');
    // A row of the user's own alerts, not just the card's fixed words.
    await waitForCardText(summary, /Insider Risk Management\s*\d+ alerts?, \d+ high severity/);
  });

  it('answers typed commands in chat', async () => {
    const mark = await sendMessage(page, 'help');
    const help = await waitForCard(page, 'Insider risk triage: what I can do', { after: mark });
    await waitForCardText(help, 'incident {id}');
    expect(collectPageErrors(page).unexpected()).toEqual([]);
  });
});

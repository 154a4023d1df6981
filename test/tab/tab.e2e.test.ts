/**
 * The incident-queue tab end to end, in headless Chromium outside Teams (demo mode): it lists the
 * embedded tenant's incidents, filters them, shows an incident's card and resolves it, which
 * reaches Defender and the card posted in the Agents Playground; a hunting result opens in full
 * from the card's Show all, sorts, and downloads as CSV. No page errors anywhere.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@irm-bot/defender-tenant';
import { clickCardButton, collectPageErrors, markChat, openPlayground, sendMessage, waitForCard, waitForCardText } from '../support/browser.js';
import { screenshotPath, startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

let stack: BrowserStack;
let tenant: Tenant;
let context: BrowserContext;
let chat: Page;
let tab: Page;
let resolvedId: string;
let otherId: string;
/** Requests the tab page made to anywhere but this machine (outside Teams: none, not even teams-js' CDN). */
const offMachine: string[] = [];

const admin = <T>(method: string, path: string, body?: unknown) => stack.admin<T>(method, path, body);
const graph = <T>(path: string) => fetch(`${tenant.graphBaseUrl}${path}`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json() as Promise<T>);
const rowIds = (page: Page) => page.locator('#queue tbody tr[data-incident]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident')));

beforeAll(async () => {
  stack = await startBrowserStack();
  tenant = stack.tenant;
  context = await stack.browser.newContext({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
  chat = await openPlayground(stack.browser, stack.playground!.url, { context });
  const resolved = await admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', {
    severity: 'high',
    title: 'Mass download to USB before resignation',
    user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' },
    irmAlerts: 2,
    otherSources: ['microsoftDefenderForEndpoint', 'dataLossPrevention'],
  });
  const other = await admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', { severity: 'medium', title: 'Unusual volume of printing', user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' } });
  resolvedId = resolved.incidentId;
  otherId = other.incidentId;
  // The queue's order is by when each started (first activity): the first one started earlier.
  for (const [alertIds, hours] of [[resolved.alertIds, 30], [other.alertIds, 3]] as const) {
    for (const id of alertIds) tenant.state.alerts.get(id)!.firstActivityDateTime = new Date(Date.now() - hours * 3_600_000).toISOString();
  }
  await waitForCard(chat, `Insider risk incident ${resolvedId}`, { timeout: 20_000 });
  tab = await context.newPage();
  tab.setDefaultTimeout(15_000);
  collectPageErrors(tab);
  tab.on('request', (request) => {
    if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(request.url()) && !request.url().startsWith('data:')) offMachine.push(request.url());
  });
  await tab.goto(`http://127.0.0.1:${stack.bot.port}/tab/`);
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

describe('the incident-queue tab outside Teams', () => {
  it('says it runs outside Teams as the demo user, and lists the open incidents with their sources and statuses', async () => {
    await expect.poll(() => tab.locator('#where').textContent(), { timeout: 10_000 }).toContain('Outside Microsoft Teams: demo mode, signed in as the demo user Alex Wilber');
    await tab.locator(`#queue tr[data-incident="${resolvedId}"]`).waitFor();
    expect(await rowIds(tab)).toEqual([resolvedId, otherId]);
    const row = tab.locator(`#queue tr[data-incident="${resolvedId}"]`);
    const text = await row.innerText();
    expect(text).toContain('Adele Vance (adele.vance@contoso.com)');
    expect(text).toContain('2 Insider Risk Management');
    expect(text).toContain('1 Defender for Endpoint');
    expect(text).toContain('1 Data Loss Prevention');
    expect(text).toContain('Defender: New');
    expect(text).toContain('IRM: Needs review');
    expect(await tab.locator('#queue-summary').textContent()).toBe('2 open insider risk incidents');
    // Age counts from when the incident started, as the card's Started does.
    expect(await row.locator('td.col-age').textContent()).toMatch(/^30 h \d+ min$/);
  });

  it('filters by severity and user, and sorts oldest New first or newest first', async () => {
    await tab.getByRole('checkbox', { name: 'Medium' }).check();
    await expect.poll(() => rowIds(tab), { timeout: 10_000 }).toEqual([otherId]);
    await tab.getByRole('checkbox', { name: 'Medium' }).uncheck();
    await tab.locator('#user-filter').fill('adele');
    await expect.poll(() => rowIds(tab), { timeout: 10_000 }).toEqual([resolvedId]);
    await tab.locator('#user-filter').fill('');
    await tab.locator('#sort').selectOption('newest');
    await expect.poll(() => rowIds(tab), { timeout: 10_000 }).toEqual([otherId, resolvedId]);
    await tab.locator('#sort').selectOption('oldest');
    await expect.poll(() => rowIds(tab), { timeout: 10_000 }).toEqual([resolvedId, otherId]);
  });

  it('resolves from the tab: Defender records it and the card in the Playground updates', async () => {
    await tab.locator(`#queue tr[data-incident="${resolvedId}"]`).click();
    const card = tab.locator('#detail .ac-adaptiveCard').first();
    await waitForCardText(card, `Insider risk incident ${resolvedId}`);
    await tab.screenshot({ path: screenshotPath('tab-queue.png') });
    await clickCardButton(card, 'Resolve');
    await card.locator('select').first().selectOption({ label: 'True positive' });
    await card.locator('textarea').fill('Confirmed with HR; resolved from the tab');
    await clickCardButton(card, 'Submit');
    await waitForCardText(tab.locator('#detail .ac-adaptiveCard').first(), /Defender status Resolved/);

    const alerts = (await graph<{ incidents: unknown } & { alerts: { serviceSource: string; status: string; classification: string; comments: { comment: string }[] }[] }>(`/security/incidents/${resolvedId}?$expand=alerts`)).alerts;
    const irm = alerts.filter((a) => a.serviceSource === 'microsoftInsiderRiskManagement');
    expect(irm).toHaveLength(2);
    for (const alert of irm) {
      expect(alert.status).toBe('resolved');
      expect(alert.classification).toBe('truePositive');
      expect(alert.comments.map((c) => c.comment).join(' ')).toContain('resolved from the tab');
    }
    const posted = await waitForCard(chat, `Insider risk incident ${resolvedId}`);
    await waitForCardText(posted, /Defender status Resolved/, { timeout: 20_000 });
    await waitForCardText(posted, /IRM status .*Confirmed/);
    // The queue drops it.
    await expect.poll(() => rowIds(tab), { timeout: 10_000 }).toEqual([otherId]);
    await tab.locator('#close-incident').click();
  });

  it("answers User summary in the tab with the person's summary, and Reload brings the incident back", async () => {
    await tab.locator(`#queue tr[data-incident="${otherId}"]`).click();
    const card = tab.locator('#detail .ac-adaptiveCard').first();
    await waitForCardText(card, `Insider risk incident ${otherId}`);
    await clickCardButton(card, 'User summary');
    await waitForCardText(tab.locator('#detail .ac-adaptiveCard').first(), /User risk summary .*Lee Gu/);
    await tab.locator('#reload-incident').click();
    await waitForCardText(tab.locator('#detail .ac-adaptiveCard').first(), `Insider risk incident ${otherId}`);
  });

  it("opens a hunting result in full from the card's Show all: every row, sortable, as CSV", async () => {
    // A person who uploaded 500 archives this month: more than a card can hold.
    const template = tenant.state.hunting.DataSecurityEvents.find((r) => r.ActionType === 'FileUploaded')!;
    const expected = 500;
    for (let i = 0; i < expected; i++) {
      const name = `Export_${String(i).padStart(3, '0')}.zip`;
      tenant.state.hunting.DataSecurityEvents.push({ ...template, AccountUpn: 'quinn.ortega@contoso.com', ObjectName: name, FileName: name, ObjectSize: ((i * 7919) % 1000) * 1024 + 1, Timestamp: new Date(Date.now() - (i + 1) * 3_600_000).toISOString() });
    }
    const mark = await markChat(chat);
    await sendMessage(chat, 'hunt uploads ext=.zip user=quinn.ortega@contoso.com days=30');
    const result = await waitForCard(chat, 'Hunt: uploads', { after: mark, timeout: 20_000 });
    await waitForCardText(result, `Rows ${expected}; showing 1–10`);
    const popup = context.waitForEvent('page');
    // The Playground draws Action.OpenUrl as a link, not a button.
    await result.getByText('Show all', { exact: true }).click();
    const full = await popup;
    const errors = collectPageErrors(full);
    await full.waitForLoadState('domcontentloaded');
    expect(full.url()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${stack.bot.port}/tab/hunt\\.html\\?result=`));
    await full.locator('#hunt-table tbody tr').first().waitFor();
    expect(await full.locator('#hunt-table tbody tr').count()).toBe(expected);
    expect(await full.locator('#row-count').textContent()).toBe(`${expected} rows`);

    const header = full.getByRole('button', { name: 'ObjectSize', exact: true });
    const column = await columnIndex(full, 'ObjectSize');
    const sizes = async () => full.locator('#hunt-table tbody tr').evaluateAll((rows, c) => rows.map((r) => Number((r.children[c] as HTMLElement).textContent)), column);
    await header.click();
    const ascending = await sizes();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await header.click();
    const descending = await sizes();
    expect(descending).toEqual([...ascending].reverse());
    expect(await full.locator('#hunt-table thead th').nth(column).getAttribute('aria-sort')).toBe('descending');

    const download = full.waitForEvent('download');
    await full.locator('#download-csv').click();
    const file = await (await download).path();
    const csv = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(csv).toHaveLength(expected + 1);
    expect(csv[0]).toBe('Timestamp,AccountUpn,FileName,ActionType,Destination,ObjectSize,DeviceName,Workload');
    expect(csv.filter((line) => line.includes('quinn.ortega@contoso.com'))).toHaveLength(expected);
    await full.screenshot({ path: screenshotPath('tab-hunt.png') });
    expect(errors.unexpected()).toEqual([]);
  });

  it('follows the theme (dark, high contrast) and had no page errors', async () => {
    await tab.goto(`http://127.0.0.1:${stack.bot.port}/tab/?theme=dark`);
    await tab.locator('#queue tbody tr').first().waitFor();
    expect(await tab.evaluate(() => document.body.dataset.theme)).toBe('dark');
    expect(await tab.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(31, 31, 31)');
    await tab.goto(`http://127.0.0.1:${stack.bot.port}/tab/?theme=contrast`);
    await tab.locator('#queue tbody tr').first().waitFor();
    expect(await tab.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(0, 0, 0)');
    expect(collectPageErrors(tab).unexpected()).toEqual([]);
    expect(offMachine).toEqual([]);
    expect(collectPageErrors(chat).unexpected()).toEqual([]);
  });
});

async function columnIndex(page: Page, name: string): Promise<number> {
  const names = await page.locator('#hunt-table thead th').evaluateAll((ths) => ths.map((th) => th.querySelector('button')?.textContent));
  const index = names.indexOf(name);
  if (index < 0) throw new Error(`No column ${name} in ${names.join(', ')}`);
  return index;
}

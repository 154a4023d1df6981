/**
 * The queue at the widths analysts use (1,400 and 1,024 px): every column header within the
 * window, nothing to scroll sideways; a click on a row, or Enter on a focused row, opens the
 * incident's card (outside Teams in the page's own dialog; in Teams as a Teams dialog, see
 * tab-in-teams.e2e.test.ts), and closing it gives the keyboard back to the row. Narrower windows
 * hide the least needed column, deliberately.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, waitForCardText } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

let stack: BrowserStack;
const ids: string[] = [];
const COLUMNS = ['Severity', 'Incident', 'User at risk', 'Alerts from', 'Status', 'Age', 'Assigned to'];

beforeAll(async () => {
  stack = await startBrowserStack({ playground: false });
  // Long names and every column filled, as a busy queue has them.
  const people = [
    { upn: 'christopher.montgomery-wellington@contoso.com', displayName: 'Christopher Montgomery-Wellington' },
    { upn: 'alexandra.vandenberg@contoso.com', displayName: 'Alexandra Vandenberg' },
    { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' },
  ];
  for (const [i, user] of people.entries()) {
    const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', {
      severity: ['high', 'informational', 'medium'][i],
      title: 'Sensitive files downloaded from SharePoint and copied to removable media',
      user,
      irmAlerts: 2,
      otherSources: ['microsoftDefenderForEndpoint', 'dataLossPrevention', 'azureAdIdentityProtection'],
    });
    ids.push(created.incidentId);
    if (i === 2) await stack.admin('PATCH', `/_admin/alerts/${created.alertIds[0]}`, { status: 'inProgress', assignedTo: 'megan.bowen.security-operations@contoso.com' });
  }
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

async function openQueue(width: number): Promise<Page> {
  const context = await stack.browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  collectPageErrors(page);
  await page.goto(`http://127.0.0.1:${stack.bot.port}/tab/`);
  for (const id of ids) await page.locator(`#queue tr[data-incident="${id}"]`).waitFor();
  return page;
}

const dialogOpen = (page: Page) => page.locator('#incident-dialog').evaluate((d) => (d as HTMLDialogElement).open);

/** Each visible header's name and right edge, and whether the queue scrolls sideways. */
const layout = (page: Page) =>
  page.evaluate(() => ({
    headers: [...document.querySelectorAll('#queue thead th')].filter((th) => (th as HTMLElement).offsetParent !== null).map((th) => ({ name: th.textContent, right: th.getBoundingClientRect().right })),
    scrollsSideways: document.documentElement.scrollWidth > document.documentElement.clientWidth || [...document.querySelectorAll('.queue')].some((q) => q.scrollWidth > q.clientWidth),
  }));

describe('the queue at common widths', () => {
  for (const width of [1400, 1024]) {
    it(`shows every column header within ${width} px, and a row click opens the incident`, async () => {
      const page = await openQueue(width);
      const { headers, scrollsSideways } = await layout(page);
      expect(headers.map((h) => h.name)).toEqual(COLUMNS);
      for (const h of headers) expect(h.right, `${h.name} at ${width} px`).toBeLessThanOrEqual(width);
      expect(scrollsSideways).toBe(false);

      const [first, second] = await page.locator('#queue tbody tr[data-incident]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-incident')!));
      // A click anywhere on the row (here: the person's cell) opens its card in a dialog.
      await page.locator(`#queue tr[data-incident="${first}"] td.col-user`).click();
      await expect.poll(() => dialogOpen(page)).toBe(true);
      await waitForCardText(page.locator('#incident-dialog #detail .ac-adaptiveCard').first(), `Insider risk incident ${first}`);
      await page.keyboard.press('Escape');
      await expect.poll(() => dialogOpen(page)).toBe(false);
      // The keyboard is back on the row it came from; Enter opens it again.
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-incident'))).toBe(first);
      await page.keyboard.press('Enter');
      await expect.poll(() => dialogOpen(page)).toBe(true);
      await waitForCardText(page.locator('#incident-dialog #detail .ac-adaptiveCard').first(), `Insider risk incident ${first}`);
      await page.locator('#close-incident').click();
      expect(await dialogOpen(page)).toBe(false);
      // Tab reaches the next row, and Enter opens that one.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-incident'))).toBe(second);
      await page.keyboard.press('Enter');
      await expect.poll(() => dialogOpen(page)).toBe(true);
      await waitForCardText(page.locator('#incident-dialog #detail .ac-adaptiveCard').first(), `Insider risk incident ${second}`);
      expect(collectPageErrors(page).unexpected()).toEqual([]);
      await page.context().close();
    });
  }

  it('hides only the tools column in a narrow window, and keeps the rest within it', async () => {
    const page = await openQueue(800);
    const { headers } = await layout(page);
    expect(headers.map((h) => h.name)).toEqual(COLUMNS.filter((c) => c !== 'Alerts from'));
    for (const h of headers) expect(h.right, `${h.name} at 800 px`).toBeLessThanOrEqual(800);
    await page.context().close();
  });
});

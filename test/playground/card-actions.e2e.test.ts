/**
 * The 3 a.m. card in the Agents Playground: the story first; Add note, Assign to me (from the
 * overflow menu), Escalate now and Reopen round-trip to the embedded tenant; the Resolve form
 * states its consequences and keeps the typed text when it must refuse.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseOption, clickCardButton, collectPageErrors, fillText, markChat, openPlayground, sendMessage, waitForCard, waitForCardText } from '../support/browser.js';
import { screenshotPath, startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

let stack: BrowserStack;
let page: Page;

const graph = <T>(path: string) => fetch(`${stack.tenant.graphBaseUrl}${path}`, { headers: { Prefer: 'include-unknown-enum-members' } }).then((r) => r.json() as Promise<T>);
const incident = (id: string) => graph<{ status: string; assignedTo: string | null; comments: { comment: string }[] }>(`/security/incidents/${id}`);

/** Secondary actions (`mode: secondary`) sit behind the card's overflow button ("…"). */
async function clickOverflowAction(card: Locator, title: string): Promise<void> {
  await card.locator('[role="button"][aria-label="More options"], button[aria-label="More options"], .ac-overflowButton, button[title="More options"]').filter({ visible: true }).first().click();
  await page.getByRole('menuitem', { name: title }).filter({ visible: true }).first().click();
}

async function newCard(body: Record<string, unknown>): Promise<{ card: Locator; incidentId: string; alertIds: string[] }> {
  const mark = await markChat(page);
  const created = await stack.admin<{ incidentId: string; alertIds: string[] }>('POST', '/_admin/incidents', body);
  await stack.bot.services.poller.poll();
  const card = await waitForCard(page, `Insider risk incident ${created.incidentId}`, { after: mark, timeout: 20_000 });
  return { card, ...created };
}

beforeAll(async () => {
  // Polls run when the test says (and at install), so a change made in the portal does not redraw
  // a card before the test clicks it: the card can be caught stale, as a slow analyst's would be.
  stack = await startBrowserStack({ env: { POLL_SCHEDULE: '0 0 1 1 *' } });
  page = await openPlayground(stack.browser, stack.playground!.url, { context: await stack.browser.newContext({ viewport: { width: 1300, height: 2200 } }) });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

describe('the 3 a.m. card in the Agents Playground', () => {
  it('tells the story first, then status, age and owner; Add note and Assign to me reach Defender', async () => {
    const { card, incidentId, alertIds } = await newCard({ severity: 'high', title: 'Sensitive files copied to USB', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' } });
    const alert = await graph<{ description: string; category: string }>(`/security/alerts_v2/${alertIds[0]}`);
    await waitForCardText(card, alert.description);
    await waitForCardText(card, new RegExp(`Activity\\s*${alert.category}`));
    await waitForCardText(card, /Files\s*\S+\.(zip|docx|xlsx|pptx|pdf)/);
    await waitForCardText(card, /Next step\s*\S/);
    await waitForCardText(card, /New since\s*\S/);
    await card.screenshot({ path: screenshotPath('incident-story.png') });

    await clickCardButton(card, 'Add note');
    await fillText(card, 'saved as a comment on the incident', 'Called the manager: last day is Friday.');
    await clickCardButton(card, 'Save note');
    // The note stays on everyone's card (the clicker's "saved" notice lasts until the shared card is redrawn).
    await waitForCardText(card, /Latest note\s*Note from Alex Wilber .*Called the manager: last day is Friday\./);
    expect((await incident(incidentId)).comments.map((c) => c.comment).join(' ')).toContain('Called the manager: last day is Friday.');

    await clickCardButton(card, 'Start investigation');
    await waitForCardText(card, /Defender status\s*In progress/);
    // A colleague takes it by command; the card follows. Then the analyst takes it back from the overflow menu.
    const me = (await incident(incidentId)).assignedTo!;
    await sendMessage(page, `assign ${incidentId} megan.bowen@contoso.com`);
    await waitForCardText(card, /Assigned to\s*megan\.bowen@contoso\.com/, { timeout: 20_000 });
    await clickOverflowAction(card, 'Assign to me');
    await waitForCardText(card, new RegExp(`Assigned to\\s*${me.replace(/\./g, '\\.')}`));
    expect((await incident(incidentId)).assignedTo).toBe(me);
  });

  it('Escalate now mentions the escalation contact; Reopen brings a resolved incident back', async () => {
    await sendMessage(page, 'oncall escalation megan.bowen@contoso.com');
    await expect.poll(async () => (await stack.bot.services.oncall.escalationContact())?.upn, { timeout: 15_000 }).toBe('megan.bowen@contoso.com');
    const { card, incidentId } = await newCard({ severity: 'medium', user: { upn: 'lee.gu@contoso.com', displayName: 'Lee Gu' } });
    const mark = await markChat(page);
    await clickOverflowAction(card, 'Escalate now');
    await waitForCardText(card, /Latest note\s*Escalated to megan\.bowen@contoso\.com by Alex Wilber/);
    await waitForCard(page, `Escalation: incident ${incidentId}`, { after: mark, timeout: 20_000 });
    expect((await incident(incidentId)).comments.map((c) => c.comment).join(' ')).toContain('Escalated to megan.bowen@contoso.com');

    await clickCardButton(card, 'Resolve');
    await chooseOption(card, 'Classification', 'False positive');
    await fillText(card, 'Comment', 'Approved transfer.');
    await clickCardButton(card, 'Submit');
    await waitForCardText(card, /Resolved · Medium severity/);
    await clickCardButton(card, 'Reopen');
    await waitForCardText(card, /Defender status\s*New/);
    await waitForCardText(card, /IRM status\s*Needs review/);
    expect((await incident(incidentId)).status).toBe('active');
  });

  it('the Resolve form says what each choice does and refuses a true positive without a comment, keeping the choice', async () => {
    const { card, incidentId } = await newCard({ severity: 'high', user: { upn: 'nestor.wilke@contoso.com' }, otherSources: ['microsoftDefenderForEndpoint'] });
    await clickCardButton(card, 'Resolve');
    await waitForCardText(card, /True positive shows Confirmed/);
    await waitForCardText(card, /Also closes this incident's alerts from other tools \(1 Defender for Endpoint\)/);
    await chooseOption(card, 'Classification', 'True positive');
    await clickCardButton(card, 'Submit');
    await waitForCardText(card, 'a true positive needs a comment');
    expect((await incident(incidentId)).status).toBe('active');
    await clickCardButton(card, 'Resolve');
    const shown = () => card.getByRole('combobox', { name: /Classification/ }).filter({ visible: true }).first().evaluate((el) => (el as HTMLInputElement).value || el.textContent || '');
    await expect.poll(shown).toContain('True positive');
    expect(collectPageErrors(page).unexpected()).toEqual([]);
  });

  it('keeps the typed comment when the card was older than the incident and the decision is refused', async () => {
    const { card, incidentId, alertIds } = await newCard({ severity: 'high', user: { upn: 'adele.vance@contoso.com', displayName: 'Adele Vance' } });
    await clickCardButton(card, 'Resolve');
    await chooseOption(card, 'Classification', 'True positive');
    const comment = 'Checked the USB serial: personal device, files are the Q3 roadmap.';
    await fillText(card, 'Comment', comment);
    // Someone changes the incident in the portal meanwhile; this card has not been redrawn.
    await stack.admin('PATCH', `/_admin/alerts/${alertIds[0]}`, { assignedTo: 'megan.bowen@contoso.com' });
    await clickCardButton(card, 'Submit');
    await waitForCardText(card, 'changed since this card was drawn');
    expect((await incident(incidentId)).status).toBe('active');
    await clickCardButton(card, 'Resolve');
    await expect.poll(() => card.getByLabel(/Comment/).filter({ visible: true }).first().inputValue()).toBe(comment);
  });
});

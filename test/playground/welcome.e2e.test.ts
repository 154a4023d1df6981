/**
 * First contact, as an analyst sees it in the Agents Playground (which installs the bot in
 * Personal Chat when it connects): the bot introduces itself in one card, then the incidents
 * already open arrive as one digest, not a card each; its Open button posts an incident's card.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardTexts, clickCardButton, openPlayground, waitForCard, waitForCardText } from '../support/browser.js';
import { screenshotPath, startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

let stack: BrowserStack;
let page: Page;

beforeAll(async () => {
  // A tenant with history: its open incidents are the install backlog.
  stack = await startBrowserStack({ seedIncidents: 8 });
  page = await openPlayground(stack.browser, stack.playground!.url, { context: await stack.browser.newContext({ viewport: { width: 1300, height: 1800 } }) });
}, 90_000);

afterAll(async () => {
  await stack?.close();
});

/** The open IRM incidents, as Defender lists them (IRM is an evolvable member of serviceSource: ask for it). */
async function openIrmIncidents(): Promise<string[]> {
  const res = await fetch(`${stack.tenant.graphBaseUrl}/security/incidents?$expand=alerts&$top=50`, { headers: { Prefer: 'include-unknown-enum-members' } });
  const body = (await res.json()) as { value: { id: string; status: string; alerts: { serviceSource: string }[] }[] };
  return body.value.filter((i) => i.status !== 'resolved' && i.alerts.some((a) => a.serviceSource === 'microsoftInsiderRiskManagement')).map((i) => i.id);
}

describe('installed in Personal Chat', () => {
  it('shows the welcome, then the open backlog as one digest; Open posts an incident card', async () => {
    const open = await openIrmIncidents();
    expect(open.length).toBeGreaterThan(1);
    const welcome = await waitForCard(page, "Hello, I'm IRM Triage", { timeout: 20_000 });
    await waitForCardText(welcome, 'New insider-risk incidents posted here: Informational severity and above.');
    await waitForCardText(welcome, 'subscribe severity>=high');
    await waitForCardText(welcome, `The ${open.length} incidents already open when I arrived follow in one summary card`);
    await waitForCardText(welcome, 'Insider risk queue');
    // An Action.OpenUrl: the Playground draws it with the link role, its target as the title.
    expect(await welcome.getByRole('link', { name: 'Open the queue' }).getAttribute('title')).toBe(stack.bot.messagesUrl.replace(/\/api\/messages$/, '/tab/index.html'));

    const digest = await waitForCard(page, `${open.length} open insider-risk incidents`, { timeout: 20_000 });
    await waitForCardText(digest, 'Already open when I was added here.');
    for (const id of open) expect(await digest.getByRole('button', { name: `Open ${id}` }).count(), id).toBe(1);
    await welcome.screenshot({ path: screenshotPath('welcome-card.png') });

    // The welcome, then the digest, and no card of its own for any incident of the backlog.
    const texts = await cardTexts(page);
    expect(texts.findIndex((t) => t.includes("Hello, I'm IRM Triage"))).toBeLessThan(texts.findIndex((t) => t.includes('Already open when I was added here.')));
    expect(texts.filter((t) => t.includes("Hello, I'm IRM Triage"))).toHaveLength(1);
    expect(texts.filter((t) => /Insider risk incident \d+/.test(t))).toEqual([]);

    const [first] = [...open].sort((a, b) => Number(b) - Number(a));
    await clickCardButton(digest, `Open ${first}`);
    await waitForCard(page, `Insider risk incident ${first}`, { timeout: 20_000 });
  });
});

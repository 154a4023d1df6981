/**
 * The tab inside Teams, in production mode: a stand-in Teams client frames it and answers
 * teams-js (initialize, the context with the user and theme, getAuthToken with a token from a
 * local stand-in for Entra ID). The tab signs in with that token; the bot validates it and acts
 * in that person's name. Outside Teams, a production bot shows nothing but how to sign in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import { PRODUCTION_ENV, TENANT_ID, USER_OID, startLocalEntra, type LocalEntra } from '../support/entra.js';
import { TEAMS_JS_VALID_DOMAINS_ANSWER, TEAMS_JS_VALID_DOMAINS_URL, teamsHostPage, type TeamsHostOptions } from '../support/teams-host.js';

let stack: BrowserStack;
let entra: LocalEntra;
let context: BrowserContext;
let dir: string;
let incidentId: string;
let origin: string;
const DANA = { name: 'Dana Analyst', upn: 'dana@contoso.com', oid: USER_OID, tid: TENANT_ID };

async function openInTeams(host: Omit<TeamsHostOptions, 'tabPath' | 'user'> & { path?: string }): Promise<{ page: Page; tab: Frame }> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  collectPageErrors(page);
  const hostUrl = `${origin}/__teams-host-${Math.random().toString(36).slice(2)}`;
  await page.route(hostUrl, (route) => route.fulfill({ contentType: 'text/html', body: teamsHostPage({ tabPath: host.path ?? '/tab/', user: DANA, theme: host.theme, token: host.token }) }));
  await page.goto(hostUrl);
  const frame = page.frameLocator('#tab');
  await frame.locator('#where').waitFor();
  const tab = page.frames().find((f) => f.url().startsWith(`${origin}/tab/`));
  if (!tab) throw new Error('the tab frame did not load');
  return { page, tab };
}

/** The dialogs the tab asked Teams to open: their page and title. */
const dialogsOpened = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __teamsArgs: { func: string; args: { url: string; title: string }[] }[] }).__teamsArgs.filter((c) => c.func === 'tasks.startTask').map((c) => ({ url: c.args[0]!.url, title: c.args[0]!.title })),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'irm-tab-teams-'));
  const roles = join(dir, 'roles.json');
  writeFileSync(roles, JSON.stringify({ principals: [{ id: USER_OID, name: 'Dana Analyst', defender: 'SecurityOperator', purview: ['Investigator'] }] }));
  entra = await startLocalEntra();
  stack = await startBrowserStack({
    playground: false,
    env: { ...PRODUCTION_ENV, ROLES_FILE: roles },
    app: { schedule: false, tabSsoJwksUrl: entra.jwksUrl, graph: { token: async () => 'graph-token-stand-in' } },
  });
  origin = `http://127.0.0.1:${stack.bot.port}`;
  incidentId = (
    await stack.admin<{ incidentId: string }>('POST', '/_admin/incidents', {
      severity: 'high',
      title: 'Source code copied to a personal repository',
      user: { upn: 'megan.bowen@contoso.com', displayName: 'Megan Bowen' },
      otherSources: ['microsoftDefenderForEndpoint'],
    })
  ).incidentId;
  context = await stack.browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Nothing may leave the machine. teams-js asks Microsoft's CDN for Teams' domains: the stand-in
  // for Teams answers that from here; anything else is refused.
  await context.route(
    (url) => !['127.0.0.1', 'localhost'].includes(url.hostname),
    (route) => (route.request().url() === TEAMS_JS_VALID_DOMAINS_URL ? route.fulfill(TEAMS_JS_VALID_DOMAINS_ANSWER) : route.abort('blockedbyclient')),
  );
}, 90_000);

afterAll(async () => {
  await stack?.close();
  await entra?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the tab in Teams (production mode)', () => {
  it('initialises teams-js, takes the theme from Teams, signs in with the SSO token, lists the queue and opens an incident as a Teams dialog', async () => {
    let { page, tab } = await openInTeams({ theme: 'dark', token: { ok: true, value: entra.mint(entra.v2Claims({ preferred_username: DANA.upn, name: DANA.name })) } });
    await expect.poll(() => tab.locator('#where').textContent(), { timeout: 10_000 }).toBe('Signed in as Dana Analyst');
    expect(await tab.evaluate(() => document.body.dataset.theme)).toBe('dark');
    await tab.locator(`#queue tr[data-incident="${incidentId}"]`).waitFor();
    expect(await tab.locator(`#queue tr[data-incident="${incidentId}"]`).innerText()).toContain('Megan Bowen (megan.bowen@contoso.com)');
    const calls = await page.evaluate(() => (window as unknown as { __teamsCalls: string[] }).__teamsCalls);
    expect(calls).toContain('initialize');
    expect(calls).toContain('getContext');
    expect(calls).toContain('authentication.getAuthToken');

    // A click on the row opens the incident as a Teams dialog (dialog.url.open: teams-js sends tasks.startTask) showing the incident page.
    const token = { ok: true as const, value: entra.mint(entra.v2Claims({ preferred_username: DANA.upn, name: DANA.name })) };
    await tab.locator(`#queue tr[data-incident="${incidentId}"] td.col-user`).click();
    await expect.poll(() => dialogsOpened(page), { timeout: 10_000 }).toEqual([{ url: `${origin}/tab/incident.html?id=${incidentId}`, title: `Incident ${incidentId}: Multi-stage incident involving Exfiltration & Execution involving one user` }]);
    expect(await tab.locator('#incident-dialog[open]').count()).toBe(0);
    // Closing it reloads the queue (the analyst may have acted in it).
    const reloaded = page.waitForRequest((r) => r.url().includes('/api/tab/incidents?'));
    expect(await page.evaluate(() => (window as unknown as { __closeDialog(): boolean }).__closeDialog())).toBe(true);
    await reloaded;

    // What Teams shows in that dialog: the incident page, signed in the same way. A decision there is Dana's.
    ({ page, tab } = await openInTeams({ theme: 'dark', token, path: `/tab/incident.html?id=${incidentId}` }));
    const card = tab.locator('#detail .ac-adaptiveCard').first();
    await card.getByRole('button', { name: 'Start investigation' }).click();
    await expect.poll(() => card.innerText(), { timeout: 10_000 }).toMatch(/Defender status\s+In progress/);

    // The user switches Teams to the light theme: the page and the card follow, and the card is not fetched again.
    // (The queue's own reload after the action may still be under way: count only reads of this incident.)
    const incidentReads = async () =>
      ((await (await fetch(`${stack.tenant.url}/_admin/requests`)).json()) as { method: string; path: string }[]).filter((r) => r.method === 'GET' && r.path.endsWith(`/security/incidents/${incidentId}`)).length;
    const before = await incidentReads();
    await page.evaluate(() => (window as unknown as { __setTheme(t: string): void }).__setTheme('default'));
    await expect.poll(() => tab.evaluate(() => document.body.dataset.theme), { timeout: 10_000 }).toBe('default');
    await expect.poll(() => tab.locator('#detail .ac-adaptiveCard').first().evaluate((el) => getComputedStyle(el).backgroundColor), { timeout: 10_000 }).toBe('rgb(255, 255, 255)');
    expect(await tab.locator('#detail .ac-adaptiveCard').first().innerText()).toMatch(/Defender status\s+In progress/);
    expect(await incidentReads()).toBe(before);
    const patches = (await (await fetch(`${stack.tenant.url}/_admin/requests`)).json()) as { method: string; body: unknown }[];
    expect(JSON.stringify(patches.filter((r) => r.method === 'PATCH'))).toContain('"assignedTo":"dana@contoso.com"');
    expect(collectPageErrors(page).unexpected()).toEqual([]);
  });

  it('says why when Teams cannot give a token, or gives one the bot refuses', async () => {
    const refused = await openInTeams({ theme: 'default', token: { ok: false, reason: 'resourceDisabled' } });
    await expect.poll(() => refused.tab.locator('#banner').textContent(), { timeout: 10_000 }).toContain('Teams could not sign you in to this tab (resourceDisabled)');
    expect(await refused.tab.locator('#queue').count()).toBe(0);

    const forged = await openInTeams({ theme: 'contrast', token: { ok: true, value: entra.mint(entra.v2Claims({ aud: '11111111-2222-3333-4444-555555555555' })) } });
    await expect.poll(() => forged.tab.locator('#banner').textContent(), { timeout: 10_000 }).toMatch(/^Teams sign-in refused: .*audience/);
    expect(await forged.tab.evaluate(() => document.body.dataset.theme)).toBe('contrast');
    expect(await forged.tab.locator('#queue').count()).toBe(0);
  });

  it('outside Teams, a production bot shows no incident, only how to sign in', async () => {
    const page = await context.newPage();
    collectPageErrors(page);
    await page.goto(`${origin}/tab/`);
    await expect.poll(() => page.locator('#banner').textContent(), { timeout: 10_000 }).toContain('Open the Insider risk queue tab in Microsoft Teams to sign in');
    expect(await page.locator('#where').textContent()).toBe('Outside Microsoft Teams');
    expect(await page.locator('#queue').count()).toBe(0);
  });
});

/**
 * Headless Chromium (Debian's /usr/bin/chromium through playwright-core) and helpers that drive
 * the Microsoft 365 Agents Playground web client (see ./playground.ts).
 *
 * Playground DOM (v0.2.28): the compose box is a Lexical editor (`[data-lexical-editor][role=textbox]`,
 * placeholder "Type a message..."), the send button has aria-label "Send Message", chats are
 * `treeitem`s ("Personal Chat" is selected on load). Each Adaptive Card renders as
 * `.ac-adaptiveCard` (an `Action.ShowCard`'s inner card is another `.ac-adaptiveCard` inside
 * it); buttons are `button`s named by title; `Input.ChoiceSet` (compact) is a Fluent combobox
 * whose options are `option`s in a popup outside the card; `Input.Text` multiline is a `textarea`.
 */
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { isLocalUrl, isPlaygroundNoise, type PageErrorEntry } from './page-noise.js';

export type { PageErrorEntry } from './page-noise.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A top-level card: a card root not nested in another card (ShowCard bodies are nested cards). */
export const CARD_ROOT = '.ac-adaptiveCard:not(.ac-adaptiveCard .ac-adaptiveCard)';

const DEFAULT_TIMEOUT = 15_000;

export async function launchBrowser(options: { headless?: boolean } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: options.headless ?? true, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/**
 * Opens the Playground in a fresh browser context and waits until the personal chat is open and
 * the compose box is ready. Requests to the internet (the page loads Segoe UI fonts and a paint
 * worklet from a CDN) are aborted so nothing waits on DNS; the errors the page logs about them
 * are the Playground's noise (./page-noise.ts), which `unexpected()` leaves out. Loading the
 * page makes the Playground send the bot `installationUpdate` and `conversationUpdate` for the
 * personal chat.
 */
export async function openPlayground(browser: Browser, url: string, options: { timeout?: number; context?: BrowserContext } = {}): Promise<Page> {
  const timeout = options.timeout ?? 30_000;
  const context = options.context ?? (await browser.newContext({ viewport: { width: 1400, height: 900 } }));
  await context.route(
    (u) => !isLocalUrl(u.href),
    (route) => route.abort('blockedbyclient'),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(DEFAULT_TIMEOUT);
  collectPageErrors(page, { playground: true }); // start recording before the page loads; later calls return this collector
  await page.addInitScript(countCardUpdates);
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout });
  } catch (err) {
    throw new Error(`Could not load the Playground at ${url}: ${(err as Error).message}`);
  }
  const personal = page.getByRole('treeitem', { name: 'Personal Chat', exact: true });
  try {
    await personal.waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`The Playground at ${url} did not show the "Personal Chat" entry within ${timeout} ms.`);
  }
  await personal.click();
  try {
    await composeBox(page).waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`The Playground at ${url} did not show the message compose box within ${timeout} ms.`);
  }
  return page;
}

/**
 * Runs in the page before the Playground's own scripts: counts the `updateMessage` frames (a
 * bot's `updateActivity`) its conversation stream delivers, in a listener that runs before the
 * client's own, so `window.__cardUpdates` moves before the client draws the update.
 */
function countCardUpdates(): void {
  const w = window as unknown as { __cardUpdates: number; WebSocket: typeof WebSocket };
  w.__cardUpdates = 0;
  const Native = w.WebSocket;
  w.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (!String(url).includes('/_ws_conversation/')) return;
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.includes('"action":"updateMessage"')) w.__cardUpdates++;
      });
    }
  };
}

/**
 * Starts watching for the bot's next `updateActivity` of a card; the answered function resolves
 * once the page has received it and drawn it. A card action's answer and the bot's update for
 * everyone reach the page by two roads (the invoke's HTTP answer, the conversation stream) in
 * either order, and drawing the update closes any form opened on the card meanwhile (as Teams
 * does): wait for it before opening a form.
 */
export async function watchCardUpdate(page: Page, options: { timeout?: number } = {}): Promise<() => Promise<void>> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const before = await page.evaluate(() => (window as unknown as { __cardUpdates: number }).__cardUpdates);
  return async () => {
    try {
      await page.waitForFunction((n) => (window as unknown as { __cardUpdates: number }).__cardUpdates > n, before, { timeout });
    } catch {
      throw new Error(`The bot did not update a card in the Playground within ${timeout} ms.`);
    }
    // The client draws in its own listener, after ours: let it, and the frame after it, run.
    await page.evaluate(() => new Promise<void>((resolve) => setTimeout(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())), 0)));
  };
}

function composeBox(page: Page): Locator {
  return page.locator('[data-lexical-editor="true"][role="textbox"]');
}

/**
 * Types `text` into the compose box and sends it (Enter); waits until the compose box is cleared.
 * Returns the chat mark from before sending: pass it as `after` to `waitForCard`
 * to wait for the reply rather than an older matching message.
 */
export async function sendMessage(page: Page, text: string, options: { timeout?: number } = {}): Promise<ChatMark> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const box = composeBox(page);
  const mark = await markChat(page);
  try {
    await box.click({ timeout });
    await box.pressSequentially(text, { timeout });
  } catch (err) {
    throw new Error(`Could not type ${JSON.stringify(text)} into the Playground compose box: ${(err as Error).message}`);
  }
  await box.press('Enter', { timeout });
  // The editor clears itself once the message is accepted.
  try {
    await page.waitForFunction(
      () => (document.querySelector('[data-lexical-editor="true"][role="textbox"]')?.textContent ?? '').trim() === '',
      undefined,
      { timeout },
    );
  } catch {
    throw new Error(`The Playground did not send ${JSON.stringify(text)} within ${timeout} ms (the compose box was not cleared).`);
  }
  return mark;
}

/** Where the chat stood at some moment: the count of top-level cards. */
export interface ChatMark {
  cards: number;
}

/** Counts cards now, so a later wait can insist on something newer (`after`). */
export async function markChat(page: Page): Promise<ChatMark> {
  return page.evaluate((card) => ({ cards: document.querySelectorAll(card).length }), CARD_ROOT);
}

/** A string matches as a case-sensitive substring (whitespace collapsed); a RegExp as given. */
function toPattern(textOrRegex: string | RegExp): { source: string; flags: string } {
  if (typeof textOrRegex !== 'string') return { source: textOrRegex.source, flags: textOrRegex.flags.replace(/[gy]/g, '') };
  const needle = textOrRegex.replace(/\s+/g, ' ').trim();
  return { source: needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags: '' };
}

/**
 * Index of the newest visible element matching `selector` at index >= `after` whose visible text
 * (innerText, whitespace collapsed) matches; waits for one. Returns -1 on timeout.
 */
async function waitForNewest(page: Page, selector: string, textOrRegex: string | RegExp, after: number, timeout: number): Promise<number> {
  const pattern = toPattern(textOrRegex);
  try {
    const handle = await page.waitForFunction(
      ({ selector, source, flags, after }) => {
        // No named inner functions here: tsx/esbuild would wrap them in a `__name` helper the page lacks.
        const all = Array.from(document.querySelectorAll(selector));
        const re = new RegExp(source, flags);
        for (let i = all.length - 1; i >= after; i--) {
          const el = all[i] as HTMLElement;
          if (el.getClientRects().length === 0) continue;
          if (re.test(el.innerText.replace(/\s+/g, ' '))) return i + 1; // truthy
        }
        return 0;
      },
      { selector, ...pattern, after },
      { timeout, polling: 100 },
    );
    return ((await handle.jsonValue()) as number) - 1;
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') return -1;
    throw err;
  }
}

function afterIndex(after: number | ChatMark | undefined, key: keyof ChatMark): number {
  if (after === undefined) return 0;
  return typeof after === 'number' ? after : after[key];
}

export interface WaitForOptions {
  timeout?: number;
  /** Only consider cards/messages that came after this mark (from `sendMessage` or `markChat`), or after this many. */
  after?: number | ChatMark;
}

/**
 * Waits for the newest top-level Adaptive Card whose visible text contains `textOrRegex` (a string
 * is a case-sensitive substring) and returns a locator pinned to that card's position in the chat
 * (the nth card root), so it keeps pointing at the same message when an `Action.Execute` response
 * or an `updateActivity` replaces the card's content. Cards posted later do not shift it.
 *
 * Without `after`, an older card that already matches satisfies the wait at once: after sending a
 * message, pass the mark `sendMessage` returned to wait for the reply's card.
 */
export async function waitForCard(page: Page, textOrRegex: string | RegExp, options: WaitForOptions = {}): Promise<Locator> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const after = afterIndex(options.after, 'cards');
  const index = await waitForNewest(page, CARD_ROOT, textOrRegex, after, timeout);
  if (index < 0) {
    const shown = await cardTexts(page).catch(() => []);
    throw new Error(
      `No Adaptive Card containing ${String(textOrRegex)}${after ? ` (newer than card #${after})` : ''} appeared within ${timeout} ms. Cards shown: ${shown.length ? shown.map((t) => JSON.stringify(t)).join(', ') : '(none)'}`,
    );
  }
  return page.locator(CARD_ROOT).nth(index);
}

/** Texts of all top-level cards on the page (for error messages and assertions). */
export async function cardTexts(page: Page): Promise<string[]> {
  return page.locator(CARD_ROOT).evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText.replace(/\s+/g, ' ').trim()));
}

/** Waits until `card` contains `textOrRegex` (e.g. after clicking an Action.Execute button). */
export async function waitForCardText(card: Locator, textOrRegex: string | RegExp, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const deadline = Date.now() + timeout;
  const { source, flags } = toPattern(textOrRegex);
  const pattern = new RegExp(source, flags);
  let last = '';
  for (;;) {
    last = await card
      .innerText({ timeout: Math.max(1, Math.min(1_000, deadline - Date.now())) })
      .then((t) => t.replace(/\s+/g, ' ').trim())
      .catch(() => last);
    if (pattern.test(last)) return;
    if (Date.now() > deadline) throw new Error(`The card did not come to contain ${String(textOrRegex)} within ${timeout} ms; it shows ${JSON.stringify(last)}.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Clicks the (visible) button titled `title` in the card, including buttons of an opened ShowCard. */
export async function clickCardButton(card: Locator, title: string | RegExp, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const button = card.getByRole('button', { name: title, exact: typeof title === 'string' }).filter({ visible: true }).first();
  try {
    await button.click({ timeout });
  } catch (err) {
    const titles = await card
      .getByRole('button')
      .filter({ visible: true })
      .evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? e.textContent ?? ''))
      .catch(() => []);
    throw new Error(`Could not click the card button ${JSON.stringify(String(title))} within ${timeout} ms (visible buttons: ${JSON.stringify(titles)}): ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * Picks `optionName` in an `Input.ChoiceSet` of the card, found by its label (accessible name)
 * or by its index among the card's comboboxes. The option list opens outside the card.
 */
export async function chooseOption(card: Locator, comboboxLabelOrIndex: string | RegExp | number, optionName: string | RegExp, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const what = typeof comboboxLabelOrIndex === 'number' ? `combobox #${comboboxLabelOrIndex}` : `combobox ${JSON.stringify(String(comboboxLabelOrIndex))}`;
  const boxes = card.getByRole('combobox').filter({ visible: true });
  const combobox =
    typeof comboboxLabelOrIndex === 'number'
      ? boxes.nth(comboboxLabelOrIndex)
      : card.getByRole('combobox', { name: comboboxLabelOrIndex }).filter({ visible: true }).first();
  try {
    await combobox.click({ timeout });
  } catch (err) {
    throw new Error(`Could not open the card's ${what} within ${timeout} ms: ${(err as Error).message.split('\n')[0]}`);
  }
  const page = card.page();
  const option = page.getByRole('option', { name: optionName, exact: typeof optionName === 'string' }).filter({ visible: true }).first();
  try {
    await option.click({ timeout });
  } catch (err) {
    const names = await page
      .getByRole('option')
      .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()))
      .catch(() => []);
    throw new Error(`Could not pick option ${JSON.stringify(String(optionName))} in the card's ${what} within ${timeout} ms (options: ${JSON.stringify(names)}): ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Fills an `Input.Text` (a textarea when multiline, an input otherwise), found by placeholder or label. */
export async function fillText(card: Locator, placeholderOrLabel: string | RegExp, text: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? DEFAULT_TIMEOUT;
  const field = card
    .getByPlaceholder(placeholderOrLabel)
    .or(card.getByLabel(placeholderOrLabel))
    .filter({ visible: true })
    .first();
  try {
    await field.fill(text, { timeout });
  } catch (err) {
    throw new Error(`Could not fill the card's text input ${JSON.stringify(String(placeholderOrLabel))} within ${timeout} ms: ${(err as Error).message.split('\n')[0]}`);
  }
}

export interface PageErrors {
  /** Everything recorded so far. */
  readonly all: PageErrorEntry[];
  /** All but the Playground page's failed loads from the internet (`isPlaygroundNoise`, ./page-noise.ts). */
  unexpected(): PageErrorEntry[];
  clear(): void;
  dispose(): void;
}

const collectors = new WeakMap<Page, PageErrors>();

/** An uncaught error's stack, message first. (A rejected DOMException comes with an empty stack.) */
function errorText(err: Error): string {
  if (err.stack && err.stack.includes(err.message)) return err.stack;
  return [`${err.name}: ${err.message}`, err.stack].filter(Boolean).join('\n');
}

/**
 * Console errors and uncaught page errors of `page`. For a page from `openPlayground` this
 * includes everything since before the page loaded; otherwise recording starts now.
 * `playground: true` (only `openPlayground` says so) marks the page as the Playground's web
 * client, whose failed loads from the internet are noise; every other page is ours.
 */
export function collectPageErrors(page: Page, options: { playground?: boolean } = {}): PageErrors {
  const existing = collectors.get(page);
  if (existing) return existing;
  const from = options.playground ? 'playground' : 'ours';
  const all: PageErrorEntry[] = [];
  const onConsole = (msg: import('playwright-core').ConsoleMessage) => {
    if (msg.type() !== 'error') return;
    all.push({ kind: 'console', text: msg.text(), url: msg.location().url, from, pageUrl: page.url() });
  };
  const onPageError = (err: Error) => all.push({ kind: 'pageerror', text: errorText(err), from, pageUrl: page.url() });
  page.on('console', onConsole);
  page.on('pageerror', onPageError);
  const collector: PageErrors = {
    all,
    unexpected: () => all.filter((e) => !isPlaygroundNoise(e)),
    clear: () => void all.splice(0),
    dispose: () => {
      page.off('console', onConsole);
      page.off('pageerror', onPageError);
      collectors.delete(page);
    },
  };
  collectors.set(page, collector);
  return collector;
}

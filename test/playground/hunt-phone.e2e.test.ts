/**
 * Hunting tables on a phone, in the Agents Playground drawn by headless Chromium: every canned
 * query's card at a phone's width, measured in the DOM. No header and no word breaks mid-word;
 * the one exception is an identifier (a file name, address or path: `.`, `_`, `@` or `\` inside
 * it) wider than its whole column, which the renderer has to cut somewhere on a phone. The table
 * does not overflow the card, and times read in the reader's own time zone.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HUNTING_QUERIES } from '../../src/hunting/queries.js';
import { collectPageErrors, openPlayground, sendMessage, waitForCard } from '../support/browser.js';
import { screenshotPath, startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import { everyQueryHasRows, huntCommandFor } from '../hunting/support/hunt-commands.js';

/** A phone's screen; the card across it less Teams mobile's margins, then a small phone's card. */
const PHONE = { width: 400, height: 1600 };
const CARD_WIDTHS = [368, 320] as const;
/** Not UTC, and not on the hour: a time shown in UTC would not match. */
const TIME_ZONE = 'Asia/Kolkata';

let stack: BrowserStack;
let page: Page;

beforeAll(async () => {
  stack = await startBrowserStack();
  // The Playground lays its chat out for a desktop (it needs 600 px to show the chat at all), so it
  // opens wide; then the window becomes a phone's, and the card the width a phone gives it.
  const context = await stack.browser.newContext({ viewport: { width: 1300, height: PHONE.height }, timezoneId: TIME_ZONE, locale: 'en-US' });
  page = await openPlayground(stack.browser, stack.playground!.url, { context });
  await page.setViewportSize(PHONE);
  await cardWidth(CARD_WIDTHS[0]);
  // Activity for every query to find: users with incidents from several tools, until each table has what a query looks for.
  const users = ['adele.vance@contoso.com', 'lee.gu@contoso.com', 'nestor.wilke@contoso.com', 'megan.bowen@contoso.com'];
  for (let i = 0; i < 40 && !everyQueryHasRows(stack.tenant.state.hunting); i++) {
    await stack.admin('POST', '/_admin/incidents', { severity: 'medium', user: { upn: users[i % users.length] }, irmAlerts: 2, otherSources: ['microsoftDefenderForEndpoint', 'azureAdIdentityProtection'] });
  }
  expect(everyQueryHasRows(stack.tenant.state.hunting)).toBe(true);
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

interface Layout {
  cardWidth: number;
  tableWidth: number;
  /** Headers whose text does not fit their cell, or wraps. */
  brokenHeaders: string[];
  /** Words that wrap mid-word: ordinary words, times, numbers, or identifiers the column could hold whole. */
  brokenWords: { word: string; width: number; column: number }[];
  /** Identifiers too long for any line of their column, which the renderer has to cut. */
  tooLong: string[];
  wordsChecked: number;
  columnWidths: number[];
}

/** Measures the card's table: which header or word the layout broke (a word on two lines has two line boxes). */
function measureTable(card: Locator): Promise<Layout> {
  return card.evaluate((root) => {
    const table = root.querySelector('[role="table"]') as HTMLElement;
    const rows = [...table.querySelectorAll(':scope > [role="row"]')] as HTMLElement[];
    const cellsOf = (row: HTMLElement) => [...row.querySelectorAll('[role="columnheader"], [role="cell"]')] as HTMLElement[];
    const lineTops = (range: Range) => new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
    /** How wide the word is on one line, in the text block's font. */
    const naturalWidth = (block: HTMLElement, word: string) => {
      const probe = document.createElement('span');
      probe.textContent = word;
      probe.style.whiteSpace = 'nowrap';
      probe.style.position = 'absolute';
      probe.style.visibility = 'hidden';
      block.appendChild(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      return width;
    };
    const result: Layout = {
      cardWidth: root.getBoundingClientRect().width,
      tableWidth: table.scrollWidth,
      brokenHeaders: [],
      brokenWords: [],
      tooLong: [],
      wordsChecked: 0,
      columnWidths: cellsOf(rows[0]!).map((c) => Math.round(c.getBoundingClientRect().width)),
    };
    rows.forEach((row, rowIndex) => {
      cellsOf(row).forEach((cell, column) => {
        const block = cell.querySelector('.ac-textBlock') as HTMLElement | null;
        const paragraph = block?.querySelector('p') ?? block;
        if (!block || !paragraph) return;
        const text = paragraph.textContent ?? '';
        if (rowIndex === 0 && block.scrollWidth > block.clientWidth) result.brokenHeaders.push(text);
        const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const token of (node.textContent ?? '').matchAll(/\S+/g)) {
            const identifier = /.[._@\\]./.test(token[0]);
            // A line may break after a hyphen (CSS does, as in LT-ADELE-25): each part is a word.
            for (const part of token[0].matchAll(/[^-]+-?|-+/g)) {
              const start = token.index + part.index;
              const range = document.createRange();
              range.setStart(node, start);
              range.setEnd(node, start + part[0].length);
              result.wordsChecked++;
              if (lineTops(range) <= 1) continue;
              const width = naturalWidth(block, part[0]);
              if (rowIndex === 0) result.brokenHeaders.push(text);
              else if (identifier && width > block.clientWidth) result.tooLong.push(part[0]);
              else result.brokenWords.push({ word: part[0], width: Math.round(width), column });
            }
          }
        }
      });
    });
    return result;
  });
}

/** Gives every card the width a phone gives it (the Playground keeps Teams desktop's 446 px whatever the window). */
async function cardWidth(width: number): Promise<void> {
  await page.evaluate((px) => {
    const style = document.getElementById('phone-card-width') ?? document.head.appendChild(Object.assign(document.createElement('style'), { id: 'phone-card-width' }));
    style.textContent = `.ac-preview-panel { width: ${px}px !important; max-width: ${px}px !important; }`;
  }, width);
}

describe('hunting tables on a phone', () => {
  it('every canned query: no header and no word is broken mid-word, and nothing overflows the card, from a small phone to a large one', async () => {
    const cards = new Map<string, Locator>();
    for (const query of HUNTING_QUERIES) {
      const mark = await sendMessage(page, huntCommandFor(stack.tenant.state.hunting, query.name));
      const card = await waitForCard(page, `Hunt: ${query.name}`, { after: mark });
      await card.locator('[role="table"]').waitFor();
      cards.set(query.name, card);
    }
    for (const width of CARD_WIDTHS) {
      await cardWidth(width);
      for (const [name, card] of cards) {
        const layout = await measureTable(card);
        const where = `${name} in a ${width}-px card (columns ${layout.columnWidths.join(', ')} px)`;
        if (name === 'user-activity' && width === CARD_WIDTHS[0]) await card.screenshot({ path: screenshotPath('hunt-table-phone.png') });
        expect(layout.cardWidth, where).toBeLessThanOrEqual(width);
        expect(layout.tableWidth, `${where}: the table overflows`).toBeLessThanOrEqual(layout.cardWidth);
        expect(layout.brokenHeaders, `${where}: headers broken`).toEqual([]);
        expect(layout.brokenWords, `${where}: words broken mid-word`).toEqual([]);
        expect(layout.wordsChecked, where).toBeGreaterThan(10);
      }
    }
    expect([...cards.keys()].sort()).toEqual(HUNTING_QUERIES.map((q) => q.name).sort());
    expect(collectPageErrors(page).unexpected()).toEqual([]);
  }, 120_000);

  it('times are the reader\'s: the card says so and shows them in the browser\'s time zone', async () => {
    const command = huntCommandFor(stack.tenant.state.hunting, 'user-activity');
    const upn = command.split('user=')[1]!;
    const newest = stack.tenant.state.hunting.DataSecurityEvents.filter((r) => r.AccountUpn === upn)
      .map((r) => String(r.Timestamp))
      .sort()
      .at(-1)!;
    const mark = await sendMessage(page, command);
    const card = await waitForCard(page, 'Hunt: user-activity', { after: mark });
    const at = new Date(newest);
    const local = `${at.toLocaleDateString('en-US', { timeZone: TIME_ZONE })} ${at.toLocaleTimeString('en-US', { timeZone: TIME_ZONE, hour: 'numeric', minute: '2-digit' })}`;
    const text = (await card.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain('Times in your time zone.');
    expect(text).toContain(local);
  }, 60_000);
});

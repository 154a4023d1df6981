/**
 * The page-error collector in real Chromium: a page that fails to load a font and a paint
 * worklet from Microsoft's CDN (as the Agents Playground does without internet) and also makes
 * errors of its own. On a page marked as the Playground's only the CDN failures are left out;
 * on any other page everything counts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, launchBrowser, type PageErrors } from '../support/browser.js';
import { isLocalUrl } from '../support/page-noise.js';

const CDN = 'https://res-1.cdn.office.net/files/fabric-cdn-prod_20240228.001/assets';
const PAGE = `<!doctype html><html><head><meta charset="utf-8">
<style>@font-face { font-family: 'Segoe UI Web'; src: url('${CDN}/fonts/segoeui-regular.woff2') format('woff2'); } body { font-family: 'Segoe UI Web'; }</style>
</head><body>hello
<script>
  // As the Playground does (it catches the rejection); the message is the one Chromium was seen to log for it.
  CSS.paintWorklet.addModule('${CDN}/animations/flair/flair.min.js').catch(() => {});
  console.error('Failed to load worklet module script: ${CDN}/animations/flair/flair.min.js (Network error)');
  fetch('/missing.json').then(() => { window.__fetched = true; });
  Promise.reject(new DOMException('our rejection', 'AbortError'));
  setTimeout(() => { window.__thrown = true; throw new TypeError('our bug'); }, 0);
</script></body></html>`;

let server: Server;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function load(playground: boolean): Promise<{ page: Page; errors: PageErrors }> {
  const context = await browser.newContext();
  await context.route((u) => !isLocalUrl(u.href), (route) => route.abort('blockedbyclient'));
  const page = await context.newPage();
  const errors = collectPageErrors(page, { playground });
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { __fetched?: boolean; __thrown?: boolean }).__fetched && (window as unknown as { __thrown?: boolean }).__thrown);
  // The CDN font and worklet failures and the 404 are reported asynchronously.
  await expect.poll(() => errors.all.filter((e) => /cdn\.office\.net/.test(`${e.text} ${e.url}`)).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  await expect.poll(() => errors.all.some((e) => e.url === `${origin}/missing.json`), { timeout: 10_000 }).toBe(true);
  return { page, errors };
}

describe('page errors', () => {
  it("on the Playground's page, leaves out only the failed loads from the CDN", async () => {
    const { page, errors } = await load(true);
    const unexpected = errors.unexpected();
    expect(unexpected.map((e) => e.text).join('\n')).not.toMatch(/cdn\.office\.net/);
    expect(unexpected.some((e) => e.kind === 'console' && e.url === `${origin}/missing.json`)).toBe(true);
    expect(unexpected.some((e) => e.kind === 'pageerror' && /^TypeError: our bug/.test(e.text))).toBe(true);
    // A rejected DOMException has no stack: its name and message still show.
    expect(unexpected.some((e) => e.kind === 'pageerror' && e.text === 'AbortError: our rejection')).toBe(true);
    expect(unexpected.length).toBeLessThan(errors.all.length);
    await page.context().close();
  });

  it('on our pages, counts everything', async () => {
    const { page, errors } = await load(false);
    expect(errors.unexpected()).toEqual(errors.all);
    expect(errors.all.filter((e) => /cdn\.office\.net/.test(`${e.text} ${e.url}`)).length).toBeGreaterThanOrEqual(2);
    await page.context().close();
  });
});
